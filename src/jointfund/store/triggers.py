"""Ledger invariants enforced by the database itself, on SQLite and PostgreSQL alike.

The application checks the same rules before writing (ledger.entry.check_entry) and
`jointfund verify` checks them again after reading; these triggers make sure that
no other writer, and no bug, can slip past both.

Order of writing one entry: the entry row, its postings, then its leaf. Inserting the
leaf seals the entry: the trigger checks it balances, and later postings are refused.

No SQL here is built from values at run time (issue 17). Guards that differ only in their table, name,
condition and message are declared once in a table (APPEND_ONLY_TABLES, GUARDS) and rendered into SQL text
when this module is imported, from those code constants alone; the rest is literal text. Every function
below only looks the text up, so what a migration runs is fixed before any migration runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Template
from typing import NamedTuple

from jointfund.store import tables
from jointfund.store.tables import APPEND_ONLY

_SQLITE_RULES = {
    "posting_sealed": """
CREATE TRIGGER posting_sealed BEFORE INSERT ON posting
WHEN EXISTS (SELECT 1 FROM leaf WHERE seq = NEW.entry_seq)
BEGIN SELECT RAISE(ABORT, 'posting refused: entry is already sealed in the log'); END""",
    "posting_date": """
CREATE TRIGGER posting_date BEFORE INSERT ON posting
WHEN NEW.date IS NOT (SELECT date FROM entry WHERE seq = NEW.entry_seq)
BEGIN SELECT RAISE(ABORT, 'posting refused: date differs from its entry'); END""",
    "posting_currency": """
CREATE TRIGGER posting_currency BEFORE INSERT ON posting
WHEN (SELECT currencies FROM account WHERE id = NEW.account_id) IS NOT NULL
 AND instr(',' || (SELECT currencies FROM account WHERE id = NEW.account_id) || ',', ',' || NEW.currency || \
',') = 0
BEGIN SELECT RAISE(ABORT, 'posting refused: currency not allowed in account'); END""",
    "posting_open": """
CREATE TRIGGER posting_open BEFORE INSERT ON posting
WHEN NEW.date < (SELECT opened FROM account WHERE id = NEW.account_id)
  OR NEW.date >= (SELECT closed FROM account_closure WHERE account_id = NEW.account_id)
BEGIN SELECT RAISE(ABORT, 'posting refused: account not open on that date'); END""",
    "leaf_contiguous": """
CREATE TRIGGER leaf_contiguous BEFORE INSERT ON leaf
WHEN NEW.seq <> (SELECT COALESCE(MAX(seq), 0) + 1 FROM leaf)
BEGIN SELECT RAISE(ABORT, 'log refused: records must be appended in sequence'); END""",
    "leaf_entry_balanced": """
CREATE TRIGGER leaf_entry_balanced BEFORE INSERT ON leaf
WHEN NEW.kind = 'entry' AND (
  (SELECT COUNT(*) FROM posting WHERE entry_seq = NEW.seq) < 2
  OR EXISTS (SELECT 1 FROM posting WHERE entry_seq = NEW.seq GROUP BY currency HAVING SUM(amount_minor) <> 0))
BEGIN SELECT RAISE(ABORT, 'entry refused: it does not balance in each currency'); END""",
    "leaf_event_exists": """
CREATE TRIGGER leaf_event_exists BEFORE INSERT ON leaf
WHEN NEW.kind = 'event' AND NOT EXISTS (SELECT 1 FROM event WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'log refused: no event with that sequence number'); END""",
}

# Migration 0005 replaced the four posting triggers above (kept as 0001 installed them) with this one:
# the same four refusals, but one trigger program and one account look-up per posting instead of four
# programs and three look-ups (about 2 µs less per posting row on SQLite). PostgreSQL always had a single
# posting trigger (jf_posting_check below).
SQLITE_POSTING_GUARD = """
CREATE TRIGGER posting_check BEFORE INSERT ON posting
BEGIN
  SELECT CASE
    WHEN EXISTS (SELECT 1 FROM leaf WHERE seq = NEW.entry_seq)
      THEN RAISE(ABORT, 'posting refused: entry is already sealed in the log')
    WHEN NEW.date IS NOT (SELECT date FROM entry WHERE seq = NEW.entry_seq)
      THEN RAISE(ABORT, 'posting refused: date differs from its entry')
    WHEN instr(',' || a.currencies || ',', ',' || NEW.currency || ',') = 0
      THEN RAISE(ABORT, 'posting refused: currency not allowed in account')
    WHEN NEW.date < a.opened OR NEW.date >= (SELECT closed FROM account_closure WHERE account_id = \
NEW.account_id)
      THEN RAISE(ABORT, 'posting refused: account not open on that date')
  END
  FROM (SELECT 1) LEFT JOIN account a ON a.id = NEW.account_id;
