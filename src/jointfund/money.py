"""Money: `Decimal` amounts, currencies with their own exponents, and integer minor units.

Rounding happens only at named points (`round_minor`) and always says how.
A float never holds money.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, overload

from jointfund import bounds
from jointfund.errors import InputError, Problem

# ISO 4217 minor-unit exponents. These are facts of the currency standard, not of
# any agreement; a currency missing here is refused rather than guessed.
ISO_EXPONENTS: dict[str, int] = {
    "USD": 2,
    "UAH": 2,
    "EUR": 2,
    "GBP": 2,
    "PLN": 2,
    "CHF": 2,
    "CAD": 2,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "BHD": 3,
    "NOK": 2,
    "SEK": 2,
    "CZK": 2,
}

ROUNDING_MODES = {"ROUND_HALF_UP": ROUND_HALF_UP}


def exponent(currency: str) -> int:
    """Number of decimal places of `currency`'s minor unit."""
    try:
        return ISO_EXPONENTS[currency]
    except KeyError:
        raise ValueError(
            f"unknown currency {currency!r}; known: {', '.join(sorted(ISO_EXPONENTS))}"
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
    """Exact conversion to integer minor units; asserts nothing is lost."""
    scaled = amount.scaleb(exponent(currency))
    as_int = int(scaled)
    assert scaled == as_int, f"{amount} {currency} is not a whole number of minor units"
    return as_int


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency)).quantize(quantum(currency))


def round_minor(value: Decimal, currency: str, rounding: str = "ROUND_HALF_UP") -> Decimal:
    """The one named rounding point: round to the currency's minor unit."""
    return value.quantize(quantum(currency), rounding=ROUNDING_MODES[rounding])


def format_amount(amount: Decimal, currency: str) -> str:
    """Canonical text of an amount: exactly the currency's decimals, no exponent, no grouping."""
    return f"{amount.quantize(quantum(currency)):f}"
