"""`jointfund report`: reports for partners and the public (eiti here; other reports join this group)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer

from jointfund.cli import context
from jointfund.cli.output import emit, say
from jointfund.errors import JointfundError
from jointfund.revenue import book, eiti
from jointfund.revenue.contribution import MissingRates, missing_rates
from jointfund.store import db

app = typer.Typer(help="Reports for partners and the public.", no_args_is_help=True)

EITI_FORMATS = ("table", "csv", "json", "xlsx")


def parse_threshold(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise typer.BadParameter(f"expected an amount of zero or more, with a dot as the decimal mark, got {text!r}", param_hint=option)
    return value


@app.command("eiti")
def eiti_report(
    ctx: typer.Context,
    year: int = context.year_option(...),
    fmt: str = typer.Option(None, "--format", "-f", help="table, csv, json or xlsx (xlsx needs -o)."),
    out: Path = typer.Option(None, "-o", "--out", help="Write the report to this file (required for xlsx)."),
    materiality: str = typer.Option(None, "--materiality", help="Fold rows whose amount is below this into one row per section."),
) -> None:
    """EITI-style revenue report of a year: all extractive revenue by stream (GFS), company, licence, resource, region."""
    chosen = fmt or (ctx.find_root().obj or {}).get("format") or "table"
    if chosen not in EITI_FORMATS:
        raise typer.BadParameter(f"expected one of {', '.join(EITI_FORMATS)}, got {chosen!r}", param_hint="--format")
    if chosen == "xlsx" and out is None:
        raise typer.BadParameter("xlsx is binary: give -o FILE", param_hint="--out")
    threshold = parse_threshold(materiality, "--materiality")
    info = context.fund(ctx)
    terms = info.base_terms()
    with db.transaction(context.engine(ctx)) as conn:
        evaluations = MissingRates(book.evaluations(conn, info, year))
        rows = eiti.report(evaluations, terms, threshold)
    if evaluations.missing:
        raise JointfundError(missing_rates(evaluations.missing))
    title = f"{terms.fund.name}: extractive revenue {year} (EITI-style)"
    if chosen == "xlsx":
        eiti.write_xlsx(rows, out, title)
        say(f"wrote {len(rows)} rows to {out}")
        return
    emit(ctx, [r._asdict() for r in rows], chosen, title=title, columns=eiti.COLUMNS)


# The partner and fund reports (statement, fund, portfolio, pipeline, html) join this group from their module.
from jointfund.cli import fund_reports  # noqa: E402, F401