END"""
# Likewise the three leaf triggers (each trigger program costs ≈ 1.7 µs per row before it checks anything).
SQLITE_LEAF_GUARD = """
CREATE TRIGGER leaf_check BEFORE INSERT ON leaf
BEGIN
  SELECT CASE
    WHEN NEW.seq <> (SELECT COALESCE(MAX(seq), 0) + 1 FROM leaf)
      THEN RAISE(ABORT, 'log refused: records must be appended in sequence')
    WHEN NEW.kind = 'entry' AND (
        -- one pass over the entry's postings; the grouped sum only when it has several currencies
        SELECT COUNT(*) < 2 OR CASE WHEN MIN(currency) = MAX(currency) THEN SUM(amount_minor) <> 0
          ELSE EXISTS (SELECT 1 FROM posting WHERE entry_seq = NEW.seq GROUP BY currency HAVING \
SUM(amount_minor) <> 0) END
        FROM posting WHERE entry_seq = NEW.seq)
      THEN RAISE(ABORT, 'entry refused: it does not balance in each currency')
    WHEN NEW.kind = 'event' AND NOT EXISTS (SELECT 1 FROM event WHERE seq = NEW.seq)
      THEN RAISE(ABORT, 'log refused: no event with that sequence number')
  END;
END"""

_PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION jf_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION jf_posting_check() RETURNS trigger AS $$
DECLARE allowed text; opened date; closed date;
BEGIN
  IF EXISTS (SELECT 1 FROM leaf WHERE seq = NEW.entry_seq) THEN
    RAISE EXCEPTION 'posting refused: entry is already sealed in the log';
  END IF;
  IF NEW.date IS DISTINCT FROM (SELECT date FROM entry WHERE seq = NEW.entry_seq) THEN
    RAISE EXCEPTION 'posting refused: date differs from its entry';
  END IF;
  SELECT a.currencies, a.opened INTO allowed, opened FROM account a WHERE a.id = NEW.account_id;
  IF allowed IS NOT NULL AND position(',' || NEW.currency || ',' IN ',' || allowed || ',') = 0 THEN
    RAISE EXCEPTION 'posting refused: currency not allowed in account';
  END IF;
  SELECT c.closed INTO closed FROM account_closure c WHERE c.account_id = NEW.account_id;
  IF NEW.date < opened OR (closed IS NOT NULL AND NEW.date >= closed) THEN
    RAISE EXCEPTION 'posting refused: account not open on that date';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION jf_leaf_check() RETURNS trigger AS $$
BEGIN
  IF NEW.seq <> (SELECT COALESCE(MAX(seq), 0) + 1 FROM leaf) THEN
    RAISE EXCEPTION 'log refused: records must be appended in sequence';
  END IF;
  IF NEW.kind = 'entry' AND (
      (SELECT COUNT(*) FROM posting WHERE entry_seq = NEW.seq) < 2
      OR EXISTS (SELECT 1 FROM posting WHERE entry_seq = NEW.seq GROUP BY currency HAVING SUM(amount_minor) \
<> 0)) THEN
    RAISE EXCEPTION 'entry refused: it does not balance in each currency';
  END IF;
  IF NEW.kind = 'event' AND NOT EXISTS (SELECT 1 FROM event WHERE seq = NEW.seq) THEN
    RAISE EXCEPTION 'log refused: no event with that sequence number';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


class _Sql(Template):
    """A DDL template whose placeholders are §{name}: `$` is PL/pgSQL's quote ($$) and cannot be one."""

    delimiter = "§"


def _render(template: str, **values: str) -> str:
    """`template` filled in from code constants, at import time only."""
    return _Sql(template).substitute(values)


DIALECTS = ("sqlite", "postgresql")


def _of(texts: Mapping[tuple[str, str], tuple[str, ...]], dialect: str, key: str) -> list[str]:
    """The rendered statements of `key` for `dialect`, or a clear error naming what is not declared."""
    if dialect not in DIALECTS:
        raise ValueError(f"database dialect {dialect!r}: jointfund runs on {' or '.join(DIALECTS)}")
    found = texts.get((dialect, key))
    if found is None:
        raise ValueError(f"{key!r} is not declared in store.triggers (nor in store.tables' *_APPEND_ONLY)")
    return list(found)


# Every append-only table of the schema: the union of store.tables' *_APPEND_ONLY tuples, which the
# migrations pass here and store.guards expects guarded.
APPEND_ONLY_TABLES = tuple(
    sorted({t for name in dir(tables) if name.endswith("APPEND_ONLY") for t in getattr(tables, name)})
)
_APPEND_ONLY_TEMPLATES = {
    "sqlite": (
        "CREATE TRIGGER §{t}_no_update BEFORE UPDATE ON §t BEGIN SELECT RAISE(ABORT, '§t is append-only: "
        "UPDATE refused'); END",
        "CREATE TRIGGER §{t}_no_delete BEFORE DELETE ON §t BEGIN SELECT RAISE(ABORT, '§t is append-only: "
        "DELETE refused'); END",
    ),
    "postgresql": (
        "CREATE TRIGGER §{t}_no_update BEFORE UPDATE ON §t FOR EACH ROW EXECUTE FUNCTION jf_append_only()",
        "CREATE TRIGGER §{t}_no_delete BEFORE DELETE ON §t FOR EACH ROW EXECUTE FUNCTION jf_append_only()",
        # TRUNCATE skips row triggers in PostgreSQL; a statement trigger closes that door too.
        "CREATE TRIGGER §{t}_no_truncate BEFORE TRUNCATE ON §t FOR EACH STATEMENT "
        "EXECUTE FUNCTION jf_append_only()",
    ),
}
# What an attacker with database access would run; used only by the tamper tests.
_DROP_TEMPLATES = {
    "sqlite": ("DROP TRIGGER IF EXISTS §{t}_no_update", "DROP TRIGGER IF EXISTS §{t}_no_delete"),
    "postgresql": (
        "DROP TRIGGER IF EXISTS §{t}_no_update ON §t",
        "DROP TRIGGER IF EXISTS §{t}_no_delete ON §t",
    ),
}
_APPEND_ONLY = {
    (d, t): tuple(_render(x, t=t) for x in templates)
    for d, templates in _APPEND_ONLY_TEMPLATES.items()
    for t in APPEND_ONLY_TABLES
}
_DROPS = {
    (d, t): tuple(_render(x, t=t) for x in templates)
    for d, templates in _DROP_TEMPLATES.items()
    for t in APPEND_ONLY_TABLES
}


