"""Splitting an amount between partners by weights, so that the parts sum exactly to the whole.

Largest-remainder rounding (Hamilton's method) in the currency's minor units: each partner
first gets the floor of its exact quota, then the minor units left over go one each to the
largest fractional remainders. Ties go round the partners: the tie-break order starts at the
partner `rotate` places down the list (the allocation period's number, so that under equal
weights the odd cent goes to each partner in turn, not always to the same one). The split is a
pure function of its inputs. A negative amount is split as its magnitude and negated, so a loss
is allocated exactly as a gain of the same size would be.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from jointfund.errors import Refused
from jointfund.money import from_minor, to_minor

MAX_PARTS = 1_000


def split_minor(total: int, weights: Mapping[str, int | Decimal], rotate: int = 0) -> dict[str, int]:
    """`total` minor units split by non-negative `weights` (at least one positive); parts sum to `total`.

    Among equal remainders the partner `rotate` places down the list (modulo its length) comes first."""
    if not 0 < len(weights) <= MAX_PARTS:  # a check, not an assert: python -O must not drop a limit
        raise Refused(f"an amount is split into 1 to {MAX_PARTS:,} parts, not {len(weights):,}")
    assert all(w >= 0 for w in weights.values()), f"weights must be non-negative: {dict(weights)}"
    scaled = whole_numbers(weights)
    whole = sum(scaled.values())
    assert whole > 0, "at least one weight must be positive"
    if total < 0:
        return {k: -v for k, v in split_minor(-total, weights, rotate).items()}
    # Each quota is total * w / whole: its floor and its remainder (over `whole`, the same for all) in whole
    # numbers, not Fractions (the capital accounts split every line of every period: issue 13).
    parts = {k: total * w // whole for k, w in scaled.items()}
    remainders = {k: total * w % whole for k, w in scaled.items()}
    left = total - sum(parts.values())
    names = list(weights)
    turn = rotate % len(names)
    order = names[turn:] + names[:turn]
    # Largest remainder first; among equals, the partner whose turn it is, then the next in the list.
    ranked = sorted(order, key=lambda k: (-remainders[k], order.index(k)))
    for k in ranked[:left]:
        parts[k] += 1
    assert sum(parts.values()) == total and 0 <= left < len(order)
    return parts


def whole_numbers(weights: Mapping[str, int | Decimal]) -> dict[str, int]:
    """`weights` in the same proportions as whole numbers: Decimals (ownership shares) scaled by their common
    denominator, exactly; `split_minor` splits by either alike."""
    if all(type(w) is int for w in weights.values()):
        return dict(weights)  # type: ignore[arg-type]  # every value is an int, as just checked
    exact = {k: Fraction(w) for k, w in weights.items()}
    common = math.lcm(*(f.denominator for f in exact.values()))
    return {k: f.numerator * (common // f.denominator) for k, f in exact.items()}


def split(amount: Decimal, currency: str, weights: Mapping[str, int | Decimal]) -> dict[str, Decimal]:
    """`amount` split by `weights` with largest-remainder rounding to `currency`'s minor unit."""
    return {k: from_minor(v, currency) for k, v in split_minor(to_minor(amount, currency), weights).items()}
