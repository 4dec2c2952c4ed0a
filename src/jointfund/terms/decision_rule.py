"""The grammar of a decision rule, read in one place: by the terms' validation and by the counting of votes
(governance.rule).

  unanimous | majority | majority_of_each_partner | supermajority:N

N is a seat count (a whole number above 1, such as 5) or a fraction of the seats (above 0 and at most 1,
written 2/3 or 0.75).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import NamedTuple

NAMED = ("unanimous", "majority", "majority_of_each_partner")
SUPERMAJORITY = "supermajority"
EXPECTED = (
    "expected one of unanimous, majority, majority_of_each_partner, supermajority:N "
    "(N a fraction such as 2/3 or a seat count)"
)


class Rule(NamedTuple):
    """A parsed rule: its name, and for a supermajority its N (a seat count above 1, or a fraction)."""

    name: str
    threshold: Decimal | None = None


def parse(text: str) -> Rule:
    """`text` as a Rule; ValueError (saying what is expected) when it is not one."""
    if text in NAMED:
        return Rule(text)
    name, colon, given = text.partition(":")
    if name == SUPERMAJORITY and colon:
        value = _number(given)
        if value is not None and (0 < value <= 1 or (value > 1 and value == int(value))):
            return Rule(SUPERMAJORITY, value)
    raise ValueError(EXPECTED)


def _number(text: str) -> Decimal | None:
    """A plain decimal or a fraction of two; None when neither (or a division by zero, or not finite)."""
    num, slash, den = text.partition("/")
    try:
        value = Decimal(num) / Decimal(den) if slash else Decimal(text)
    except (InvalidOperation, ZeroDivisionError, ValueError):
        return None
    return value if value.is_finite() else None