def append_only_guard_names(table: str) -> tuple[str, str]:
    return (f"{table}_no_update", f"{table}_no_delete")


def create_statements(dialect: str, tables: tuple[str, ...] = APPEND_ONLY) -> list[str]:
    """DDL installing every guard of the core schema, for `dialect` ('sqlite' or 'postgresql')."""
    if dialect == "sqlite":
        return append_only_statements(dialect, tables) + list(_SQLITE_RULES.values())
    return [
        _PG_FUNCTIONS,
        *append_only_statements(dialect, tables),
        "CREATE TRIGGER posting_check BEFORE INSERT ON posting FOR EACH ROW EXECUTE FUNCTION "
        "jf_posting_check()",
        "CREATE TRIGGER leaf_check BEFORE INSERT ON leaf FOR EACH ROW EXECUTE FUNCTION jf_leaf_check()",
    ]


def append_only_statements(dialect: str, tables: tuple[str, ...]) -> list[str]:
    """UPDATE/DELETE guards for `tables`; later migrations call this for the tables they add."""
    return [s for t in tables for s in _of(_APPEND_ONLY, dialect, t)]


def drop_guard_statements(dialect: str, table: str) -> list[str]:
    """What an attacker with database access would run; used only by the tamper tests."""
    return _of(_DROPS, dialect, table)


# Migration 0005 dropped the SQLite triggers its two guards replace.
SQLITE_RETIRED_DROPS = (
    "DROP TRIGGER IF EXISTS posting_sealed",
    "DROP TRIGGER IF EXISTS posting_date",
    "DROP TRIGGER IF EXISTS posting_currency",
    "DROP TRIGGER IF EXISTS posting_open",
    "DROP TRIGGER IF EXISTS leaf_contiguous",
    "DROP TRIGGER IF EXISTS leaf_entry_balanced",
    "DROP TRIGGER IF EXISTS leaf_event_exists",
)


def period_guard_statements(dialect: str) -> list[str]:
    """The guard refusing any entry dated in a closed period (migration 0009); corrections go to an open
    one."""
    return _of(_LITERAL, dialect, "entry_period_open")


def budget_guard_statements(dialect: str) -> list[str]:
    """The guards of budget lines (migration 0013): an expense must fit its line's current version (its
    currency, its period and what is left of its amount), and an amended line may not fall below what was
    spent."""
    return _of(_LITERAL, dialect, "budget")


def correction_guard_statements(dialect: str) -> list[str]:
    """The guard keeping each correction chain about one field (migration 0014): a correction may supersede
    only a correction of the same kind, subject and field. (The unique `supersedes` and the unique first
    link keep the chain a single line; revenue/correction.py and verify check the same.)"""
    return _of(_LITERAL, dialect, "correction_chain")


