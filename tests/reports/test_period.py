"""Statement periods: a year or a quarter; anything else is a user error naming --period, never a
traceback."""

import datetime as dt

import pytest

from jointfund.errors import InputError
from jointfund.reports.statement import period_bounds


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2024-Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ],
)
def test_periods_have_their_first_and_last_day(text: str, first: dt.date, last: dt.date) -> None:
    assert period_bounds(text) == (first, last)


@pytest.mark.parametrize("text", ["0000", "0000-Q1", "9999-Q4", "2026-Q5", "2026-Q0", "26", "2026-03", ""])
def test_impossible_periods_are_user_errors_naming_the_field(text: str) -> None:
    with pytest.raises(InputError) as err:
        period_bounds(text)
    # The domain names its field; the CLI shows it as --period (cli/flags.py).
    assert err.value.problems[0].field == "period"
