"""Executing an approved proposal: its effect and its state change in one transaction, exactly once.

Exactly once holds three times over: `db.write` serialises writers (a row lock on
PostgreSQL, BEGIN IMMEDIATE on SQLite), so the second of two concurrent executions
sees the first one's row and is refused; the unique (proposal, step) constraint
refuses a second execution row even from a writer that skipped the lock; and the
database refuses an execution row for a proposal without an approval.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.errors import Refused
from jointfund.fund import FundInfo
from jointfund.governance.effects import Run, handler_for, no_effect
from jointfund.governance.model import APPROVED, EXECUTED
from jointfund.governance.proposal import close, standing


class Execution(NamedTuple):
    """A recorded execution: the proposal, its log position and what the effect did."""

    proposal: int
    seq: int
    effect: str


def execute(conn: Connection, fund: FundInfo, actor: str, proposal_id: int, on: dt.date) -> Execution:
    s = standing(conn, fund, proposal_id, on)
    if s.state == EXECUTED:
        done = s.closings[-1]
        raise Refused(
            f"proposal {proposal_id} was already executed on {done.effective} (record {done.seq}); "
            "a decision takes effect once"
        )
    if s.state != APPROVED or not s.closings:
        raise Refused(f"proposal {proposal_id} is {s.words}; only an approved proposal can be executed")
    if on < s.closings[-1].effective:
        raise Refused(
            f"proposal {proposal_id} was approved on {s.closings[-1].effective}; it cannot be executed before"
        )
    p = s.proposal
    handler = handler_for(p.kind)
    if handler is None:
        # Refused before the execution row: marking a decision executed with no effect would say, for
        # example, that a disbursement was made when no money moved.
        raise Refused(f"proposal {proposal_id} cannot be executed: {no_effect(p.kind)}")
    # The execution row goes first: a concurrent second execution fails on it before any effect runs.
    done = close(conn, actor, p, EXECUTED, on, "executed")
    return Execution(p.id, done.seq, handler(conn, fund, p, Run(actor, on, done.seq)))