# Guards written as whole text, each in its two dialects (the messages repeat: SQL has no constants).
_LITERAL: dict[tuple[str, str], tuple[str, ...]] = {
    ("sqlite", "entry_period_open"): (
        """
CREATE TRIGGER entry_period_open BEFORE INSERT ON entry
WHEN EXISTS (SELECT 1 FROM period_close WHERE NEW.date BETWEEN first_day AND last_day)
BEGIN SELECT RAISE(ABORT, 'entry refused: its date is in a closed period; post the correction in an open \
period'); END""",
    ),
    ("postgresql", "entry_period_open"): (
        """
CREATE OR REPLACE FUNCTION jf_entry_period_open() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM period_close WHERE NEW.date BETWEEN first_day AND last_day) THEN
    RAISE EXCEPTION 'entry refused: its date is in a closed period; post the correction in an open period';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER entry_period_open BEFORE INSERT ON entry FOR EACH ROW EXECUTE FUNCTION "
        "jf_entry_period_open()",
    ),
    ("sqlite", "budget"): (
        """
CREATE TRIGGER expense_within_line BEFORE INSERT ON expense
BEGIN
  SELECT CASE
    WHEN l.code IS NULL THEN RAISE(ABORT, 'expense refused: no budget line with that code')
    WHEN NEW.currency <> l.currency THEN RAISE(ABORT, 'expense refused: its currency differs from its budget \
line')
    WHEN NEW.date < l.first_day OR NEW.date > l.last_day THEN RAISE(ABORT, 'expense refused: dated outside \
its budget line''s period')
    WHEN (SELECT COALESCE(SUM(amount_minor), 0) FROM expense WHERE line_code = NEW.line_code) + \
NEW.amount_minor
         > l.amount_minor THEN RAISE(ABORT, 'expense refused: it would exceed its budget line; the line \
needs a budget amendment')
  END
  FROM (SELECT 1) LEFT JOIN budget_line l ON l.code = NEW.line_code
   AND l.version = (SELECT MAX(version) FROM budget_line WHERE code = NEW.line_code);
END""",
        """
CREATE TRIGGER budget_line_covers_spent BEFORE INSERT ON budget_line
WHEN (SELECT COALESCE(SUM(amount_minor), 0) FROM expense WHERE line_code = NEW.code) > NEW.amount_minor
BEGIN SELECT RAISE(ABORT, 'budget line refused: its amount is below what was already spent on it'); END""",
    ),
    ("postgresql", "budget"): (
        """
CREATE OR REPLACE FUNCTION jf_expense_within_line() RETURNS trigger AS $$
DECLARE l budget_line%ROWTYPE; spent bigint;
BEGIN
  SELECT * INTO l FROM budget_line WHERE code = NEW.line_code ORDER BY version DESC LIMIT 1;
  IF NOT FOUND THEN RAISE EXCEPTION 'expense refused: no budget line with that code'; END IF;
  IF NEW.currency <> l.currency THEN RAISE EXCEPTION 'expense refused: its currency differs from its budget \
line'; END IF;
  IF NEW.date < l.first_day OR NEW.date > l.last_day THEN RAISE EXCEPTION 'expense refused: dated outside \
its budget line''s period'; END IF;
  SELECT COALESCE(SUM(amount_minor), 0) INTO spent FROM expense WHERE line_code = NEW.line_code;
  IF spent + NEW.amount_minor > l.amount_minor THEN RAISE EXCEPTION 'expense refused: it would exceed its \
budget line; the line needs a budget amendment'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER expense_within_line BEFORE INSERT ON expense FOR EACH ROW "
        "EXECUTE FUNCTION jf_expense_within_line()",
        """
CREATE OR REPLACE FUNCTION jf_budget_line_covers_spent() RETURNS trigger AS $$
BEGIN
  IF (SELECT COALESCE(SUM(amount_minor), 0) FROM expense WHERE line_code = NEW.code) > NEW.amount_minor THEN
    RAISE EXCEPTION 'budget line refused: its amount is below what was already spent on it';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER budget_line_covers_spent BEFORE INSERT ON budget_line FOR EACH ROW "
        "EXECUTE FUNCTION jf_budget_line_covers_spent()",
    ),
    ("sqlite", "correction_chain"): (
        """
CREATE TRIGGER correction_chain BEFORE INSERT ON correction
WHEN NEW.supersedes IS NOT NULL AND EXISTS (SELECT 1 FROM correction c WHERE c.seq = NEW.supersedes AND \
(c.kind <> NEW.kind OR c.subject <> NEW.subject OR c.field <> NEW.field))
BEGIN SELECT RAISE(ABORT, 'correction refused: it supersedes a correction of another record or field'); \
END""",
    ),
    ("postgresql", "correction_chain"): (
        """
CREATE OR REPLACE FUNCTION jf_correction_chain() RETURNS trigger AS $$
BEGIN
  IF NEW.supersedes IS NOT NULL AND EXISTS (SELECT 1 FROM correction c WHERE c.seq = NEW.supersedes AND \
(c.kind <> NEW.kind OR c.subject <> NEW.subject OR c.field <> NEW.field)) THEN
    RAISE EXCEPTION 'correction refused: it supersedes a correction of another record or field';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER correction_chain BEFORE INSERT ON correction FOR EACH ROW EXECUTE "
        "FUNCTION jf_correction_chain()",
    ),
}


class Guard(NamedTuple):
    """A BEFORE INSERT guard on `table` named `name`, refusing a row when `condition` (SQL over NEW) holds.

    `pg_condition` is the PostgreSQL spelling where the two dialects differ (JSON, IS DISTINCT FROM).
    """

    table: str
    name: str
    condition: str
    message: str
    pg_condition: str | None = None


_GUARD_TEMPLATES = {
    "sqlite": (
        "CREATE TRIGGER §name BEFORE INSERT ON §table WHEN §condition "
        "BEGIN SELECT RAISE(ABORT, '§message'); END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION jf_§{name}() RETURNS trigger AS $$ BEGIN IF §condition THEN RAISE "
        "EXCEPTION '§message'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER §name BEFORE INSERT ON §table FOR EACH ROW EXECUTE FUNCTION jf_§{name}()",
    ),
}

# The stage a new row leaves must be the stage the application's last row reached (NULL: none yet).
_LAST_STAGE = (
    "(SELECT s.to_stage FROM application_stage s WHERE s.application_id = NEW.application_id ORDER "
    "BY s.id DESC LIMIT 1)"
)
_SCREENED = (
    "EXISTS (SELECT 1 FROM json_each((SELECT g.stages FROM screening_gate g WHERE g.effective <= "
    "NEW.effective ORDER BY g.effective DESC LIMIT 1)) WHERE value = NEW.to_stage)"
)
_PG_SCREENED = (
    "COALESCE((SELECT g.stages::jsonb FROM screening_gate g WHERE g.effective <= NEW.effective "
    "ORDER BY g.effective DESC LIMIT 1), '[]'::jsonb) @> to_jsonb(NEW.to_stage::text)"
)
_CLEARED = (
    "EXISTS (SELECT 1 FROM screening s JOIN screening_outcome o ON o.screening_id = s.id "
    "WHERE s.id = (SELECT MAX(s2.id) FROM screening s2 WHERE s2.application_id = NEW.application_id) "
    "AND o.outcome = 'cleared' AND EXISTS (SELECT 1 FROM sanctions_list) "
    "AND NOT EXISTS (SELECT 1 FROM sanctions_list l "
    "WHERE l.id = (SELECT MAX(l2.id) FROM sanctions_list l2 WHERE l2.name = l.name) AND "
)

