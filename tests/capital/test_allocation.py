"""Largest-remainder splits: exact sums, fair quotas, determinism, and refusals of nonsense weights."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointfund.capital.allocation import split, split_minor

partners = st.lists(st.sampled_from(["US", "UA", "EU", "GB", "PL"]), min_size=1, max_size=5, unique=True)


@st.composite
def cases(draw):  # noqa: ANN201
    names = draw(partners)
    weights = {n: draw(st.integers(min_value=0, max_value=10**15)) for n in names}
    if not any(weights.values()):
        weights[names[0]] = draw(st.integers(min_value=1, max_value=10**15))
    return draw(st.integers(min_value=-(10**15), max_value=10**15)), weights


@settings(max_examples=500)
@given(cases())
def test_parts_sum_exactly_and_each_is_within_one_unit_of_its_quota(case) -> None:  # noqa: ANN001
    total, weights = case
    parts = split_minor(total, weights)
    assert sum(parts.values()) == total
    whole = sum(weights.values())
    for k, w in weights.items():
        quota = Fraction(total * w, whole)
        assert abs(parts[k] - quota) < 1
        if w == 0:
            assert parts[k] == 0


@settings(max_examples=200)
@given(cases())
def test_a_loss_is_split_as_the_mirror_of_a_gain(case) -> None:  # noqa: ANN001
    total, weights = case
    assert split_minor(-total, weights) == {k: -v for k, v in split_minor(total, weights).items()}


@settings(max_examples=200)
@given(
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2),
    st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(1), places=6),
)
def test_decimal_split_of_two_partners_sums_to_the_cent(amount: Decimal, share: Decimal) -> None:
    parts = split(amount, "USD", {"US": share, "UA": 1 - share})
    assert sum(parts.values()) == amount
    assert all(p == p.quantize(Decimal("0.01")) for p in parts.values())


def _by_fractions(total: int, weights: dict, rotate: int) -> dict[str, int]:
    """The split as the module defines it, in Fractions: the oracle of its whole-number arithmetic."""
    whole = sum((Fraction(w) for w in weights.values()), Fraction(0))
    sign, total = (-1, -total) if total < 0 else (1, total)
    quotas = {k: Fraction(total) * Fraction(w) / whole for k, w in weights.items()}
    parts = {k: q.numerator // q.denominator for k, q in quotas.items()}
    names = list(weights)
    order = names[rotate % len(names) :] + names[: rotate % len(names)]
    ranked = sorted(order, key=lambda k: (-(quotas[k] - parts[k]), order.index(k)))
    for k in ranked[: total - sum(parts.values())]:
        parts[k] += 1
    return {k: sign * v for k, v in parts.items()}


@settings(max_examples=500)
@given(
    cases(),
    st.integers(min_value=0, max_value=7),
    st.lists(st.decimals(min_value=0, max_value=Decimal(10), places=6), min_size=1, max_size=5),
)
def test_the_split_is_the_largest_remainder_of_the_exact_quotas(case, rotate: int, shares: list) -> None:  # noqa: ANN001
    total, weights = case
    assert split_minor(total, weights, rotate) == _by_fractions(total, weights, rotate)
    # Ownership shares are Decimals (weights the terms give), and ties among them go round as well.
    if any(shares):
        decimal_weights = dict(zip(["US", "UA", "EU", "GB", "PL"], shares, strict=False))
        got = split_minor(total, decimal_weights, rotate)
        assert got == _by_fractions(total, decimal_weights, rotate)
    tied = {"US": Decimal("0.5"), "UA": 1, "EU": Decimal("1.0")}  # mixed kinds, equal remainders
    assert split_minor(2, tied, rotate) == _by_fractions(2, tied, rotate)


def test_hand_computed_cases() -> None:
    assert split_minor(100, {"US": 1, "UA": 1, "EU": 1}) == {
        "US": 34,
        "UA": 33,
        "EU": 33,
    }  # tie: first listed
    assert split_minor(100, {"UA": 1, "US": 1, "EU": 1}) == {"UA": 34, "US": 33, "EU": 33}
    assert split_minor(10, {"US": 2, "UA": 1}) == {"US": 7, "UA": 3}  # 6.67 / 3.33
    assert split_minor(-10, {"US": 2, "UA": 1}) == {"US": -7, "UA": -3}
    assert split(Decimal("0.01"), "USD", {"US": 1, "UA": 1}) == {"US": Decimal("0.01"), "UA": Decimal("0.00")}


@pytest.mark.parametrize("weights", [{"US": 0, "UA": 0}, {"US": -1, "UA": 2}])
def test_nonsense_weights_are_programmer_errors(weights: dict) -> None:
    with pytest.raises(AssertionError):
        split_minor(100, weights)


def test_no_parts_is_a_refused_limit_even_under_python_O() -> None:
    # The number of parts is a size limit (tests/test_limits.py runs it under -O): refused, not asserted.
    from jointfund.errors import Refused

    with pytest.raises(Refused, match="1 to 1,000 parts, not 0"):
        split_minor(100, {})
