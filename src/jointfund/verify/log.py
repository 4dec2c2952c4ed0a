"""The log family: sequence, records, entry balance, postings, running balances, account heads, reversals,
events, leaf hashes and checkpoints, recomputed from the stored rows of the log.

The log is cut into spans (`scan`), scanned here or in forked workers, and the spans' parts are joined
in log order: the checks that cross a span's start are finished here.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from sqlalchemy import Connection, func, select

from jointfund.findings import CheckResult, Finding, in_log_order
from jointfund.fund import FundInfo
from jointfund.ledger import merkle
from jointfund.ledger.log import checkpoints, partner_keys
from jointfund.store import db, snapshots
from jointfund.store import tables as t
from jointfund.verify.checkpoints import check_checkpoint
from jointfund.verify.scan import Context, Part, Progress, Span, scan

# Below this many log records one process verifies the whole log: starting workers costs more than it saves.
PARALLEL_MIN_RECORDS = 50_000
ORDER = (
    "log sequence",
    "log records",
    "entry balance",
    "postings",
    "running balances",
    "account heads",
    "reversals",
    "events",
    "leaf hashes",
    "checkpoints",
)


class _Joined:
    """The spans' parts joined in log order: findings and counts by check, and the tree so far."""

    def __init__(self) -> None:
        self.fails: dict[str, list[Finding]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.carried: dict[tuple[int, str], int] = {}  # stored running balance after the spans so far
        self.lasts: dict[tuple[int, str], int] = {}  # the entry of each key's last posting so far
        self.last_leaf = 0
        self.frontier = merkle.Frontier()
        self.roots: dict[int, bytes] = {}
        self.legs_of: dict[int, tuple[Any, ...]] = {}

    def add(self, part: Part, later: list[Part]) -> None:
        if any(p.counts.get("entry balance") for p in later):
            self.fails["postings"].extend(part.orphans)
        if part.first_leaf is not None and part.first_leaf != self.last_leaf + 1:
            detail = f"expected record {self.last_leaf + 1}, found {part.first_leaf}"
            self.fails["log sequence"].append(Finding("log sequence", part.first_leaf, detail))
        for name, found in part.fails.items():
            self.fails[name].extend(found)
        for name, n in part.counts.items():
            self.counts[name] += n
        self._balances(part)
        self.last_leaf = part.last_leaf if part.last_leaf is not None else self.last_leaf
        for size, nodes in part.at_sizes.items():
            prefix = self.frontier.copy()
            prefix.extend(nodes)
            self.roots[size] = prefix.root()
        self.frontier.extend(part.nodes)
        self._reversals(part)

    def _balances(self, part: Part) -> None:
        """The first running balance of each key in the span, from where the spans before left it."""
        breaks = list(part.balance_breaks)
        for seq, line, key, amount, after, name in part.firsts:
            now = self.carried.get(key, 0) + amount
            if now != after:
                detail = (
                    f"line {line}: {name} {key[1]} stored balance {after}, recomputed {now} (minor units)"
                )
                breaks.append((seq, line, Finding("running balances", seq, detail)))
        self.fails["running balances"].extend(f for _, _, f in sorted(breaks, key=lambda b: (b[0], b[1])))
        self.carried.update(part.ends)
        self.lasts.update(part.lasts)

    def _reversals(self, part: Part) -> None:
        """Reversals in log order: the reversed entry must come earlier (its legs are known by then)."""
        self.legs_of.update(part.legs_of)
        for seq, target_seq, legs in part.reversals:
            self.counts["reversals"] += 1
            target = self.legs_of.get(target_seq) if target_seq < seq else None
            negated = tuple((a, c, m[1:] if m.startswith("-") else "-" + m) for a, c, m in legs)
            if target is None or sorted(target) != sorted(negated):
                self.fails["reversals"].append(
                    Finding("reversals", seq, f"does not exactly undo entry {target_seq}")
                )


def check_log(
    conn: Connection,
    fund: FundInfo,
    progress: Progress,
    workers: int | None,
    meanwhile: Callable[[], list[CheckResult]] = list,
) -> tuple[list[CheckResult], list[CheckResult]]:
    """Every check of the log, one result per name of ORDER; and what `meanwhile` returns, which runs in
    this process and transaction while workers scan the log (the other families' checks, in `verify.run`),
    or after the scan where there are no workers."""
    snapshots.iso_dates(conn)  # dates read as text must be YYYY-MM-DD (iso)
    cps = sorted(checkpoints(conn, fund.id), key=lambda c: c[1].tree_size)
    keys = partner_keys(conn)
    context = _context(conn, frozenset(cp.tree_size for _, cp in cps))
    count, top = conn.execute(select(func.count(), func.coalesce(func.max(t.leaf.c.seq), 0))).one()
    spans = _spans(conn, count, top, _workers(conn, count, workers))
    parts, others = _scan_spans(conn, spans, context, progress, meanwhile)
    joined = _Joined()
    for i, part in enumerate(parts):
        joined.add(part, parts[i + 1 :])
    fails, counts = joined.fails, joined.counts
    counts["running balances"] = counts["postings"]
    fails["account heads"], counts["account heads"] = _heads(conn, joined, context)
    # Rows past the last leaf have no place in the log (read in this transaction's snapshot).
    for table, what in ((t.entry, "entry"), (t.event, "event")):
        for (seq,) in conn.execute(select(table.c.seq).where(table.c.seq > top).order_by(table.c.seq)):
            fails["log records"].append(Finding("log records", seq, f"{what} has no leaf in the log"))
    _checkpoints(cps, joined, keys)
    # Findings in log order within each check, however the log was split (the sort is stable).
    return [CheckResult(name, counts[name], in_log_order(fails[name])) for name in ORDER], others


def _heads(conn: Connection, joined: _Joined, context: Context) -> tuple[list[Finding], int]:
    """Where each running balance stands (account_head, what the next posting builds on) against the scan:
    the stored balance after the key's last posting, and that posting's entry. The running-balance check
    holds each stored balance to the one before it plus the amount, from zero, so together they hold each
    head to the sum of its postings, without a second pass over the postings."""
    h = t.account_head.c
    heads = {
        (a, c): (int(b), int(s))
        for a, c, b, s in conn.execute(select(h.account_id, h.currency, h.balance_minor, h.last_seq))
    }
    said = {key: (joined.carried[key], seq) for key, seq in joined.lasts.items()}
    findings = []
    for key in sorted(set(said) | set(heads)):
        found, head = said.get(key), heads.get(key)
        if found != head:
            name = context.accounts[key[0]][0] if key[0] in context.accounts else f"#{key[0]}"
            detail = (
                f"{name} {key[1]}: head says {head or 'nothing'}, the postings say {found or 'nothing'} "
                "(balance in minor units, last entry)"
            )
            findings.append(Finding("account heads", max(x[1] for x in (found, head) if x), detail))
    return findings, len(said)


def _context(conn: Connection, sizes: frozenset[int]) -> Context:
    closures = {r.account_id: r.closed for r in conn.execute(select(t.account_closure))}
    accounts = {
        r.id: (
            r.name,
            frozenset(r.currencies.split(",")) if r.currencies else None,
            r.opened.isoformat(),
            closures[r.id].isoformat() if r.id in closures else None,
        )
        for r in conn.execute(select(t.account))
    }
    reversed_targets = frozenset(
        r for (r,) in conn.execute(select(t.entry.c.reverses).where(t.entry.c.reverses.isnot(None)))
    )
    return Context(accounts, reversed_targets, sizes)


def _checkpoints(cps: list[Any], joined: _Joined, keys: dict[str, tuple[str, str]]) -> None:
    """Checkpoints in order of size; as when streaming, one whose size the log never reaches stops the
    rest."""
    fails, counts = joined.fails, joined.counts
    done = 0
    for item in cps:
        if item[1].tree_size not in joined.roots:
            break
        check_checkpoint(item, joined.roots[item[1].tree_size], keys, fails, counts)
        done += 1
    for cp_id, cp in cps[done:]:
        counts["checkpoints"] += 1
        detail = (
            f"checkpoint {cp_id} ({cp.partner}) claims {cp.tree_size} records; "
            f"the log has {joined.frontier.size}"
        )
        fails["checkpoints"].append(Finding("checkpoints", None, detail))


def _workers(conn: Connection, records: int, asked: int | None) -> int:
    """How many processes scan the log: one per core for a large log in a file or server database."""
    if asked is not None:
        return max(1, asked)
    if records < PARALLEL_MIN_RECORDS or conn.engine.url.database in (None, "", ":memory:"):
        return 1
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1  # forking a process that runs other threads is not safe; starting fresh ones costs too much
    return min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)


