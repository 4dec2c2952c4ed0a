"""Contributions and their conversion: exact rounding, rate lookup, and totals (no database)."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from jointfund.revenue.contribution import (
    Tally,
    contribution_of,
    evaluate,
    missing_rates,
    round_half_up,
    totals,
)
from jointfund.revenue.eligibility import RuleBook
from jointfund.terms import shipped_text

from .conftest import licence, rates, receipt

BOOK = RuleBook(shipped_text())
D = dt.date.fromisoformat
RATES = rates(
    ("2025-06-06", "USD", "41.4511"), ("2025-06-09", "USD", "41.5000"), ("2025-06-06", "EUR", "47.1234")
)


def judge(r, lic=None, table=RATES):
    return evaluate(r, lic or licence(), BOOK.on(r.date), table)


def test_half_kopiyka_rounds_half_up_away_from_zero():
    assert judge(receipt(amount="0.01")).contribution == Decimal("0.01")
    assert judge(receipt(amount="0.03")).contribution == Decimal("0.02")
    assert judge(receipt(amount="0.02")).contribution == Decimal("0.01")
    assert judge(receipt(amount="-0.01")).contribution == Decimal("-0.01")
    assert judge(receipt(amount="-0.03")).contribution == Decimal("-0.02")


def test_negative_correction_owes_a_negative_contribution():
    e = judge(receipt(D("2025-06-09"), amount="-1000.00"))
    assert e.eligible and e.contribution == Decimal("-500.00")
    assert e.contribution_base == round_half_up(-50000 * 10000, 415000 * 100, "USD") == Decimal("-12.05")


def test_weekend_receipt_takes_fridays_rate():
    saturday = judge(receipt(D("2025-06-07"), amount="1000.00"))
    sunday = judge(receipt(D("2025-06-08"), amount="1000.00"))
    friday = judge(receipt(D("2025-06-06"), amount="1000.00"))
    monday = judge(receipt(D("2025-06-09"), amount="1000.00"))
    assert (
        saturday.contribution_base == sunday.contribution_base == friday.contribution_base == Decimal("12.06")
    )  # 500 / 41.4511
    assert monday.contribution_base == Decimal("12.05")  # 500 / 41.5


def test_no_usable_rate_leaves_usd_empty_and_says_why():
    early = judge(receipt(D("2025-06-05")))
    assert early.eligible and early.contribution == Decimal("50.00")
    assert early.contribution_base is None and early.missing_rate == ("USD", D("2025-06-05"))
    assert early.reason == "eligible; no usable USD rate on or before 2025-06-05"
    stale = judge(receipt(D("2025-06-20")))  # ten days after the last rate is too old under the shipped terms
    assert stale.contribution_base is None
    assert "USD: 2025-06-05, 2025-06-20" in missing_rates([early.missing_rate, stale.missing_rate])


def test_ineligible_receipt_owes_zero_and_needs_no_rate():
    e = judge(receipt(D("2025-05-22")))
    assert not e.eligible and e.contribution == Decimal("0.00") and e.contribution_base == Decimal("0.00")


def test_usd_receipt_keeps_its_contribution():
    e = judge(receipt(D("2025-06-05"), amount="100.01", currency="USD"))
    assert e.contribution == e.contribution_base == Decimal("50.01")


def test_conversion_has_no_intermediate_rounding():
    # EUR 0.11 owed is UAH 5.183574 and USD 0.12505...; rounding the UAH step first (5.18) would give 0.12.
    e = judge(receipt(D("2025-06-06"), amount="0.22", currency="EUR"))
    assert e.contribution == Decimal("0.11")
    assert e.contribution_base == Decimal("0.13")


@settings(max_examples=300)
@given(st.integers(-(10**15), 10**15), st.sampled_from(["0.5", "0.25", "0.333", "1", "0"]))
def test_contribution_equals_high_precision_decimal_rounding(minor, share):
    amount = Decimal(minor).scaleb(-2)
    with localcontext() as ctx:
        ctx.prec = 80
        expected = (amount * Decimal(share)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert contribution_of(amount, Decimal(share), "UAH", "ROUND_HALF_UP") == expected


@settings(max_examples=300)
@given(st.integers(-(10**13), 10**13), st.integers(1, 10**8))
def test_conversion_equals_high_precision_decimal_rounding(minor, rate_units):
    contribution = Decimal(minor).scaleb(-2)
    rate = Decimal(rate_units).scaleb(-4)
    with localcontext() as ctx:
        ctx.prec = 80
        expected = (contribution / rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    table = rates(("2025-06-06", "USD", str(rate)))
    e = evaluate(
        receipt(D("2025-06-06"), amount=str(contribution * 2)), licence(), BOOK.on(D("2025-06-06")), table
    )
    assert e.contribution == contribution and e.contribution_base == expected


receipts_strategy = st.lists(
    st.builds(
        lambda i, day, stream, minor: receipt(
            dt.date(2025, 5, 20) + dt.timedelta(days=day),
            stream,
            str(Decimal(minor).scaleb(-2)),
            receipt_id=f"R-{i}",
        ),
        st.integers(0, 10**6),
        st.integers(0, 400),
        st.sampled_from(["rent", "psa_bonus", "other", "permit_fee"]),
        st.integers(-(10**9), 10**9),
    ),
    max_size=60,
)


@settings(max_examples=100)
@given(receipts_strategy)
def test_grouped_totals_equal_the_sum_of_receipts(rs):
    table = rates(
        *[
            ((dt.date(2025, 5, 20) + dt.timedelta(days=d)).isoformat(), "USD", "41.25")
            for d in range(0, 401, 5)
        ]
    )
    evaluations = [judge(r, table=table) for r in rs]
    for by in ("month", "stream", "year", "licence", "resource"):
        rows = totals(evaluations, by)
        assert sum(x.contribution for x in rows) == sum(e.contribution for e in evaluations)
        assert sum(x.receipts for x in rows) == len(rs)
        assert sum(x.contribution_base for x in rows) == sum(e.contribution_base for e in evaluations)
    whole = Tally("total")
    for e in evaluations:
        whole.add(e)
    assert [x.eligible for x in whole.rows()] == ([sum(e.eligible for e in evaluations)] if rs else [])
