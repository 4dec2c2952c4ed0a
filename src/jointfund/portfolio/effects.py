"""What executing this domain's proposals does: the effects jointfund.decisions names for its kinds.

Each handler runs inside the execution's own transaction, exactly once (governance.execution):
- investment (about "application:<id>"): the application moves on (approved) and the commitment
  is booked as an investment; the agreement's signature (committed) is a person's move;
- disbursement (about "investment:<id>"): a tranche is paid, refused before the application is
  committed (the agreement signed) and beyond the undrawn commitment; the first moves the
  application on (disbursing);
- valuation (about "investment:<id>"): the investment is marked to the proposal's value;
- screening (about "application:<id>") and recommendation (about the investment proposal): the
  application moves on;
- in_kind_valuation (about "in-kind:<reference>"): the approved value becomes the partner's capital;
- distribution: refused during the reinvestment lock, else allocated to partners by capital.
An investment proposal about something else than an application records the decision as an event.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from jointfund import bounds
from jointfund.capital import in_kind
from jointfund.errors import Refused
from jointfund.fund import FundInfo
from jointfund.governance import effects
from jointfund.governance.effects import ONLY_THE_RECORD, Effect, Run
from jointfund.governance.model import Proposal
from jointfund.governance.proposal import PROPOSAL_REF, get
from jointfund.portfolio import application as apps
from jointfund.portfolio import distribution, investment, valuation
from jointfund.portfolio.lifecycle import advance, refuse_unless_acting

_NO_EFFECT = ONLY_THE_RECORD


def _application(conn: Connection, p: Proposal) -> apps.Application | None:
    return apps.by_reference(conn, p.about)


def _investment(conn: Connection, p: Proposal) -> investment.Investment:
    inv = investment.by_reference(conn, p.about)
    if inv is None:
        raise Refused(
            f"proposal {p.id} ({p.kind}) must be about an investment (investment:<id>), not {p.about!r}"
        )
    return inv


def invest(conn: Connection, fund: FundInfo, p: Proposal, run: Run) -> str:
    app = _application(conn, p)
    if app is None:
        return effects.record_investment(conn, fund, p, run)
    moved = advance(
        conn, fund, run.actor, app, p.kind, run.on, p.id, f"approved by the board: proposal {p.id}"
    )
    inv = investment.commit(conn, fund, run.actor, p, app.id, run.on)
    return f"{app.label} is {moved[-1].to_stage}: {inv.label} committed {p.amount} {p.currency}"


def disburse(conn: Connection, fund: FundInfo, p: Proposal, run: Run) -> str:
    inv = _investment(conn, p)
    app = apps.get(conn, inv.application)
    refuse_unless_acting(conn, fund, app, p.kind, run.on)
    undrawn = investment.disburse(conn, fund, inv, p, run.on)
    advance(
        conn,
        fund,
        run.actor,
        app,
        p.kind,
        run.on,
        p.id,
        f"first disbursement: proposal {p.id}",
        required=False,
    )
    return f"{inv.label}: {p.amount} {p.currency} disbursed, {undrawn} undrawn"


def value(conn: Connection, fund: FundInfo, p: Proposal, run: Run) -> str:
    if investment.by_reference(conn, p.about) is None:
        return _NO_EFFECT + f" ({p.about} is not an investment)"
    inv = _investment(conn, p)
    delta = valuation.mark(conn, fund, inv, p, run.on)
    return f"{inv.label} valued at {p.amount} {p.currency} ({'+' if delta >= 0 else ''}{delta} unrealised)"


def _mover(kind: str) -> Effect:
    def move(conn: Connection, fund: FundInfo, p: Proposal, run: Run) -> str:
        app = _application(conn, p)
        target = (
            bounds.id_in(p.about[len(PROPOSAL_REF) :])
            if p.about and p.about.startswith(PROPOSAL_REF)
            else None
        )
        if app is None and target is not None:
            app = _application(conn, get(conn, target))  # a recommendation of a proposal
        if app is None:
            return _NO_EFFECT
        moved = advance(
            conn, fund, run.actor, app, kind, run.on, p.id, f"{kind}: proposal {p.id} ({p.title})"
        )
        return f"{app.label} is {moved[-1].to_stage}"

    return move


screen = _mover("screening")
recommend = _mover("recommendation")


def value_in_kind(conn: Connection, fund: FundInfo, p: Proposal, run: Run) -> str:
    item = in_kind.book_approved(conn, fund, p, run.on)
    if item is None:
        return _NO_EFFECT
    return (
        f"in-kind contribution {item.reference}: reported {item.reported}, approved {p.amount} {p.currency}, "
        f"now {item.partner}'s capital"
    )


def locked(fund: FundInfo, on: dt.date) -> str | None:
    """A distribution proposal is refused while the reinvestment lock runs, however it is opened."""
    return distribution.lock_refusal(fund.terms(on), on)


def distribute(conn: Connection, fund: FundInfo, p: Proposal, run: Run) -> str:
    parts = distribution.distribute(conn, fund, p, run.on)
    return "distributed " + ", ".join(f"{k} {v}" for k, v in parts.items()) + f" {p.currency}"
