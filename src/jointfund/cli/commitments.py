"""`jointfund commitments`: the register of the agreements' commitments, their events, outcomes and alerts."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund import clock
from jointfund.cli import context, params
from jointfund.cli.output import FormatOption, emit, say
from jointfund.cli.params import parse_date
from jointfund.commitments import alert, evidence, overview, register
from jointfund.store import db

app = typer.Typer(
    help="The register of the agreements' commitments: deadlines, triggers, evidence and alerts."
)


@app.command("list")
def list_(
    ctx: typer.Context,
    agreement: str = typer.Option(None, "--agreement", help="Only this agreement's (security_2024, urif)."),
    status: str = typer.Option(
        None, "--status", help="Only this status (open, due soon, overdue, met, ...)."
    ),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Every commitment with its next due date and status (derived, or recorded with evidence)."""
    info = context.fund(ctx)
    today = clock.today()
    with db.transaction(context.engine(ctx)) as conn:
        found = register.lines(conn, info, today, agreement, status)
        raised = alert.alerts(conn, info, today)
    # The lines are the terms' commitments (a list the terms bound), worked out in order: paged lazily.
    emit(ctx, [x.row() for x in params.page(found, limit, offset)], fmt, title=f"Commitments as of {today}")
    for a in raised:
        say(f"alert: {a.message}")


@app.command("show")
def show(ctx: typer.Context, cid: str = typer.Argument(..., metavar="ID"), fmt: str = FormatOption) -> None:
    """One commitment: its text in English and Ukrainian, due rule, outcomes with evidence, tagged
    investments."""
    info = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        x = register.line(conn, info, clock.today(), cid)
    row = overview.line_out(x)  # the commitment as the API and the register page show it
    emit(
        ctx,
        [{k: v for k, v in row.items() if k != "records"} | {"records": len(x.records)}],
        fmt,
        title=f"Commitment {x.id}",
        json_root=row,
    )


@app.command("event")
def event(
    ctx: typer.Context,
    kind: str = typer.Option(
        ..., "--kind", help="armed_attack, termination_notice, extension_agreed, capital_raise."
    ),
    date: str = typer.Option(..., "--date", help="When it happened, YYYY-MM-DD."),
    note: str = typer.Option("", "--note", help="What happened, in a sentence."),
) -> None:
    """Record an event; the commitments it triggers fall due from its date."""
    who = context.actor(ctx, "commitments.event")
    day = parse_date(date, "--date")
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        e = register.record_event(conn, info, who.name, kind, day, note, clock.today())
        due = [x for x in register.lines(conn, info, clock.today()) if x.rule.startswith(f"{kind} +")]
    say(f"{kind} on {day} recorded (record {e.seq})" + "".join(f"; {x.id} due {x.due}" for x in due))


@app.command("record")
def record(
    ctx: typer.Context,
    cid: str = typer.Argument(..., metavar="ID"),
    status: str = typer.Option(..., "--status", help="met, late, breached or waived."),
    date: str = typer.Option(..., "--date", help="When it was met (or late, breached, waived), YYYY-MM-DD."),
    files: list[Path] = typer.Option(
        ..., "--evidence", help="Evidence files (repeat); stored by content (SHA-256)."
    ),
    note: str = typer.Option("", "--note"),
) -> None:
    """Record the outcome of a commitment's first unsettled occurrence, with its evidence."""
    who = context.actor(ctx, "commitments.record")
    day = parse_date(date, "--date")
    blobs = evidence.read(files)
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        r = register.record_outcome(conn, info, who.name, cid, status, day, blobs, note, clock.today())
    say(
        f"{cid}: {status} on {day}"
        + (f" (due {r.due})" if r.due else "")
        + f", record {r.seq}; evidence "
        + ", ".join(s[:12] for s in r.evidence)
    )


@app.command("tag")
def tag(
    ctx: typer.Context,
    investment: int = context.id_argument(
        "INVESTMENT", help="The investment's id (jointfund portfolio list)."
    ),
    area: str = typer.Option(
        ..., "--area", help="An area of cooperation (energy_security, economic_recovery...)."
    ),
) -> None:
    """Tag an investment with an area of cooperation of the security agreement."""
    who = context.actor(ctx, "commitments.tag")
    with db.write(context.engine(ctx)) as conn:
        tid = register.tag(conn, who.name, investment, area)
    say(f"investment {investment} tagged {area}" + ("" if tid else " already (no change)"))


@app.command("alerts")
def alerts(ctx: typer.Context, fmt: str = FormatOption) -> None:
    """Cross-agreement alerts: an agreement ending before a date of the fund's terms, with no decision yet."""
    info = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        found = alert.alerts(conn, info, clock.today())
    emit(
        ctx,
        [{k: v for k, v in overview.alert_out(a).items() if k != "message_uk"} for a in found],
        fmt,
        title="Alerts",
    )