# Kinds whose guards need a countersignature from a log position on (migration 0024's countersign_rule; a
# kind without a row needs one from the start). A later countersigned kind adds itself here.
COUNTERSIGNED_KINDS = (
    "screening.clear",
    "correction",
    "expense",
    "entry",
    # migration 0027 (governance.countersigned, capital.in_kind): money that credits a partner's capital
    "transfer",
    "capital.call",
    "capital.contribution",
    "capital.in_kind",
)
_RULE_APPLIES = {
    kind: _render(
        "NEW.seq >= COALESCE((SELECT r.since_seq FROM countersign_rule r WHERE r.kind = '§kind'), 1)",
        kind=kind,
    )
    for kind in COUNTERSIGNED_KINDS
}


def countersign_rule_applies(kind: str) -> str:
    """SQL over NEW: the change at NEW.seq is at or after the position its kind needs a countersignature from
    (countersign_rule; a kind without a row needs one from the start). Every countersigned guard ANDs it in,
    so a change made under the rules of its time is not refused or reported for want of one."""
    if kind not in _RULE_APPLIES:
        raise ValueError(f"{kind!r} is not in store.triggers.COUNTERSIGNED_KINDS")
    return _RULE_APPLIES[kind]


# A countersignature of §kind stands beside the event at §at (SQL over NEW) and names that event's actor as
# the one who asked.
_BY_ASKER = (
    "EXISTS (SELECT 1 FROM countersignature s JOIN event e ON e.seq = s.seq WHERE s.seq = §at "
    "AND s.kind = '§kind' AND s.requested_by = e.actor)"
)

# Every one-condition guard, keyed by what the migrations ask for: the trigger's name, but for 0019's
# screening_four_eyes, which 0023 replaces under the same name.
GUARDS = {
    # migration 0003: a held seat, a closed proposal, an unapproved execution
    "member_seat_free": Guard(
        "member",
        "member_seat_free",
        """EXISTS (SELECT 1 FROM member m WHERE m.body = NEW.body AND m.partner = NEW.partner
  AND m.seat = NEW.seat AND NOT EXISTS (SELECT 1 FROM member_removal r WHERE r.member_id = m.id))""",
        "member refused: the seat is already held",
    ),
    "vote_open": Guard(
        "vote",
        "vote_open",
        "EXISTS (SELECT 1 FROM proposal_status s WHERE s.proposal_id = NEW.proposal_id AND s.step = 'close')",
        "vote refused: the proposal is closed",
    ),
    "execute_approved": Guard(
        "proposal_status",
        "execute_approved",
        """NEW.status = 'executed' AND NOT EXISTS (SELECT 1 FROM proposal_status s
  WHERE s.proposal_id = NEW.proposal_id AND s.status = 'approved')""",
        "execution refused: the proposal is not approved",
    ),
    # migration 0004: a stage change leaves the application's current stage
    "application_stage_chain": Guard(
        "application_stage",
        "application_stage_chain",
        "NEW.from_stage IS NOT " + _LAST_STAGE,
        "stage change refused: it does not leave the application''s current stage",
        "NEW.from_stage IS DISTINCT FROM " + _LAST_STAGE,
    ),
    # migration 0017: a recusal comes from a member of the deciding body, while the proposal is open
    "recusal_member_on_body": Guard(
        "recusal",
        "recusal_member_on_body",
        """NOT EXISTS (SELECT 1 FROM member m JOIN proposal p ON p.id = NEW.proposal_id
  WHERE m.id = NEW.member_id AND m.body = p.body)""",
        "recusal refused: the member does not sit on the deciding body of the proposal",
    ),
    "recusal_open": Guard(
        "recusal",
        "recusal_open",
        "EXISTS (SELECT 1 FROM proposal_status s WHERE s.proposal_id = NEW.proposal_id AND s.step = 'close')",
        "recusal refused: the proposal is closed",
    ),
    # migration 0018: a replacement key is no member's key already (one key, one person)
    "member_key_unused": Guard(
        "member_key",
        "member_key_unused",
        "EXISTS (SELECT 1 FROM member m WHERE m.key_id = NEW.key_id)",
        "key refused: it is already a member key",
    ),
    # migration 0019: a person's `cleared` outcome confirms a clearance another user made first
    "screening_four_eyes_0019": Guard(
        "screening_outcome",
        "screening_four_eyes",
        "NEW.outcome = 'cleared' AND NEW.automatic = 0 AND NOT EXISTS (SELECT 1 FROM "
        "screening_clearance c WHERE c.screening_id = NEW.screening_id AND c.actor <> NEW.actor)",
        "outcome refused: a clearance needs a second user to confirm the clearance another user made",
    ),
    # migration 0021: a move into a screened stage needs a cleared screening against the current lists
    "application_stage_screened": Guard(
        "application_stage",
        "application_stage_screened",
        "NEW.from_stage IS NOT NULL AND "
        + _SCREENED
        + " AND NOT "
        + _CLEARED
        + "l.id NOT IN (SELECT value FROM json_each(s.lists))))",
        "stage change refused: the stage needs a cleared sanctions screening against the current lists",
        "NEW.from_stage IS NOT NULL AND "
        + _PG_SCREENED
        + " AND NOT "
        + _CLEARED
        + "NOT (s.lists::jsonb @> to_jsonb(l.id))))",
    ),
    # migration 0023: countersignatures name seated members; clearances and corrections carry them
    "countersignature_seated": Guard(
        "countersignature",
        "countersignature_seated",
        "EXISTS (SELECT 1 FROM member_removal r WHERE r.member_id = NEW.member_id)",
        "countersignature refused: the member is no longer seated",
    ),
    "screening_four_eyes_0023": Guard(
        "screening_outcome",
        "screening_four_eyes",
        "NEW.outcome = 'cleared' AND NEW.automatic = 0 AND NOT EXISTS (SELECT 1 FROM "
        "screening_clearance c "
        "JOIN countersignature s ON s.seq = NEW.seq AND s.kind = 'screening.clear' "
        "AND s.requested_by = c.actor WHERE c.screening_id = NEW.screening_id AND c.actor <> NEW.actor)",
        "outcome refused: a clearance needs a second user to confirm the clearance another user made, "
        "countersigned by a seated member",
    ),
    "correction_countersigned_0023": Guard(
        "correction",
        "correction_countersigned",
        "NOT EXISTS (SELECT 1 FROM countersignature s WHERE s.seq = NEW.seq AND s.kind = 'correction' "
        "AND s.requested_by = NEW.actor)",
        "correction refused: it needs the countersignature of a seated member",
    ),
    # migration 0024: 0023's two again, each applying from its kind's start position (countersign_rule)
    "screening_four_eyes": Guard(
        "screening_outcome",
        "screening_four_eyes",
        "NEW.outcome = 'cleared' AND NEW.automatic = 0 AND NOT EXISTS (SELECT 1 FROM "
        "screening_clearance c WHERE c.screening_id = NEW.screening_id AND c.actor <> NEW.actor "
        "AND (NOT (" + _RULE_APPLIES["screening.clear"] + ") OR EXISTS (SELECT 1 FROM "
        "countersignature s WHERE s.seq = NEW.seq AND s.kind = 'screening.clear' "
        "AND s.requested_by = c.actor)))",
        "outcome refused: a clearance needs a second user to confirm the clearance another user made, "
        "countersigned by a seated member",
    ),
    "correction_countersigned": Guard(
        "correction",
        "correction_countersigned",
        _RULE_APPLIES["correction"] + " AND NOT EXISTS (SELECT 1 FROM countersignature s "
        "WHERE s.seq = NEW.seq AND s.kind = 'correction' AND s.requested_by = NEW.actor)",
        "correction refused: it needs the countersignature of a seated member",
    ),
    # migration 0026: an expense stands beside a countersignature of its event's asker
    "expense_countersigned": Guard(
        "expense",
        "expense_countersigned",
        _RULE_APPLIES["expense"] + " AND NOT " + _render(_BY_ASKER, at="NEW.seq", kind="expense"),
        "expense refused: it needs the countersignature of a seated member",
    ),
    # migration 0027: an in-kind report stands beside a countersignature of its event, by the event's user
    "in_kind_countersigned": Guard(
        "in_kind",
        "in_kind_countersigned",
        _RULE_APPLIES["capital.in_kind"]
        + " AND NOT "
        + _render(_BY_ASKER, at="NEW.seq", kind="capital.in_kind"),
        "in-kind contribution refused: it needs the countersignature of a seated member",
    ),
}
_GUARDS = {
    (d, key): tuple(
        _render(
            x,
            name=g.name,
            table=g.table,
            condition=g.condition if d == "sqlite" or g.pg_condition is None else g.pg_condition,
            message=g.message,
        )
        for x in templates
    )
    for d, templates in _GUARD_TEMPLATES.items()
    for key, g in GUARDS.items()
}


