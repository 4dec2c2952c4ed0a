"""The schema as SQLAlchemy Core tables. Migrations create it; this module is what queries use.

Money is integer minor units (BigInteger). Effective dates are DATE; recorded times are
UTC timestamps. Journal tables are append-only: triggers installed by the migrations
refuse UPDATE and DELETE, and refuse postings that break the ledger's invariants.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UTC = DateTime(timezone=True)

fund = Table(
    "fund",
    metadata,
    Column("id", String(36), primary_key=True, comment="fund identifier, signed into every checkpoint"),
    Column("code", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("terms_text", Text, nullable=False, comment="the terms file the fund was created with"),
    Column("terms_sha256", String(64), nullable=False),
    Column("start_date", Date, nullable=False, comment="no effective date may precede it"),
    Column("created_at", UTC, nullable=False),
)

account = Table(
    "account",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("type", String(10), nullable=False),
    Column("currencies", String(200), comment="comma-separated allowed currencies; NULL allows any"),
    Column("opened", Date, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    CheckConstraint("type in ('asset','liability','equity','income','expense')", name="type"),
)

account_closure = Table(
    "account_closure",
    metadata,
    Column("account_id", Integer, ForeignKey("account.id"), primary_key=True),
    Column("closed", Date, nullable=False),
    Column("recorded_at", UTC, nullable=False),
)

entry = Table(
    "entry",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False, comment="position in the fund's log"),
    Column("date", Date, nullable=False),
    Column("recorded_at", UTC, nullable=False),
    Column("key", String(200), nullable=False, unique=True, comment="idempotency key"),
    Column("narration", Text, nullable=False),
    Column("links", Text, nullable=False, server_default="[]", comment="JSON array of references"),
    Column("reverses", BigInteger, ForeignKey("entry.seq"), unique=True),
    CheckConstraint("reverses is null or reverses < seq", name="reverses_earlier"),
)

posting = Table(
    "posting",
    metadata,
    Column("entry_seq", BigInteger, ForeignKey("entry.seq"), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("date", Date, nullable=False, comment="the entry's date, kept here for as-of balances"),
    Column(
        "balance_after_minor",
        BigInteger,
        nullable=False,
        comment="running balance of the account in this currency, in log order",
    ),
    CheckConstraint("amount_minor <> 0", name="nonzero"),
)
Index(
    "ix_posting_account_date",
    posting.c.account_id,
    posting.c.date,
    posting.c.currency,
    posting.c.amount_minor,
)

event = Table(
    "event",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("recorded_at", UTC, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("data", Text, nullable=False, comment="canonical JSON"),
)
Index("ix_event_action", event.c.action)

leaf = Table(
    "leaf",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(10), nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    CheckConstraint("kind in ('entry','event')", name="kind"),
)

account_head = Table(
    "account_head",
    metadata,
    Column("account_id", Integer, ForeignKey("account.id"), primary_key=True, autoincrement=False),
    Column("currency", String(3), primary_key=True),
    Column(
        "balance_minor",
        BigInteger,
        nullable=False,
        comment="the account's balance in this currency after its last posting, in log order",
    ),
    Column("last_seq", BigInteger, nullable=False),
    comment="derived: where each running balance stands, so posting reads O(1) rows per account instead of "
    "summing the book; rewritten in the posting's transaction, checked by verify",
)

posting_total = Table(
    "posting_total",
    metadata,
    Column("span", String(5), primary_key=True, comment="day or month"),
    Column("currency", String(3), primary_key=True),
    Column("first_day", Date, primary_key=True, comment="the day, or the first day of the month"),
    Column("account_id", Integer, ForeignKey("account.id"), primary_key=True, autoincrement=False),
    Column("net_minor", BigInteger, nullable=False, comment="the sum of the postings, in minor units"),
    Column("credits_minor", BigInteger, nullable=False, comment="the sum of the negative postings alone"),
    CheckConstraint("span in ('day','month')", name="span"),
    comment="derived: each account's postings summed per currency and day, and per month, so statements "
    "read O(accounts x months) rows instead of summing the book; added to in the posting's transaction, "
    "checked by verify",
)

tree_node = Table(
    "tree_node",
    metadata,
    Column(
        "level",
        Integer,
        primary_key=True,
        autoincrement=False,
        comment=(
            "1 and up: a node of level L is the root of 256**L aligned leaves (C2SP tlog-tiles, height 8)"
        ),
    ),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    CheckConstraint("level >= 1 AND idx >= 0", name="position"),
)

partner_key = Table(
    "partner_key",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column("partner", String(8), nullable=False),
    Column("public_pem", Text, nullable=False),
    Column("registered_at", UTC, nullable=False),
)

checkpoint = Table(
    "checkpoint",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner", String(8), nullable=False),
    Column("key_id", String(16), ForeignKey("partner_key.key_id"), nullable=False),
    Column("tree_size", BigInteger, nullable=False),
    Column("root", String(64), nullable=False),
    Column("signed_at", UTC, nullable=False),
    Column("signature", String(128), nullable=False),
    Column(
        "note_signature",
        String(200),
        comment="base64 C2SP note signature (key ID || Ed25519) of the same "
        "tree head; none on checkpoints signed before migration 0012",
    ),
    UniqueConstraint("partner", "tree_size", "signed_at", name="once"),
)

# Witnesses' tlog-cosignatures of the fund's checkpoint notes (C2SP tlog-witness), as the witness returned
# them.
cosignature = Table(
    "cosignature",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tree_size", BigInteger, nullable=False),
    Column("root", String(64), nullable=False, comment="hex root of the cosigned checkpoint"),
    Column("name", String(200), nullable=False, comment="the witness's key name"),
    Column("key_id", String(8), nullable=False),
    Column("timestamp", BigInteger, nullable=False, comment="POSIX seconds the witness signed at"),
    Column(
        "signature", String(200), nullable=False, comment="base64(key ID || timestamp || Ed25519 signature)"
    ),
    Column("received_at", UTC, nullable=False),
    UniqueConstraint("name", "key_id", "tree_size", name="uq_cosignature_name"),
    CheckConstraint("tree_size > 0 AND timestamp >= 0", name="sane"),
)

# Tables no row of which may ever change or disappear.
APPEND_ONLY = (
    "fund",
    "account",
    "account_closure",
    "entry",
    "posting",
    "event",
    "leaf",
    "partner_key",
    "checkpoint",
)
TREE_APPEND_ONLY = ("tree_node",)
WITNESS_APPEND_ONLY = ("cosignature",)

# -- revenue --
# Licences, Treasury receipts, exchange rates and company-reported payments, as imported.
# Each row keeps the source's own id (the idempotency key) and where it came from; the
# import itself is an event of the log. Money stays integer minor units; a rate is exact text.

licence = Table(
    "licence",
    metadata,
    Column("licence_id", String(64), primary_key=True, comment="the special permit's own number"),
    Column("holder", Text, nullable=False),
    Column("holder_code", String(32), nullable=False, comment="company registration code (EDRPOU)"),
    Column("resource", String(40), nullable=False, comment="code from the terms' resource catalogue"),
    Column("deposit", Text, nullable=False, server_default=""),
    Column("region", Text, nullable=False, server_default=""),
    Column("issued", Date, nullable=False),
    Column("basis", String(32), nullable=False, comment="new, renewal, existing or existing_undeveloped"),
    Column("psa", Integer, nullable=False, comment="1 when under a production sharing agreement"),
    Column("source", Text, nullable=False, comment="file it was imported from"),
    Column("line", Integer, nullable=False),
    Column(
        "psa_signed", Date, comment="when the PSA was signed; null without a PSA or when the input gave none"
    ),
    Column("flags", Text, nullable=False, server_default="", comment="';'-separated eligibility flags"),
    Column(
        "other_resources",
        Text,
        nullable=False,
        server_default="",
        comment="';'-separated resources after the primary one",
    ),
    CheckConstraint("psa in (0, 1)", name="psa"),
)
Index("ix_licence_holder_code", licence.c.holder_code)

receipt = Table(
    "receipt",
    metadata,
    Column("receipt_id", String(64), primary_key=True, comment="the Treasury's own reference"),
    Column("date", Date, nullable=False),
    Column("licence_id", String(64), ForeignKey("licence.licence_id"), nullable=False),
    Column("stream", String(32), nullable=False),
    Column("amount_minor", BigInteger, nullable=False, comment="negative for a refund or correction"),
    Column("currency", String(3), nullable=False),
    Column("corrects", String(64), ForeignKey("receipt.receipt_id"), comment="the receipt this one corrects"),
    Column("source", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("resource", String(40), comment="the resource paid for; null: the licence's only one"),
    Column("budget", String(16), comment="the budget credited; null: the terms' default (state)"),
    Column("flags", Text, nullable=False, server_default="", comment="';'-separated eligibility flags"),
)
Index("ix_receipt_date", receipt.c.date)
Index("ix_receipt_licence_id", receipt.c.licence_id)
# Corrections only (a few per million receipts): each evaluation maps every correction to its original's date
# (revenue.book.rate_days), which without this index scans every receipt's wide row.
Index(
    "ix_receipt_corrects",
    receipt.c.corrects,
    sqlite_where=receipt.c.corrects.isnot(None),
    postgresql_where=receipt.c.corrects.isnot(None),
)

fx_rate = Table(
    "fx_rate",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("rate", String(40), nullable=False, comment="domestic currency per one unit, exact decimal text"),
    Column("source", Text, nullable=False),
    Column("line", Integer, nullable=False),
)

company_payment = Table(
    "company_payment",
    metadata,
    Column("payment_id", String(64), primary_key=True, comment="the company's own reference"),
    Column("date", Date, nullable=False),
    Column("holder_code", String(32), nullable=False),
    Column("licence_id", String(64), nullable=False, comment="as the company reports it; may be unknown"),
    Column("stream", String(32), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("source", Text, nullable=False),
    Column("line", Integer, nullable=False),
)
Index("ix_company_payment_date", company_payment.c.date)

# Which import brought each receipt, for imports that bring few (revenue.imports.LISTED_RECEIPTS): a reader
# that tallied the receipts up to some log position reads those imported since, not every receipt's id
# (reports.summary.year_tallies, issue 13). Private: the import's public event names no receipt.
receipt_import = Table(
    "receipt_import",
    metadata,
    Column("receipt_id", String(64), ForeignKey("receipt.receipt_id"), primary_key=True),
    Column("event_seq", BigInteger, ForeignKey("event.seq"), nullable=False),
    comment="derived: the receipts an import of few brought, by its event's log position; written in the "
    "import's transaction",
)
Index("ix_receipt_import_event_seq", receipt_import.c.event_seq)

REVENUE_APPEND_ONLY = ("licence", "receipt", "fx_rate", "company_payment", "receipt_import")

# Corrections of reference data (issue 19): a wrong rate, licence field or receipt field is never edited; a
# correction row supersedes it, with a reason and an actor, and is an event of the log (`seq`). A field's
# corrections form one chain: the first supersedes the imported value (supersedes NULL), each later one the
# correction before it; the effective value is the last. The database keeps each chain a single line.
correction = Table(
    "correction",
    metadata,
    Column(
        "seq",
        BigInteger,
        ForeignKey("event.seq"),
        primary_key=True,
        autoincrement=False,
        comment="the correction's event in the log",
    ),
    Column("kind", String(16), nullable=False, comment="rate, licence or receipt"),
    Column(
        "subject",
        String(80),
        nullable=False,
        comment="what is corrected: 'USD 2026-12-20', a licence or receipt id",
    ),
    Column("field", String(32), nullable=False),
    Column(
        "value", Text, nullable=False, comment="the effective value from now on, as an input cell writes it"
    ),
    Column("previous", Text, nullable=False, comment="the value it supersedes, as an input cell writes it"),
    Column(
        "supersedes",
        BigInteger,
        ForeignKey("correction.seq"),
        unique=True,
        comment="the correction it supersedes; null: it supersedes the imported value",
    ),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", UTC, nullable=False),
    CheckConstraint("kind in ('rate','licence','receipt')", name="kind"),
    CheckConstraint("length(reason) > 0", name="reason"),
    CheckConstraint("supersedes is null or supersedes < seq", name="supersedes_earlier"),
)
# One first correction per field: a second chain for the same field would make "the last" ambiguous.
Index(
    "ix_correction_first",
    correction.c.kind,
    correction.c.subject,
    correction.c.field,
    unique=True,
    sqlite_where=correction.c.supersedes.is_(None),
    postgresql_where=correction.c.supersedes.is_(None),
)

CORRECTION_APPEND_ONLY = ("correction",)

# -- governance --
# Members, proposals, votes, state changes and users. Every row is also an event of the log
# (`seq`), so the signed checkpoints cover it; state changes are new rows, never UPDATEs.

member = Table(
    "member",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("body", String(40), nullable=False),
    Column("partner", String(8), nullable=False),
    Column("seat", Integer, nullable=False, comment="the partner's seat in the body, from 1"),
    Column("name", String(200), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("public_pem", Text, nullable=False, comment="Ed25519 public key that checks the member's votes"),
    Column("appointed_on", Date, nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("seat >= 1", name="seat_positive"),
)

member_removal = Table(
    "member_removal",
    metadata,
    Column("member_id", Integer, ForeignKey("member.id"), primary_key=True),
    Column("removed_on", Date, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
)

proposal = Table(
    "proposal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(40), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", String(40), nullable=False, comment="deciding body, from the terms on created_on"),
    Column("rule", String(60), nullable=False),
    Column("requires_recommendation", String(40)),
    Column("amount_minor", BigInteger),
    Column("currency", String(3)),
    Column("about", String(200)),
    Column("deadline", Date, comment="last day on which votes count"),
    Column("proposer", Integer, ForeignKey("member.id"), nullable=False),
    Column("created_on", Date, nullable=False),
    Column("signature", String(128), nullable=False, comment="the proposer's, over the canonical bytes"),
    Column("content_sha256", String(64), nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    Column(
        "documents",
        Text,
        nullable=False,
        server_default="[]",
        comment="JSON array of {name, sha256, size_bytes}: the supporting documents, as signed",
    ),
    CheckConstraint("(amount_minor is null) = (currency is null)", name="amount_has_currency"),
)

vote = Table(
    "vote",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("proposal_id", Integer, ForeignKey("proposal.id"), nullable=False),
    Column("member_id", Integer, ForeignKey("member.id"), nullable=False),
    Column("choice", String(10), nullable=False),
    Column("round", Integer, nullable=False, comment="the member's 1st, 2nd... vote on the proposal"),
    Column("cast_on", Date, nullable=False),
    Column("signature", String(128), nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("choice in ('approve','reject','abstain')", name="choice"),
    UniqueConstraint("proposal_id", "member_id", "round", name="vote_once_per_round"),
)
Index("ix_vote_proposal", vote.c.proposal_id)

proposal_status = Table(
    "proposal_status",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("proposal_id", Integer, ForeignKey("proposal.id"), nullable=False),
    Column("status", String(10), nullable=False),
    Column("step", String(10), nullable=False, comment="close or execute: each happens at most once"),
    Column("effective", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("member_id", Integer, ForeignKey("member.id"), comment="who signed a withdrawal"),
    Column("signature", String(128), nullable=False, server_default=""),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("status in ('approved','rejected','expired','withdrawn','executed')", name="status"),
    CheckConstraint(
        "(status = 'executed' and step = 'execute') or (status <> 'executed' and step = 'close')", name="step"
    ),
    UniqueConstraint("proposal_id", "step", name="proposal_status_once"),
)

app_user = Table(
    "app_user",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=False, comment="argon2id; the password itself is never stored"),
    Column("created_at", UTC, nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint(
        "role in ('administrator','board_manager','committee_member','auditor','treasury_officer',"
        "'applicant','public')",
        name="role",
    ),
)

user_status = Table(
    "user_status",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(64), ForeignKey("app_user.name"), nullable=False),
    Column("enabled", Integer, nullable=False, comment="1 enabled, 0 disabled; the latest row counts"),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("enabled in (0, 1)", name="enabled"),
)

GOVERNANCE_APPEND_ONLY = (
    "member",
    "member_removal",
    "proposal",
    "vote",
    "proposal_status",
    "app_user",
    "user_status",
)

# Declared interests and recusals (issue 16, migration 0017): signed by the member, each with its event.
interest = Table(
    "interest",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("member_id", Integer, ForeignKey("member.id"), nullable=False),
    Column("party", String(200), nullable=False, comment="a company's name or registration code"),
    Column("nature", Text, nullable=False),
    Column("declared_on", Date, nullable=False),
    Column("signature", String(128), nullable=False, comment="the member's, over the declaration"),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
)

recusal = Table(
    "recusal",
    metadata,
    Column("proposal_id", Integer, ForeignKey("proposal.id"), nullable=False),
    Column("member_id", Integer, ForeignKey("member.id"), nullable=False),
    Column("recused_on", Date, nullable=False),
    Column("signature", String(128), nullable=False, comment="the member's, over the recusal"),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    PrimaryKeyConstraint("proposal_id", "member_id", name="recusal_once"),
)

RECUSAL_APPEND_ONLY = ("interest", "recusal")

# A member's replacement keys (issue 16, migration 0018), signed by the old key or the partner's authority
# key.
member_key = Table(
    "member_key",
    metadata,
    Column("member_id", Integer, ForeignKey("member.id"), nullable=False),
    Column("key_id", String(16), nullable=False, unique=True),
    Column("public_pem", Text, nullable=False),
    Column("old_key_id", String(16), nullable=False, comment="the key it replaces"),
    Column("signer", String(10), nullable=False, comment="member (the old key) or authority"),
    Column("rotated_on", Date, nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("signer in ('member','authority')", name="member_key_signer"),
)

MEMBER_KEY_APPEND_ONLY = ("member_key",)

# -- portfolio --
# Partners' in-kind contributions, the investment pipeline and investments. Money movements
# (calls, commitments, disbursements, income, valuations, distributions) live in the journal,
# linked to these rows; every row here is also an event of the log (`seq`). Stage changes are
# new rows, never UPDATEs, and the database refuses a move that does not start where the last ended.

in_kind = Table(
    "in_kind",
    metadata,
    Column("reference", String(64), primary_key=True, comment="the reporting ministry's own reference"),
    Column("partner", String(8), nullable=False),
    Column("description", Text, nullable=False),
    Column(
        "reported_minor",
        BigInteger,
        nullable=False,
        comment="the value as reported, before the board's valuation",
    ),
    Column("currency", String(3), nullable=False),
    Column("delivered_on", Date, nullable=False),
    Column(
        "proposal_id",
        Integer,
        ForeignKey("proposal.id"),
        nullable=False,
        unique=True,
        comment="the in_kind_valuation proposal whose amount is the approved value",
    ),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    Column(
        "funded_by", String(16), comment="us_funded, allied_funded or sold; NULL for rows before issue 15"
    ),
    CheckConstraint("reported_minor > 0", name="reported_positive"),
)

application = Table(
    "application",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column(
        "reference",
        String(64),
        nullable=False,
        unique=True,
        comment="the applicant's own reference, or the digest of the content: the idempotency key",
    ),
    Column("applicant", Text, nullable=False),
    Column("applicant_code", String(16), nullable=False, comment="EDRPOU registration code"),
    Column("title", Text, nullable=False),
    Column("sector", String(40), nullable=False),
    Column("region", Text, nullable=False),
    Column("resource", String(40), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("instrument", String(20), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("contact", Text, nullable=False, server_default=""),
    Column(
        "documents", Text, nullable=False, server_default="[]", comment="JSON array of document references"
    ),
    Column("submitted_on", Date, nullable=False),
    Column("source", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
)

application_stage = Table(
    "application_stage",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", Integer, ForeignKey("application.id"), nullable=False),
    Column("from_stage", String(40), comment="NULL for the submission"),
    Column("to_stage", String(40), nullable=False),
    Column("effective", Date, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column(
        "proposal_id", Integer, ForeignKey("proposal.id"), comment="the executed proposal that made the move"
    ),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    UniqueConstraint("application_id", "from_stage", name="stage_left_once"),
)
Index("ix_application_stage_application", application_stage.c.application_id)

investment = Table(
    "investment",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("application_id", Integer, ForeignKey("application.id"), nullable=False, unique=True),
    Column(
        "proposal_id",
        Integer,
        ForeignKey("proposal.id"),
        nullable=False,
        unique=True,
        comment="the executed investment proposal that committed it",
    ),
    Column("amount_minor", BigInteger, nullable=False, comment="the commitment"),
    Column("currency", String(3), nullable=False),
    Column("committed_on", Date, nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
)

PORTFOLIO_APPEND_ONLY = ("in_kind", "application", "application_stage", "investment")

# -- amendments of the terms --
# An amendment proposal signs the hash of its content (proposal.about = amendment:sha256:<hex>), and
# the content itself is an event of the same transaction. Executing the proposal adopts it here;
# `fund.load` merges every adopted amendment over the stored terms text, which is never rewritten.

terms_amendment = Table(
    "terms_amendment",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="adoption order"),
    Column(
        "proposal_id",
        Integer,
        ForeignKey("proposal.id"),
        nullable=False,
        unique=True,
        comment="the executed amendment proposal that adopted it",
    ),
    Column("effective", Date, nullable=False, comment="merged over the terms from this day on"),
    Column("reference", Text, nullable=False),
    Column(
        "content_json", Text, nullable=False, comment="the amendment's canonical JSON, as proposed and signed"
    ),
    Column("sha256", String(64), nullable=False, comment="of content_json; equals the proposal's about hash"),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
)

TERMS_APPEND_ONLY = ("terms_amendment",)

# -- the web server's own state --
# Sign-in sessions, failed sign-in counters, the signing secret and upload jobs. Not facts of the
# fund (nothing here is in the log or signed): rows come and go. They live in the database so that
# every worker and every host of `jointfund serve` shares them. Times are epoch milliseconds (UTC).

web_secret = Table(
    "web_secret",
    metadata,
    Column("name", String(32), primary_key=True),
    Column(
        "value", String(128), nullable=False, comment="random, made once by the first server that needs it"
    ),
    Column("created_ms", BigInteger, nullable=False),
)

web_session = Table(
    "web_session",
    metadata,
    Column(
        "id_sha256",
        String(64),
        primary_key=True,
        comment="SHA-256 of the cookie's value; the value itself is never stored",
    ),
    Column("user_name", String(64), ForeignKey("app_user.name"), nullable=False),
    Column("started_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Index("ix_web_session_user_name", "user_name", "started_ms"),
    Index("ix_web_session_expires_ms", "expires_ms"),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(400), primary_key=True, comment="n:<name>, a:<address> or p:<name> <address>"),
    Column("failures", Integer, nullable=False),
    Column("last_ms", BigInteger, nullable=False, comment="when the last failure happened"),
    Index("ix_login_throttle_last_ms", "last_ms"),
)

upload_job = Table(
    "upload_job",
    metadata,
    Column(
        "id", String(32), primary_key=True, comment="random (UUID hex): known before the row can be written"
    ),
    Column("kind", String(20), nullable=False, comment="licences, receipts, fx or payments"),
    Column("file", String(120), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("state", String(10), nullable=False),
    Column("rows", BigInteger, nullable=False, comment="rows read so far"),
    Column("message", Text, nullable=True, comment="the outcome in one sentence, or what it waits for"),
    Column(
        "result_json", Text, nullable=True, comment="the import's counts once done; the problems if refused"
    ),
    Column("runner", String(200), nullable=False, comment="host:pid of the server running it"),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    CheckConstraint("state in ('running','done','refused','failed','cancelled')", name="state"),
    Index("ix_upload_job_state", "state"),
)

# -- accounting periods --
# A period is closed by `jointfund period close`, which needs an executed proposal of the terms' close kind
# about it. The close's remeasurement entries are posted first; this row then seals the period: the database
# refuses any entry dated in it (store/triggers.py), and verify checks none was written after.

period_close = Table(
    "period_close",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="closing order"),
    Column("period", String(10), nullable=False, unique=True, comment="e.g. 2026-Q1, 2026-03, 2026"),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column(
        "proposal_id",
        Integer,
        ForeignKey("proposal.id"),
        nullable=False,
        unique=True,
        comment="the executed proposal that decided the close",
    ),
    Column(
        "seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True, comment="the close's event"
    ),
    CheckConstraint("first_day <= last_day", name="period_close_days"),
)
Index("ix_period_close_days", period_close.c.first_day, period_close.c.last_day)

PERIOD_APPEND_ONLY = ("period_close",)

# -- budgets, expenses and their evidence --
# A document is stored once, by the SHA-256 of its bytes (the expense's evidence); the expense and its log
# event name that hash. A budget line is adopted by an executed budget proposal; a later budget proposal with
# the same code adds a new version (the current one has the highest), never rewriting the old. The database
# refuses an expense that would take its line beyond the current version's amount (store/triggers.py).

document = Table(
    "document",
    metadata,
    Column("sha256", String(64), primary_key=True, comment="of content: the document's identity"),
    Column("name", String(200), nullable=False, comment="the file name it was first stored under"),
    Column("size_bytes", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
)

budget_line = Table(
    "budget_line",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="adoption order"),
    Column("code", String(40), nullable=False, comment="the line's name in expenses (--line)"),
    Column("version", Integer, nullable=False, comment="1 when first adopted, +1 with each amendment"),
    Column("category", String(40), nullable=False),
    Column("period", String(10), nullable=False, comment="e.g. 2026, 2026-Q1, 2026-03"),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column(
        "proposal_id",
        Integer,
        ForeignKey("proposal.id"),
        nullable=False,
        comment="the executed budget proposal that adopted this version",
    ),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    UniqueConstraint("code", "version", name="uq_budget_line_code_version"),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint("first_day <= last_day", name="days"),
)

expense = Table(
    "expense",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="recording order"),
    Column("line_code", String(40), nullable=False, comment="the budget line it is charged to"),
    Column("amount_minor", BigInteger, nullable=False, comment="in the line's currency"),
    Column("currency", String(3), nullable=False),
    Column("date", Date, nullable=False),
    Column("reference", String(100), nullable=False, unique=True, comment="the invoice's reference: the key"),
    Column(
        "document_sha256", String(64), ForeignKey("document.sha256"), nullable=False, comment="the evidence"
    ),
    Column("entry_seq", BigInteger, ForeignKey("entry.seq"), nullable=False, unique=True),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    Index("ix_expense_line_code", "line_code"),
)

BUDGET_APPEND_ONLY = ("document", "budget_line", "expense")

# -- due diligence: beneficial owners and sanctions screening (issue 16) --
# Owners are personal data: they live here, never in the log's payloads (the submission's event
# carries their digest, so they are still tamper-evident) nor in any public output. A sanctions list
# is stored whole, each import a new version keyed by its file's hash; a screening records the list
# versions it matched against and its hits, and a person's outcome (or, with nothing new to decide,
# the screener's own) is its own row.

application_owner = Table(
    "application_owner",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", Integer, ForeignKey("application.id"), nullable=False),
    Column("position", Integer, nullable=False, comment="1, 2, ... in the order the applicant gave them"),
    Column("name", Text, nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("nationality", String(2), nullable=False, comment="ISO 3166-1 alpha-2"),
    UniqueConstraint("application_id", "position", name="owner_position"),
    CheckConstraint("position >= 1", name="position_positive"),
)

sanctions_list = Table(
    "sanctions_list",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="import order"),
    Column(
        "name",
        String(64),
        nullable=False,
        comment="the fund's name for the list: ofac_sdn, eu_fsf, ua_nsdc...",
    ),
    Column("format", String(20), nullable=False),
    Column("sha256", String(64), nullable=False, comment="of the file(s) as imported"),
    Column("list_date", Date, nullable=False, comment="the publisher's date of this version"),
    Column("source", Text, nullable=False),
    Column("entries", Integer, nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    UniqueConstraint("name", "sha256", name="list_version"),
    CheckConstraint("format in ('opensanctions','ofac_sdn')", name="format"),
    CheckConstraint("entries >= 0", name="entries"),
)

sanctions_entry = Table(
    "sanctions_entry",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_id", Integer, ForeignKey("sanctions_list.id"), nullable=False),
    Column("key", String(200), nullable=False, comment="the publisher's id: OpenSanctions id, OFAC ent_num"),
    Column(
        "kind", String(40), nullable=False, comment="Person, Company, Organization, Vessel... as published"
    ),
    Column("name", Text, nullable=False),
    Column("aliases", Text, nullable=False, server_default="[]", comment="JSON array"),
    Column("birth_dates", Text, nullable=False, server_default="[]", comment="JSON array of YYYY[-MM[-DD]]"),
    Column("countries", Text, nullable=False, server_default="[]", comment="JSON array"),
    Column("identifiers", Text, nullable=False, server_default="[]", comment="JSON array"),
    Column("programs", Text, nullable=False, server_default=""),
    UniqueConstraint("list_id", "key", name="entry_key"),
)

screening = Table(
    "screening",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("application_id", Integer, ForeignKey("application.id"), nullable=False),
    Column("lists", Text, nullable=False, comment="JSON array of the sanctions_list ids matched against"),
    Column("hits", Text, nullable=False, comment="JSON array of the hits"),
    Column("screened_on", Date, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
)
Index("ix_screening_application", screening.c.application_id)

screening_outcome = Table(
    "screening_outcome",
    metadata,
    Column(
        "screening_id",
        Integer,
        ForeignKey("screening.id"),
        primary_key=True,
        autoincrement=False,
        comment="one outcome per screening",
    ),
    Column("outcome", String(8), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column(
        "automatic",
        Integer,
        nullable=False,
        comment="1: no new hit, the screener cleared it; 0: a person decided",
    ),
    Column("decided_on", Date, nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("outcome in ('cleared','blocked')", name="outcome"),
    CheckConstraint("length(reason) > 0", name="reason"),
    CheckConstraint("automatic in (0, 1)", name="automatic"),
    CheckConstraint("automatic = 0 OR outcome = 'cleared'", name="only_people_block"),
)

SCREENING_APPEND_ONLY = (
    "application_owner",
    "sanctions_list",
    "sanctions_entry",
    "screening",
    "screening_outcome",
)

# The first person's clearance of a screening's hits (issue 16, migration 0019): a different user confirms it,
# and only then is the outcome `cleared` recorded (four eyes); the database refuses a person's clearance
# outcome without it.
screening_clearance = Table(
    "screening_clearance",
    metadata,
    Column("screening_id", Integer, ForeignKey("screening.id"), primary_key=True, autoincrement=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False, comment="the first person; the outcome's actor confirms"),
    Column("cleared_on", Date, nullable=False),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("length(reason) > 0", name="clearance_reason"),
)

CLEARANCE_APPEND_ONLY = ("screening_clearance",)

# A seated member's countersignature of a change another user asked for (migration 0023,
# governance.countersign): beside the change's event `seq`, written before the change's own row, so that
# the database refuses a person's sanctions clearance or a correction without one. The signature is checked
# by the domain and by verify (SQL cannot check Ed25519); the database checks the member's seat and the asker.
countersignature = Table(
    "countersignature",
    metadata,
    Column("seq", BigInteger, ForeignKey("event.seq"), primary_key=True, autoincrement=False),
    Column(
        "kind", String(40), nullable=False, comment="what is countersigned: screening.clear or correction"
    ),
    Column("member_id", Integer, ForeignKey("member.id"), nullable=False),
    Column("requested_by", String(200), nullable=False, comment="the user who asked for the change"),
    Column("signature", String(128), nullable=False, comment="Ed25519, hex"),
    CheckConstraint("length(signature) = 128", name="countersignature_length"),
)

COUNTERSIGNATURE_APPEND_ONLY = ("countersignature",)

# From which log position each kind of change needs a countersignature (migration 0024,
# governance.countersign.start_rules): a kind without a row needs one from the start of the log. A database
# that held such changes before the rule existed (a correction made before migration 0023) records here the
# position the rule took effect at, so that verify and the triggers hold each change to the rule of its time.
# The position is also logged (countersign.RULE_ACTION), so the partners' checkpoints cover it and verify
# finds a row changed after the fact.
countersign_rule = Table(
    "countersign_rule",
    metadata,
    Column("kind", String(40), primary_key=True, comment="a countersignature kind, as countersignature.kind"),
    Column(
        "since_seq",
        BigInteger,
        nullable=False,
        comment="the first log position whose change of this kind needs a countersignature",
    ),
    CheckConstraint("since_seq >= 1", name="countersign_rule_since"),
)

COUNTERSIGN_RULE_APPEND_ONLY = ("countersign_rule",)

# The stages the terms screen, from each date on (migration 0021): the terms' [pipeline.screening] stages at
# the fund's start and at each adopted amendment's effective date, written by
# jointfund.fund.write_screening_gate and checked against the terms by verify. It lets the database itself
# refuse a move into a screened stage without a cleared screening (triggers.screening_gate_statements);
# rewritten whole when an amendment is adopted.
screening_gate = Table(
    "screening_gate",
    metadata,
    Column("effective", Date, primary_key=True),
    Column("stages", Text, nullable=False, comment="JSON array of the stage codes the terms screen"),
)
# -- the register of the agreements' commitments (issue 15) --
# The commitments themselves are shipped files (jointfund/commitments); what happens to them is stored here:
# events that trigger them, recorded outcomes with their evidence (in `document`, kept by content), and
# investments
# tagged with the security agreement's areas of cooperation. Every row is an event of the log (`seq`).

commitment_event = Table(
    "commitment_event",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="recording order"),
    Column("kind", String(40), nullable=False, comment="an event code of an agreement file: armed_attack..."),
    Column("agreement", String(40), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
)

commitment_record = Table(
    "commitment_record",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="recording order"),
    Column("commitment", String(80), nullable=False, comment="the id of a commitment of an agreement file"),
    Column("due", Date, comment="the occurrence it settles; NULL for a commitment with no due date"),
    Column("status", String(10), nullable=False),
    Column("occurred_on", Date, nullable=False, comment="when it was met, late, breached or waived"),
    Column("evidence", Text, nullable=False, server_default="[]", comment="JSON array of document sha256"),
    Column("note", Text, nullable=False, server_default=""),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    CheckConstraint("status in ('met', 'late', 'breached', 'waived')", name="commitment_record_status"),
)
Index("ix_commitment_record_commitment", commitment_record.c.commitment)

investment_area = Table(
    "investment_area",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("investment_id", Integer, ForeignKey("investment.id"), nullable=False),
    Column("area", String(40), nullable=False, comment="an area of cooperation of an agreement file"),
    Column("seq", BigInteger, ForeignKey("event.seq"), nullable=False, unique=True),
    UniqueConstraint("investment_id", "area", name="investment_area_once"),
)

COMMITMENTS_APPEND_ONLY = ("commitment_event", "commitment_record", "investment_area")
