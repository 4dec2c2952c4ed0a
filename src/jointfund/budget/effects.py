"""What executing a budget proposal does: a proposal about a plan's hash adopts its lines (budget.lines).

A budget proposal about anything else records the decision as an event, as before budget lines, so the
decisions recorded before budget lines existed mean what they meant.
"""

from __future__ import annotations

from sqlalchemy import Connection

from jointfund.budget import lines
from jointfund.budget.plan import ABOUT
from jointfund.fund import FundInfo
from jointfund.governance.effects import Run, record_budget
from jointfund.governance.model import Proposal

KIND = "budget"


def adopt(conn: Connection, fund: FundInfo, p: Proposal, run: Run) -> str:
    if not (p.about or "").startswith(ABOUT) or p.kind != fund.terms(run.on).budget.decision_kind:
        return record_budget(conn, fund, p, run)
    adopted = lines.adopt(conn, fund, run.actor, p, run.on, run.seq)
    return "budget adopted: " + ", ".join(
        f"{x.code} {x.amount} {x.currency} ({x.period}, v{x.version})" for x in adopted
    )
