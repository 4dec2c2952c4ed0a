"""Due rules: when a commitment falls due.

A rule is written in an agreement's TOML file in one of these forms:

  2034-06-13                      a date (TOML date or text)
  "03-15"                         every year on that month and day (29 February: 28 February in common years)
  "calendar:data"                 every year on the terms' calendar deadline of that code (never repeated
  here)
  "terms:reinvestment_end"        a date the fund's terms give (see TERMS_DATES)
  "armed_attack + 24h"            an event plus a delay: h(ours), d(ays), week(s), month(s), year(s)

Months and years are calendar months and years (dateutil's relativedelta): 31 January + 1 month is the last
day
of February, and 29 February + 1 year is 28 February. Hours round up to whole days, because a commitment is
due
on a date: an armed attack on D makes a 24-hour consultation due on D + 1.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

from jointfund.terms.model import Terms

# Dates of the fund's terms a rule may name; each is read from the terms, never written twice.
TERMS_DATES = {
    "entry_into_force": lambda terms: terms.fund.entry_into_force,
    "reinvestment_end": lambda terms: terms.distributions.lock_ends,
}

UNITS = {
    "h": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
}

_AFTER = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*\+\s*(\d{1,4})\s*([a-z]+)\s*$")
_YEARLY = re.compile(r"^(\d{2})-(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Fixed(NamedTuple):
    day: dt.date

    def __str__(self) -> str:
        return self.day.isoformat()


class Yearly(NamedTuple):
    month: int
    day: int

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d} yearly"

    def on(self, year: int) -> dt.date:
        return yearly_date(year, self.month, self.day)


class CalendarDeadline(NamedTuple):
    code: str

    def __str__(self) -> str:
        return f"calendar:{self.code} yearly"


class TermsDate(NamedTuple):
    name: str

    def __str__(self) -> str:
        return f"terms:{self.name}"


class After(NamedTuple):
    event: str
    number: int  # of `unit`s (not `count`, which would hide tuple.count)
    unit: str  # a value of UNITS

    def __str__(self) -> str:
        return f"{self.event} + {self.number} {self.unit}"

    def due(self, occurred: dt.date) -> dt.date:
        return add_delay(occurred, self.number, self.unit)


Rule = Fixed | Yearly | CalendarDeadline | TermsDate | After


def parse(value: object) -> Rule:
    """The rule written as `value`; ValueError saying which forms are accepted."""
    if isinstance(value, dt.datetime):
        raise ValueError("a due date has no time of day")
    if isinstance(value, dt.date):
        return Fixed(value)
    if not isinstance(value, str):
        raise ValueError("expected a date, 'MM-DD', 'calendar:CODE', 'terms:NAME' or 'EVENT + N UNIT'")
    text = value.strip()
    if _DATE.match(text):
        try:
            return Fixed(dt.date.fromisoformat(text))
        except ValueError:
            raise ValueError(f"{text!r} is not a real date") from None
    if m := _YEARLY.match(text):
        month, day = int(m.group(1)), int(m.group(2))
        try:
            dt.date(2000, month, day)  # a leap year, so 02-29 is accepted
        except ValueError:
            raise ValueError(f"{text!r} is not a month and day (MM-DD)") from None
        return Yearly(month, day)
    if text.startswith("calendar:"):
        code = text.removeprefix("calendar:")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", code):
            raise ValueError(f"{text!r}: expected calendar:CODE, a deadline code of the terms' calendar")
        return CalendarDeadline(code)
    if text.startswith("terms:"):
        name = text.removeprefix("terms:")
        if name not in TERMS_DATES:
            raise ValueError(f"{text!r}: expected terms: followed by one of {', '.join(TERMS_DATES)}")
        return TermsDate(name)
    if m := _AFTER.match(text):
        unit = UNITS.get(m.group(3))
        if unit is None:
            raise ValueError(f"{text!r}: the unit must be one of {', '.join(sorted(set(UNITS)))}")
        if int(m.group(2)) == 0:
            raise ValueError(f"{text!r}: the delay must be more than zero")
        return After(m.group(1), int(m.group(2)), unit)
    raise ValueError(
        f"{text!r}: expected a date, 'MM-DD', 'calendar:CODE', 'terms:NAME' or 'EVENT + N UNIT' "
        "(e.g. 'armed_attack + 24h', 'termination_notice + 6 months')"
    )


def yearly_date(year: int, month: int, day: int) -> dt.date:
    """`month`-`day` in `year`; 29 February falls on 28 February in a common year."""
    if (month, day) == (2, 29) and not _leap(year):
        return dt.date(year, 2, 28)
    return dt.date(year, month, day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def add_delay(day: dt.date, count: int, unit: str) -> dt.date:
    """`day` plus the delay: hours round up to whole days; months and years keep the month's end."""
    if unit == "hours":
        return day + dt.timedelta(days=math.ceil(count / 24))
    if unit == "days":
        return day + dt.timedelta(days=count)
    if unit == "weeks":
        return day + dt.timedelta(weeks=count)
    return day + relativedelta(**{unit: count})


def terms_date(rule: TermsDate, terms: Terms) -> dt.date:
    return TERMS_DATES[rule.name](terms)


def calendar_occurrences(
    rule: CalendarDeadline, terms: Terms, start: dt.date, until: dt.date
) -> list[dt.date]:
    """The due dates of the terms' calendar deadline for each revenue year from `start`'s, up to `until`."""
    deadline = next((d for d in terms.calendar.deadlines if d.code == rule.code), None)
    assert deadline is not None, (
        f"calendar deadline {rule.code} is checked against the terms (register.check_terms)"
    )
    days = (deadline.due(year) for year in range(start.year, until.year + 1))
    return [d for d in days if d <= until]


def occurrences(rule: Yearly, start: dt.date, until: dt.date) -> list[dt.date]:
    """Each yearly date from `start` (inclusive) to `until` (inclusive)."""
    out = []
    for year in range(start.year, until.year + 1):
        day = rule.on(year)
        if start <= day <= until:
            out.append(day)
    return out
