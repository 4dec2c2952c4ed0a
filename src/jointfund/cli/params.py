"""Parsing option values that many commands share; kept free of heavy imports, for a fast start."""

from __future__ import annotations

import datetime as dt
from typing import overload

import typer

from jointfund import paging
from jointfund.bounds import MAX_PAGE_ITEMS


# A required option's text is never None, so its day is a date: the overloads say so once, instead of each
# command narrowing the result by hand.
@overload
def parse_date(value: str, option: str) -> dt.date: ...
@overload
def parse_date(value: str | None, option: str) -> dt.date | None: ...
def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}", param_hint=option) from None
    from jointfund import bounds
    from jointfund.cli import context

    start = context.fund_start()  # within the fund's life plus a margin (bounds.date_window)
    if start is not None and (problem := bounds.date_problem(day, start, option)):
        raise typer.BadParameter(f"{problem.message}, got {value}", param_hint=option)
    return day


def either(first: bool, second: bool, words: str, hint: str) -> None:
    """A command that takes its input one of two ways needs exactly one: neither or both is a usage error."""
    if first == second:
        raise typer.BadParameter(f"give {words}, not both", param_hint=hint)


def page_language(lang: str) -> str:
    """A page's --lang: one of the languages the pages are written in (i18n.LANGUAGES)."""
    from jointfund.i18n import LANGUAGES

    if lang not in LANGUAGES:
        raise typer.BadParameter(f"expected one of {', '.join(LANGUAGES)}, got {lang!r}", param_hint="--lang")
    return lang


# Every list command pages its rows with the API's bound; a larger --limit is refused (a usage error naming
# it).
LimitOption = typer.Option(
    MAX_PAGE_ITEMS,
    "--limit",
    min=1,
    max=MAX_PAGE_ITEMS,
    help=f"Rows per page, 1 to {MAX_PAGE_ITEMS}; a larger limit is refused, never clamped.",
)
# The day a report reads the book as of; the command's parse (parse_date or day_of) defaults it to today.
AsOfOption = typer.Option(None, "--as-of")
OffsetOption = typer.Option(
    0, "--offset", min=0, max=2**63 - 1, help="Rows to skip: the next page starts here."
)


def page(rows, limit: int, offset: int) -> list:  # noqa: ANN001 - any iterable of rows
    """Rows `offset` to `offset + limit` of `rows`, read lazily (a generator is consumed only as far as the
    page), with a note on stderr when more follow, saying the --offset of the next page."""
    return shown(paging.take(rows, limit, offset), limit, offset)


def shown(rows: list, limit: int, offset: int) -> list:
    """The page of `rows` read with `paging.window` or `paging.take` (one more than the page), with a note on
    stderr when more follow, saying the --offset of the next page."""
    from jointfund.cli.output import say

    items, next_offset = paging.split(rows, limit, offset)
    if next_offset is not None:
        say(f"more rows follow: --offset {next_offset} shows the next page")
    return items
