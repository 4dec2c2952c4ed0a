"""Money: `Decimal` amounts, currencies with their own exponents, and integer minor units.

Rounding happens only at named points (`round_minor`) and always says how.
A float never holds money.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, overload

from jointfund import bounds
from jointfund.errors import InputError, Problem


@functools.cache
def exponents() -> dict[str, int]:
    """ISO 4217 minor-unit exponents (CLDR's currency data, through Babel) of every currency that is or was
    legal tender somewhere.

    These are facts of the currency standard, not of any agreement. Codes that are nobody's tender are
    refused rather than guessed: ISO gives XXX (no currency), XTS (testing), the metals and the SDR no
    minor unit, and Babel would answer its default of 2 for them.
    """
    from babel.core import get_global  # here, not at import: a command that shows no money never needs it
    from babel.numbers import get_currency_precision

    # Each territory's currencies over its history: (code, start, end, whether legal tender).
    tender = {
        code
        for used in get_global("territory_currencies").values()
        for code, *_, is_tender in used
        if is_tender
    }
    return {code: get_currency_precision(code) for code in sorted(tender)}


class _Exponents(Mapping[str, int]):
    """`exponents()` as a mapping, read on first use."""

    def __getitem__(self, currency: str) -> int:
        return exponents()[currency]

    def __contains__(self, currency: object) -> bool:
        return currency in exponents()

    def __iter__(self) -> Iterator[str]:
        return iter(exponents())

    def __len__(self) -> int:
        return len(exponents())


ISO_EXPONENTS: Mapping[str, int] = _Exponents()

ROUNDING_MODES = {"ROUND_HALF_UP": ROUND_HALF_UP}


def exponent(currency: str) -> int:
    """Number of decimal places of `currency`'s minor unit."""
    try:
        return exponents()[currency]
    except KeyError:
        raise ValueError(
            f"unknown currency {currency!r}; expected the ISO 4217 code of a currency, such as USD or UAH"
        ) from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


class Money(NamedTuple):
    """An exact amount in one currency.

    Attributes:
      amount: the value, a Decimal with no more decimals than the currency has.
      currency: ISO 4217 code.
    """

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{format_amount(self.amount, self.currency)} {self.currency}"

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __add__(self, other: object) -> Money:
        assert isinstance(other, Money) and other.currency == self.currency, (self, other)
        return Money(self.amount + other.amount, self.currency)

    @property
    def minor(self) -> int:
        return to_minor(self.amount, self.currency)


def parse_amount(text: object, currency: str, location: str) -> tuple[Decimal | None, Problem | None]:
    """Parse a user-given amount exactly; refuse more decimals than the currency has.

    Returns (amount, None) or (None, problem) so that callers can collect every problem.
    """
    if isinstance(text, float):
        # Floats cannot carry exact money; accepting them would hide a rounding.
        return None, Problem(location, "amount must be given as text or Decimal, not a float", text)
    if isinstance(text, Decimal):  # from a JSON body or code: plain text, unless it is absurdly large
        if not text.is_finite() or text.adjusted() > bounds.MAX_NUMBER_CHARS:
            return None, Problem(
                location, f"amount must be finite and shorter than {bounds.MAX_NUMBER_CHARS} digits", text
            )
        text = format(text, "f")
    value, problem = bounds.plain_decimal(str(text).strip(), location)
    if problem:
        return None, problem
    assert value is not None
    try:
        places = exponent(currency)
    except ValueError as exc:
        return None, Problem(location, str(exc), currency)
    exp = value.as_tuple().exponent
    assert isinstance(exp, int)
    if -exp > places and value != value.quantize(quantum(currency)):
        return None, Problem(location, f"{currency} has {places} decimal place(s); amount has more", text)
    if problem := bounds.minor_problem(int(value.scaleb(places)), location, text):
        return None, problem
    return value, None


def check_amount(value: Decimal, currency: str, field: str) -> tuple[Decimal | None, Problem | None]:
    """A typed amount of a request checked as `parse_amount` checks text (finite, no more decimals than
    `currency` has, within storage); the problem names the request's domain field `field`."""
    checked, problem = parse_amount(value, currency, field)
    return checked, None if problem is None else problem._replace(field=field)


@overload
def read_amount(text: str, field: str) -> Decimal: ...
@overload
def read_amount(text: None, field: str) -> None: ...
def read_amount(text: str | None, field: str) -> Decimal | None:
    """A surface's amount text (a CLI option, a JSON string) as the Decimal the domain takes; None stays
    None. Refused (InputError at `field`) unless written plainly; the currency's places are the domain's
    to check."""
    if text is None:
        return None
    value, problem = bounds.plain_decimal(text.strip(), field)
    if problem:
        raise InputError([problem._replace(field=field)])
    return value


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact conversion to integer minor units; asserts nothing is lost. The one conversion to minor units."""
    scaled = amount.scaleb(exponent(currency))
    as_int = int(scaled)
    assert scaled == as_int, f"{amount} {currency} is not a whole number of minor units"
    return as_int


def from_minor(minor: int, currency: str) -> Decimal:
    """Integer minor units as an exact amount with exactly the currency's decimals (scaling an integer by
    -exponent gives that exponent; nothing to quantize). The one conversion from minor units."""
    return Decimal(minor).scaleb(-exponent(currency))


def rounded_ratio(numerator: int, denominator: int, currency: str) -> Decimal:
    """numerator / denominator (in whole units of `currency`) rounded once to its minor unit, half away
    from zero.

    Exact integer arithmetic: Decimal division would round at its context precision first, silently,
    before the named rounding point.
    """
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    assert denominator > 0
    scaled = numerator * 10 ** exponent(currency)
    magnitude = (2 * abs(scaled) + denominator) // (2 * denominator)
    return from_minor(-magnitude if scaled < 0 else magnitude, currency)


def ratio(amount: Decimal, numerator: Decimal, denominator: Decimal, currency: str) -> Decimal:
    """amount x numerator / denominator, rounded once, half away from zero, to `currency`'s minor unit."""
    assert denominator != 0
    a, b = amount.as_integer_ratio()
    p, q = numerator.as_integer_ratio()
    s, u = denominator.as_integer_ratio()
    return rounded_ratio(a * p * u, b * q * s, currency)


def convert(amount: Decimal, rate_from: Decimal, rate_to: Decimal, to_currency: str) -> Decimal:
    """`amount` at reference rates quoted in one domestic currency per unit (rate_from of its currency,
    rate_to of `to_currency`), rounded once to `to_currency`'s minor unit, half away from zero. The one
    conversion between currencies (to the base currency, to the functional currency)."""
    return ratio(amount, rate_from, rate_to, to_currency)


def round_minor(value: Decimal, currency: str, rounding: str = "ROUND_HALF_UP") -> Decimal:
    """The one named rounding point: round to the currency's minor unit."""
    return value.quantize(quantum(currency), rounding=ROUNDING_MODES[rounding])


def format_amount(amount: Decimal, currency: str) -> str:
    """Canonical text of an amount: exactly the currency's decimals, no exponent, no grouping."""
    return f"{amount.quantize(quantum(currency)):f}"
