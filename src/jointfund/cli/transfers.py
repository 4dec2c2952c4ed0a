"""`jointfund transfers`: the contributing partner's money arriving for a period's obligation."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli import context, countersigning, params
from jointfund.cli.output import FormatOption, emit, say
from jointfund.cli.terms import parse_date
from jointfund.errors import InputError
from jointfund.ledger import journal
from jointfund.money import format_amount, parse_amount
from jointfund.revenue import transfer
from jointfund.store import db

app = typer.Typer(help="Transfers of revenue contributions into the fund.", no_args_is_help=True)


def status_rows(rows: list[transfer.PeriodStatus]) -> list[dict]:
    return [
        {
            "period": s.period,
            "currency": s.currency,
            "obligation": s.obligation,
            "transferred": s.transferred,
            "outstanding": s.outstanding,
            "state": s.state,
            "settled_on": s.settled_on,
            "transfers": s.transfers,
        }
        for s in rows
    ]


@app.command("record")
def record(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner", help="The contributing partner."),
    date: str = typer.Option(..., "--date", help="The day the money arrived, YYYY-MM-DD."),
    amount: str = typer.Option(..., "--amount"),
    currency: str = typer.Option(..., "--currency"),
    reference: str = typer.Option(
        ..., "--reference", help="The transfer's own reference (its idempotency key)."
    ),
    period: int = typer.Option(
        ..., "--period", callback=context.check_year, help="The revenue year whose obligation it settles."
    ),
    fmt: str = FormatOption,
    countersign_as: str = countersigning.AsOption,
    countersign_key: Path = countersigning.KeyOption,
) -> None:
    """Record a transfer: cash in, the period's obligation settled, the partner's capital increased. A seated
    member other than you countersigns it."""
    who = context.actor(ctx, "transfers.record")
    day = parse_date(date, "--date")
    value, problem = parse_amount(amount, currency, "--amount")
    if problem:
        raise InputError([problem], "transfer refused; nothing was recorded")
    assert value is not None
    info = context.fund(ctx)
    terms = info.terms(day)
    with db.write(context.engine(ctx)) as conn:
        seq = transfer.record(
            conn,
            info,
            partner,
            day,
            value,
            currency,
            reference,
            period,
            actor=who.name,
            countersigner=countersigning.signer(conn, countersign_as, countersign_key),
        )
        done = next(tr for tr in transfer.transfers(conn, terms, period) if tr.reference == reference)
        status = [s for s in transfer.statuses(conn, terms, period) if s.currency == done.currency]
        # Under- and over-payment are measured in the obligation's currency, and shown in the transfer's too.
        also = {
            s.currency: transfer.worth(conn, terms, abs(s.outstanding), s.currency, currency, day)
            for s in status
        }
        entry = journal.get_entry(conn, seq)
    say(f"transfer {reference} is entry {seq}")
    if done.currency != currency:
        say(
            f"it settles {format_amount(done.amount, done.currency)} {done.currency} of "
            f"{period}'s obligation "
            f"at the reference rate of {day}"
        )
    fx = [p for p in entry.postings if p.account == terms.account_name("fx_realised")]
    if fx:
        gain = -fx[0].amount
        say(
            f"realised FX {'gain' if gain > 0 else 'loss'}: "
            f"{format_amount(abs(gain), fx[0].currency)} {fx[0].currency}"
        )
    for s in status:
        other = also.get(s.currency)
        shown = f"{format_amount(abs(s.outstanding), s.currency)} {s.currency}" + (
            f" ({format_amount(other, currency)} {currency} on {day})"
            if other is not None and s.currency != currency
            else ""
        )
        if s.outstanding > 0:
            say(f"[yellow]under-payment[/yellow]: {shown} of {s.period}'s obligation is still to transfer")
        elif s.outstanding < 0:
            say(f"[yellow]over-payment[/yellow]: {shown} more than {s.period}'s obligation")
    emit(ctx, status_rows(status), fmt, title=f"Obligation for {period}")


@app.command("list")
def list_(
    ctx: typer.Context,
    period: int = typer.Option(None, "--period", callback=context.check_year),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Each period's obligation against its transfers: under- and over-payment."""
    info = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:  # one row per revenue period: paged lazily
        rows = status_rows(params.page(transfer.statuses(conn, info.base_terms(), period), limit, offset))
    emit(ctx, rows, fmt, title="Obligations and transfers")
