"""Splitting an amount between partners by weights, so that the parts sum exactly to the whole.

Largest-remainder rounding (Hamilton's method) in the currency's minor units: each partner
first gets the floor of its exact quota, then the minor units left over go one each to the
largest fractional remainders. Ties go to the partner listed first, so the split is a pure
function of its inputs. A negative amount is split as its magnitude and negated, so a loss
is allocated exactly as a gain of the same size would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from jointfund.money import from_minor, to_minor

MAX_PARTS = 1_000


def split_minor(total: int, weights: Mapping[str, int | Decimal]) -> dict[str, int]:
    """`total` minor units split by non-negative `weights` (at least one positive); parts sum to `total`."""
    assert 0 < len(weights) <= MAX_PARTS, "between 1 and MAX_PARTS parts"
    assert all(w >= 0 for w in weights.values()), f"weights must be non-negative: {dict(weights)}"
    whole = sum((Fraction(w) for w in weights.values()), Fraction(0))
    assert whole > 0, "at least one weight must be positive"
    if total < 0:
        return {k: -v for k, v in split_minor(-total, weights).items()}
    quotas = {k: Fraction(total) * Fraction(w) / whole for k, w in weights.items()}
    parts = {k: q.numerator // q.denominator for k, q in quotas.items()}
    left = total - sum(parts.values())
    order = list(weights)
    # Largest remainder first; among equals, the partner listed first.
    ranked = sorted(order, key=lambda k: (-(quotas[k] - parts[k]), order.index(k)))
    for k in ranked[:left]:
        parts[k] += 1
    assert sum(parts.values()) == total and 0 <= left < len(order)
    return parts


def split(amount: Decimal, currency: str, weights: Mapping[str, int | Decimal]) -> dict[str, Decimal]:
    """`amount` split by `weights` with largest-remainder rounding to `currency`'s minor unit."""
    return {k: from_minor(v, currency) for k, v in split_minor(to_minor(amount, currency), weights).items()}
