"""What `fx correct`, `licences correct` and `receipts correct` share: one write transaction, the seated
member's countersignature (a correction changes what partners are owed, so one person cannot make it alone),
and the
report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from sqlalchemy import Connection

from jointfund.cli import context, countersigning
from jointfund.cli.output import emit, say
from jointfund.fund import FundInfo
from jointfund.governance.countersign import Signer
from jointfund.revenue.corrections import Outcome
from jointfund.store import db

ValueOption = typer.Option(..., "--value", help="The right value, as the import's column writes it.")
ReasonOption = typer.Option(
    ..., "--reason", help="Why the value was wrong (kept with the correction, in the log)."
)


def run(
    ctx: typer.Context,
    action: str,
    fmt: str,
    correct: Callable[[Connection, FundInfo, str, Signer | None], Outcome],
    member: str | None,
    key: Path | None,
) -> None:
    """Check the actor, then record the countersigned correction and re-book its accruals, all or nothing."""
    who = context.actor(ctx, action)
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        done = correct(conn, info, who.name, countersigning.signer(conn, member, key))
    for c in done.corrections:
        say(f"correction {c.seq}: {c.kind} {c.subject} {c.field} {c.previous!r} -> {c.value!r}")
    say(
        f"{done.receipts} receipt(s) looked at again: {done.reversals} accrual(s) reversed, "
        f"{done.rebookings} re-booked"
    )
    emit(ctx, done.rows(), fmt, title="Correction")