_GUARD_DROPS = {
    (d, key): (_render(template, name=g.name, table=g.table),)
    for d, template in (
        ("sqlite", "DROP TRIGGER IF EXISTS §name"),
        ("postgresql", "DROP TRIGGER IF EXISTS §name ON §table"),
    )
    for key, g in GUARDS.items()
}


def guard_statements(dialect: str, *keys: str) -> list[str]:
    """The DDL of the declared guards `keys` (GUARDS), in that order."""
    return [s for k in keys for s in _of(_GUARDS, dialect, k)]


def recusal_guard_statements(dialect: str) -> list[str]:
    """The guards of migration 0017: a recusal comes from a member of the proposal's deciding body, while the
    proposal is open; the domain (governance.recusal) and verify check the same."""
    return guard_statements(dialect, "recusal_member_on_body", "recusal_open")


def member_key_guard_statements(dialect: str) -> list[str]:
    """The guard of migration 0018: a replacement key is no member's key already (one key, one person)."""
    return guard_statements(dialect, "member_key_unused")


def four_eyes_statements(dialect: str) -> list[str]:
    """The guard of migration 0019: a person's `cleared` outcome confirms a clearance another user made first
    (portfolio.screening.decide and verify check the same)."""
    return guard_statements(dialect, "screening_four_eyes_0019")


def drop_statements(dialect: str, *keys: str) -> list[str]:
    """DROP TRIGGER for the declared guards `keys`: a migration that replaces a guard drops it first."""
    return [s for k in keys for s in _of(_GUARD_DROPS, dialect, k)]


