"""What executing an approved proposal does, per kind: the handlers' shape and the look-up.

A handler is `handler(conn, fund, proposal, run) -> str`: it posts entries through
`ledger.journal.post` and/or appends events, inside the execution's own transaction,
and returns a one-line summary. It runs exactly once per proposal, because the
execution row is unique per proposal and written in that same transaction.

Which handler each kind has is written once, as a table, in `jointfund.decisions`. Nothing registers
itself on import: before the table, handlers replaced each other as their modules were imported, so a
fresh `jointfund proposals execute` process that had never imported portfolio.effects ran an investment
with the default effect (an event) and no money moved. A kind the table does not name is refused at
execution, before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.fund import FundInfo
from jointfund.governance.model import Proposal
from jointfund.ledger.log import append_event
from jointfund.money import format_amount


class Run(NamedTuple):
    """The execution a handler belongs to: who runs it, its effective date, and the execution's log
    position."""

    actor: str
    on: dt.date
    seq: int


Effect = Callable[[Connection, FundInfo, Proposal, Run], str]

# A precondition says why a kind of proposal may not even be opened on a day (None: it may), e.g. the
# reinvestment lock for distributions, so that `proposals new` refuses what execution would refuse
# anyway, before anyone signs it.
Precondition = Callable[[FundInfo, dt.date], "str | None"]


def handler_for(kind: str) -> Effect | None:
    """The effect of executing a `kind` decision (None: the table names none, and execution refuses)."""
    # Imported here, not above: governance sits below the domains whose effects the table names.
    from jointfund import decisions

    return decisions.table().effects.get(kind)


def refusal_to_open(fund: FundInfo, kind: str, on: dt.date) -> str | None:
    """Why a `kind` proposal may not be opened on `on` (None: it may)."""
    from jointfund import decisions

    table = decisions.table()
    if kind not in table.effects:
        return no_effect(kind)
    check = table.preconditions.get(kind)
    return check(fund, on) if check else None


def no_effect(kind: str) -> str:
    return f"no effect is defined for {kind} decisions, so one could never be executed"


def summary(p: Proposal) -> dict:
    """The facts of a decision, as an effect event records them."""
    return {
        "proposal": p.id,
        "kind": p.kind,
        "title": p.title,
        "about": p.about,
        "currency": p.currency,
        "amount": None if p.amount is None else format_amount(p.amount, p.currency or ""),
    }


def recorder(action: str, words: str) -> Effect:
    """A handler that records the decision as an event `action` (the effect of decisions with no money
    yet)."""

    def record(conn: Connection, fund: FundInfo, p: Proposal, run: Run) -> str:
        subject = p.about or f"proposal:{p.id}"
        append_event(
            conn,
            run.actor,
            action,
            subject,
            {
                **summary(p),
                "effective": run.on.isoformat(),
                "execution": run.seq,
                "before": None,
                "after": words,
            },
        )
        return f"{words}: {subject}"

    return record


# The effects of decisions that need nothing beyond the log: an event saying what was decided.
record_investment = recorder("investment.commit", "investment committed")
record_budget = recorder("budget.adopt", "budget adopted")
record_decision = recorder("decision.record", "decision recorded")

ONLY_THE_RECORD = "the execution record is its only effect"


def record_only(_conn: Connection, _fund: FundInfo, _p: Proposal, _run: Run) -> str:
    """The effect of a decision whose execution record is all it needs (e.g. closing a period, which
    `accounting close` then reads)."""
    return ONLY_THE_RECORD
