"""Due rules, table-driven: dates, yearly MM-DD, calendar deadlines of the terms, and events plus delays,
with month ends and leap years."""

from __future__ import annotations

import datetime as dt

import pytest

from jointfund.commitments import due
from jointfund.terms.loader import load_shipped

D = dt.date


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        ("armed_attack + 24h", D(2026, 2, 10), D(2026, 2, 11)),
        ("armed_attack + 24 hours", D(2026, 12, 31), D(2027, 1, 1)),
        ("armed_attack + 25h", D(2026, 2, 10), D(2026, 2, 12)),  # part of a day is a whole day: due on a date
        ("armed_attack + 1 h", D(2026, 2, 28), D(2026, 3, 1)),
        ("termination_notice + 6 months", D(2026, 1, 10), D(2026, 7, 10)),
        ("termination_notice + 6 months", D(2025, 8, 31), D(2026, 2, 28)),  # month end, common year
        ("termination_notice + 6 months", D(2023, 8, 31), D(2024, 2, 29)),  # month end, leap year
        ("termination_notice + 1 month", D(2026, 1, 31), D(2026, 2, 28)),
        ("termination_notice + 1 month", D(2026, 3, 31), D(2026, 4, 30)),
        ("signature + 10 years", D(2024, 6, 13), D(2034, 6, 13)),
        ("signature + 1 year", D(2024, 2, 29), D(2025, 2, 28)),  # 29 February in a common year
        ("signature + 4 years", D(2024, 2, 29), D(2028, 2, 29)),
        ("capital_raise + 30 days", D(2026, 1, 15), D(2026, 2, 14)),
        ("capital_raise + 2 weeks", D(2026, 12, 25), D(2027, 1, 8)),
    ],
)
def test_an_event_plus_a_delay(rule: str, start: dt.date, expected: dt.date) -> None:
    parsed = due.parse(rule)
    assert isinstance(parsed, due.After)
    assert parsed.due(start) == expected


@pytest.mark.parametrize(
    ("rule", "year", "expected"),
    [
        ("03-15", 2026, D(2026, 3, 15)),
        ("02-29", 2028, D(2028, 2, 29)),
        ("02-29", 2027, D(2027, 2, 28)),
        ("02-29", 2100, D(2100, 2, 28)),  # a century is a common year
        ("02-29", 2000, D(2000, 2, 29)),  # unless divisible by 400
        ("12-31", 2026, D(2026, 12, 31)),
    ],
)
def test_a_yearly_month_and_day(rule: str, year: int, expected: dt.date) -> None:
    parsed = due.parse(rule)
    assert isinstance(parsed, due.Yearly)
    assert parsed.on(year) == expected


def test_yearly_occurrences_are_bounded_by_both_ends() -> None:
    assert due.occurrences(due.Yearly(2, 29), D(2027, 3, 1), D(2029, 2, 28)) == [
        D(2028, 2, 29),
        D(2029, 2, 28),
    ]
    assert due.occurrences(due.Yearly(3, 15), D(2026, 3, 16), D(2027, 3, 14)) == []


def test_a_date_and_the_terms_own_dates() -> None:
    terms = load_shipped()
    assert due.parse(D(2034, 6, 13)) == due.Fixed(D(2034, 6, 13)) == due.parse("2034-06-13")
    assert due.terms_date(due.parse("terms:reinvestment_end"), terms) == D(2035, 5, 23)
    assert due.terms_date(due.parse("terms:entry_into_force"), terms) == D(2025, 5, 23)
    # The calendar's deadlines are the terms' (due in the year after the revenue year), never repeated.
    assert due.calendar_occurrences(due.parse("calendar:data"), terms, D(2025, 5, 23), D(2027, 12, 1)) == [
        D(2026, 3, 15),
        D(2027, 3, 15),
    ]
    assert due.calendar_occurrences(due.parse("calendar:audit"), terms, D(2025, 5, 23), D(2026, 12, 31)) == [
        D(2026, 12, 31)
    ]


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("02-30", "not a month and day"),
        ("13-01", "not a month and day"),
        ("2026-02-30", "not a real date"),
        ("armed_attack + 24 fortnights", "the unit must be one of"),
        ("armed_attack + 0 days", "more than zero"),
        ("terms:tomorrow", "expected terms: followed by one of"),
        ("calendar:", "expected calendar:CODE"),
        ("whenever", "expected a date"),
        (42, "expected a date"),
        (dt.datetime(2026, 1, 1, 12), "no time of day"),
    ],
)
def test_a_bad_rule_says_what_is_accepted(rule: object, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        due.parse(rule)
