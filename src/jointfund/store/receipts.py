"""Stored Treasury receipts read as driver tuples: the hot reads of accrual, reports and verify.

A tuple has the columns of `COLUMNS`, in that order, in the driver's types (`rows.python_date` reads its
date); the revenue book turns them into domain values and frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
from sqlalchemy import Connection, Select, select

from jointfund.store import rows
from jointfund.store import tables as t

COLUMNS = (
    "receipt_id",
    "date",
    "licence_id",
    "stream",
    "amount_minor",
    "currency",
    "corrects",
    "resource",
    "budget",
    "flags",
)
FRAME_ROWS = 100_000  # receipts judged column-wise at a time: tens of MB of frame, whatever the year's size


def _select(first: dt.date | None, last: dt.date | None) -> Select:
    q = select(*(t.receipt.c[c] for c in COLUMNS))
    return q.where(t.receipt.c.date.between(first, last)) if first and last else q


def batches(
    conn: Connection, first: dt.date | None, last: dt.date | None, ordered: bool, size: int = FRAME_ROWS
) -> Iterator[list[tuple]]:
    """The receipts dated `first`..`last` (all without both), `size` at a time, by date and id if
    `ordered`."""
    q = _select(first, last)
    if ordered:
        q = q.order_by(t.receipt.c.date, t.receipt.c.receipt_id)
    return rows.batches(conn, q, size)


def unaccrued(conn: Connection, key_prefix: str, after: str | None, limit: int) -> list[tuple]:
    """The next `limit` receipts by id after `after` with no entry keyed `key_prefix` + their id.

    A fresh query per chunk (keyset paging on the primary key) rather than one open cursor, because the
    entries posted between chunks go into a table this query reads.
    """
    r, e = t.receipt, t.entry
    q = (
        select(*(r.c[c] for c in COLUMNS))
        .outerjoin(e, e.c.key == key_prefix + r.c.receipt_id)
        .where(e.c.seq.is_(None))
        .order_by(r.c.receipt_id)
        .limit(limit)
    )
    if after is not None:
        q = q.where(r.c.receipt_id > after)
    return [row for batch in rows.batches(conn, q, max(1, limit)) for row in batch]


def frame(conn: Connection, tuples: list[tuple], schema: dict) -> pl.DataFrame:
    """Receipt tuples as a frame of `schema` (COLUMNS order), its date a date on every backend."""
    if not rows.stores_dates_as_text(conn):
        return pl.DataFrame(tuples, schema=schema, orient="row")
    out = pl.DataFrame(tuples, schema={**schema, "date": pl.Utf8}, orient="row")
    return rows.python_dates(conn, out, ["date"])
