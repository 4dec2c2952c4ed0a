"""The EITI-style revenue report of a year: all extractive revenue, covered or not.

Totals by revenue stream (with the GFS classification code the terms map it to), by
company (holder), by project (licence), by resource and by region; each with the amount
received, the eligible amount and share, and the contribution owed to the fund. An
optional materiality threshold folds the rows below it into one row per section.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from jointfund.i18n import N_
from jointfund.revenue.contribution import Evaluation, Tally, Totals
from jointfund.terms.model import Terms

SECTIONS = ("total", "stream", "holder", "licence", "resource", "region")
BELOW = N_("(below materiality)")
TITLE = N_("%(fund)s: extractive revenue %(year)s (EITI-style)")  # a template: pages show it translated
COLUMNS = (
    "section",
    "key",
    "name",
    "gfs_code",
    "currency",
    "receipts",
    "amount",
    "eligible_amount",
    "eligible_share_pct",
    "contribution",
    "contribution_base",
    "base_currency",
)


class EitiRow(NamedTuple):
    """One line of the report: a section's group in one currency."""

    section: str
    key: str
    name: str
    gfs_code: str
    currency: str
    receipts: int
    amount: Decimal
    eligible_amount: Decimal
    eligible_share_pct: Decimal | None
    contribution: Decimal
    contribution_base: Decimal | None
    base_currency: str  # the terms' base currency, that of contribution_base


def report(
    evaluations: Iterable[Evaluation], terms: Terms, materiality: Decimal | None = None
) -> list[EitiRow]:
    tallies = [Tally(s) for s in SECTIONS]
    for e in evaluations:
        for tally in tallies:
            tally.add(e)
    names = {r.code: r.name for r in terms.resources} | {
        c: terms.stream_label(c)[0] for c in terms.contribution.stream_codes
    }
    out: list[EitiRow] = []
    for tally in tallies:
        rows = tally.rows(names)
        if materiality is not None and tally.by != "total":
            rows = _fold(rows, materiality)
        out += [_row(tally.by, x, terms) for x in rows]
    return out


def _fold(rows: list[Totals], threshold: Decimal) -> list[Totals]:
    """Rows whose amount is below `threshold` become one row per currency."""
    kept = [r for r in rows if abs(r.amount) >= threshold]
    below: dict[str, list[Totals]] = {}
    for r in rows:
        if abs(r.amount) < threshold:
            below.setdefault(r.currency, []).append(r)
    for currency, group in sorted(below.items()):
        base = [r.contribution_base for r in group if r.contribution_base is not None]
        kept.append(
            Totals(
                BELOW,
                f"{len(group)} below {threshold}",
                currency,
                sum(r.receipts for r in group),
                sum(r.eligible for r in group),
                sum((r.amount for r in group), Decimal(0)),
                sum((r.eligible_amount for r in group), Decimal(0)),
                sum((r.contribution for r in group), Decimal(0)),
                None if len(base) < len(group) else sum(base, Decimal(0)),  # None: a row without one
            )
        )
    return kept


def _row(section: str, x: Totals, terms: Terms) -> EitiRow:
    gfs = terms.stream_label(x.key)[1] if section == "stream" else ""
    share = None if not x.amount else (x.eligible_amount * 100 / x.amount).quantize(Decimal("0.01"))
    return EitiRow(
        section,
        x.key,
        x.name,
        gfs,
        x.currency,
        x.receipts,
        x.amount,
        x.eligible_amount,
        share,
        x.contribution,
        x.contribution_base,
        terms.fund.base_currency,
    )
