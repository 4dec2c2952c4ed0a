"""One page of a list: the rule every list route of the API and every list command of the CLI follows
(issue 13).

A page is `limit` items (1 to bounds.MAX_PAGE_ITEMS; a larger limit is refused by the caller's parameter,
never clamped) from `offset`. The rows are read one more than the page holds: that extra row only says that
another page follows (its `offset + limit`), so nobody counts the whole list to know. Rows are chosen in the
database with LIMIT/OFFSET (`window`); a list that is not a query (one worked out from the terms or the
calendar) is consumed lazily, only as far as the page (`take`). Kept free of heavy imports: the CLI's
start-up imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import TypeVar

from jointfund.bounds import MAX_PAGE_ITEMS

T = TypeVar("T")
Q = TypeVar("Q")

__all__ = ["MAX_PAGE_ITEMS", "page", "split", "take", "window"]


def window(query: Q, limit: int, offset: int) -> Q:
    """`query` (a SQLAlchemy select, ordered) limited in SQL to the page's rows and the one after them."""
    return query.limit(limit + 1).offset(offset)  # type: ignore[attr-defined]


def take(rows: Iterable[T], limit: int, offset: int) -> list[T]:
    """The page's rows of `rows` and the one after them, read lazily: the rows before `offset` are skipped,
    never kept, and nothing after the page is read."""
    return list(islice(rows, offset, offset + limit + 1))


def split(rows: list[T], limit: int, offset: int) -> tuple[list[T], int | None]:
    """(the page's items, the next page's offset or None on the last page) of rows read by `window` or
    `take`."""
    return rows[:limit], (offset + limit if len(rows) > limit else None)


def page(rows: list[T], limit: int, offset: int) -> dict:
    """The page every list answers with: its items, its limit and offset, and the next page's offset (None on
    the last), of rows read by `window` or `take`."""
    items, next_offset = split(rows, limit, offset)
    return {"items": items, "limit": limit, "offset": offset, "next_offset": next_offset}
