"""`jointfund portfolio`: the investments with their metrics, and the money they return."""

from __future__ import annotations

import typer

from jointfund.cli import context
from jointfund.cli.capital import amount_of, day_of
from jointfund.cli.output import FormatOption, emit, say
from jointfund.portfolio import investment
from jointfund.reports import fund_report
from jointfund.store import db

app = typer.Typer(
    help="The portfolio: per investment committed, disbursed, undrawn, received, value, IRR, MOIC, "
    "TVPI, DPI, RVPI and fund totals; and recording income, repayments and exits.",
    invoke_without_command=True,
)


@app.callback()
def portfolio(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="Effective date [default: today]."),
    fmt: str = FormatOption,
) -> None:
    """Show the portfolio (when no sub-command is given)."""
    if ctx.invoked_subcommand is not None:
        return
    info = context.fund(ctx)
    day = day_of(as_of, "--as-of")
    with db.transaction(context.engine(ctx)) as conn:
        section = fund_report.portfolio(conn, info, day)
    emit(ctx, section.rows, fmt, title=section.title)


def _record(ctx: typer.Context, investment_id: int, what, words: str) -> None:  # noqa: ANN001 - callable(conn, info, inv)
    context.actor(ctx, "portfolio.record")
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        inv = investment.get(conn, investment_id)
        seq = what(conn, info, inv)
    say(f"INV-{investment_id}: {words} (entry {seq})")


@app.command("income")
def income(
    ctx: typer.Context,
    investment_id: int = context.id_argument("INVESTMENT"),
    kind: str = typer.Option(..., "--kind", help="interest, dividends or fees (the terms' income kinds)."),
    amount: str = typer.Option(..., "--amount"),
    currency: str = typer.Option(..., "--currency"),
    date: str = typer.Option(None, "--date"),
    reference: str = typer.Option(..., "--reference", help="The payer's reference (keys the entry)."),
) -> None:
    """Record income received from an investment."""
    day = day_of(date, "--date")
    value = amount_of(amount, currency, "--amount")
    _record(
        ctx,
        investment_id,
        lambda c, i, inv: investment.record_income(c, i, inv, kind, value, currency, day, reference),
        f"{kind} {value} {currency} received",
    )


def _return(kind: str):  # noqa: ANN202
    def command(
        ctx: typer.Context,
        investment_id: int = context.id_argument("INVESTMENT"),
        amount: str = typer.Option(..., "--amount", help="Proceeds received."),
        currency: str = typer.Option(..., "--currency"),
        cost: str = typer.Option(
            None,
            "--cost",
            help="Cost returned by it [default: repayment, up to the proceeds; exit, all the cost left].",
        ),
        date: str = typer.Option(None, "--date"),
        reference: str = typer.Option(..., "--reference", help="The payer's reference (keys the entry)."),
    ) -> None:
        day = day_of(date, "--date")
        value = amount_of(amount, currency, "--amount")
        part = None if cost is None else amount_of(cost, currency, "--cost")
        _record(
            ctx,
            investment_id,
            lambda c, i, inv: investment.record_return(
                c, i, inv, kind, value, currency, day, reference, part
            ),
            f"{kind} of {value} {currency} received",
        )

    command.__doc__ = (
        f"Record {'a repayment of principal' if kind == 'repayment' else 'exit proceeds'} from an investment."
    )
    return command


app.command("repay")(_return("repayment"))
app.command("exit")(_return("exit"))
