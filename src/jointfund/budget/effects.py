"""What executing a budget proposal does: a proposal about a plan's hash adopts its lines (budget.lines).

A budget proposal about anything else keeps the effect governance gives the kind (its event), so the
decisions recorded before budget lines existed mean what they meant.
"""

from __future__ import annotations

from sqlalchemy import Connection

from jointfund.budget import lines
from jointfund.budget.plan import ABOUT
from jointfund.fund import FundInfo
from jointfund.governance import effects
from jointfund.governance.effects import Run
from jointfund.governance.model import Proposal

KIND = "budget"
_otherwise = effects.handler_for(KIND)


def adopt(conn: Connection, fund: FundInfo, p: Proposal, run: Run) -> str:
    if not (p.about or "").startswith(ABOUT) or p.kind != fund.terms(run.on).budget.decision_kind:
        assert _otherwise is not None
        return _otherwise(conn, fund, p, run)
    adopted = lines.adopt(conn, fund, run.actor, p, run.on, run.seq)
    return "budget adopted: " + ", ".join(
        f"{x.code} {x.amount} {x.currency} ({x.period}, v{x.version})" for x in adopted
    )


# The kind governance registers a budget under (its default effect is the event this one falls back to). A
# fund whose terms name another budget.decision_kind registers it the same way.
effects.register(KIND, replace=True)(adopt)