def countersigned_statements(dialect: str) -> list[str]:
    """The guards of migration 0023 (governance.countersign): a countersignature names a member still seated;
    a person's `cleared` outcome confirms another user's clearance *and* stands beside a countersignature of
    that clearance (it replaces 0019's guard of the same name); a correction stands beside a countersignature
    of its asker. The domain and verify check the signature itself, which SQL cannot."""
    return [
        *drop_statements(dialect, "screening_four_eyes_0019"),
        *guard_statements(
            dialect, "countersignature_seated", "screening_four_eyes_0023", "correction_countersigned_0023"
        ),
    ]


def countersign_rule_statements(dialect: str) -> list[str]:
    """The guards of migration 0024: 0023's clearance and correction guards again, each applying from its
    kind's start position (countersign_rule_applies)."""
    return [
        *drop_statements(dialect, "screening_four_eyes_0023"),
        *guard_statements(dialect, "screening_four_eyes"),
        *drop_statements(dialect, "correction_countersigned_0023"),
        *guard_statements(dialect, "correction_countersigned"),
    ]


# Migration 0026: an entry a person posts by hand (accounting.manual, keyed MANUAL_KEY_PREFIX) comes right
# after its `ledger.post` or `ledger.reverse` event, which stands beside a countersignature of that event's
# user. Entries the system posts are keyed by the act they follow and pass untouched: on PostgreSQL the
# trigger's WHEN clause does not even call the function for them (bulk posting pays nothing).
MANUAL_KEY_PREFIX = "manual:"
_MANUAL = _render(
    "substr(NEW.key, 1, §n) = '§prefix'", n=str(len(MANUAL_KEY_PREFIX)), prefix=MANUAL_KEY_PREFIX
)
_ENTRY_MISSING = (
    _RULE_APPLIES["entry"]
    + " AND NOT ("
    + _render(_BY_ASKER, at="NEW.seq - 1", kind="entry")
    + " AND EXISTS (SELECT 1 FROM event p WHERE p.seq = NEW.seq - 1 "
    "AND p.action IN ('ledger.post', 'ledger.reverse')))"
)
_ENTRY_REFUSED = "entry refused: an entry posted by hand needs the countersignature of a seated member"
_ENTRY_GUARD = {
    ("sqlite", "entry_countersigned"): (
        _render(
            "CREATE TRIGGER entry_countersigned BEFORE INSERT ON entry WHEN §manual AND §missing "
            "BEGIN SELECT RAISE(ABORT, '§message'); END",
            manual=_MANUAL,
            missing=_ENTRY_MISSING,
            message=_ENTRY_REFUSED,
        ),
    ),
    ("postgresql", "entry_countersigned"): (
        _render(
            "CREATE OR REPLACE FUNCTION jf_entry_countersigned() RETURNS trigger AS $$ BEGIN "
            "IF §missing THEN RAISE EXCEPTION '§message'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            missing=_ENTRY_MISSING,
            message=_ENTRY_REFUSED,
        ),
        _render(
            "CREATE TRIGGER entry_countersigned BEFORE INSERT ON entry FOR EACH ROW WHEN (§manual) "
            "EXECUTE FUNCTION jf_entry_countersigned()",
            manual=_MANUAL,
        ),
    ),
}


def two_person_statements(dialect: str) -> list[str]:
    """The guards of migration 0026: an expense stands beside a countersignature of its event's asker, and an
    entry posted by hand beside one of its `ledger.post`/`ledger.reverse` event's (above). The domain and
    verify check the signatures."""
    return [
        *guard_statements(dialect, "expense_countersigned"),
        *_of(_ENTRY_GUARD, dialect, "entry_countersigned"),
    ]


def screening_gate_statements(dialect: str) -> list[str]:
    """The guard of migration 0021: a move into a stage the terms screen (screening_gate, by the move's date)
    needs the application's latest screening cleared and matched against the current version of every list.
    portfolio.clearance.why_not_cleared says the same in the domain, and verify replays it."""
    return guard_statements(dialect, "application_stage_screened")


