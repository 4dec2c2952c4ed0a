"""`jointfund contributions`: what the receipts owe the fund, receipt by receipt or in totals."""

from __future__ import annotations

from collections.abc import Iterator

import typer

from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, resolve_format, write_csv
from jointfund.errors import JointfundError
from jointfund.revenue import book
from jointfund.revenue.contribution import (
    DETAIL_COLUMNS,
    GROUPINGS,
    Totals,
    detail_row,
    missing_rates,
)
from jointfund.store import db


def contributions(
    ctx: typer.Context,
    detail: bool = typer.Option(
        False, "--detail", help="One row per receipt, with the reason it counts or not."
    ),
    by: str = typer.Option(None, "--by", help=f"Totals by {'|'.join(GROUPINGS)} [default: year]."),
    year: int = context.year_option(None, help="Only receipts dated in this year."),
    fmt: str = FormatOption,
) -> None:
    """Contributions owed under the terms in force on each receipt's date."""
    if detail and by:
        raise typer.BadParameter("give --detail or --by, not both", param_hint="--detail")
    if by is not None and by not in GROUPINGS:
        raise typer.BadParameter(f"expected one of {', '.join(GROUPINGS)}, got {by!r}", param_hint="--by")
    info = context.fund(ctx)
    engine = context.engine(ctx)
    chosen = resolve_format(ctx, fmt)
    base = info.base_terms().fund.base_currency
    if detail:

        def rows() -> Iterator[dict[str, object]]:
            with db.transaction(engine) as conn:
                for e in book.evaluations(conn, info, year):
                    yield detail_row(e, base)

        if chosen == "csv":  # computed as they are printed, so a million receipts print in bounded memory
            write_csv(DETAIL_COLUMNS, rows())
        else:
            emit(ctx, list(rows()), chosen, title="Contributions by receipt", columns=DETAIL_COLUMNS)
        return
    by = by or "year"
    terms = info.base_terms()
    names = {r.code: r.name for r in terms.resources} if by == "resource" else {}
    with db.transaction(engine) as conn:
        found, missing = book.grouped_totals(conn, info, by, year, names)
    if missing:
        raise JointfundError(missing_rates(missing))
    emit(
        ctx,
        totals_rows(by, found, base),
        chosen,
        title=f"Contributions by {by}{f' in {year}' if year else ''}",
    )


def totals_rows(by: str, found: list[Totals], base_currency: str) -> list[dict]:
    """The rows `contributions --by` prints; the base currency (the terms') named beside the contribution."""
    return [
        {
            by: x.key,
            "name": x.name,
            "currency": x.currency,
            "receipts": x.receipts,
            "eligible": x.eligible,
            "amount": x.amount,
            "eligible_amount": x.eligible_amount,
            "contribution": x.contribution,
            "contribution_base": x.contribution_base,
            "base_currency": base_currency,
        }
        for x in found
    ]
