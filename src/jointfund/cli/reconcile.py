"""`jointfund reconcile`: company-reported payments against Treasury receipts."""

from __future__ import annotations

import typer

from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, say
from jointfund.cli.reports import parse_threshold
from jointfund.revenue import book
from jointfund.revenue.reconcile import bounds
from jointfund.revenue.reconcile import reconcile as run_reconcile
from jointfund.store import db


def reconcile(
    ctx: typer.Context,
    year: int = context.year_option(...),
    tolerance: str = typer.Option(
        "0", "--tolerance", help="Differences up to this amount are not discrepancies."
    ),
    fmt: str = FormatOption,
) -> None:
    """Per company x licence x stream: discrepancies over the tolerance, and items with no counterpart."""
    limit = parse_threshold(tolerance, "--tolerance")
    assert limit is not None
    window = context.fund(ctx).base_terms().reconciliation.window_days
    span = bounds(year, window)
    with db.transaction(context.engine(ctx)) as conn:
        compared, found = run_reconcile(
            book.receipts(conn, span), book.licences(conn), book.payments(conn, span), limit, year, window
        )
    say(
        f"{compared} company x licence x stream groups compared for {year} (payments and "
        f"receipts up to {window} "
        f"days apart match across the year's ends); {len(found)} finding(s)"
    )
    emit(ctx, [f._asdict() for f in found], fmt, title=f"Reconciliation {year} (tolerance {limit})")
