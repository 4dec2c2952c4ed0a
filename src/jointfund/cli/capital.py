"""`jointfund capital`: in-kind contributions, capital calls, cash received, capital accounts,
distributions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import typer

from jointfund import clock
from jointfund.capital import calls, in_kind
from jointfund.capital.accounts import capital_accounts
from jointfund.cli import context, countersigning, params
from jointfund.cli.output import FormatOption, emit, say
from jointfund.cli.terms import parse_date
from jointfund.errors import InputError
from jointfund.ledger.checkpoint import load_private
from jointfund.money import parse_amount
from jointfund.portfolio import distribution
from jointfund.store import db

app = typer.Typer(
    help="Partners' capital: in-kind contributions, calls, contributions, accounts, distributions.",
    no_args_is_help=True,
)

AsOption = typer.Option(..., "--as", help="The board member proposing (id or name).")
KeyOption = typer.Option(
    ..., "--key", help="That member's private key file; it signs, and never leaves this machine."
)


def amount_of(text: str, currency: str, option: str) -> Decimal:
    value, problem = parse_amount(text, currency, option)
    if problem:
        raise InputError([problem])
    assert value is not None
    return value


def day_of(text: str | None, option: str) -> dt.date:
    return parse_date(text, option) or clock.today()


@app.command("in-kind")
def in_kind_(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner"),
    description: str = typer.Option(..., "--description"),
    value: str = typer.Option(..., "--value", help="The value as reported (the first figure)."),
    currency: str = typer.Option(..., "--currency"),
    date: str = typer.Option(..., "--date", help="When the assistance was delivered, YYYY-MM-DD."),
    reference: str = typer.Option(..., "--reference", help="The reporting ministry's reference."),
    proposed: str = typer.Option(
        None, "--proposed-value", help="The value put to the board [default: --value]."
    ),
    funded_by: str = typer.Option(
        ...,
        "--funded-by",
        help="Who paid for the delivery: us_funded, allied_funded or sold (the terms say which count).",
    ),
    member_ref: str = AsOption,
    key: Path = KeyOption,
    countersign_as: str = countersigning.AsOption,
    countersign_key: Path = countersigning.KeyOption,
) -> None:
    """Report an in-kind contribution and open its valuation proposal; it becomes capital only once
    executed. A seated member other than you countersigns the report."""
    who = context.actor(ctx, "proposals.new")
    private = load_private(key)
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        item, p = in_kind.report(
            conn,
            info,
            who.name,
            partner,
            description,
            amount_of(value, currency, "--value"),
            currency,
            day_of(date, "--date"),
            reference,
            member_ref,
            private,
            clock.today(),
            None if proposed is None else amount_of(proposed, currency, "--proposed-value"),
            funded_by=funded_by,
            countersigner=countersigning.signer(conn, countersign_as, countersign_key),
        )
    say(
        f"in-kind contribution {item.reference} recorded at the reported {item.reported} "
        f"{currency}; proposal {p.id} "
        f"({p.kind}, {p.amount} {currency}) is open for {p.body}, rule {p.rule}"
    )
    typer.echo(p.id)


@app.command("in-kind-list")
def in_kind_list(
    ctx: typer.Context,
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Every in-kind contribution: reported value, value put to the board, approved value and when it was
    booked."""
    info = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        rows = [x._asdict() for x in params.page(in_kind.items(conn, info), limit, offset)]
    emit(ctx, rows, fmt, title="In-kind contributions")


@app.command("commit")
def commit(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner"),
    amount: str = typer.Option(..., "--amount"),
    currency: str = typer.Option(..., "--currency"),
    date: str = typer.Option(None, "--date", help="Effective date [default: today]."),
    reference: str = typer.Option(
        ..., "--reference", help="The commitment's reference (keys it: the same again is a no-op)."
    ),
) -> None:
    """Record a partner's commitment; calls are issued pro rata to the partners' commitments."""
    who = context.actor(ctx, "capital.commit")
    info = context.fund(ctx)
    day = day_of(date, "--date")
    terms = info.terms(day)
    with db.write(context.engine(ctx)) as conn:
        seq = calls.commit(
            conn, terms, partner, amount_of(amount, currency, "--amount"), currency, day, reference, who.name
        )
        total = calls.committed(conn, partner, currency, None)
    say(
        f"{partner} commitment {reference}: {amount} {currency} (record {seq}); {partner} has "
        f"committed {total} {currency}"
    )


