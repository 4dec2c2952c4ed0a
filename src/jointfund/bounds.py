"""The limit on every input, stated once, and checked before any arithmetic.

Every number a user or a file gives is bounded here (or, where a fund might differ, in its terms:
plausible exchange rates and the largest day-over-day change of a rate). A value outside its bound
is refused with a message naming the field and the bound, never passed on to overflow a database
integer, exhaust memory in `Decimal` (a 15-byte "1e999999999") or crash a report far from the input.
These are user-input checks, so they are `if`s, never `assert`s (which `python -O` removes).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from jointfund.errors import InputError, Problem

# Amounts are stored as integer minor units in 64-bit columns (BIGINT): a bigger one cannot be stored.
MAX_MINOR_UNITS = 2**63 - 1
# Identifiers given as numbers (log positions, proposals, checkpoints, applications, members, tokens):
# 63 bits, the database's BIGINT; the drivers refuse anything larger with an overflow.
MAX_ID = 2**63 - 1
# An amount or rate as text: 19 digits of minor units, a sign, a point and a few more places.
MAX_NUMBER_CHARS = 32
# Every other text field of a file or a form, and every text option of a command.
MAX_TEXT_CHARS = 10_000
# One field of a CSV file as the csv module reads it (its own default, stated here so that the refusal names
# it);
# the cell is then held to MAX_TEXT_CHARS or its column's own bound. Beyond it a row is not read at all.
MAX_CSV_FIELD_CHARS = 131_072
# Dates: within the fund's life plus a margin. A fund has no fixed end, so its life is taken as the
# longest any fund has; licences are issued, and receipts dated, long before a fund starts.
YEARS_BEFORE_START = 50
YEARS_AFTER_START = 100
# JSON (NBU rate files): an array of flat objects is 2 levels deep.
MAX_JSON_DEPTH = 8
MAX_JSON_BYTES = 64 * 1024 * 1024
# Items one page of a list gives: every list route of the API (its `limit`) and every list command of the CLI
# (`--limit`). A larger page is REFUSED (HTTP 422 / a usage error naming the bound), never clamped, so that a
# caller
# never mistakes a short page for the end of the list; the next page is asked for with `offset`.
MAX_PAGE_ITEMS = 500

# Plain decimal notation in ASCII digits only: no exponent ("1e30"), no Arabic-Indic ("١٢٣") or
# full-width ("１２３") digits, which `Decimal` would otherwise read as numbers.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def is_plain_number(text: str) -> bool:
    """Whether `text` is a number in plain decimal notation (digits 0-9, an optional sign and point)."""
    return _PLAIN_NUMBER.fullmatch(text) is not None


def plain_decimal(text: str, field: str, what: str = "amount") -> tuple[Decimal | None, Problem | None]:
    """`text` as a Decimal when it is written plainly (digits 0-9, an optional sign and point) and short."""
    if len(text) > MAX_NUMBER_CHARS:
        return None, Problem(field, f"{what} is longer than {MAX_NUMBER_CHARS} characters", text)
    if not is_plain_number(text):
        return None, Problem(
            field,
            f"{what} is not a number written with the digits 0-9 and a dot as the decimal "
            "mark (no exponent, no other digits)",
            text,
        )
    return Decimal(text), None


def minor_problem(minor: int, field: str, shown: object) -> Problem | None:
    """A problem when `minor` units do not fit the 64-bit column that stores them."""
    if -MAX_MINOR_UNITS <= minor <= MAX_MINOR_UNITS:
        return None
    return Problem(field, f"amount is out of range: at most {MAX_MINOR_UNITS} minor units (64 bits)", shown)


_PLAIN_ID = re.compile(r"[0-9]{1,19}", re.ASCII)


def id_in(text: str) -> int | None:
    """The id written in `text` ("7" of "application:7"): ASCII digits within 1..MAX_ID, else None.
    (`str.isdigit` takes "١" and "²" too, and `int` of a 20-digit id overflows the database's integer.)"""
    if not _PLAIN_ID.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def require_id(value: int, field: str) -> int:
    """An id given by a user, refused (InputError) unless 1 <= value <= MAX_ID."""
    if not 1 <= value <= MAX_ID:
        raise InputError([Problem(field, f"expected a whole number from 1 to {MAX_ID}", value)])
    return value


def date_window(start: dt.date) -> tuple[dt.date, dt.date]:
    """(earliest, latest) date any input of a fund that started on `start` may carry."""
    return (
        start.replace(year=start.year - YEARS_BEFORE_START, day=1),
        start.replace(year=start.year + YEARS_AFTER_START, day=1),
    )


def date_problem(day: dt.date, start: dt.date, field: str) -> Problem | None:
    first, last = date_window(start)
    if first <= day <= last:
        return None
    return Problem(
        field, f"date is outside the fund's life plus a margin ({first} to {last})", day.isoformat()
    )


def require_date(day: dt.date | None, start: dt.date, field: str) -> dt.date | None:
    """`day` (None passes) refused (InputError) outside `date_window(start)`."""
    if day is not None and (problem := date_problem(day, start, field)):
        raise InputError([problem])
    return day


def year_window(start: dt.date) -> tuple[int, int]:
    first, last = date_window(start)
    return first.year, last.year


def require_year(year: int | None, start: dt.date, field: str) -> int | None:
    if year is None:
        return None
    first, last = year_window(start)
    if not first <= year <= last:
        raise InputError(
            [Problem(field, f"year is outside the fund's life plus a margin ({first} to {last})", year)]
        )
    return year


def json_depth_problem(text: str, where: str) -> Problem | None:
    """A problem when JSON `text` nests arrays or objects deeper than MAX_JSON_DEPTH; checked before
    parsing, since the parser recurses once per level and fails with a RecursionError."""
    brackets = re.sub(r"[^\[\]{}]", "", re.sub(r'"(?:[^"\\]|\\.)*"', "", text))
    for _ in range(MAX_JSON_DEPTH):
        shorter = re.sub(r"\[\]|\{\}", "", brackets)
        if shorter == brackets:
            return None
        brackets = shorter
    if (
        re.sub(r"\[\]|\{\}", "", brackets) != brackets
    ):  # still a pair left: deeper (unbalanced is the parser's)
        return Problem(
            where, f"JSON nested deeper than {MAX_JSON_DEPTH} levels; a rate file is an array of objects"
        )
    return None


def text_option_problem(value: str) -> str | None:
    """Why a command's text option (a reason, a name, an id) is refused, or None: the same bound as a file's
    text
    field, and no NUL character (no field needs one, and PostgreSQL cannot store it)."""
    if len(value) > MAX_TEXT_CHARS:
        return f"longer than {MAX_TEXT_CHARS:,} characters (the bound of a text option)"
    if "\x00" in value:
        return "contains a NUL character"
    return None
