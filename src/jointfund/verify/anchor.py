"""The trust anchor family (with --trust): the book against keys and a checkpoint obtained out of band."""

from __future__ import annotations

from sqlalchemy import Connection

from jointfund.findings import CheckResult, Finding
from jointfund.fund import FundInfo
from jointfund.ledger.trust import Trust, anchor_problems

NAME = "trust anchor"


def check_anchor(conn: Connection, fund: FundInfo, trust: Trust) -> CheckResult:
    checked, problems = anchor_problems(conn, fund.id, trust)
    return CheckResult(NAME, checked, tuple(Finding(NAME, s, d) for s, d in problems))
