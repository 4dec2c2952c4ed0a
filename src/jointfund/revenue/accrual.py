"""Accruals: each eligible receipt's contribution becomes an obligation in the ledger, keyed by the receipt.

An accrual debits the contributing partner's contribution receivable and credits its
obligations account (the obligation is not capital until the money arrives; see transfer).
A contribution in another currency than the functional one joins the fund's position in that
currency at its worth on the receipt date (ledger/functional.py), and the obligation is booked
at that worth in the functional currency; with no usable rate, both legs stay in its currency.
A negative receipt (a refund, a correction) accrues a negative contribution, which reverses
that much of the obligation. A correction that exactly undoes the receipt it corrects is
posted as the journal's own reversal of that receipt's entry, pointing back at it.

Where the terms round per day and stream (contribution.rounding_differences), each group's difference
from its receipts' own roundings is booked by a rounding entry: the receivable against the terms'
rounding account (ledger role contribution_rounding), keyed by the group. Receipts imported later into
a group already booked change its difference: the next entry of the group books the change, so the
group's rounding entries always sum to its difference.

A correction of reference data (revenue/correction.py: a rate, a licence field, a receipt field) changes what
receipts owe after they were accrued. `rebook` reverses each affected receipt's accrual and books it again
from the corrected values: the receipt's accruals are its entries keyed `contribution:<id>` and
`contribution:<id> correction <n>[ reversal]` (receipt ids hold no spaces), whose net is what it owes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

import polars as pl
from sqlalchemy import Connection, select

from jointfund import clock
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting, reversal
from jointfund.ledger.functional import carried_currencies
from jointfund.money import from_minor
from jointfund.revenue import book
from jointfund.revenue.contribution import (
    DayStream,
    DayStreamRounding,
    Evaluation,
    RoundingDifference,
    in_base,
)
from jointfund.revenue.eligibility import Rules
from jointfund.revenue.receipt import Receipt
from jointfund.store import receipts as stored_receipts
from jointfund.store import tables as t

KEY_PREFIX = "contribution:"
ROUNDING_PREFIX = "contribution-rounding:"  # not KEY_PREFIX: a receipt id could then shadow a group's key
CHUNK_RECEIPTS = 50_000  # entries built and posted at a time: bounded memory whatever the year's size


class AccrualResult(NamedTuple):
    """Receipts looked at, accrual entries posted, how many of those were reversals, and rounding entries
    posted."""

    receipts: int
    posted: int
    reversals: int
    roundings: int = 0


def key_of(receipt_id: str) -> str:
    return KEY_PREFIX + receipt_id


def receipt_of_key(key: str) -> str:
    """The receipt whose accrual (or re-booking after a correction) `key` is."""
    assert key.startswith(KEY_PREFIX), key
    return key[len(KEY_PREFIX) :].split(" ", 1)[0]


def correction_key(receipt_id: str, correction_seq: int, reversal: bool = False) -> str:
    return f"{key_of(receipt_id)} correction {correction_seq}{' reversal' if reversal else ''}"


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


def _entry(
    r: Receipt, c: Decimal, rules: Rules, base: Decimal | None = None, carry: Carrying | None = None
) -> Entry:
    """The entry accruing contribution `c` (not zero) of receipt `r`.

    A contribution in a currency the chart carries, whose worth `base` in the functional currency is known,
    joins the fund's position in that currency through its trading account, and the obligation is booked in
    the functional currency at that worth. Otherwise both legs stay in the receipt's currency.
    """
    what = "Correction of contribution" if c < 0 else "Contribution owed"
    links = (f"receipt:{r.receipt_id}", f"licence:{r.licence_id}") + (
        (f"receipt:{r.corrects}",) if r.corrects else ()
    )
    return Entry(
        r.date,
        f"{what} on receipt {r.receipt_id} ({r.stream}, licence {r.licence_id})",
        _legs(rules.receivable, rules.obligation, c, r.currency, base, carry),
        key_of(r.receipt_id),
        links,
    )


def _legs(
    receivable: str, credit: str, c: Decimal, currency: str, base: Decimal | None, carry: Carrying | None
) -> tuple[Posting, ...]:
    """`c` of `currency` on the receivable against `credit`: through the currency's trading account, `credit`
    taking worth `base` in the functional currency, when the chart carries the currency and `base` is
    known."""
    trading = carry.trading.get(currency) if carry is not None and base is not None else None
    if trading is None or carry is None or base is None or not base:
        return Posting(receivable, c, currency), Posting(credit, -c, currency)
    return (
        Posting(receivable, c, currency),
        Posting(trading, -c, currency),
        Posting(trading, base, carry.functional),
        Posting(credit, -base, carry.functional),
    )


# -- rounding per day and stream --


def rounding_key(group: DayStream, n: int) -> str:
    """The key of a group's `n`-th rounding entry (1, 2...: later imports into the group book changes)."""
    return f"{ROUNDING_PREFIX}{group.label}#{n}"


