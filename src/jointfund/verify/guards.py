"""The database guards family: every trigger that keeps append-only rows append-only is in place."""

from __future__ import annotations

from sqlalchemy import Connection

from jointfund.findings import CheckResult, Finding
from jointfund.store import guards

NAME = "database guards"


def check_guards(conn: Connection) -> CheckResult:
    lost = guards.missing(conn)
    found = (
        Finding(NAME, None, f"trigger {n} is missing: rows it guards can be changed or deleted") for n in lost
    )
    return CheckResult(NAME, len(guards.expected()), tuple(found))
