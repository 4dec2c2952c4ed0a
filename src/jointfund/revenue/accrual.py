"""Accruals: each eligible receipt's contribution becomes an obligation in the ledger, keyed by the receipt.

An accrual debits the contributing partner's contribution receivable and credits its
obligations account (the obligation is not capital until the money arrives; see transfer).
A negative receipt (a refund, a correction) accrues a negative contribution, which reverses
that much of the obligation. A correction that exactly undoes the receipt it corrects is
posted as the journal's own reversal of that receipt's entry, pointing back at it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import NamedTuple

import polars as pl
from sqlalchemy import Connection, select

from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.revenue import book
from jointfund.revenue.contribution import Evaluation
from jointfund.revenue.eligibility import Rules
from jointfund.revenue.receipt import Receipt
from jointfund.store import tables as t

KEY_PREFIX = "contribution:"
CHUNK_RECEIPTS = 50_000  # entries built and posted at a time: bounded memory whatever the year's size


class AccrualResult(NamedTuple):
    """Receipts looked at, accrual entries posted, and how many of those were reversals."""

    receipts: int
    posted: int
    reversals: int


def key_of(receipt_id: str) -> str:
    return KEY_PREFIX + receipt_id


def accrual_entry(e: Evaluation, rules: Rules) -> Entry | None:
    """The entry accruing `e`'s contribution, or None when nothing is owed (not eligible, or zero)."""
    if not e.eligible or not e.contribution:
        return None
    return _entry(e.receipt, e.contribution, rules)


def _entry(r: Receipt, c: Decimal, rules: Rules) -> Entry:
    """The entry accruing contribution `c` (not zero) of receipt `r`."""
    what = "Correction of contribution" if c < 0 else "Contribution owed"
    links = (f"receipt:{r.receipt_id}", f"licence:{r.licence_id}") + ((f"receipt:{r.corrects}",) if r.corrects else ())
    return Entry(r.date, f"{what} on receipt {r.receipt_id} ({r.stream}, licence {r.licence_id})", (
        Posting(rules.receivable, c, r.currency),
        Posting(rules.obligation, -c, r.currency),
    ), key_of(r.receipt_id), links)


def unaccrued(conn: Connection, after: str | None, limit: int) -> list[tuple]:
    """The next `limit` receipts with no accrual entry yet, by id after `after`, as book.RECEIPT_COLUMNS tuples.

    A fresh query per chunk (keyset paging on the primary key) rather than one open cursor,
    because the entries posted between chunks go into a table this query reads. Driver tuples,
    not Rows: this reads every receipt of the book once.
    """
    assert "'" not in KEY_PREFIX
    columns = ", ".join(f"r.{c.strip()}" for c in book.RECEIPT_COLUMNS.split(","))
    sql = (f"SELECT {columns} FROM {t.receipt.name} r LEFT JOIN {t.entry.name} e ON e.key = '{KEY_PREFIX}' || r.receipt_id "
           f"WHERE e.seq IS NULL{f' AND r.receipt_id > {book.mark(conn)}' if after is not None else ''} "
           f"ORDER BY r.receipt_id LIMIT {int(limit)}")
    return [row for rows in book.driver_batches(conn, sql, [] if after is None else [after], limit) for row in rows]


def accrue(conn: Connection, info: FundInfo, progress: Callable[[int], None] | None = None) -> AccrualResult:
    """Post the accrual of every receipt that has none yet, in the caller's write transaction.

    Each chunk is judged once, column-wise (bulk.py, proven equal to `evaluate`); only
    corrections, which need the entry of the receipt they correct, are judged one by one.
    """
    assess = book.Assessor(conn, info)
    seen = posted = 0
    corrections: list[Evaluation] = []
    after = None
    while chunk := unaccrued(conn, after, CHUNK_RECEIPTS):
        after = chunk[-1][0]
        seen += len(chunk)
        judged = assess.frame(book.frame_of(conn, chunk))
        for row in judged.filter(pl.col("corrects").is_not_null()).select(book.RECEIPT_COLUMNS.split(", ")).iter_rows():
            corrections.append(assess(book.receipt_of_tuple(row)))  # after the receipts they correct
        owed = judged.filter(pl.col("eligible") & (pl.col("contribution_minor") != 0) & pl.col("corrects").is_null())
        entries = []
        for row in owed.select(*book.RECEIPT_COLUMNS.split(", "), "contribution_minor").iter_rows():
            r = book.receipt_of_tuple(row[:-1])
            entries.append(_entry(r, book.money(row[-1], r.currency), assess.book.on(r.date)))
        journal.post(conn, entries, info.start_date)
        posted += len(entries)
        if progress:
            progress(len(chunk))
    more, reversals = _post_corrections(conn, info, assess, corrections)
    return AccrualResult(seen, posted + more, reversals)


def _post_corrections(conn: Connection, info: FundInfo, assess: book.Assessor,
                      corrections: Iterable[Evaluation]) -> tuple[int, int]:
    """(entries posted, of which reversals) for the corrections."""
    entries: list[Entry] = []
    reversed_seqs: set[int] = set()
    for e in corrections:
        entry = accrual_entry(e, assess.book.on(e.receipt.date))
        if entry is None:
            continue
        original = _accrual_of(conn, e.receipt.corrects)
        if (original is not None and original.seq not in reversed_seqs and original.reverses is None
                and sorted(entry.postings) == sorted(p._replace(amount=-p.amount) for p in original.postings)
                and not _is_reversed(conn, original.seq)):
            entry = entry._replace(reverses=original.seq)
            reversed_seqs.add(original.seq)
        entries.append(entry)
    journal.post(conn, entries, info.start_date)
    return len(entries), len(reversed_seqs)


def _accrual_of(conn: Connection, receipt_id: str | None) -> Entry | None:
    seq = conn.execute(select(t.entry.c.seq).where(t.entry.c.key == key_of(receipt_id or ""))).scalar()
    return None if seq is None else journal.get_entry(conn, seq)


def _is_reversed(conn: Connection, seq: int | None) -> bool:
    return conn.execute(select(t.entry.c.seq).where(t.entry.c.reverses == seq)).first() is not None
