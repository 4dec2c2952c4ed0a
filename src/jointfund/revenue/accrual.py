"""Accruals: each eligible receipt's contribution becomes an obligation in the ledger, keyed by the receipt.

An accrual debits the contributing partner's contribution receivable and credits its
obligations account (the obligation is not capital until the money arrives; see transfer).
A negative receipt (a refund, a correction) accrues a negative contribution, which reverses
that much of the obligation. A correction that exactly undoes the receipt it corrects is
posted as the journal's own reversal of that receipt's entry, pointing back at it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from sqlalchemy import Connection, literal, select

from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.revenue import book
from jointfund.revenue.contribution import Evaluation
from jointfund.revenue.eligibility import Rules
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
    r = e.receipt
    c = e.contribution
    what = "Correction of contribution" if c < 0 else "Contribution owed"
    links = (f"receipt:{r.receipt_id}", f"licence:{r.licence_id}") + ((f"receipt:{r.corrects}",) if r.corrects else ())
    return Entry(r.date, f"{what} on receipt {r.receipt_id} ({r.stream}, licence {r.licence_id})", (
        Posting(rules.receivable, c, r.currency),
        Posting(rules.obligation, -c, r.currency),
    ), key_of(r.receipt_id), links)


def unaccrued(conn: Connection, after: str | None, limit: int) -> list:
    """The next `limit` receipts with no accrual entry yet, by id after `after`.

    A fresh query per chunk (keyset paging on the primary key) rather than one open cursor,
    because the entries posted between chunks go into a table this query reads.
    """
    key = literal(KEY_PREFIX) + t.receipt.c.receipt_id
    q = (select(t.receipt).outerjoin(t.entry, t.entry.c.key == key).where(t.entry.c.seq.is_(None))
         .order_by(t.receipt.c.receipt_id).limit(limit))
    if after is not None:
        q = q.where(t.receipt.c.receipt_id > after)
    return list(conn.execute(q))


def accrue(conn: Connection, info: FundInfo, progress: Callable[[int], None] | None = None) -> AccrualResult:
    """Post the accrual of every receipt that has none yet, in the caller's write transaction."""
    assess = book.Assessor(conn, info)
    seen = posted = 0
    corrections: list[Evaluation] = []
    after = None
    while chunk := unaccrued(conn, after, CHUNK_RECEIPTS):
        after = chunk[-1].receipt_id
        seen += len(chunk)
        entries = []
        for row in chunk:
            e = assess(book.receipt_of(row))
            if e.receipt.corrects:
                corrections.append(e)  # after the receipts they correct, which may be in this very chunk
                continue
            entry = accrual_entry(e, assess.book.on(e.receipt.date))
            if entry is not None:
                entries.append(entry)
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
