"""What executing an approved proposal does, per kind: a small registry of effect handlers.

A handler is `handler(conn, fund, proposal, run) -> str`: it posts entries through
`ledger.journal.post` and/or appends events, inside the execution's own transaction,
and returns a one-line summary. It runs exactly once per proposal, because the
execution row is unique per proposal and written in that same transaction.

Other domains register their kinds in their own modules (issue 5: disbursement, valuation,
distribution...), replacing a default with `replace=True`:

    from jointfund.governance.effects import register

    @register("disbursement")
    def disburse(conn, fund, proposal, run): ...

Which modules those are is stated once, in EFFECT_MODULES, and every look-up loads them first.
Correctness must not depend on which modules a command happened to import: before this table, a
fresh `jointfund proposals execute` process had never imported portfolio.effects, so an
investment proposal ran with the default effect (an event) and no money moved.

A kind without a handler is executed all the same: the execution event is its record.
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
_HANDLERS: dict[str, Effect] = {}

# Every module that registers effects or preconditions. Loaded, in this order, on the first look-up.
EFFECT_MODULES = (
    "jointfund.governance.amendment",
    "jointfund.governance.appointment",
    "jointfund.portfolio.effects",
    "jointfund.budget.effects",
)
_loading: list[str] = []


def load() -> None:
    """Import EFFECT_MODULES once. Re-entrant: a module that looks up an earlier handler while it loads
    (to chain to it) sees the handlers registered so far."""
    if _loading:
        return
    _loading.append("started")
    import importlib

    for module in EFFECT_MODULES:
        importlib.import_module(module)


def register(kind: str, *, replace: bool = False) -> Callable[[Effect], Effect]:
    def decorate(handler: Effect) -> Effect:
        assert replace or kind not in _HANDLERS, (
            f"an effect for {kind!r} is already registered; pass replace=True"
        )
        _HANDLERS[kind] = handler
        return handler

    return decorate


def handler_for(kind: str) -> Effect | None:
    load()
    return _HANDLERS.get(kind)


# A precondition says why a kind of proposal may not even be opened on a day (None: it may).
# Domains register them beside their effects, e.g. the reinvestment lock for distributions, so
# that `proposals new` refuses what execution would refuse anyway, before anyone signs it.
Precondition = Callable[[FundInfo, dt.date], "str | None"]
_PRECONDITIONS: dict[str, Precondition] = {}


def precondition(kind: str) -> Callable[[Precondition], Precondition]:
    def decorate(check: Precondition) -> Precondition:
        _PRECONDITIONS[kind] = check
        return check

    return decorate


def refusal_to_open(fund: FundInfo, kind: str, on: dt.date) -> str | None:
    load()
    check = _PRECONDITIONS.get(kind)
    return check(fund, on) if check else None


def registered() -> dict[str, Effect]:
    load()
    return dict(_HANDLERS)


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


# Defaults for kinds whose effect needs nothing beyond the log yet. Issue 5 replaces `investment`
# with one that also books the commitment in the ledger; `amendment` adopts its content and
# `appointment` seats or unseats a member (governance.amendment and governance.appointment,
# registered by governance.execution).
register("investment")(recorder("investment.commit", "investment committed"))
register("budget")(recorder("budget.adopt", "budget adopted"))
register("other")(recorder("decision.record", "decision recorded"))
