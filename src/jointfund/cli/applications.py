"""`jointfund applications`: submit projects, follow them through the pipeline, and move them on."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import typer

from jointfund import clock
from jointfund.cli import context, countersigning, params
from jointfund.cli.output import FormatOption, emit, say
from jointfund.errors import InputError, Problem
from jointfund.portfolio import application as apps
from jointfund.portfolio import clearance, lifecycle, owner, screening
from jointfund.portfolio.clearance import BLOCKED, CLEARED, Clearance
from jointfund.store import db

app = typer.Typer(
    help="The investment pipeline: applications, their stages and full history.", no_args_is_help=True
)


@app.command("submit")
def submit(
    ctx: typer.Context,
    path: Path = typer.Argument(
        None, metavar="[FILE]", help="CSV, XLSX or JSON (an array of objects) of applications."
    ),
    field: list[str] = typer.Option(
        None, "--field", help="name=value, instead of a file; repeat for each field."
    ),
    fmt: str = FormatOption,
) -> None:
    """Submit applications from a file or from --field options; the same application again adds nothing."""
    who = context.actor(ctx, "applications.submit")
    params.either(path is not None, bool(field), "a FILE or --field options", "FILE / --field")
    if field:
        pairs = [f.split("=", 1) for f in field]
        bad = [
            Problem("--field", "expected name=value", f)
            for f, p in zip(field, pairs, strict=True)
            if len(p) != 2
        ]
        if bad:
            raise InputError(bad)
        rows: Iterable[apps.Row] = [apps.field_row(dict(pairs))]
    else:
        rows = apps.rows_of(path)
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        done = apps.submit(conn, info, who.name, rows, clock.today())
    new = sum(1 for _a, fresh in done if fresh)
    say(f"{new} application(s) submitted, {len(done) - new} already there")
    emit(
        ctx,
        [{"id": a.id, "reference": a.reference, "title": a.title, "new": fresh} for a, fresh in done],
        fmt,
        title="Applications",
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    stage: str = typer.Option(None, "--stage", help="Only applications at this stage."),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Applications and where each stands."""
    info = context.fund(ctx)
    p = apps.pipeline_of(info.terms())
    if stage is not None and p.stage(stage) is None:
        raise typer.BadParameter(
            f"expected one of {', '.join(s.code for s in p.stages)}", param_hint="--stage"
        )
    with db.transaction(context.engine(ctx)) as conn:
        everyone = apps.applications(conn)
        where = apps.stages(conn)
    rows = [
        {
            "id": a.id,
            "applicant": a.applicant,
            "title": a.title,
            "sector": a.sector,
            "region": a.region,
            "amount": a.amount,
            "currency": a.currency,
            "instrument": a.instrument,
            "stage": where[a.id].to_stage,
            "since": where[a.id].effective,
        }
        for a in params.page(
            (a for a in everyone if stage is None or where[a.id].to_stage == stage), limit, offset
        )
    ]
    emit(ctx, rows, fmt, title="Applications" + (f" at {stage}" if stage else ""))


@app.command("show")
def show(ctx: typer.Context, application_id: int = context.id_argument(), fmt: str = FormatOption) -> None:
    """One application and its full history: every move, with who made it, why, and by which proposal."""
    with db.transaction(context.engine(ctx)) as conn:
        a = apps.get(conn, application_id)
        moves = apps.history(conn, application_id)
        owners = owner.of(conn, [a.id]).get(a.id, ())
    # Beneficial owners are personal data: shown to the fund's own users here, never in public output.
    held = "; ".join(f"{o.label}: {o.name}, born {o.birth_date}, {o.nationality}" for o in owners) or "-"
    say(
        f"{a.label}: {a.title}\n  {a.applicant} (EDRPOU {a.applicant_code}); beneficial owners: {held}\n"
        f"  {a.sector}, {a.region}"
        f"{', ' + a.resource if a.resource else ''}; {a.amount} {a.currency} as {a.instrument}\n"
        f"  {a.description}\n  contact: {a.contact or '-'}; documents: {', '.join(a.documents) or '-'}; "
        f"reference {a.reference}\n  now: {moves[-1].to_stage} since {moves[-1].effective}"
    )
    rows = [
        {
            "from": m.from_stage,
            "to": m.to_stage,
            "effective": m.effective,
            "by": m.actor,
            "why": m.reason,
            "proposal": m.proposal,
            "record": m.seq,
        }
        for m in moves
    ]
    emit(
        ctx,
        rows,
        fmt,
        title=f"{a.label} history",
        json_root={
            "application": {
                "id": a.id,
                **a.content(),
                "reference": a.reference,
                "submitted_on": a.submitted_on,
                "source": a.source,
                "line": a.line,
                "owners": owner.canonical(owners),
            },
            "stage": moves[-1].to_stage,
            "history": rows,
        },
    )


@app.command("move")
def move(
    ctx: typer.Context,
    application_id: int = context.id_argument(),
    to: str = typer.Option(
        ..., "--to", help="The stage to move it to; decision stages are reached only by proposals."
    ),
    reason: str = typer.Option(..., "--reason", help="Why: it is recorded with the move."),
) -> None:
    """Move an application to a stage that needs no decision (screening, declined, withdrawn, repaid...)."""
    who = context.actor(ctx, "applications.move")
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        change = lifecycle.move_by_person(conn, info, who.name, application_id, to, clock.today(), reason)
    say(f"APP-{application_id}: {change.from_stage} -> {change.to_stage} (record {change.seq})")


