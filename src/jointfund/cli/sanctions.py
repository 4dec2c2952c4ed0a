"""`jointfund sanctions`: import a sanctions list (OpenSanctions or OFAC SDN) and see the lists imported."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund import clock
from jointfund.cli import context, params
from jointfund.cli.output import FormatOption, emit, say
from jointfund.cli.params import parse_date
from jointfund.portfolio import clearance, sanctions
from jointfund.store import db

app = typer.Typer(
    help="Sanctions lists (OpenSanctions, OFAC SDN) that applicants are screened against.",
    no_args_is_help=True,
)


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ...,
        metavar="FILE",
        exists=True,
        dir_okay=False,
        help="OpenSanctions' targets.simple.csv, or OFAC's sdn.csv.",
    ),
    name: str = typer.Option(
        ..., "--list", help="The fund's name for the list: ofac_sdn, eu_fsf, uk_hmt, ua_nsdc..."
    ),
    aliases: Path = typer.Option(
        None,
        "--aliases",
        exists=True,
        dir_okay=False,
        help="OFAC's alt.csv, the aliases of sdn.csv's entries.",
    ),
    on: str = typer.Option(None, "--date", help="The publisher's date of this version (default: today)."),
    fmt: str = FormatOption,
) -> None:
    """Import a new version of a list; the same file under the same name again adds nothing."""
    who = context.actor(ctx, "sanctions.import")
    list_date = parse_date(on, "--date") or clock.today()
    kind, targets, sha256, source = sanctions.load(path, aliases)
    with db.write(context.engine(ctx)) as conn:
        done = sanctions.record(conn, who.name, name, kind, targets, sha256, source, list_date)
    v = done.version
    say(
        f"list {v.name}: {v.entries} entries from {v.source} ({v.format}, sha256 {v.sha256[:16]}...), "
        + ("imported as version " + str(v.id) if done.new else f"already imported (version {v.id})")
        + ("; re-screen the pipeline: jointfund applications screen --all" if done.new else "")
    )
    emit(ctx, [_row(v) | {"new": done.new}], fmt, title="Sanctions list")


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Every version imported, and which is current (the latest of each name)."""
    with db.transaction(context.engine(ctx)) as conn:
        found = params.shown(clearance.lists(conn, limit + 1, offset), limit, offset)
        now = clearance.current_seqs(conn)
    emit(ctx, [_row(v) | {"current": v.seq in now} for v in found], fmt, title="Sanctions lists")


def _row(v: clearance.ListVersion) -> dict:
    return {
        "version": v.id,
        "list": v.name,
        "format": v.format,
        "date": v.list_date,
        "entries": v.entries,
        "source": v.source,
        "sha256": v.sha256,
        "record": v.seq,
    }
