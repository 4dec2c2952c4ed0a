"""The rounding report: per day and stream, the contribution rounded once against per-receipt rounding.

Under terms that round per day and stream (contribution.rounding_differences), each group of a day's
eligible receipts of one licence, stream and currency owes its total's share rounded once. The report
lists every group whose rounding differs from the sum of its receipts' own roundings, with the
difference and what the ledger has booked for it (accrual's rounding entries), so a reader sees both
the rule's effect and that the book follows it. A group booked but no longer owing a difference (a
later import changed it and the accrual has not run) shows too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.fund import FundInfo
from jointfund.money import from_minor
from jointfund.revenue import book
from jointfund.revenue.accrual import booked_roundings
from jointfund.revenue.contribution import DayStreamRounding, RoundingDifference
from jointfund.revenue.eligibility import Rules

COLUMNS = (
    "date",
    "licence_id",
    "stream",
    "currency",
    "receipts",
    "amount",
    "per_receipt",
    "contribution",
    "difference",
    "difference_base",
    "base_currency",
    "booked",
)


class RoundingReport(NamedTuple):
    """The groups of a year (all years: None) and whether any terms of the fund round per day and stream."""

    rows: list[dict]
    active: bool

    def totals(self) -> dict[str, Decimal]:
        """The difference per currency."""
        out: dict[str, Decimal] = {}
        for r in self.rows:
            out[r["currency"]] = out.get(r["currency"], Decimal(0)) + r["difference"]
        return out


def report(conn: Connection, info: FundInfo, year: int | None = None) -> RoundingReport:
    assess = book.Assessor(conn, info)
    rounding = DayStreamRounding(assess.book.on, assess.book.periods())
    if not rounding.active:
        return RoundingReport([], False)
    for frame in book.receipt_frames(conn, year):
        rounding.add_frame(assess.frame(frame))
    found = {d.group: d for d in rounding.rows(assess.rates)}
    booked = booked_roundings(conn, Rules.from_terms(info.base_terms()).receivable)
    rows, base = [], info.base_terms().fund.base_currency
    for group in sorted(set(found) | {g for g in booked if year is None or g.day.year == year}):
        d = found.get(group)
        zero = from_minor(0, group.currency)
        d = d or RoundingDifference(group, 0, zero, zero, zero, zero, None)
        rows.append(
            {
                "date": group.day,
                "licence_id": group.licence_id,
                "stream": group.stream,
                "currency": group.currency,
                "receipts": d.receipts,
                "amount": d.amount,
                "per_receipt": d.per_receipt,
                "contribution": d.contribution,
                "difference": d.difference,
                "difference_base": d.difference_base,
                "base_currency": base,
                "booked": from_minor(booked.get(group, (0, 0))[0], group.currency),
            }
        )
    return RoundingReport(rows, True)
