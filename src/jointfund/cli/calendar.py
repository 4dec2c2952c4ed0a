"""`jointfund calendar`: the statutory deadlines of the terms, their status and what is outstanding."""

from __future__ import annotations

import typer

from jointfund import clock
from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, say
from jointfund.cli.terms import parse_date
from jointfund.revenue import deadlines
from jointfund.store import db

app = typer.Typer(help="The compliance calendar.", invoke_without_command=True)


def rows_of(found: list[deadlines.DeadlineStatus]) -> list[dict]:
    return [
        {
            "period": d.period,
            "deadline": d.code,
            "due": d.due,
            "status": d.status,
            "met_on": d.met_on,
            "responsible": d.responsible,
            "what": d.name,
            "outstanding": d.outstanding,
        }
        for d in found
    ]


@app.callback()
def calendar(
    ctx: typer.Context,
    year: int = context.year_option(
        None, help="The revenue year [default: every year since the fund began]."
    ),
    fmt: str = FormatOption,
) -> None:
    """Deadlines for each year's revenue (due the following year), and the agreements' dated commitments
    beside them (jointfund commitments): done, late, open or overdue; then the cross-agreement alerts."""
    if ctx.invoked_subcommand is not None:
        return
    from jointfund.commitments import alert, register

    info = context.fund(ctx)
    today = clock.today()
    periods = [year] if year else list(range(info.start_date.year, today.year + 1))
    with db.transaction(context.engine(ctx)) as conn:
        found = deadlines.calendar(conn, info, periods, today)
        # The fund's own calendar obligations are the rows above (calendar:CODE rules), so they are not
        # repeated.
        beside = [
            x
            for x in register.lines(conn, info, today)
            if x.due is not None
            and not x.rule.startswith("calendar:")
            and (year is None or x.due.year in (year, year + 1))
        ]
        raised = alert.alerts(conn, info, today)
    emit(ctx, rows_of(found) + commitment_rows(beside), fmt, title=f"Compliance calendar as of {today}")
    for a in raised:
        say(f"alert: {a.message}")


def commitment_rows(lines: list) -> list[dict]:  # noqa: ANN001 - register.Line values
    return [
        {
            "period": None,
            "deadline": x.id,
            "due": x.due,
            "status": x.status,
            "met_on": x.records[-1].occurred_on if x.records and x.records[-1].due == x.due else None,
            "responsible": x.obligor,
            "what": x.text,
            "outstanding": "",
        }
        for x in lines
    ]


@app.command("file")
def file(
    ctx: typer.Context,
    year: int = context.year_option(..., help="The revenue year the filing is for."),
    deadline: str = typer.Option(
        ..., "--deadline", help="The deadline's code in the terms (data, report, audit...)."
    ),
    date: str = typer.Option(..., "--date", help="The day it was done, YYYY-MM-DD."),
    reference: str = typer.Option(..., "--reference", help="Letter, report or act number."),
) -> None:
    """Record that a filing deadline was met (data submitted, report published, audit done)."""
    who = context.actor(ctx, "calendar.file")
    day = parse_date(date, "--date")
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        seq = deadlines.file(conn, info.terms(day), year, deadline, day, reference, actor=who.name)
    say(
        f"{deadline} for {year}: "
        + (f"filed on {day} (record {seq})" if seq else "already filed so (no change)")
    )