@app.command("call")
def call(
    ctx: typer.Context,
    amount: str = typer.Option(..., "--amount"),
    currency: str = typer.Option(..., "--currency"),
    date: str = typer.Option(None, "--date", help="Effective date [default: today]."),
    reference: str = typer.Option(
        ..., "--reference", help="The call's reference; each partner's line adds -<partner>."
    ),
    fmt: str = FormatOption,
    countersign_as: str = countersigning.AsOption,
    countersign_key: Path = countersigning.KeyOption,
) -> None:
    """Call capital from every partner, pro rata to its commitment (largest-remainder rounding). A seated
    member other than you countersigns the call."""
    who = context.actor(ctx, "capital.call")
    info = context.fund(ctx)
    day = day_of(date, "--date")
    with db.write(context.engine(ctx)) as conn:
        lines = calls.issue_call(
            conn,
            info,
            amount_of(amount, currency, "--amount"),
            currency,
            day,
            reference,
            actor=who.name,
            countersigner=countersigning.signer(conn, countersign_as, countersign_key),
        )
    emit(ctx, [{**x._asdict(), "outstanding": x.outstanding} for x in lines], fmt, title=f"Call {reference}")


@app.command("calls")
def calls_(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of"),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Every partner's call line with what was received against it."""
    info = context.fund(ctx)
    day = day_of(as_of, "--as-of")
    with db.transaction(context.engine(ctx)) as conn:
        lines = params.page(calls.open_calls(conn, info.terms(day), day), limit, offset)
    emit(
        ctx,
        [{**x._asdict(), "outstanding": x.outstanding} for x in lines],
        fmt,
        title=f"Capital calls as of {day}",
    )


@app.command("contribute")
def contribute(
    ctx: typer.Context,
    call_ref: str = typer.Option(..., "--call", help="The partner's call line, e.g. CALL-2026-3-US."),
    amount: str = typer.Option(..., "--amount"),
    date: str = typer.Option(None, "--date", help="Effective date [default: today]."),
    receipt: str = typer.Option(..., "--receipt", help="The bank's reference of the payment (keys it)."),
    countersign_as: str = countersigning.AsOption,
    countersign_key: Path = countersigning.KeyOption,
) -> None:
    """Record cash received against a call. A seated member other than you countersigns it."""
    who = context.actor(ctx, "capital.contribute")
    info = context.fund(ctx)
    day = day_of(date, "--date")
    terms = info.terms(day)
    with db.write(context.engine(ctx)) as conn:
        lines = {x.reference: x for x in calls.open_calls(conn, terms)}
        currency = lines[call_ref].currency if call_ref in lines else terms.fund.base_currency
        line = calls.contribute(
            conn,
            info,
            call_ref,
            amount_of(amount, currency, "--amount"),
            day,
            receipt,
            actor=who.name,
            countersigner=countersigning.signer(conn, countersign_as, countersign_key),
        )
    say(
        f"{line.partner} paid {amount} {line.currency} against {line.reference}; "
        f"{line.outstanding} outstanding"
    )


@app.command("accounts")
def accounts(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="Closing date [default: today]."),
    since: str = typer.Option(None, "--from", help="Opening date [default: the fund's first day]."),
    fmt: str = FormatOption,
) -> None:
    """Each partner's capital account, ownership share and the fund's NAV, from the book alone."""
    info = context.fund(ctx)
    end = day_of(as_of, "--as-of")
    with db.transaction(context.engine(ctx)) as conn:
        fc = capital_accounts(conn, info, end, parse_date(since, "--from"))
    rows = [a._asdict() for a in fc.accounts]
    emit(
        ctx,
        rows,
        fmt,
        title=f"Partners' capital {fc.start} to {fc.end} ({fc.currency})",
        json_root={
            "start": fc.start,
            "end": fc.end,
            "currency": fc.currency,
            "accounts": rows,
            "nav": fc.nav,
            "other_equity": fc.other_equity,
        },
    )
    say(
        f"NAV {fc.nav:,f} {fc.currency} = partners' capital {fc.capital:,f} + other equity "
        f"{fc.other_equity:,f} (obligations accrued, not yet capital)"
    )


@app.command("distribute")
def distribute(
    ctx: typer.Context,
    amount: str = typer.Option(..., "--amount"),
    currency: str = typer.Option(..., "--currency"),
    member_ref: str = AsOption,
    key: Path = KeyOption,
) -> None:
    """Propose a distribution to the partners; refused while the terms' reinvestment period runs."""
    who = context.actor(ctx, "proposals.new")
    private = load_private(key)
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        p = distribution.propose(
            conn,
            info,
            who.name,
            amount_of(amount, currency, "--amount"),
            currency,
            member_ref,
            private,
            clock.today(),
        )
    say(f"proposal {p.id} ({p.kind}, {p.amount} {p.currency}) is open for {p.body}, rule {p.rule}")
    typer.echo(p.id)
