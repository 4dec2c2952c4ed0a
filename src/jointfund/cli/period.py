"""`jointfund period`: the accounting periods of the terms' calendar; closing one."""

from __future__ import annotations

import typer

from jointfund import clock
from jointfund.accounting import close as closing
from jointfund.cli import context, params
from jointfund.cli.output import FormatOption, emit, say
from jointfund.money import format_amount
from jointfund.store import db

app = typer.Typer(help="Accounting periods: list them, close one.", no_args_is_help=True)


@app.command("close")
def close(
    ctx: typer.Context,
    period: str = typer.Argument(..., metavar="PERIOD", help="e.g. 2026-Q1"),
    fmt: str = FormatOption,
) -> None:
    """Book the period-end remeasurement and close the period; needs the board's executed close proposal."""
    who = context.actor(ctx, "period.close")
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        done = closing.close(conn, info, who.name, period, clock.today())
    say(
        f"period {done.period.name} ({done.period.first} to {done.period.last}) is closed by proposal "
        f"{done.proposal_id}, record {done.seq}; entries dated in it are refused from now on"
    )
    rows = []
    for e in done.entries:
        fx = e.postings[1]
        rows.append(
            {
                "entry": e.key,
                "date": e.date,
                "unrealised_fx": format_amount(-fx.amount, fx.currency),
                "currency": fx.currency,
                "narration": e.narration,
            }
        )
    emit(
        ctx,
        rows,
        fmt,
        title=f"Period-end entries of {done.period.name}",
        columns=("entry", "date", "unrealised_fx", "currency", "narration"),
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Each period of the calendar and its status: closed (by which proposal) or open."""
    info = context.fund(ctx)
    with db.transaction(
        context.engine(ctx)
    ) as conn:  # the calendar's periods, worked out in order: paged lazily
        rows = [r._asdict() for r in params.page(closing.periods(conn, info, clock.today()), limit, offset)]
    emit(
        ctx,
        rows,
        fmt,
        title="Accounting periods",
        columns=("period", "first", "last", "status", "proposal", "closed_seq"),
    )
