"""`jointfund applications`: submit projects, follow them through the pipeline, and move them on."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund import clock
from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, say
from jointfund.errors import InputError, Problem
from jointfund.portfolio import application as apps
from jointfund.portfolio import effects as _effects  # noqa: F401 registers the effects of executed proposals
from jointfund.portfolio import lifecycle
from jointfund.store import db

app = typer.Typer(help="The investment pipeline: applications, their stages and full history.", no_args_is_help=True)


@app.command("submit")
def submit(
    ctx: typer.Context,
    path: Path = typer.Argument(None, metavar="[FILE]", help="CSV, XLSX or JSON (an array of objects) of applications."),
    field: list[str] = typer.Option(None, "--field", help="name=value, instead of a file; repeat for each field."),
    fmt: str = FormatOption,
) -> None:
    """Submit applications from a file or from --field options; the same application again adds nothing."""
    who = context.actor(ctx, "applications.submit")
    if (path is None) == (not field):
        raise typer.BadParameter("give a FILE or --field options, not both", param_hint="FILE / --field")
    if field:
        pairs = [f.split("=", 1) for f in field]
        bad = [Problem("--field", "expected name=value", f) for f, p in zip(field, pairs) if len(p) != 2]
        if bad:
            raise InputError(bad)
        rows = [apps.field_row(dict(pairs))]
    else:
        rows = apps.rows_of(path)
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        done = apps.submit(conn, info, who.name, rows, clock.today())
    new = sum(1 for _a, fresh in done if fresh)
    say(f"{new} application(s) submitted, {len(done) - new} already there")
    emit(ctx, [{"id": a.id, "reference": a.reference, "title": a.title, "new": fresh} for a, fresh in done], fmt,
         title="Applications")


@app.command("list")
def list_(
    ctx: typer.Context,
    stage: str = typer.Option(None, "--stage", help="Only applications at this stage."),
    fmt: str = FormatOption,
) -> None:
    """Applications and where each stands."""
    info = context.fund(ctx)
    p = apps.pipeline_of(info.terms())
    if stage is not None and p.stage(stage) is None:
        raise typer.BadParameter(f"expected one of {', '.join(s.code for s in p.stages)}", param_hint="--stage")
    with db.transaction(context.engine(ctx)) as conn:
        everyone = apps.applications(conn)
        where = apps.stages(conn)
    rows = [{"id": a.id, "applicant": a.applicant, "title": a.title, "sector": a.sector, "region": a.region,
             "amount": a.amount, "currency": a.currency, "instrument": a.instrument, "stage": where[a.id].to_stage,
             "since": where[a.id].effective} for a in everyone if stage is None or where[a.id].to_stage == stage]
    emit(ctx, rows, fmt, title="Applications" + (f" at {stage}" if stage else ""))


@app.command("show")
def show(ctx: typer.Context, application_id: int = context.id_argument(), fmt: str = FormatOption) -> None:
    """One application and its full history: every move, with who made it, why, and by which proposal."""
    with db.transaction(context.engine(ctx)) as conn:
        a = apps.get(conn, application_id)
        moves = apps.history(conn, application_id)
    say(f"{a.label}: {a.title}\n  {a.applicant} (EDRPOU {a.applicant_code}); {a.sector}, {a.region}"
        f"{', ' + a.resource if a.resource else ''}; {a.amount} {a.currency} as {a.instrument}\n"
        f"  {a.description}\n  contact: {a.contact or '-'}; documents: {', '.join(a.documents) or '-'}; "
        f"reference {a.reference}\n  now: {moves[-1].to_stage} since {moves[-1].effective}")
    rows = [{"from": m.from_stage, "to": m.to_stage, "effective": m.effective, "by": m.actor, "why": m.reason,
             "proposal": m.proposal, "record": m.seq} for m in moves]
    emit(ctx, rows, fmt, title=f"{a.label} history", json_root={
        "application": {"id": a.id, **a.content(), "reference": a.reference, "submitted_on": a.submitted_on,
                        "source": a.source, "line": a.line}, "stage": moves[-1].to_stage, "history": rows})


@app.command("move")
def move(
    ctx: typer.Context,
    application_id: int = context.id_argument(),
    to: str = typer.Option(..., "--to", help="The stage to move it to; decision stages are reached only by proposals."),
    reason: str = typer.Option(..., "--reason", help="Why: it is recorded with the move."),
) -> None:
    """Move an application to a stage that needs no decision (screening, declined, withdrawn, repaid...)."""
    who = context.actor(ctx, "applications.move")
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        change = lifecycle.move_by_person(conn, info, who.name, application_id, to, clock.today(), reason)
    say(f"APP-{application_id}: {change.from_stage} -> {change.to_stage} (record {change.seq})")
