"""Posting to the journal: the one function every money movement goes through.

`post` validates every entry (collecting all problems), honours idempotency keys,
assigns log positions, computes running balances and leaf hashes, and writes in
batches inside the caller's write transaction. Either every entry lands or none does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Row,
    and_,
    bindparam,
    case,
    func,
    insert,
    select,
    text,
)

from jointfund import clock
from jointfund.errors import ConflictError, InputError, NotFound, Problem, Refused
from jointfund.ledger import balance as account_balance
from jointfund.ledger import canonical, tiles
from jointfund.ledger.account import Account, in_subtree, type_of
from jointfund.ledger.entry import Entry, Posting, check_entry, reversal
from jointfund.ledger.log import append_event, size
from jointfund.money import exponent, from_minor, to_minor
from jointfund.store import entries as entries_store
from jointfund.store import rows as driver_rows
from jointfund.store import tables as t

BATCH_ENTRIES = 5_000  # bounded memory and statement size, whatever the number of entries
KEY_LOOKUP_CHUNK = 500


# -- accounts --


def load_accounts(conn: Connection) -> dict[str, Account]:
    """The chart: every account by name, with its closing day if it is closed.

    Unpacked from the rows as tuples of the columns used: a receipt upload reads the chart three times, and
    reading each field by name cost 3.6x the CPU (4.7 against 1.3 ms for the bench's 534 accounts, issue
    13)."""
    c, a = t.account_closure.c, t.account.c
    closed = dict(conn.execute(select(c.account_id, c.closed)).all())
    return {
        name: Account(
            ident, name, kind, tuple(currencies.split(",")) if currencies else None, opened, closed.get(ident)
        )
        for ident, name, kind, currencies, opened in conn.execute(
            select(a.id, a.name, a.type, a.currencies, a.opened)
        ).all()
    }


def open_account(
    conn: Connection,
    name: str,
    opened: dt.date,
    currencies: Sequence[str] | None = None,
    description: str = "",
    actor: str = "system",
) -> Account:
    kind = type_of(name)
    if kind is None:
        raise InputError(
            [
                Problem(
                    "account",
                    "not a valid account name: it must start with Assets, Liabilities, Equity, "
                    "Income or Expenses, then ':'-separated parts starting with a capital or digit",
                    name,
                )
            ]
        )
    existing = load_accounts(conn).get(name)
    if existing:
        if existing.currencies == (tuple(currencies) if currencies else None):
            return existing
        raise ConflictError(f"account {name} exists with currencies {existing.currencies}")
    joined = ",".join(currencies) if currencies else None
    res = conn.execute(
        insert(t.account).values(
            name=name, type=kind, currencies=joined, opened=opened, description=description
        )
    )
    append_event(
        conn,
        actor,
        "account.open",
        f"account:{name}",
        {"name": name, "type": kind, "currencies": list(currencies or []), "opened": opened.isoformat()},
    )
    key = res.inserted_primary_key
    if key is None:  # an INSERT of one row always has it; the type allows None for other statements
        raise AssertionError(f"account {name}: the database gave the new row no id")
    return Account(key[0], name, kind, tuple(currencies) if currencies else None, opened)


def close_account(conn: Connection, name: str, closed: dt.date, actor: str = "system") -> None:
    account = load_accounts(conn).get(name)
    if account is None:
        raise NotFound(f"account: no account named {name}")
    if account.closed is not None:
        raise Refused(f"account {name} was already closed on {account.closed}")
    later = conn.execute(
        select(func.count())
        .select_from(t.posting)
        .where(and_(t.posting.c.account_id == account.id, t.posting.c.date >= closed))
    ).scalar_one()
    if later:
        raise Refused(
            f"account {name} has {later} posting(s) dated on or after {closed}; it cannot close before them"
        )
    conn.execute(
        insert(t.account_closure).values(account_id=account.id, closed=closed, recorded_at=clock.now())
    )
    append_event(
        conn, actor, "account.close", f"account:{name}", {"name": name, "closed": closed.isoformat()}
    )


# -- posting --


def post(
    conn: Connection,
    entries: Sequence[Entry],
    fund_start: dt.date,
    progress: Callable[[int], object] | None = None,
) -> list[int]:
    """Post `entries` atomically in the caller's transaction; returns their log positions.

    An entry whose key was already posted with the same content returns the original
    position; with different content it is a ConflictError that shows both.
    """
    accounts = load_accounts(conn)
    normalised = [_normalise(e) for e in entries]
    _refuse_invalid(conn, normalised, accounts, fund_start)
    existing = _existing_by_key(conn, [e.key for e in normalised])
    by_key_in_batch: dict[str, Entry] = {}
    result: list[int] = []
    fresh: list[Entry] = []
    seq = size(conn)
    for e in normalised:
        earlier = existing.get(e.key) or by_key_in_batch.get(e.key)
        if earlier is not None:
            if earlier.content() != e.content():
                raise ConflictError(_conflict_message(e.key, earlier, e))
            assert earlier.seq is not None
            result.append(earlier.seq)
            continue
        seq += 1
        recorded = e._replace(seq=seq, recorded_at=clock.now())
        by_key_in_batch[e.key] = recorded
        fresh.append(recorded)
        result.append(seq)
    _check_reversals(conn, fresh)
    _check_periods(conn, fresh)
    _write(conn, fresh, accounts, progress)
    return result


def check(conn: Connection, entries: Sequence[Entry], fund_start: dt.date) -> None:
    """Refuse `entries` naming every problem, as `post` would, without writing: for a caller that must know
    the input is good before it asks for more (a countersignature)."""
    _refuse_invalid(conn, [_normalise(e) for e in entries], load_accounts(conn), fund_start)


def _refuse_invalid(
    conn: Connection, normalised: list[Entry], accounts: dict[str, Account], fund_start: dt.date
) -> None:
    problems = [
        p for i, e in enumerate(normalised) for p in check_entry(e, accounts, fund_start, f"entry[{i}]")
    ]
    if not conn.info.get(
        "clock_settable", False
    ):  # see store.db.write: only a demo or test fund's clock moves
        today = clock.today()
        problems += [
            Problem(
                f"entry[{i}].date",
                f"is after today ({today}): an entry may be back-dated, never dated "
                "after the day it is recorded",
                e.date.isoformat(),
            )
            for i, e in enumerate(normalised)
            if e.date > today
        ]
    if problems:
        raise InputError(problems, "entries refused; nothing was posted")


def _normalise(e: Entry) -> Entry:
    """Postings, links and narration in their one form, so equal content compares equal and encodes one
    way."""
    legs = tuple(p if type(p) is Posting else Posting(p.account, p.amount, p.currency) for p in e.postings)
    links = e.links if type(e.links) is tuple else tuple(e.links)
    narration = e.narration.strip()
    if legs == e.postings and links is e.links and narration == e.narration and type(e.postings) is tuple:
        return e  # already normal (the usual case): no new tuples
    return e._replace(postings=legs, links=links, narration=narration)


def _check_reversals(conn: Connection, fresh: list[Entry]) -> None:
    for e in fresh:
        if e.reverses is None:
            continue
        original = get_entry(conn, e.reverses) if e.reverses <= size(conn) else None
        if original is None:
            raise NotFound(f"entry {e.key}: reverses entry {e.reverses}, which does not exist")
        if original.reverses is not None:
            raise Refused(
                f"entry {e.reverses} is itself a reversal; post the correct entry instead of reversing it"
            )
        already = conn.execute(select(t.entry.c.seq).where(t.entry.c.reverses == e.reverses)).scalar()
        if already is not None or sum(1 for x in fresh if x.reverses == e.reverses) > 1:
            raise Refused(f"entry {e.reverses} has already been reversed (by entry {already})")
        if e.date < original.date:
            raise InputError(
                [
                    Problem(
                        "date",
                        f"a reversal cannot be dated before the entry it reverses ({original.date})",
                        str(e.date),
                    )
                ]
            )


def _check_periods(conn: Connection, fresh: list[Entry]) -> None:
    """Refuse, with the period named, what the database would refuse anyway: an entry dated in a closed
    period."""
    if not fresh:
        return
    first, last = min(e.date for e in fresh), max(e.date for e in fresh)
    c = t.period_close.c
    closed = conn.execute(
        select(c.period, c.first_day, c.last_day).where(c.first_day <= last, c.last_day >= first)
    ).all()
    for e in fresh:
        hit = next((r for r in closed if r.first_day <= e.date <= r.last_day), None)
        if hit is not None:
            raise Refused(
                f"entry {e.key}: {e.date} is in period {hit.period}, which is closed; post the correction "
                f"in an open period, linked to the entry it corrects"
            )


def _write(
    conn: Connection,
    fresh: list[Entry],
    accounts: dict[str, Account],
    progress: Callable[[int], object] | None,
) -> None:
    """Insert the entries, their postings and their leaves, a batch of entries per statement.

    Rows are plain tuples handed to the driver in one call per table and batch (executemany on
    SQLite, COPY on PostgreSQL): no per-row round trip and no per-row SQL compilation. Within a
    batch every entry row goes first, then every posting, then every leaf, because a leaf seals
    its entry (the database refuses later postings and checks the balance when the leaf arrives).
    """
    if not fresh:
        return
    ids = {name: a.id for name, a in accounts.items()}
    touched = {ids[p.account] for e in fresh for p in e.postings}
    running = _current_balances(conn, touched)
    last_seq: dict[tuple[int, str], int] = {}
    exps = {c: exponent(c) for c in {p.currency for e in fresh for p in e.postings}}
    bind_date = driver_rows.binder(conn, t.entry.c.date)
    days: dict[dt.date, object] = {}  # many entries share a date: convert each date once

    def as_date(day: dt.date) -> object:
        stored = days.get(day)
        if stored is None:
            stored = days[day] = bind_date(day)
        return stored

    as_time = driver_rows.binder(conn, t.entry.c.recorded_at)
    amount_text = canonical.amount_text
    for start in range(0, len(fresh), BATCH_ENTRIES):
        chunk = fresh[start : start + BATCH_ENTRIES]
        entry_rows, posting_rows, leaf_rows = [], [], []
        for e in chunk:
            assert e.seq is not None and e.recorded_at is not None
            seq, day = e.seq, as_date(e.date)
            legs = []
            for line, (account, amount, currency) in enumerate(e.postings):
                exp, minor = exps[currency], to_minor(amount, currency)
                key = (ids[account], currency)
                after = running[key] = running.get(key, 0) + minor
                last_seq[key] = seq
                posting_rows.append((seq, line, key[0], currency, minor, day, after))
                legs.append((account, currency, amount_text(minor, currency, exp)))
            entry_rows.append(
                (
                    seq,
                    day,
                    as_time(e.recorded_at),
                    e.key,
                    e.narration,
                    json.dumps(list(e.links), ensure_ascii=False) if e.links else "[]",
                    e.reverses,
                )
            )
            body = canonical.entry_bytes(
                seq, e.date, e.recorded_at, e.key, e.narration, e.links, e.reverses, legs
            )
            leaf_rows.append((seq, "entry", canonical.leaf_hash(body)))
        driver_rows.append(
            conn, t.entry, ("seq", "date", "recorded_at", "key", "narration", "links", "reverses"), entry_rows
        )
        driver_rows.append(
            conn,
            t.posting,
            ("entry_seq", "line", "account_id", "currency", "amount_minor", "date", "balance_after_minor"),
            posting_rows,
        )
        driver_rows.append(conn, t.leaf, ("seq", "kind", "hash"), leaf_rows)
        tiles.seal(conn, leaf_rows[0][0] - 1, [h for _seq, _kind, h in leaf_rows])
        if progress:
            progress(len(chunk))
    entries_store.store_heads(conn, {key: (running[key], seq) for key, seq in last_seq.items()})
    first, last = fresh[0].seq, fresh[-1].seq
    assert first is not None and last is not None  # `post` numbered them, contiguously
    entries_store.add_totals(conn, first, last)


def _current_balances(conn: Connection, account_ids: set[int]) -> dict[tuple[int, str], int]:
    """Where each running balance of these accounts stands: one row per account and currency (account_head),
    not a sum over the book, so a post costs the same whatever the size of the book."""
    h = t.account_head
    found: dict[tuple[int, str], int] = {}
    ids = sorted(account_ids)
    for start in range(0, len(ids), KEY_LOOKUP_CHUNK):
        chunk = ids[start : start + KEY_LOOKUP_CHUNK]
        q = select(h.c.account_id, h.c.currency, h.c.balance_minor).where(h.c.account_id.in_(chunk))
        found.update({(a, c): int(b) for a, c, b in conn.execute(q)})
    return found


def _existing_by_key(conn: Connection, keys: list[str]) -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), KEY_LOOKUP_CHUNK):
        for e in _load_entries(
            conn, entries_store.seqs_of_keys(conn, unique[start : start + KEY_LOOKUP_CHUNK])
        ):
            found[e.key] = e
    return found


def _conflict_message(key: str, earlier: Entry, offered: Entry) -> str:
    def show(e: Entry) -> str:
        legs = "; ".join(f"{p.account} {p.amount} {p.currency}" for p in e.postings)
        return (
            f"date {e.date}, narration {e.narration!r}, links {list(e.links)}, reverses {e.reverses}, "
            f"postings [{legs}]"
        )

    where = f"entry {earlier.seq}" if earlier.seq else "an earlier entry of this batch"
    return (
        f"idempotency key {key!r} was already used by {where} with different content\n"
        f"  recorded: {show(earlier)}\n  offered:  {show(offered)}"
    )


CLOSED_LINK = "closed:"  # a correction of an entry dated in a closed period links that period


def reverse(
    conn: Connection, seq: int, date: dt.date, key: str, fund_start: dt.date, narration: str | None = None
) -> int:
    """Post the reversal of entry `seq` on `date`; reversing an entry of a closed period links that period."""
    return post(conn, [reversal_of(conn, seq, date, key, narration)], fund_start)[0]


def reversal_of(conn: Connection, seq: int, date: dt.date, key: str, narration: str | None = None) -> Entry:
    """The entry reversing entry `seq` on `date`, linking the closed period of the reversed entry, if any."""
    original = get_entry(conn, seq)
    entry = reversal(original, date, key, narration)
    c = t.period_close.c
    closed = conn.execute(
        select(c.period).where(c.first_day <= original.date, c.last_day >= original.date)
    ).scalar()
    if closed is not None and CLOSED_LINK + closed not in entry.links:
        entry = entry._replace(links=(*entry.links, CLOSED_LINK + closed))
    return entry


def posted(conn: Connection, key: str) -> Entry | None:
    """The entry posted under `key`, if any."""
    return _existing_by_key(conn, [key]).get(key)


# -- reading --


def get_entry(conn: Connection, seq: int) -> Entry:
    found = _load_entries(conn, [seq])
    if not found:
        raise NotFound(f"no entry {seq} in the journal")
    return found[0]


def _load_entries(conn: Connection, seqs: Iterable[int]) -> list[Entry]:
    seqs = list(seqs)
    if not seqs:
        return []
    names = {a.id: a.name for a in load_accounts(conn).values()}
    legs: dict[int, list[Posting]] = defaultdict(list)
    for r in conn.execute(
        select(t.posting)
        .where(t.posting.c.entry_seq.in_(seqs))
        .order_by(t.posting.c.entry_seq, t.posting.c.line)
    ):
        legs[r.entry_seq].append(
            Posting(names[r.account_id], from_minor(r.amount_minor, r.currency), r.currency)
        )
    rows = conn.execute(select(t.entry).where(t.entry.c.seq.in_(seqs)).order_by(t.entry.c.seq))
    return [_entry_of(r, legs[r.seq]) for r in rows]


def _entry_of(r: Row[Any], legs: list[Posting]) -> Entry:
    recorded = r.recorded_at if r.recorded_at.tzinfo else r.recorded_at.replace(tzinfo=dt.UTC)
    return Entry(
        r.date, r.narration, tuple(legs), r.key, tuple(json.loads(r.links)), r.reverses, r.seq, recorded
    )


def entries(
    conn: Connection,
    since: dt.date | None = None,
    until: dt.date | None = None,
    account: str | None = None,
    link: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[Entry]:
    """Entries in log order, filtered; each loaded with its postings."""
    q = select(t.entry.c.seq).order_by(t.entry.c.seq)
    if since:
        q = q.where(t.entry.c.date >= since)
    if until:
        q = q.where(t.entry.c.date <= until)
    if link:
        q = q.where(t.entry.c.links.contains(json.dumps(link, ensure_ascii=False)))
    if account:
        ids = [a.id for a in load_accounts(conn).values() if in_subtree(a.name, account)]
        q = q.where(t.entry.c.seq.in_(select(t.posting.c.entry_seq).where(t.posting.c.account_id.in_(ids))))
    if limit is not None:
        q = q.limit(limit)
    if offset:
        q = q.offset(offset)
    seqs = [s for (s,) in conn.execute(q)]
    for start in range(0, len(seqs), 1000):
        yield from _load_entries(conn, seqs[start : start + 1000])


def balance(
    conn: Connection,
    account: str,
    as_of: dt.date | None = None,
    currency: str | None = None,
    subtree: bool = True,
) -> dict[str, Decimal]:
    """Balance of `account` (and, by default, its subtree) per currency, as of an effective date.

    One query, without loading the chart (ledger.balance: the statement the CLI's quick read runs too)."""
    return account_balance.balance(_runner(conn), account, as_of, currency, subtree)


def balance_each(
    conn: Connection,
    accounts: Sequence[str],
    as_of: dt.date | None = None,
    currency: str | None = None,
    subtree: bool = True,
) -> dict[str, dict[str, Decimal]]:
    """`balance` of each of `accounts` (a dict by account), in one statement."""
    return account_balance.balance_each(_runner(conn), accounts, as_of, currency, subtree)


def _runner(conn: Connection) -> account_balance.Run:
    """Runs a statement of store.balances on `conn`."""

    def run(sql: str, params: dict[str, Any]) -> Iterable[tuple[Any, ...]]:
        statement = text(sql)
        if "as_of" in params:  # a date, bound as one on both backends
            statement = statement.bindparams(bindparam("as_of", type_=Date()))
        return conn.execute(statement, params).all()

    return run


def trial_balance(conn: Connection, as_of: dt.date | None = None) -> list[tuple[str, str, Decimal]]:
    """(account, currency, balance) of every account with a non-zero balance, by account name.

    Summed over the covering index (account_id, date, currency, amount_minor): the table itself is not read.
    With no date, the balances are where each account's running balance stands (account_head, one row per
    account and currency, written with each posting and checked by verify): O(accounts), not O(book), so a
    read right after a write costs the same as any other (issue 13).
    """
    names = {i: n for i, n in conn.execute(select(t.account.c.id, t.account.c.name))}
    if as_of is None:
        h = t.account_head.c
        heads = conn.execute(select(h.account_id, h.currency, h.balance_minor).where(h.balance_minor != 0))
        return sorted((names[a], c, from_minor(int(b), c)) for a, c, b in heads)
    q = select(t.posting.c.account_id, t.posting.c.currency, func.sum(t.posting.c.amount_minor)).group_by(
        t.posting.c.account_id, t.posting.c.currency
    )
    if as_of is not None:
        q = q.where(t.posting.c.date <= as_of)
    rows = [(names[a], c, from_minor(int(s), c)) for a, c, s in conn.execute(q) if s]
    return sorted(rows)


def trial_balances(
    conn: Connection, days: Iterable[dt.date]
) -> dict[dt.date, list[tuple[str, str, Decimal]]]:
    """`trial_balance(conn, day)` for each of `days`, from one pass over the postings.

    The postings are summed per account, currency and the interval between consecutive days (one grouped
    query, whatever the number of days), and each day's balances are the running sum of the intervals up to
    it: what a statement of several periods needs (verify draws every year's), at the cost of one trial
    balance instead of one per day.
    """
    ordered = sorted(set(days))
    if not ordered:
        return {}
    names = {i: n for i, n in conn.execute(select(t.account.c.id, t.account.c.name))}
    p = t.posting.c
    # Earliest day first: the first WHEN a posting's date passes names its interval.
    interval = case(*((p.date <= d, i) for i, d in enumerate(ordered)), else_=len(ordered))
    q = (
        select(p.account_id, p.currency, interval, func.sum(p.amount_minor))
        .where(p.date <= ordered[-1])
        .group_by(p.account_id, p.currency, interval)
    )
    moved: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * len(ordered))
    for a, c, i, s in conn.execute(q):
        moved[(a, c)][i] += int(s)
    out: dict[dt.date, list[tuple[str, str, Decimal]]] = {d: [] for d in ordered}
    for (a, c), sums in moved.items():
        running = 0
        for d, s in zip(ordered, sums, strict=True):
            running += s
            if running:
                out[d].append((names[a], c, from_minor(running, c)))
    return {d: sorted(rows) for d, rows in out.items()}


