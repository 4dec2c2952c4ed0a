"""The accounting period calendar of the terms (`accounting.period`): names and bounds of periods. Pure.

A period is named as people write it: 2026 (a year), 2026-Q1 (a quarter), 2026-03 (a month). Periods
follow the calendar year and start with the one that holds the fund's first day.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from jointfund.errors import InputError, Problem

MONTHS = {"month": 1, "quarter": 3, "year": 12}
_NAME = {
    "year": re.compile(r"^(\d{4})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "month": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
}
_EXAMPLE = {"year": "2026", "quarter": "2026-Q1", "month": "2026-03"}


class Period(NamedTuple):
    """One accounting period: its name and its first and last days."""

    name: str
    first: dt.date
    last: dt.date


def containing(kind: str, day: dt.date) -> Period:
    """The period of calendar `kind` (month, quarter, year) that holds `day`."""
    months = MONTHS[kind]
    month = (day.month - 1) // months * months + 1
    first = dt.date(day.year, month, 1)
    n = month - 1 + months
    last = dt.date(day.year + n // 12, n % 12 + 1, 1) - dt.timedelta(days=1)
    name = {
        "year": f"{day.year}",
        "quarter": f"{day.year}-Q{(month - 1) // 3 + 1}",
        "month": f"{day.year}-{month:02d}",
    }[kind]
    return Period(name, first, last)


def parse(kind: str, text: str, where: str = "PERIOD") -> Period:
    """The period named `text`, a period of calendar `kind`; else an InputError naming `where`."""
    m = _NAME[kind].match(text.strip())
    if not m or not dt.MINYEAR <= int(m[1]) < dt.MAXYEAR:
        raise InputError(
            [
                Problem(
                    where,
                    f"the terms' accounting period is the {kind}: expected a name such as {_EXAMPLE[kind]}",
                    text,
                )
            ]
        )
    year = int(m[1])
    month = 1 if kind == "year" else (3 * int(m[2]) - 2 if kind == "quarter" else int(m[2]))
    return containing(kind, dt.date(year, month, 1))


def between(kind: str, first: dt.date, last: dt.date) -> list[Period]:
    """Every period of calendar `kind` that meets [first, last], in order."""
    out, day = [], first
    while day <= last:
        p = containing(kind, day)
        out.append(p)
        day = p.last + dt.timedelta(days=1)
    return out
