"""Metrics against hand-computed cases: XIRR on irregular dates, multiples with partial exits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jointfund.portfolio.metrics import metrics, ratio, xirr

D = dt.date


def npv(rate: float, flows: list[tuple[dt.date, Decimal]]) -> float:
    t0 = flows[0][0]
    return sum(float(x) / (1 + rate) ** ((d - t0).days / 365) for d, x in flows)


def test_xirr_of_one_year_doubling_is_one_hundred_percent() -> None:
    # 365 days apart: (1 + r) = 2 exactly under actual/365.
    assert xirr([(D(2025, 1, 1), Decimal(-100)), (D(2026, 1, 1), Decimal(200))]) == pytest.approx(
        1.0, abs=1e-9
    )


def test_xirr_with_irregular_dates_matches_the_hand_computed_root() -> None:
    # -1000 on 2026-01-10, +300 after 81 days, +400 after 254, +500 after 535 days.
    # By hand: NPV(r) = -1000 + 300/(1+r)^(81/365) + 400/(1+r)^(254/365) + 500/(1+r)^(535/365)
    # is +0.016 at r = 0.2329 and -0.053 at r = 0.2330, so the root is 0.23292 to five places.
    flows = [
        (D(2026, 1, 10), Decimal(-1000)),
        (D(2026, 4, 1), Decimal(300)),
        (D(2026, 9, 21), Decimal(400)),
        (D(2027, 6, 29), Decimal(500)),
    ]
    r = xirr(flows)
    assert r is not None
    assert npv(0.2329, flows) > 0 > npv(0.2330, flows)
    assert r == pytest.approx(0.232923, abs=1e-6)
    assert abs(npv(r, flows)) < 1e-3  # r is rounded to six places


def test_xirr_is_undefined_without_both_signs() -> None:
    assert xirr([(D(2026, 1, 1), Decimal(-5))]) is None
    assert xirr([(D(2026, 1, 1), Decimal(5)), (D(2026, 2, 1), Decimal(5))]) is None
    assert xirr([]) is None


def test_moic_with_a_partial_exit() -> None:
    # 100 disbursed in two tranches; half the stake sold for 80; the other half now valued at 60.
    flows = [(D(2026, 1, 1), Decimal(-60)), (D(2026, 3, 1), Decimal(-40)), (D(2026, 9, 1), Decimal(80))]
    m = metrics(flows, paid=Decimal(100), received=Decimal(80), value=Decimal(60), as_of=D(2026, 12, 31))
    assert m.moic == Decimal("1.4000")
    assert m.dpi == Decimal("0.8000") and m.rvpi == Decimal("0.6000") and m.tvpi == Decimal("1.4000")
    assert m.irr is not None and m.irr > 0


def test_a_loss_has_a_multiple_below_one_and_a_negative_irr() -> None:
    flows = [(D(2026, 1, 1), Decimal(-100)), (D(2026, 7, 1), Decimal(10))]
    m = metrics(flows, Decimal(100), Decimal(10), Decimal(50), D(2027, 1, 1))
    assert m.moic == Decimal("0.6000") and m.irr is not None and m.irr < 0


def test_nothing_paid_means_no_multiples() -> None:
    m = metrics([], Decimal(0), Decimal(0), Decimal(0), D(2026, 1, 1))
    assert m == (None, None, None, None, None)
    assert ratio(Decimal(1), Decimal(3)) == Decimal("0.3333")