@app.command("screen")
def screen(
    ctx: typer.Context,
    application_id: int = typer.Argument(None, metavar="[ID]", help="The application (APP-<id>); or --all."),
    every: bool = typer.Option(
        False, "--all", help="Every application not at a final stage, e.g. after a list update."
    ),
    fmt: str = FormatOption,
) -> None:
    """Screen the company and each beneficial owner against every current sanctions list; show the hits."""
    who = context.actor(ctx, "applications.screen")
    params.either(application_id is not None, every, "an application ID or --all", "ID / --all")
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        if every:
            results = screening.screen_all(conn, info, who.name, clock.today())
        else:
            results = [screening.screen(conn, info, who.name, application_id, clock.today())]
    waiting = [r for r in results if r.outcome is None]
    for r in results if not every else waiting:
        s = r.screening
        state = (
            f"{r.outcome.outcome} ({r.outcome.reason})"
            if r.outcome
            else f"{len(r.new)} new; waits for a person: jointfund applications clear|block {s.application} "
            "--reason TEXT"
        )
        say(
            f"APP-{s.application}: screening {s.id} against {len(s.lists)} list(s): "
            f"{len(r.hits)} hit(s); {state}"
        )
    if every:
        say(
            f"{len(results)} application(s) screened: {len(results) - len(waiting)} cleared, "
            f"{len(waiting)} waiting "
            f"for a person, {sum(len(r.new) for r in results)} new hit(s)"
        )
    new = {(r.screening.application, h.key) for r in results for h in r.new}
    rows = [
        {
            "application": r.screening.application,
            "screening": r.screening.id,
            "party": h.party,
            "list": h.list_name,
            "entry": h.entry,
            "name": h.entry_name,
            "kind": h.kind,
            "score": h.score,
            "matched": ", ".join(h.fields),
            "birth_date": h.birth_date or "-",
            "strong": h.strong,
            "new": (r.screening.application, h.key) in new,
        }
        for r in results
        for h in (r.new if every else r.hits)
    ]
    emit(ctx, rows, fmt, title="New hits" if every else "Hits")


@app.command("screenings")
def screenings(
    ctx: typer.Context,
    application_id: int = context.id_argument(),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Every screening of an application: the lists it used, its hits and its outcome."""
    with db.transaction(context.engine(ctx)) as conn:
        a = apps.get(conn, application_id)
        done = params.shown(clearance.screenings(conn, a.id, limit + 1, offset), limit, offset)
        decided = clearance.outcomes(conn, [s.id for s in done])
        names = {v.id: v.name for v in clearance.lists(conn, ids=[i for s in done for i in s.lists])}
    rows = [
        {
            "screening": s.id,
            "screened_on": s.screened_on,
            "by": s.actor,
            "lists": ", ".join(f"{names.get(i, i)} v{i}" for i in s.lists),
            "hits": len(s.hits),
            "outcome": decided[s.id].outcome if s.id in decided else "waiting",
            "automatic": decided[s.id].automatic if s.id in decided else None,
            "reason": decided[s.id].reason if s.id in decided else "",
            "record": s.seq,
        }
        for s in done
    ]
    emit(ctx, rows, fmt, title=f"{a.label} screenings")


def _decide(
    ctx: typer.Context,
    application_id: int,
    outcome: str,
    reason: str,
    member: str | None = None,
    key: Path | None = None,
) -> None:
    who = context.actor(ctx, "applications.screening_outcome")
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        by = countersigning.signer(conn, member, key)
        done = screening.decide(conn, info.id, who.name, application_id, outcome, reason, clock.today(), by)
    if isinstance(done, Clearance):
        say(
            f"APP-{application_id}: screening {done.screening} cleared by {done.actor} (record {done.seq}); "
            "a second person confirms it, with a seated member's countersignature: "
            f"jointfund --user OTHER applications clear {application_id} --reason TEXT "
            "--countersign-as MEMBER --countersign-key KEY"
        )
        return
    say(f"APP-{application_id}: screening {done.screening} {done.outcome} (record {done.seq})")


@app.command("clear")
def clear(
    ctx: typer.Context,
    application_id: int = context.id_argument(),
    reason: str = typer.Option(..., "--reason", help="Why the hits are not the applicant or its owners."),
    member: str = countersigning.AsOption,
    key: Path = countersigning.KeyOption,
) -> None:
    """Record that the latest screening's hits are cleared: none of them is the company or an owner.

    Four eyes: the first user's clearance waits until a different user confirms it, countersigned by a seated
    member (--countersign-as, --countersign-key) who is not the first user."""
    _decide(ctx, application_id, CLEARED, reason, member, key)


@app.command("block")
def block(
    ctx: typer.Context,
    application_id: int = context.id_argument(),
    reason: str = typer.Option(..., "--reason", help="Which hit is the company or an owner, and why."),
) -> None:
    """Record that the latest screening found a sanctioned party: the application goes no further."""
    _decide(ctx, application_id, BLOCKED, reason)
