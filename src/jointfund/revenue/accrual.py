"""Accruals: each eligible receipt's contribution becomes an obligation in the ledger, keyed by the receipt.

An accrual debits the contributing partner's contribution receivable and credits its
obligations account (the obligation is not capital until the money arrives; see transfer).
A contribution in another currency than the functional one joins the fund's position in that
currency at its worth on the receipt date (ledger/functional.py), and the obligation is booked
at that worth in the functional currency; with no usable rate, both legs stay in its currency.
A negative receipt (a refund, a correction) accrues a negative contribution, which reverses
that much of the obligation. A correction that exactly undoes the receipt it corrects is
posted as the journal's own reversal of that receipt's entry, pointing back at it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

import polars as pl
from sqlalchemy import Connection, select

from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.ledger.functional import carried_currencies
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


class Carrying(NamedTuple):
    """How the fund's chart carries other currencies (ledger/functional.py): the functional currency and
    the trading account of each currency it carries; empty when it carries none."""

    functional: str
    trading: Mapping[str, str]


def carrying(conn: Connection, info: FundInfo) -> Carrying:
    terms = info.base_terms()
    names = {c: terms.account_name("trading", currency=c) for c in terms.fund.currencies}
    carried = carried_currencies(journal.load_accounts(conn), names, terms.functional_currency)
    return Carrying(terms.functional_currency, {c: names[c] for c in carried})


def accrual_entry(e: Evaluation, rules: Rules, carry: Carrying | None = None) -> Entry | None:
    """The entry accruing `e`'s contribution, or None when nothing is owed (not eligible, or zero)."""
    if not e.eligible or not e.contribution:
        return None
    return _entry(e.receipt, e.contribution, rules, e.contribution_base, carry)


def _entry(r: Receipt, c: Decimal, rules: Rules, base: Decimal | None = None, carry: Carrying | None = None) -> Entry:
    """The entry accruing contribution `c` (not zero) of receipt `r`.

    A contribution in a currency the chart carries, whose worth `base` in the functional currency is known,
    joins the fund's position in that currency through its trading account, and the obligation is booked in
    the functional currency at that worth. Otherwise both legs stay in the receipt's currency.
    """
    what = "Correction of contribution" if c < 0 else "Contribution owed"
    links = (f"receipt:{r.receipt_id}", f"licence:{r.licence_id}") + ((f"receipt:{r.corrects}",) if r.corrects else ())
    trading = carry.trading.get(r.currency) if carry is not None and base is not None else None
    if trading is None or carry is None or base is None or not base:
        legs: tuple[Posting, ...] = (Posting(rules.receivable, c, r.currency), Posting(rules.obligation, -c, r.currency))
    else:
        legs = (Posting(rules.receivable, c, r.currency), Posting(trading, -c, r.currency),
                Posting(trading, base, carry.functional), Posting(rules.obligation, -base, carry.functional))
    return Entry(r.date, f"{what} on receipt {r.receipt_id} ({r.stream}, licence {r.licence_id})", legs,
                 key_of(r.receipt_id), links)


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
    carry = carrying(conn, info)
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
        for row in owed.select(*book.RECEIPT_COLUMNS.split(", "), "contribution_minor", "base_minor").iter_rows():
            r = book.receipt_of_tuple(row[:-2])
            base = None if row[-1] is None else book.money(row[-1], carry.functional)
            entries.append(_entry(r, book.money(row[-2], r.currency), assess.book.on(r.date), base, carry))
        journal.post(conn, entries, info.start_date)
        posted += len(entries)
        if progress:
            progress(len(chunk))
    more, reversals = _post_corrections(conn, info, assess, corrections, carry)
    return AccrualResult(seen, posted + more, reversals)


def _post_corrections(conn: Connection, info: FundInfo, assess: book.Assessor,
                      corrections: Iterable[Evaluation], carry: Carrying) -> tuple[int, int]:
    """(entries posted, of which reversals) for the corrections.

    A correction that exactly undoes the receipt it corrects in the receipt's currency is the reversal of
    that receipt's accrual, legs and all: it takes the contribution out at the worth it was booked at.
    """
    entries: list[Entry] = []
    reversed_seqs: set[int] = set()
    for e in corrections:
        entry = accrual_entry(e, assess.book.on(e.receipt.date), carry)
        if entry is None:
            continue
        original = _accrual_of(conn, e.receipt.corrects)
        receivable = assess.book.on(e.receipt.date).receivable
        if (original is not None and original.seq not in reversed_seqs and original.reverses is None
                and _legs_on(entry, receivable) == _legs_on(original, receivable, -1)
                and not _is_reversed(conn, original.seq)):
            entry = entry._replace(postings=tuple(p._replace(amount=-p.amount) for p in original.postings),
                                   reverses=original.seq)
            reversed_seqs.add(original.seq)
        entries.append(entry)
    journal.post(conn, entries, info.start_date)
    return len(entries), len(reversed_seqs)


def _legs_on(entry: Entry, account: str, sign: int = 1) -> list[tuple[Decimal, str]]:
    return sorted((sign * p.amount, p.currency) for p in entry.postings if p.account == account)


def _accrual_of(conn: Connection, receipt_id: str | None) -> Entry | None:
    seq = conn.execute(select(t.entry.c.seq).where(t.entry.c.key == key_of(receipt_id or ""))).scalar()
    return None if seq is None else journal.get_entry(conn, seq)


def _is_reversed(conn: Connection, seq: int | None) -> bool:
    return conn.execute(select(t.entry.c.seq).where(t.entry.c.reverses == seq)).first() is not None
