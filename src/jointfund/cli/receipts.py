"""`jointfund receipts`: import Treasury receipts (accruing each eligible one), list them, correct one."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli import context, corrections, countersigning, imports, params
from jointfund.cli.output import FormatOption, emit
from jointfund.revenue import book, intake
from jointfund.revenue.corrections import RECEIPT_FIELDS, correct_receipt
from jointfund.store import db

app = typer.Typer(help="Treasury receipts from subsoil licences.", no_args_is_help=True)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = imports.FileArgument,
    fmt: str = FormatOption,
    delimiter: str = imports.DelimiterOption,
    locale: str = imports.LocaleOption,
    dry_run: bool = imports.DryRunOption,
) -> None:
    """Import receipts (receipt_id, date, licence_id, stream, amount[, currency, corrects, resource, budget,
    flags]) and accrue contributions."""
    context.actor(ctx, "receipts.import")
    imports.run(
        ctx,
        file,
        fmt,
        intake.RECEIPTS,  # imported and accrued (revenue.intake.import_receipts)
        how=imports.dialect(delimiter, locale),
        dry_run=dry_run,
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    year: int = context.year_option(None, help="Only receipts dated in this year."),
    licence: str = typer.Option(None, "--licence", help="Only receipts under this licence."),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Receipts as imported, by date."""
    with db.transaction(context.engine(ctx)) as conn:
        # book.receipts streams in batches: the page reads only as far as it needs.
        chosen = (r for r in book.receipts(conn, year) if licence in (None, r.licence_id))
        rows = [r._asdict() for r in params.page(chosen, limit, offset)]
    emit(ctx, rows, fmt, title="Receipts")


@app.command("correct")
def correct(
    ctx: typer.Context,
    receipt_id: str = typer.Argument(..., metavar="RECEIPT_ID"),
    field: str = typer.Option(..., "--field", help=f"One of {', '.join(RECEIPT_FIELDS)}."),
    value: str = corrections.ValueOption,
    reason: str = corrections.ReasonOption,
    member: str = countersigning.AsOption,
    key: Path = countersigning.KeyOption,
    fmt: str = FormatOption,
) -> None:
    """Supersede a wrong receipt field with a correction (reason and actor kept; the receipt row is never
    edited), and reverse and re-book its contribution. A seated member countersigns it (four eyes)."""
    corrections.run(
        ctx,
        "receipts.correct",
        fmt,
        lambda conn, info, who, by: correct_receipt(conn, info, who, receipt_id, field, value, reason, by),
        member,
        key,
    )
