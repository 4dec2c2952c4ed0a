"""`jointfund fx`: import reference exchange rates (CSV, XLSX or NBU's JSON), list them, correct one."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import select

from jointfund import paging
from jointfund.cli import context, corrections, countersigning, imports, params
from jointfund.cli.output import FormatOption, emit
from jointfund.cli.terms import parse_date
from jointfund.revenue import book
from jointfund.revenue.correction import rate_subject
from jointfund.revenue.corrections import correct_rate
from jointfund.store import db
from jointfund.store import tables as t

app = typer.Typer(
    help="Reference exchange rates (NBU: UAH per unit of foreign currency).", no_args_is_help=True
)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="CSV or XLSX (date, currency, rate) or NBU JSON (exchangedate, cc, rate)."
    ),
    accept_jump: bool = typer.Option(
        False,
        "--accept-jump",
        help="Confirm rates that change more than the terms' "
        "fx.max_daily_change from the previous rate (a real devaluation).",
    ),
    fmt: str = FormatOption,
    delimiter: str = imports.DelimiterOption,
    locale: str = imports.LocaleOption,
    dry_run: bool = imports.DryRunOption,
) -> None:
    """Import rates; a date and currency already imported with another rate is refused, and so is a rate
    outside the terms' plausible range (fx.plausible_rates) or, without --accept-jump, one that jumps too
    far."""
    context.actor(ctx, "fx.import")
    imports.run(
        ctx,
        file,
        fmt,
        "fx",
        how=imports.dialect(delimiter, locale),
        dry_run=dry_run,
        accept_jump=accept_jump,
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    currency: str = typer.Option(None, "--currency"),
    since: str = typer.Option(None, "--since"),
    until: str = typer.Option(None, "--until"),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Rates by date."""
    q = select(t.fx_rate).order_by(t.fx_rate.c.date, t.fx_rate.c.currency)
    if currency:
        q = q.where(t.fx_rate.c.currency == currency.upper())
    if (first := parse_date(since, "--since")) is not None:
        q = q.where(t.fx_rate.c.date >= first)
    if (last := parse_date(until, "--until")) is not None:
        q = q.where(t.fx_rate.c.date <= last)
    with db.transaction(context.engine(ctx)) as conn:
        fixed = book.corrected(conn, "rate")
        rows = [
            {
                **book.effective_rate(rate := book.rate_of(r), fixed)._asdict(),
                "corrected": "yes" if rate_subject(rate.currency, rate.date) in fixed else "no",
            }
            for r in params.shown(list(conn.execute(paging.window(q, limit, offset))), limit, offset)
        ]
    emit(ctx, rows, fmt, title="Exchange rates")


@app.command("correct")
def correct(
    ctx: typer.Context,
    date: str = typer.Option(..., "--date", help="The day of the rate, YYYY-MM-DD."),
    currency: str = typer.Option(..., "--currency"),
    rate: str = typer.Option(..., "--rate", help="The right rate, UAH per unit."),
    reason: str = corrections.ReasonOption,
    accept_jump: bool = typer.Option(
        False,
        "--accept-jump",
        help="Confirm a rate that changes more than the terms' "
        "fx.max_daily_change from the rate before or after it.",
    ),
    member: str = countersigning.AsOption,
    key: Path = countersigning.KeyOption,
    fmt: str = FormatOption,
) -> None:
    """Supersede a wrong rate with a correction (reason and actor kept; the rate row is never edited), and
    reverse and re-book every contribution it converted. A seated member countersigns it (four eyes)."""
    day = parse_date(date, "--date")
    corrections.run(
        ctx,
        "fx.correct",
        fmt,
        lambda conn, info, who, by: correct_rate(
            conn, info, who, currency, day, rate, reason, accept_jump, by
        ),
        member,
        key,
    )