def group_of_key(key: str) -> DayStream:
    """The group a rounding entry's key names (the inverse of `rounding_key`; a licence id may hold '|')."""
    label = key[len(ROUNDING_PREFIX) :].rsplit("#", 1)[0]
    day, rest = label.split("|", 1)
    licence_id, stream, currency = rest.rsplit("|", 2)
    return DayStream(dt.date.fromisoformat(day), licence_id, stream, currency)


def rounding_entry(
    group: DayStream,
    change: Decimal,
    rules: Rules,
    account: str,
    n: int,
    base: Decimal | None = None,
    carry: Carrying | None = None,
) -> Entry:
    """The entry booking `change` (not zero) of the group's rounding difference to the rounding account."""
    return Entry(
        group.day,
        f"Rounding of the day's contribution ({group.stream}, licence {group.licence_id}, "
        f"{group.currency}): per day and stream against per receipt",
        _legs(rules.receivable, account, change, group.currency, base, carry),
        rounding_key(group, n),
        (f"licence:{group.licence_id}",),
    )


def booked_roundings(conn: Connection, receivable: str) -> dict[DayStream, tuple[int, int]]:
    """Each group's rounding booked so far on `receivable`: (minor units in the group's currency, entries)."""
    accounts = journal.load_accounts(conn)
    if receivable not in accounts:
        return {}
    q = (
        select(t.entry.c.key, t.posting.c.amount_minor)
        .join(t.posting, t.posting.c.entry_seq == t.entry.c.seq)
        .where(t.posting.c.account_id == accounts[receivable].id, t.entry.c.key.startswith(ROUNDING_PREFIX))
    )
    out: dict[DayStream, tuple[int, int]] = {}
    for key, minor in conn.execute(q):
        group = group_of_key(key)
        before = out.get(group, (0, 0))
        out[group] = (before[0] + int(minor), before[1] + 1)
    return out


def expected_roundings(conn: Connection, assess: book.Assessor) -> list[RoundingDifference] | None:
    """Every group's rounding difference the rules give, over all stored receipts (column-wise);
    None when no terms in force at any time round per day and stream."""
    rounding = DayStreamRounding(assess.book.on, assess.book.periods())
    if not rounding.active:
        return None
    assess = assess.whole(conn)
    for frame in book.receipt_frames(conn):
        rounding.add_frame(assess.frame(frame))
    return rounding.rows(assess.rates)


def _post_roundings(conn: Connection, info: FundInfo, assess: book.Assessor, carry: Carrying) -> int:
    """Post, for every group whose booked rounding differs from what the rules give, an entry of the
    change."""
    expected = expected_roundings(conn, assess)
    if expected is None:
        return 0
    owed = {d.group: d.difference for d in expected}
    receivable = Rules.from_terms(info.base_terms()).receivable
    booked = booked_roundings(conn, receivable)
    entries = []
    for group in sorted(set(owed) | set(booked)):
        minor, n = booked.get(group, (0, 0))
        change = owed.get(group, from_minor(0, group.currency)) - from_minor(minor, group.currency)
        rules = assess.book.on(group.day)
        account = rules.rounding_account
        if not change or account is None:
            continue
        base, _missing = in_base(change, group.currency, group.day, rules, assess.rates)
        entries.append(rounding_entry(group, change, rules, account, n + 1, base, carry))
    journal.post(conn, entries, info.start_date)
    return len(entries)


