"""Stored Treasury receipts read as driver tuples: the hot reads of accrual, reports and verify.

A tuple has the columns of `COLUMNS`, in that order, in the driver's types (`rows.python_date` reads its
date); the revenue book turns them into domain values and frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import polars as pl
from sqlalchemy import Connection, Select, and_, case, func, null, select

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
# The columns nearly every receipt leaves at their default (None, or "" for flags). SQLite's driver makes a
# Python object per cell read, so `frames` reads them as one cell, null unless some of them is set.
RARE = {"corrects": None, "resource": None, "budget": None, "flags": ""}
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


def with_ids(conn: Connection, ids: list[str]) -> list[tuple]:
    """The receipts `ids` (at most a few hundred: one IN list), by date and id; tuples of COLUMNS, their date
    already a date (`rows.python_date` reads either)."""
    q = _select(None, None).where(t.receipt.c.receipt_id.in_(ids))
    return [tuple(r) for r in conn.execute(q.order_by(t.receipt.c.date, t.receipt.c.receipt_id))]


def unaccrued(
    conn: Connection, key_prefix: str, after: str | None, limit: int, ids: Sequence[str] | None = None
) -> list[tuple]:
    """The next `limit` receipts (of `ids`, if given) by id after `after` with no entry keyed
    `key_prefix` + their id.

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
    if ids is not None:
        q = q.where(rows.among(conn, r.c.receipt_id, ids))
    return [row for batch in rows.batches(conn, q, max(1, limit)) for row in batch]


def frame(conn: Connection, tuples: list[tuple], schema: dict) -> pl.DataFrame:
    """Receipt tuples as a frame of `schema` (COLUMNS order), its date a date on every backend."""
    if not rows.stores_dates_as_text(conn):
        return pl.DataFrame(tuples, schema=schema, orient="row")
    out = pl.DataFrame(tuples, schema={**schema, "date": pl.Utf8}, orient="row")
    return rows.python_dates(conn, out, ["date"])


def frames(
    conn: Connection, first: dt.date | None, last: dt.date | None, schema: dict, size: int = FRAME_ROWS
) -> Iterator[pl.DataFrame]:
    """The receipts dated `first`..`last` (all without both) as frames of `schema` (COLUMNS order), `size`
    rows at a time, in no particular order: `frame` of each of `batches(..., ordered=False)`.

    On SQLite the RARE columns come as one JSON cell, null where all are at their default: they cost a
    million receipts ~0.5 s more per read as cells of their own, driver objects and frame columns alike
    (docs/performance.md). PostgreSQL's driver reads them natively, cell by cell, as before.
    """
    if not rows.stores_dates_as_text(conn):
        for batch in batches(conn, first, last, ordered=False, size=size):
            yield frame(conn, batch, schema)
        return
    r = t.receipt.c
    dense = [c for c in COLUMNS if c not in RARE]
    at_default = and_(*(r[c].is_(None) if v is None else r[c] == v for c, v in RARE.items()))
    rare = case((at_default, null()), else_=func.json_array(*(r[c] for c in RARE)))
    q = select(*(r[c] for c in dense), rare.label("_rare"))
    if first and last:
        q = q.where(r.date.between(first, last))
    text = {**{c: schema[c] for c in dense}, "date": pl.Utf8, "_rare": pl.Utf8}
    for batch in rows.batches(conn, q, size):
        out = rows.python_dates(conn, pl.DataFrame(batch, schema=text, orient="row"), ["date"])
        if out["_rare"].null_count() == out.height:
            values = [pl.lit(v, dtype=schema[c]).alias(c) for c, v in RARE.items()]
        else:
            codes = pl.col("_rare").str.json_decode(pl.List(pl.Utf8))
            values = [
                pl.when(pl.col("_rare").is_null())
                .then(pl.lit(v, dtype=schema[c]))
                .otherwise(codes.list.get(i))
                .alias(c)
                for i, (c, v) in enumerate(RARE.items())
            ]
        yield out.with_columns(values).select(COLUMNS)
