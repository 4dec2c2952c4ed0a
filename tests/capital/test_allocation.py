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