def _spans(conn: Connection, count: int, top: int, workers: int) -> list[Span]:
    """`workers` ranges of about equal numbers of leaves, covering sequence numbers 0..top."""
    bounds = [0]
    offsets = [0]
    for k in range(1, workers if count >= workers else 1):
        offset = count * k // workers
        seq = conn.execute(select(t.leaf.c.seq).order_by(t.leaf.c.seq).offset(offset).limit(1)).scalar_one()
        if seq > bounds[-1]:
            bounds.append(seq)
            offsets.append(offset)
    bounds.append(top + 1)
    return [Span(bounds[i], bounds[i + 1], offsets[i], i == len(offsets) - 1) for i in range(len(offsets))]


def _scan_spans(
    conn: Connection,
    spans: list[Span],
    context: Context,
    progress: Progress,
    meanwhile: Callable[[], list[CheckResult]],
) -> tuple[list[Part], list[CheckResult]]:
    """Scan the spans in forked workers, each in its own connection, while this process runs `meanwhile`;
    with one span, scan it here and run `meanwhile` after.

    On PostgreSQL every worker reads this transaction's exported snapshot, so all see the same
    book. SQLite has no shared snapshots: the workers read only sequence numbers up to the last
    leaf this transaction sees, which the append-only guards keep as they were.

    Every span goes to a worker, so that the other families' checks (a third to a half of verify's work on
    a large book, and all of it in this process's transaction) overlap the scan instead of following it.
    The workers count the records they have hashed in a shared counter, which this process hands on to
    `progress` between its own checks and while it waits.
    """
    if len(spans) == 1:
        return [scan(conn, spans[0], context, progress)], meanwhile()
    snapshot = snapshots.export(conn)
    url = conn.engine.url.render_as_string(hide_password=False)
    forked = multiprocessing.get_context("fork")
    done = forked.Value("q", 0)
    with ProcessPoolExecutor(
        max_workers=len(spans), mp_context=forked, initializer=_count_into, initargs=(done,)
    ) as pool:
        futures = [pool.submit(_scan_elsewhere, url, snapshot, span, context) for span in spans]
        # The workers are forked by now (a fork pool starts them all at the first submit), so a thread
        # may hand their count on to the bar while this one checks.
        finished = threading.Event()
        watcher = threading.Thread(target=_watch, args=(done, progress, finished), daemon=True)
        watcher.start()
        try:
            others = meanwhile()
            parts = [future.result() for future in futures]
        finally:
            finished.set()
            watcher.join()
    return parts, others


def _watch(done: Synchronized[int], progress: Progress, finished: threading.Event) -> None:
    """Hand the workers' count of scanned records on to `progress` until `finished`."""
    shown = 0
    while not finished.wait(0.25) or done.value > shown:
        now = done.value
        if progress and now > shown:
            progress(now - shown)
        shown = now


_counter: Synchronized[int] | None = None  # a worker's count of records scanned, shared with the parent


def _count_into(counter: Synchronized[int]) -> None:
    """A worker's initializer: where its scan counts its records (inherited through fork, not pickled)."""
    global _counter
    _counter = counter


def _counted(n: int) -> None:
    if _counter is not None:
        with _counter.get_lock():
            _counter.value += n


def _scan_elsewhere(url: str, snapshot: str | None, span: Span, context: Context) -> Part:
    """A worker's scan of one span, in a connection of its own (on the parent's snapshot on PostgreSQL)."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            snapshots.join(conn, snapshot)
            return scan(conn, span, context, _counted)
    finally:
        engine.dispose()
