"""Are the database's guards in place? The triggers of store/triggers.py, looked up by name.

The guards stop bugs and casual edits; an operator who drops them can rewrite rows. `jointfund verify`
names every guard that is missing, so a database that lost them is never reported as sound.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from jointfund.store import tables
from jointfund.store.triggers import append_only_guard_names

# The two guards of the log itself (one trigger program per table since migration 0005 on SQLite).
LOG_GUARDS = ("posting_check", "leaf_check")
# Guards of rules on inserted rows that verify would otherwise only find after the fact: four eyes on a
# sanctions clearance (migration 0019, countersigned since 0023), the screening gate on stage changes
# (migration 0021), the countersignatures of corrections and of their members (migration 0023), and of
# expenses and entries posted by hand (migration 0026).
RULE_GUARDS = (
    "screening_four_eyes",
    "application_stage_screened",
    "countersignature_seated",
    "correction_countersigned",
    "expense_countersigned",
    "entry_countersigned",
    "money_countersigned",  # migration 0027: transfers, call lines and contributions
    "in_kind_countersigned",
)


def expected() -> list[str]:
    """Every guard name the schema installs: UPDATE/DELETE refusals for each append-only table, the log's,
    and the rule guards named in RULE_GUARDS."""
    names = [
        n
        for tuple_name in dir(tables)
        if tuple_name.endswith("APPEND_ONLY")
        for table in getattr(tables, tuple_name)
        for n in append_only_guard_names(table)
    ]
    return sorted({*names, *LOG_GUARDS, *RULE_GUARDS})


def installed(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        return {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
    return {
        r[0]
        for r in conn.execute(
            text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")
        )
    }


def missing(conn: Connection) -> list[str]:
    have = installed(conn)
    return [n for n in expected() if n not in have]
