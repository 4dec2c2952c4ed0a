"""money: exact parsing, minor units, and the one named rounding point."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointfund.money import (
    ISO_EXPONENTS,
    Money,
    convert,
    exponent,
    format_amount,
    from_minor,
    parse_amount,
    round_minor,
    to_minor,
)


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("12.34", "USD", Decimal("12.34")),
        ("  -0.5 ", "UAH", Decimal("-0.5")),
        ("100", "JPY", Decimal("100")),
        ("1.230", "USD", Decimal("1.230")),  # a trailing zero adds no precision
        ("1.2345", "KWD", None),
        ("7.000", "JPY", Decimal("7.000")),
        (Decimal("3.10"), "EUR", Decimal("3.10")),
        (
            "92233720368547758.07",
            "USD",
            Decimal("92233720368547758.07"),
        ),  # the largest 64-bit amount of minor units
        ("-92233720368547758.07", "USD", Decimal("-92233720368547758.07")),
        (Decimal("1E+3"), "USD", Decimal("1000")),
    ],
)
def test_parse_amount_accepts_exact_values(text, currency, expected):
    value, problem = parse_amount(text, currency, "amount")
    if expected is None:
        assert value is None and problem is not None
    else:
        assert problem is None and value == expected


@pytest.mark.parametrize(
    ("text", "currency", "says"),
    [
        ("12.345", "USD", "USD has 2 decimal place(s)"),
        ("0.001", "UAH", "UAH has 2 decimal place(s)"),
        ("1.5", "JPY", "JPY has 0 decimal place(s)"),
        ("1,50", "USD", "not a number"),
        ("abc", "USD", "not a number"),
        ("", "USD", "not a number"),
        ("NaN", "USD", "not a number"),
        ("Infinity", "USD", "not a number"),
        # Bounded before any arithmetic (issue 19): no exponent, only ASCII digits, within 64-bit minor units.
        ("1e30", "USD", "no exponent"),
        ("1e999999999", "USD", "no exponent"),
        ("١٢٣", "USD", "digits 0-9"),
        ("１２３", "USD", "digits 0-9"),
        ("92233720368547758.08", "USD", "at most 9223372036854775807 minor units"),
        ("-92233720368547758.08", "USD", "at most 9223372036854775807 minor units"),
        ("1" * 33, "USD", "longer than 32 characters"),
        (Decimal("1E+40"), "USD", "finite and shorter"),
        ("1.00", "XXX", "unknown currency"),
        (1.5, "USD", "not a float"),
    ],
)
def test_parse_amount_refuses_with_a_located_problem(text, currency, says):
    value, problem = parse_amount(text, currency, "file.csv:3:amount")
    assert value is None
    assert problem is not None and problem.location == "file.csv:3:amount"
    assert says in problem.message
    assert problem.value == text or problem.value == currency


@given(st.sampled_from(sorted(ISO_EXPONENTS)), st.integers(min_value=-(10**15), max_value=10**15))
def test_minor_units_round_trip(currency, minor):
    amount = from_minor(minor, currency)
    assert to_minor(amount, currency) == minor
    # The canonical text parses back to the same amount without loss.
    text = format_amount(amount, currency)
    parsed, problem = parse_amount(text, currency, "x")
    assert problem is None and parsed == amount
    assert Money(amount, currency).minor == minor
    if exponent(currency):
        assert len(text.split(".")[1]) == exponent(currency)
    else:
        assert "." not in text


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False, allow_infinity=False))
def test_to_minor_refuses_a_fraction_of_a_minor_unit(amount):
    if amount == amount.quantize(Decimal("0.01")):
        assert to_minor(amount, "USD") == int(amount * 100)
    else:
        with pytest.raises(AssertionError):
            to_minor(amount, "USD")


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("0.005", "USD", "0.01"),  # half goes up
        ("0.004", "USD", "0.00"),
        ("-0.005", "USD", "-0.01"),  # half goes away from zero, not to even
        ("2.5", "JPY", "3"),
        ("3.5", "JPY", "4"),
        ("0.0125", "UAH", "0.01"),
        ("1.2345", "KWD", "1.235"),
    ],
)
def test_round_minor_is_half_up(value, currency, expected):
    assert round_minor(Decimal(value), currency) == Decimal(expected)
    assert str(round_minor(Decimal(value), currency)) == expected


def test_round_minor_refuses_an_unnamed_mode():
    with pytest.raises(KeyError):
        round_minor(Decimal("1.005"), "USD", "ROUND_HALF_EVEN")


def test_unknown_currency_is_refused_not_guessed():
    with pytest.raises(ValueError, match="unknown currency 'ZZZ'"):
        exponent("ZZZ")


def test_money_adds_only_the_same_currency_and_prints_its_decimals():
    a = Money(Decimal("1.5"), "USD")
    assert str(a + a) == "3.00 USD"
    assert str(-a) == "-1.50 USD"
    with pytest.raises(AssertionError):
        a + Money(Decimal("1"), "UAH")  # noqa: B018


@pytest.mark.parametrize(("code", "places"), [("USD", 2), ("UAH", 2), ("JPY", 0), ("KWD", 3), ("XOF", 0)])
def test_exponents_come_from_the_currency_standard(code: str, places: int) -> None:
    assert exponent(code) == places and ISO_EXPONENTS[code] == places


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "XDR", "usd", "ZZZ", ""])
def test_codes_that_are_nobodys_tender_have_no_minor_unit_and_are_refused(code: str) -> None:
    assert code not in ISO_EXPONENTS
    with pytest.raises(ValueError, match=f"unknown currency {code!r}"):
        exponent(code)
    assert parse_amount("1", code, "amount")[1] is not None


def test_the_shipped_terms_currencies_all_have_exponents() -> None:
    from jointfund.terms import load_shipped

    terms = load_shipped()
    assert {terms.fund.base_currency, *terms.fund.currencies} <= set(ISO_EXPONENTS)


@pytest.mark.parametrize(
    ("amount", "own", "quote", "to", "expected"),
    [
        ("1.00", "1", "8", "USD", "0.13"),  # 0.125: half away from zero
        ("-1.00", "1", "8", "USD", "-0.13"),
        ("1000", "41.5", "1", "UAH", "41500.00"),
        ("100.00", "1", "3", "JPY", "33"),
    ],
)
def test_one_conversion_rounds_once_exactly(
    amount: str, own: str, quote: str, to: str, expected: str
) -> None:
    got = convert(Decimal(amount), Decimal(own), Decimal(quote), to)
    assert got == Decimal(expected) and str(got) == expected