# Migration 0020 (issue 13): on PostgreSQL the posting and leaf checks run once per statement over the rows it
# inserted (a transition table), not once per row. A row trigger paid a plpgsql call and four SPI queries per
# posting, which bounded bulk posting; the statement trigger makes the same refusals with the same messages
# in a handful of set queries per COPY. Every look-up is an index probe per new row (hash and merge joins are
# off inside the functions), so a statement costs O(rows x log book) and never scans the book. JIT is off
# in them too: without statistics the planner prices a probe per new row as a scan, and PostgreSQL's
# default jit = on then compiled each statement's plan (measured: 1.86 s of JIT for a 50 ms check of 1,000
# leaves). A statement that breaks a rule is refused whole, as before: the AFTER trigger raises before the
# statement completes. The leaf rows of one statement must together continue the log: contiguous, right
# after the last leaf.
PG_STATEMENT_GUARDS = """
CREATE OR REPLACE FUNCTION jf_posting_rows_check() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n WHERE EXISTS (SELECT 1 FROM leaf l WHERE l.seq = n.entry_seq)) THEN
    RAISE EXCEPTION 'posting refused: entry is already sealed in the log';
  END IF;
  IF EXISTS (SELECT 1 FROM new_rows n
             WHERE n.date IS DISTINCT FROM (SELECT e.date FROM entry e WHERE e.seq = n.entry_seq)) THEN
    RAISE EXCEPTION 'posting refused: date differs from its entry';
  END IF;
  IF EXISTS (SELECT 1 FROM new_rows n JOIN account a ON a.id = n.account_id
             WHERE a.currencies IS NOT NULL
               AND position(',' || n.currency || ',' IN ',' || a.currencies || ',') = 0) THEN
    RAISE EXCEPTION 'posting refused: currency not allowed in account';
  END IF;
  IF EXISTS (SELECT 1 FROM new_rows n JOIN account a ON a.id = n.account_id
             LEFT JOIN account_closure c ON c.account_id = n.account_id
             WHERE n.date < a.opened OR n.date >= c.closed) THEN
    RAISE EXCEPTION 'posting refused: account not open on that date';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off;

CREATE OR REPLACE FUNCTION jf_leaf_rows_check() RETURNS trigger AS $$
DECLARE lo bigint; hi bigint; n bigint;
BEGIN
  SELECT MIN(seq), MAX(seq), COUNT(*) INTO lo, hi, n FROM new_rows;
  IF n = 0 THEN RETURN NULL; END IF;
  -- MAX, not EXISTS (... seq > hi): without statistics the planner scanned the whole table for the latter
  IF hi - lo + 1 <> n OR (SELECT MAX(seq) FROM leaf) <> hi
     OR (SELECT COALESCE(MAX(seq), 0) FROM leaf WHERE seq < lo) <> lo - 1 THEN
    RAISE EXCEPTION 'log refused: records must be appended in sequence';
  END IF;
  IF EXISTS (SELECT 1 FROM new_rows r WHERE r.kind = 'entry' AND (
      (SELECT COUNT(*) FROM posting p WHERE p.entry_seq = r.seq) < 2
      OR EXISTS (SELECT 1 FROM posting p WHERE p.entry_seq = r.seq
                 GROUP BY p.currency HAVING SUM(p.amount_minor) <> 0))) THEN
    RAISE EXCEPTION 'entry refused: it does not balance in each currency';
  END IF;
  IF EXISTS (SELECT 1 FROM new_rows r
             WHERE r.kind = 'event' AND NOT EXISTS (SELECT 1 FROM event e WHERE e.seq = r.seq)) THEN
    RAISE EXCEPTION 'log refused: no event with that sequence number';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off;
"""
PG_STATEMENT_TRIGGERS = (
    "DROP TRIGGER IF EXISTS posting_check ON posting",
    "DROP TRIGGER IF EXISTS leaf_check ON leaf",
    "CREATE TRIGGER posting_check AFTER INSERT ON posting REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION jf_posting_rows_check()",
    "CREATE TRIGGER leaf_check AFTER INSERT ON leaf REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION jf_leaf_rows_check()",
)


# Migration 0027 (governance.countersigned): an entry whose key begins with one of these prefixes (a transfer,
# a partner's call line, cash received against a call) stands beside an event naming its key, and that
# event's countersignature row of the prefix's kind, asked by the event's user, from the position the kind's
# rule starts at. Every other entry passes untested: the WHEN clause compares three key prefixes, and on
# PostgreSQL no function is called for it (a WHEN may not hold the sub-queries, which the function does).
COUNTERSIGNED_ENTRIES = {
    "transfer:": "transfer",
    "capital-call:": "capital.call",
    "capital-receipt:": "capital.contribution",
}
_MONEY_KEYED = {
    p: _render("substr(NEW.key, 1, §n) = '§p'", n=str(len(p)), p=p) for p in COUNTERSIGNED_ENTRIES
}
_MONEY_UNSIGNED = " OR ".join(
    _render(
        "(§keyed AND §applies AND NOT EXISTS (SELECT 1 FROM countersignature s JOIN event e ON e.seq = s.seq "
        "WHERE s.kind = '§kind' AND e.subject = NEW.key AND s.requested_by = e.actor))",
        keyed=_MONEY_KEYED[p],
        applies=_RULE_APPLIES[kind],
        kind=kind,
    )
    for p, kind in COUNTERSIGNED_ENTRIES.items()
)
_MONEY_REFUSED = "entry refused: money credited to a partner needs the countersignature of a seated member"
_MONEY_GUARD = {
    ("sqlite", "money_countersigned"): (
        _render(
            "CREATE TRIGGER money_countersigned BEFORE INSERT ON entry WHEN §unsigned "
            "BEGIN SELECT RAISE(ABORT, '§message'); END",
            unsigned=_MONEY_UNSIGNED,
            message=_MONEY_REFUSED,
        ),
    ),
    ("postgresql", "money_countersigned"): (
        _render(
            "CREATE OR REPLACE FUNCTION jf_money_countersigned() RETURNS trigger AS $$ BEGIN "
            "IF §unsigned THEN RAISE EXCEPTION '§message'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            unsigned=_MONEY_UNSIGNED,
            message=_MONEY_REFUSED,
        ),
        _render(
            "CREATE TRIGGER money_countersigned BEFORE INSERT ON entry FOR EACH ROW WHEN (§keyed) "
            "EXECUTE FUNCTION jf_money_countersigned()",
            keyed=" OR ".join(_MONEY_KEYED.values()),
        ),
    ),
}


def money_countersigned_statements(dialect: str) -> list[str]:
    """The guards of migration 0027: a transfer, a call line or cash received against a call (by its entry's
    key) and an in-kind report stand beside their countersignatures (governance.countersigned,
    capital.in_kind); the domain and verify check the signatures."""
    return [
        *_of(_MONEY_GUARD, dialect, "money_countersigned"),
        *guard_statements(dialect, "in_kind_countersigned"),
    ]