def unaccrued(
    conn: Connection, after: str | None, limit: int, ids: Sequence[str] | None = None
) -> list[tuple]:
    """The next `limit` receipts with no accrual entry yet (of `ids`, if given), by id after `after`, as
    book.RECEIPT_COLUMNS tuples (driver tuples, not Rows: a sweep reads every receipt of the book once)."""
    return book.patched(
        stored_receipts.unaccrued(conn, KEY_PREFIX, after, limit, ids), book.corrected(conn, "receipt")
    )


def _pending(conn: Connection, ids: Sequence[str] | None) -> Iterator[list[tuple]]:
    """The receipts with no accrual entry yet (of `ids` if given), by id, a chunk at a time.

    A fresh query per chunk, after the previous chunk's entries are posted (see stored_receipts.unaccrued)."""
    after = None
    while chunk := unaccrued(conn, after, CHUNK_RECEIPTS, ids):
        after = chunk[-1][0]
        yield chunk


def accrue(
    conn: Connection,
    info: FundInfo,
    progress: Callable[[int], None] | None = None,
    only: Iterable[str] | None = None,
) -> AccrualResult:
    """Post the accrual of every receipt that has none yet, in the caller's write transaction; with `only`,
    of those receipts alone.

    An import accrues the receipts it brought (`only`): each stored before was judged when it was imported,
    and one that owed nothing then has no entry and keeps none (a correction of what it was judged on
    re-books it, `rebook`; `jointfund verify` judges every receipt again and names one that owes with no
    accrual). So an upload reads its own receipts, their licences and the rates of their days, whatever the
    book holds; judging every receipt without an entry, and reading every licence and rate, grew each upload
    with the book (issue 13). Without `only`, every receipt is looked at: the catch-up of receipts stored
    some other way.

    Each chunk is judged once, column-wise (bulk.py, proven equal to `evaluate`); only
    corrections, which need the entry of the receipt they correct, are judged one by one.
    """
    wanted = None if only is None else sorted(set(only))
    assess = book.Assessor(conn, info, None if wanted is None else receipts_by_id(conn, wanted))
    carry = carrying(conn, info)
    seen = posted = 0
    corrections: list[Evaluation] = []
    for chunk in _pending(conn, wanted):
        seen += len(chunk)
        judged = assess.frame(book.frame_of(conn, chunk))
        for row in judged.filter(pl.col("corrects").is_not_null()).select(book.RECEIPT_COLUMNS).iter_rows():
            corrections.append(assess(book.receipt_of_tuple(row)))  # after the receipts they correct
        owed = judged.filter(
            pl.col("eligible") & (pl.col("contribution_minor") != 0) & pl.col("corrects").is_null()
        )
        entries = []
        for row in owed.select(*book.RECEIPT_COLUMNS, "contribution_minor", "base_minor").iter_rows():
            r = book.receipt_of_tuple(row[:-2])
            base = None if row[-1] is None else from_minor(row[-1], carry.functional)
            entries.append(_entry(r, from_minor(row[-2], r.currency), assess.book.on(r.date), base, carry))
        journal.post(conn, entries, info.start_date)
        posted += len(entries)
        if progress:
            progress(len(chunk))
    more, reversals = _post_corrections(conn, info, assess, corrections, carry)
    return AccrualResult(seen, posted + more, reversals, _post_roundings(conn, info, assess, carry))


def _post_corrections(
    conn: Connection,
    info: FundInfo,
    assess: book.Assessor,
    corrections: Iterable[Evaluation],
    carry: Carrying,
) -> tuple[int, int]:
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
        if (
            original is not None
            and original.seq is not None  # posted, as every stored entry is
            and original.seq not in reversed_seqs
            and original.reverses is None
            and _legs_on(entry, receivable) == _legs_on(original, receivable, -1)
            and not _is_reversed(conn, original.seq)
        ):
            entry = entry._replace(
                postings=tuple(p._replace(amount=-p.amount) for p in original.postings), reverses=original.seq
            )
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


# -- re-booking after a correction of reference data --

Legs = dict[tuple[str, str], Decimal]  # (account, currency) -> net amount


def net_legs(entries: Iterable[Entry]) -> Legs:
    """The non-zero net of `entries` per account and currency."""
    net: Legs = {}
    for e in entries:
        for p in e.postings:
            net[(p.account, p.currency)] = net.get((p.account, p.currency), Decimal(0)) + p.amount
    return {k: v for k, v in net.items() if v}