def balances(
    conn: Connection,
    as_of: dt.date | None = None,
    account: str | None = None,
    currency: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[tuple[str, str, Decimal]]:
    """One page of the non-zero balances (account, currency, balance), by account name and currency: the
    accounts at or below `account`, in `currency`. Chosen and paged in SQL (issue 13): `limit` rows from
    `offset`, so a page never holds the whole trial balance. With no date they are read from account_head (one
    row per account and currency, as trial_balance does); as of a date, summed from the postings."""
    name = t.account.c.name
    total: ColumnElement[Any]
    if as_of is None:
        h = t.account_head.c
        cur, total = h.currency, h.balance_minor
        q = (
            select(name, cur, total)
            .join(t.account, t.account.c.id == h.account_id)
            .where(total != 0)
            .order_by(name, cur)
        )
    else:
        cur, total = t.posting.c.currency, func.sum(t.posting.c.amount_minor)
        q = (
            select(name, cur, total)
            .join(t.account, t.account.c.id == t.posting.c.account_id)
            .where(t.posting.c.date <= as_of)
            .group_by(name, cur)
            .having(total != 0)
            .order_by(name, cur)
        )
    if account is not None:
        q = q.where((name == account) | name.startswith(account + ":", autoescape=True))
    if currency is not None:
        q = q.where(cur == currency)
    return [(a, c, from_minor(int(s), c)) for a, c, s in conn.execute(q.limit(limit).offset(offset))]


__all__ = [
    "balance",
    "balance_each",
    "balances",
    "close_account",
    "entries",
    "get_entry",
    "load_accounts",
    "open_account",
    "post",
    "reverse",
    "trial_balance",
    "trial_balances",
]
