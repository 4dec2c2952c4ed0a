"""The log family's scan of one span of the log: every check of its records that needs nothing before it.

Leaves, entries, postings and events are read as four streams in sequence order and walked together;
what crosses spans (the first leaf's place, the first running balance of each account, reversals and
the tree) is left in the `Part` for the parent (`verify.log`) to finish in log order.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from jointfund.findings import Finding
from jointfund.ledger import canonical, merkle
from jointfund.money import exponent
from jointfund.store import rows
from jointfund.store import tables as t
from jointfund.verify.rows import iso

Progress = Callable[[int], None] | None


class Span(NamedTuple):
    """A contiguous range of the log, [lo, hi) by sequence number, that starts after `offset` leaves."""

    lo: int
    hi: int
    offset: int
    last: bool


class Context(NamedTuple):
    """What every span's scan needs to know about the book (read once, by the parent)."""

    # account id -> (name, allowed currencies or None, opened, closed or None), dates as ISO text
    accounts: dict[int, tuple[str, frozenset[str] | None, str, str | None]]
    reversed_targets: frozenset[int]
    sizes: frozenset[int]  # checkpoint tree sizes: the frontier is kept at each


class Part(NamedTuple):
    """The outcome of one span's scan: its findings, and what the checks that cross spans need from it.

    Three checks look back past the start of a span, so a span leaves them to the parent, which
    finishes them in log order: the first leaf's place in the sequence (`first_leaf`), the running
    balance of the first posting of each account and currency (`firsts`, checked against the
    stored balance the spans before leave, `ends`), and reversals (`legs_of`, `reversals`).
    """

    fails: dict[str, list[Finding]]
    counts: dict[str, int]
    balance_breaks: list[tuple[int, int, Finding]]  # (seq, line, finding): merged with `firsts` in line order
    # seq, line, key, amount, stored after, name
    firsts: list[tuple[int, int, tuple[int, str], int, int, str]]
    ends: dict[tuple[int, str], int]
    lasts: dict[tuple[int, str], int]  # the entry of each key's last posting in the span (for account heads)
    first_leaf: int | None
    last_leaf: int | None
    legs_of: dict[int, tuple[Any, ...]]
    reversals: list[tuple[int, int, tuple[Any, ...]]]  # (seq, reversed seq, legs)
    nodes: tuple[tuple[int, bytes], ...]
    at_sizes: dict[int, tuple[tuple[int, bytes], ...]]
    postings: int
    orphans: list[Finding]  # postings of no entry after the span's last entry


def scan(conn: Connection, span: Span, context: Context, progress: Progress) -> Part:
    """Every check of the records with sequence numbers in the span that needs nothing from before it."""
    walk = _Walk(conn, span, context)
    for n, (leaf_seq, kind, stored_hash) in enumerate(walk.leaves, 1):
        walk.sequence(leaf_seq)
        body = walk.entry(leaf_seq) if kind == "entry" else walk.event(leaf_seq)
        walk.hashed(leaf_seq, body, stored_hash)
        if progress and n % 10_000 == 0:
            progress(10_000)
    if progress:
        progress(walk.counts["log sequence"] % 10_000)  # the rest, so that the bar ends full
    return walk.part()


def _streams(conn: Connection, lo: int, hi: int) -> tuple[Iterator[Any], ...]:
    """The span's leaves, entries, postings and events, each in sequence order, as driver tuples (a
    SQLAlchemy Row per entry cost more than the entry's checks); timestamps are read with `moment`."""
    leaves = rows.tuples(
        conn,
        select(t.leaf.c.seq, t.leaf.c.kind, t.leaf.c.hash)
        .where(t.leaf.c.seq >= lo, t.leaf.c.seq < hi)
        .order_by(t.leaf.c.seq),
    )
    e = t.entry.c
    entries = rows.tuples(
        conn,
        select(e.seq, iso(e.date), e.recorded_at, e.key, e.narration, e.links, e.reverses)
        .where(e.seq >= lo, e.seq < hi)
        .order_by(e.seq),
    )
    p = t.posting.c
    postings = rows.tuples(
        conn,
        select(
            p.entry_seq, p.line, p.account_id, p.currency, p.amount_minor, iso(p.date), p.balance_after_minor
        )
        .where(p.entry_seq >= lo, p.entry_seq < hi)
        .order_by(p.entry_seq, p.line),
    )
    v = t.event.c
    events = rows.tuples(
        conn,
        select(v.seq, v.recorded_at, v.actor, v.action, v.subject, v.data)
        .where(v.seq >= lo, v.seq < hi)
        .order_by(v.seq),
    )
    return leaves, entries, postings, events