def accruals_of(conn: Connection, receipt_id: str) -> list[Entry]:
    """Every accrual entry of the receipt: its first, and its reversals and re-bookings after corrections."""
    c = t.entry.c
    q = (
        select(c.seq)
        .where(
            (c.key == key_of(receipt_id))
            | c.key.startswith(key_of(receipt_id) + " correction ", autoescape=True)
        )
        .order_by(c.seq)
    )
    return [journal.get_entry(conn, seq) for (seq,) in conn.execute(q)]


def receipts_by_id(conn: Connection, ids: Iterable[str]) -> list[Receipt]:
    """The receipts `ids`, as corrected, by id."""
    cols = [t.receipt.c[n] for n in book.RECEIPT_COLUMNS]
    wanted = sorted(set(ids))
    rows: list[tuple] = []
    for start in range(0, len(wanted), book.LOOKUP_CHUNK):
        rows += [
            tuple(r)
            for r in conn.execute(
                select(*cols).where(t.receipt.c.receipt_id.in_(wanted[start : start + book.LOOKUP_CHUNK]))
            )
        ]
    return [book.receipt_of_tuple(r) for r in sorted(book.patched(rows, book.corrected(conn, "receipt")))]


def expected_legs(e: Evaluation, rules: Rules, carry: Carrying) -> tuple[Entry | None, Legs]:
    """The accrual entry the rules give now, and its legs."""
    entry = accrual_entry(e, rules, carry)
    return entry, net_legs([entry] if entry is not None else [])


def rebook(
    conn: Connection, info: FundInfo, receipt_ids: Iterable[str], correction_seq: int
) -> tuple[int, int]:
    """Reverse and book again the accrual of each receipt of `receipt_ids` whose accruals no longer net to
    what the rules give on the corrected values; returns (reversals, re-bookings) posted.

    Both are dated on the receipt's date, or today when that falls in a closed period (a correction goes to an
    open period, linked to the period it corrects). When the receipt's accruals net to one entry not yet
    reversed, the reversal is the journal's own (`reverses` points at it); otherwise it undoes their net.
    """
    assess = book.Assessor(conn, info)
    carry = carrying(conn, info)
    entries: list[Entry] = []
    reversals = rebookings = 0
    for r in receipts_by_id(conn, receipt_ids):
        rules = assess.book.on(r.date)
        want, want_legs = expected_legs(assess(r), rules, carry)
        have = accruals_of(conn, r.receipt_id)
        net = net_legs(have)
        if net == want_legs:
            continue
        day, links = _open_day(conn, r.date)
        reversed_by = {e.reverses for e in have if e.reverses is not None}
        live = [
            e
            for e in have
            if e.reverses is None and e.seq not in reversed_by and not _is_reversed(conn, e.seq)
        ]
        if net:
            key = correction_key(r.receipt_id, correction_seq, reversal=True)
            narration = (
                f"Reversal of the contribution on receipt {r.receipt_id}, superseded by correction "
                f"{correction_seq}"
            )
            if len(live) == 1 and net_legs(live) == net:
                undo = reversal(live[0], day, key, narration)
            else:
                undo = Entry(
                    day,
                    narration,
                    tuple(Posting(a, -v, c) for (a, c), v in sorted(net.items())),
                    key,
                    (f"receipt:{r.receipt_id}",),
                )
            entries.append(undo._replace(links=(*undo.links, f"correction:{correction_seq}", *links)))
            reversals += 1
        if want is not None:
            key = correction_key(r.receipt_id, correction_seq) if have else key_of(r.receipt_id)
            entries.append(
                want._replace(
                    date=day,
                    key=key,
                    links=(*want.links, f"correction:{correction_seq}", *links),
                    narration=f"{want.narration}, re-booked after correction {correction_seq}",
                )
            )
            rebookings += 1
    journal.post(conn, entries, info.start_date)
    _post_roundings(
        conn, info, assess, carry
    )  # per day and stream, a group's difference follows its receipts
    return reversals, rebookings


def _open_day(conn: Connection, day: dt.date) -> tuple[dt.date, tuple[str, ...]]:
    """`day`, or today with a link to the closed period `day` falls in."""
    c = t.period_close.c
    closed = conn.execute(select(c.period).where(c.first_day <= day, c.last_day >= day)).scalar()
    return (day, ()) if closed is None else (max(day, clock.today()), (journal.CLOSED_LINK + closed,))
