"""`jointfund licences`: import, list and correct special permits for subsoil use."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli import context, corrections, countersigning, imports, params
from jointfund.cli.output import FormatOption, emit
from jointfund.revenue import book
from jointfund.revenue.corrections import LICENCE_FIELDS, correct_licence
from jointfund.store import db

app = typer.Typer(help="Licences (special permits for subsoil use).", no_args_is_help=True)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = imports.FileArgument,
    fmt: str = FormatOption,
    delimiter: str = imports.DelimiterOption,
    locale: str = imports.LocaleOption,
    dry_run: bool = imports.DryRunOption,
) -> None:
    """Import licences: licence_id, holder, holder_code, resource (several: gas;condensate), deposit, region,
    issued, basis, psa[, psa_signed, flags]."""
    context.actor(ctx, "licences.import")
    imports.run(
        ctx,
        file,
        fmt,
        "licences",
        how=imports.dialect(delimiter, locale),
        dry_run=dry_run,
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    resource: str = typer.Option(None, "--resource", help="Only licences for this resource code."),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Licences with their resource, basis and whether the resource is covered."""
    info = context.fund(ctx)
    terms = info.base_terms()
    with db.transaction(context.engine(ctx)) as conn:
        # The page alone is read (by licence id, in SQL), never every licence.
        found = book.licence_page(conn, resource, None, limit + 1, offset, any_resource=True)
    rows = [
        {
            **x._asdict(),
            "psa": "yes" if x.psa else "no",
            "flags": ";".join(x.flags),
            "other_resources": ";".join(x.other_resources),
            "covered": bool((r := terms.resource(x.resource)) and r.covered),
        }
        for x in params.shown(found, limit, offset)
    ]
    emit(ctx, rows, fmt, title="Licences")


@app.command("correct")
def correct(
    ctx: typer.Context,
    licence_id: str = typer.Argument(..., metavar="LICENCE_ID"),
    field: str = typer.Option(..., "--field", help=f"One of {', '.join(LICENCE_FIELDS)}."),
    value: str = corrections.ValueOption,
    reason: str = corrections.ReasonOption,
    member: str = countersigning.AsOption,
    key: Path = countersigning.KeyOption,
    fmt: str = FormatOption,
) -> None:
    """Supersede a wrong licence field with a correction (reason and actor kept; the licence row is never
    edited), and reverse and re-book the contributions of its receipts. A seated member countersigns it (four
    eyes)."""
    corrections.run(
        ctx,
        "licences.correct",
        fmt,
        lambda conn, info, who, by: correct_licence(conn, info, who, licence_id, field, value, reason, by),
        member,
        key,
    )
