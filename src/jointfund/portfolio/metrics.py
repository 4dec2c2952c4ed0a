"""Return metrics of an investment, or of a portfolio, from its dated cash flows and current value.

Pure. With paid = what the fund disbursed, received = what came back (income, repayments,
exit proceeds) and value = the current value of what it still holds:
- MOIC = (received + value) / paid: the multiple on invested capital, partial exits included;
- DPI = received / paid (realised), RVPI = value / paid (unrealised), TVPI = DPI + RVPI;
- IRR: XIRR (pyxirr, actual/365) over the flows, with the value as a final inflow on the as-of
  date; None when it is undefined (no outflow, no inflow, or no root).
Ratios are shown to MULTIPLE_PLACES, rounded half-up; that is a display rounding, not money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

import pyxirr

MULTIPLE_PLACES = Decimal("0.0001")
IRR_PLACES = 6


class Metrics(NamedTuple):
    """The metrics of one position (None where paid is zero or IRR is undefined)."""

    irr: float | None
    moic: Decimal | None
    tvpi: Decimal | None
    dpi: Decimal | None
    rvpi: Decimal | None


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator <= 0:
        return None
    return (numerator / denominator).quantize(MULTIPLE_PLACES, rounding=ROUND_HALF_UP)


def xirr(flows: Iterable[tuple[dt.date, Decimal]]) -> float | None:
    """The annual rate that sets the flows' net present value to zero (actual/365), or None."""
    merged: dict[dt.date, Decimal] = {}
    for day, amount in flows:
        merged[day] = merged.get(day, Decimal(0)) + amount
    days = sorted(d for d, x in merged.items() if x)
    amounts = [float(merged[d]) for d in days]
    if not any(x < 0 for x in amounts) or not any(x > 0 for x in amounts):
        return None
    try:
        rate = pyxirr.xirr(days, amounts)
    except (pyxirr.InvalidPaymentsError, ValueError):
        return None
    return None if rate is None or rate != rate else round(rate, IRR_PLACES)  # NaN is no answer


def metrics(
    flows: Sequence[tuple[dt.date, Decimal]], paid: Decimal, received: Decimal, value: Decimal, as_of: dt.date
) -> Metrics:
    terminal = [(as_of, value)] if value else []
    dpi, rvpi = ratio(received, paid), ratio(value, paid)
    return Metrics(
        xirr([*flows, *terminal]),
        ratio(received + value, paid),
        None if dpi is None or rvpi is None else dpi + rvpi,
        dpi,
        rvpi,
    )
