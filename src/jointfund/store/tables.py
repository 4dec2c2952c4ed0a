"""The schema as SQLAlchemy Core tables. Migrations create it; this module is what queries use.

Money is integer minor units (BigInteger). Effective dates are DATE; recorded times are
UTC timestamps. Journal tables are append-only: triggers installed by the migrations
refuse UPDATE and DELETE, and refuse postings that break the ledger's invariants.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, LargeBinary,
    MetaData, String, Table, Text, UniqueConstraint,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

UTC = DateTime(timezone=True)

fund = Table(
    "fund", metadata,
    Column("id", String(36), primary_key=True, comment="fund identifier, signed into every checkpoint"),
    Column("code", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("terms_text", Text, nullable=False, comment="the terms file the fund was created with"),
    Column("terms_sha256", String(64), nullable=False),
    Column("start_date", Date, nullable=False, comment="no effective date may precede it"),
    Column("created_at", UTC, nullable=False),
)

account = Table(
    "account", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("type", String(10), nullable=False),
    Column("currencies", String(200), comment="comma-separated allowed currencies; NULL allows any"),
    Column("opened", Date, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    CheckConstraint("type in ('asset','liability','equity','income','expense')", name="type"),
)

account_closure = Table(
    "account_closure", metadata,
    Column("account_id", Integer, ForeignKey("account.id"), primary_key=True),
    Column("closed", Date, nullable=False),
    Column("recorded_at", UTC, nullable=False),
)

entry = Table(
    "entry", metadata,
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
    "posting", metadata,
    Column("entry_seq", BigInteger, ForeignKey("entry.seq"), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("date", Date, nullable=False, comment="the entry's date, kept here for as-of balances"),
    Column("balance_after_minor", BigInteger, nullable=False,
           comment="running balance of the account in this currency, in log order"),
    CheckConstraint("amount_minor <> 0", name="nonzero"),
)
Index("ix_posting_account_date", posting.c.account_id, posting.c.date, posting.c.currency, posting.c.amount_minor)

event = Table(
    "event", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("recorded_at", UTC, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("data", Text, nullable=False, comment="canonical JSON"),
)
Index("ix_event_action", event.c.action)

leaf = Table(
    "leaf", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(10), nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    CheckConstraint("kind in ('entry','event')", name="kind"),
)

partner_key = Table(
    "partner_key", metadata,
    Column("key_id", String(16), primary_key=True),
    Column("partner", String(8), nullable=False),
    Column("public_pem", Text, nullable=False),
    Column("registered_at", UTC, nullable=False),
)

checkpoint = Table(
    "checkpoint", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner", String(8), nullable=False),
    Column("key_id", String(16), ForeignKey("partner_key.key_id"), nullable=False),
    Column("tree_size", BigInteger, nullable=False),
    Column("root", String(64), nullable=False),
    Column("signed_at", UTC, nullable=False),
    Column("signature", String(128), nullable=False),
    UniqueConstraint("partner", "tree_size", "signed_at", name="once"),
)

# Tables no row of which may ever change or disappear.
APPEND_ONLY = ("fund", "account", "account_closure", "entry", "posting", "event", "leaf", "partner_key", "checkpoint")