class _Walk:
    """The state of one span's scan; `scan` feeds it the leaves in order."""

    def __init__(self, conn: Connection, span: Span, context: Context) -> None:
        self.accounts, self.reversed_targets, self.sizes = context
        self.leaves, self.entry_rows, self.posting_rows, self.event_rows = _streams(conn, span.lo, span.hi)
        self.next_entry = next(self.entry_rows, None)
        self.next_event = next(self.event_rows, None)
        self.next_posting = next(self.posting_rows, None)
        self.moment = rows.reader(conn, t.entry.c.recorded_at)  # read as a Core row would read it
        self.fails: dict[str, list[Finding]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.exps: dict[str, int] = {}
        self.running: dict[tuple[int, str], int] = {}  # the stored balance after each key's latest posting
        self.lasts: dict[tuple[int, str], int] = {}  # the entry of each key's latest posting
        self.balance_breaks: list[tuple[int, int, Finding]] = []
        self.firsts: list[tuple[int, int, tuple[int, str], int, int, str]] = []
        self.legs_of: dict[int, tuple[Any, ...]] = {}  # kept only for entries that are reversed later
        self.reversals: list[tuple[int, int, tuple[Any, ...]]] = []
        self.frontier = merkle.Frontier(span.offset)
        self.at_sizes: dict[int, tuple[tuple[int, bytes], ...]] = {}
        self.n_postings = 0
        self.first_leaf: int | None = None
        self.last_leaf: int | None = None

    def fail(self, check: str, seq: int | None, detail: str) -> None:
        self.fails[check].append(Finding(check, seq, detail))

    def sequence(self, leaf_seq: int) -> None:
        self.counts["log sequence"] += 1
        if self.first_leaf is None:
            self.first_leaf = leaf_seq  # its place after the span before is the parent's check
        elif self.last_leaf is not None and leaf_seq != self.last_leaf + 1:
            self.fail("log sequence", leaf_seq, f"expected record {self.last_leaf + 1}, found {leaf_seq}")
        self.last_leaf = leaf_seq

    def entry(self, leaf_seq: int) -> bytes:
        """The canonical bytes of the entry at `leaf_seq`, its postings and balance checked on the way."""
        while self.next_entry is not None and self.next_entry[0] < leaf_seq:
            self.fail("log records", self.next_entry[0], "entry has no leaf in the log")
            self.next_entry = next(self.entry_rows, None)
        if self.next_entry is None or self.next_entry[0] != leaf_seq:
            self.fail("log records", leaf_seq, "leaf of kind entry has no entry row")
            return b""
        seq, e_date, e_recorded, e_key, e_narration, e_links, e_reverses = self.next_entry
        e_recorded = self.moment(e_recorded)
        legs, sums = self.postings(seq, e_date)
        self.counts["entry balance"] += 1
        unbalanced = {c: v for c, v in sums.items() if v}
        if len(legs) < 2 or unbalanced:
            detail = (
                f"postings sum to {unbalanced} (minor units)" if unbalanced else "fewer than two postings"
            )
            self.fail("entry balance", seq, f"entry {seq} ({e_key}): {detail}")
        if seq in self.reversed_targets:
            self.legs_of[seq] = tuple(legs)
        if e_reverses is not None:
            self.reversals.append((seq, e_reverses, tuple(legs)))
        links = json.loads(e_links) if e_links != "[]" else ()
        body = canonical.entry_bytes(seq, e_date, e_recorded, e_key, e_narration, links, e_reverses, legs)
        self.next_entry = next(self.entry_rows, None)
        return body

    def postings(self, seq: int, e_date: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
        """The legs of entry `seq` (account name, currency, amount text) and its sums by currency."""
        rows, accounts, exps = self.posting_rows, self.accounts, self.exps
        running, lasts = self.running, self.lasts
        amount_text = canonical.amount_text
        nxt = self.next_posting
        while nxt is not None and nxt[0] < seq:
            self.fail("postings", nxt[0], "posting belongs to no logged entry")
            nxt = next(rows, None)
        legs: list[tuple[str, str, str]] = []
        sums: dict[str, int] = {}
        # The hot loop: one pass per posting, tuple access only; details are built only on failure.
        while nxt is not None and nxt[0] == seq:
            _, line, account_id, currency, amount, p_date, after = nxt
            exp = exps.get(currency)
            if exp is None:
                exp = exps[currency] = exponent(currency)
            acct = accounts.get(account_id)
            name = acct[0] if acct else f"#{account_id}"
            legs.append((name, currency, amount_text(amount, currency, exp)))
            sums[currency] = sums.get(currency, 0) + amount
            if (
                p_date != e_date
                or acct is None
                or (acct[1] is not None and currency not in acct[1])
                or p_date < acct[2]
                or (acct[3] is not None and p_date >= acct[3])
                or amount == 0
            ):
                self.posting_problems(seq, e_date, nxt, acct, name)
            # Each stored running balance must be the one before it plus the amount; a break is reported
            # once, and the stored figure carries on (so the next line is judged on its own).
            key = (account_id, currency)
            before = running.get(key)
            running[key] = after
            lasts[key] = seq
            if before is None:
                self.firsts.append((seq, line, key, amount, after, name))  # the balance before: the parent's
            elif before + amount != after:
                self.balance_break(seq, line, name, currency, after, before + amount)
            nxt = next(rows, None)
        self.n_postings += len(legs)
        self.next_posting = nxt
        return legs, sums

    def posting_problems(
        self, seq: int, e_date: str, row: tuple[Any, ...], acct: tuple[Any, ...] | None, name: str
    ) -> None:
        """The findings of a posting that failed one of the hot loop's tests, in their usual order."""
        _, line, account_id, currency, amount, p_date, _after = row
        if p_date != e_date:
            self.fail("postings", seq, f"line {line}: dated {p_date}, entry dated {e_date}")
        if acct is None:
            self.fail("postings", seq, f"line {line}: unknown account id {account_id}")
        else:
            if acct[1] is not None and currency not in acct[1]:
                self.fail("postings", seq, f"line {line}: {currency} not allowed in {name}")
            if p_date < acct[2] or (acct[3] is not None and p_date >= acct[3]):
                self.fail("postings", seq, f"line {line}: {name} not open on {p_date}")
        if amount == 0:
            self.fail("postings", seq, f"line {line}: zero amount")

    def balance_break(self, seq: int, line: int, name: str, currency: str, after: int, now: int) -> None:
        detail = f"line {line}: {name} {currency} stored balance {after}, recomputed {now} (minor units)"
        self.balance_breaks.append((seq, line, Finding("running balances", seq, detail)))

    def event(self, leaf_seq: int) -> bytes:
        """The canonical bytes of the event at `leaf_seq`."""
        while self.next_event is not None and self.next_event[0] < leaf_seq:
            self.fail("log records", self.next_event[0], "event has no leaf in the log")
            self.next_event = next(self.event_rows, None)
        ev = self.next_event
        if ev is None or ev[0] != leaf_seq:
            self.fail("log records", leaf_seq, "leaf of kind event has no event row")
            return b""
        self.counts["events"] += 1
        self.next_event = next(self.event_rows, None)
        seq, recorded_at, actor, action, subject, data = ev
        return canonical.event_bytes(seq, self.moment(recorded_at), actor, action, subject, json.loads(data))

    def hashed(self, leaf_seq: int, body: bytes, stored_hash: bytes) -> None:
        h = canonical.leaf_hash(body)
        self.counts["leaf hashes"] += 1
        if h != bytes(stored_hash):
            detail = f"record {leaf_seq}: stored leaf hash differs from its recomputed canonical bytes"
            self.fail("leaf hashes", leaf_seq, detail)
        # The recomputed hash goes into the tree: an edit caught nowhere else still breaks the signed roots.
        self.frontier.append(h)
        if self.frontier.size in self.sizes:
            self.at_sizes[self.frontier.size] = self.frontier.nodes

    def part(self) -> Part:
        """The span's outcome, once every leaf is walked: rows left over have no leaf."""
        self.counts["postings"] = self.n_postings
        entries = self.entry_rows if self.next_entry is None else [self.next_entry, *self.entry_rows]
        for extra in entries:
            self.fail("log records", extra[0], "entry has no leaf in the log")
        events = self.event_rows if self.next_event is None else [self.next_event, *self.event_rows]
        for extra in events:
            self.fail("log records", extra[0], "event has no leaf in the log")
        # Postings of no entry after the span's last entry: an entry further on reports them (the parent
        # knows if there is one).
        postings = self.posting_rows if self.next_posting is None else [self.next_posting, *self.posting_rows]
        orphans = [Finding("postings", extra[0], "posting belongs to no logged entry") for extra in postings]
        return Part(
            dict(self.fails),
            dict(self.counts),
            self.balance_breaks,
            self.firsts,
            self.running,
            self.lasts,
            self.first_leaf,
            self.last_leaf,
            self.legs_of,
            self.reversals,
            self.frontier.nodes,
            self.at_sizes,
            self.n_postings,
            orphans,
        )
