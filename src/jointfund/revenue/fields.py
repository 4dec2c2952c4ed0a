"""Reading one input row's cells into typed values, collecting a located problem for each bad one.

A `Cells` never stops at the first problem: each accessor returns None for a bad value
and records why, naming the file, line, column and value, so one pass reports them all.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from decimal import Decimal

from jointfund import bounds
from jointfund.errors import Problem
from jointfund.money import parse_amount
from jointfund.revenue import numbers
from jointfund.revenue.reader import MAX_CELL_CHARS, REQUEST, Row

MAX_ID_CHARS = 64
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DOTTED_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_SPACE = re.compile(r"\s")


class Cells:
    """The cells of one row and the problems found in them so far."""

    __slots__ = ("row", "problems")

    def __init__(self, row: Row) -> None:
        self.row = row
        self.problems: list[Problem] = [] if row.problem is None else [Problem(row.where, row.problem)]

    @property
    def ok(self) -> bool:
        return not self.problems

    def at(self, column: str) -> str:
        return f"{self.row.where}:{self.row.names.get(column, column)}"

    def fail(self, column: str, message: str, value: object = None) -> None:
        self.add(Problem(self.at(column), message, value), column)

    def add(self, problem: Problem, column: str) -> None:
        """Keep `problem` with `column`; a request's fields (not a file) name the domain field instead."""
        if self.row.where == REQUEST:
            problem = problem._replace(location=f"{REQUEST}.{column}", field=f"{REQUEST}.{column}")
        self.problems.append(problem)

    def raw(self, column: str, default: str = "") -> str:
        return self.row.values.get(column, default)

    def text(self, column: str, required: bool = True, limit: int = MAX_CELL_CHARS) -> str | None:
        value = self.raw(column)
        if required and not value:
            self.fail(column, "a value is required")
            return None
        if len(value) > limit:
            self.fail(column, f"longer than {limit} characters", value)
            return None
        if "\x00" in value:  # no field needs one, and PostgreSQL cannot store it
            self.fail(column, "contains a NUL character", value)
            return None
        return value

    def ident(self, column: str, required: bool = True) -> str | None:
        """An identifier of the source (receipt, licence, payment): no spaces, bounded length."""
        value = self.text(column, required, MAX_ID_CHARS)
        if value and _SPACE.search(value):
            self.fail(column, "an identifier may not contain spaces", value)
            return None
        return value

    def date(self, column: str, start: dt.date | None = None) -> dt.date | None:
        """YYYY-MM-DD, or NBU's DD.MM.YYYY; with `start` (the fund's), within the fund's life plus a margin
        (bounds.date_window)."""
        value = self.raw(column)
        if not value:
            self.fail(column, "a date is required (YYYY-MM-DD)")
            return None
        dotted = _DOTTED_DATE.match(value)
        iso = f"{dotted[3]}-{dotted[2]}-{dotted[1]}" if dotted else value
        if _ISO_DATE.match(iso):
            try:
                day = dt.date.fromisoformat(iso)
            except ValueError:
                day = None
            if day is not None:
                problem = None if start is None else bounds.date_problem(day, start, self.at(column))
                if problem is None:
                    return day
                self.add(problem, column)
                return None
        self.fail(column, "not a valid date; expected YYYY-MM-DD or DD.MM.YYYY", value)
        return None

    def choice(
        self, column: str, options: Iterable[str], what: str, default: str | None = None
    ) -> str | None:
        value = self.raw(column) or default
        allowed = list(options)
        if value in allowed:
            return value
        if not value:
            self.fail(column, f"a {what} is required; expected one of {', '.join(allowed)}")
            return None
        self.fail(
            column, f"unknown {what}; expected one of {', '.join(allowed)}{suggest(value, allowed)}", value
        )
        return None

    def amount(self, column: str, currency: str | None) -> Decimal | None:
        value = self.raw(column)
        if not value:
            self.fail(column, "an amount is required")
            return None
        if currency is None:  # the currency is wrong and already reported; the amount cannot be checked
            return None
        plain, why = numbers.read(value, self.row.locale, "amount")
        if why:
            self.fail(column, why, value)
            return None
        amount, problem = parse_amount(plain, currency, self.at(column))
        if problem:
            self.add(problem, column)
        return amount

    def positive_decimal(self, column: str) -> Decimal | None:
        """A rate: a positive exact decimal (not money, so no minor unit applies)."""
        value = self.raw(column)
        plain, why = numbers.read(value, self.row.locale, "rate")
        if why:
            self.fail(column, why, value)
            return None
        number, problem = bounds.plain_decimal(plain, self.at(column), "rate")
        if problem:
            self.add(problem._replace(value=value), column)
            return None
        assert number is not None
        if number <= 0:
            self.fail(column, "expected a positive number (41.8996 or 41,8996)", value)
            return None
        return number


def suggest(value: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(value.lower(), list(options), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(close)}?)" if close else ""
