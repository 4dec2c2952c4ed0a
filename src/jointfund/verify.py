"""`jointfund verify`: recompute everything the book claims and report what holds.

It reads the stored rows only, trusting no stored derived figure: each entry must
balance, every running balance is recomputed, every leaf hash is rebuilt from the
canonical bytes, the Merkle root at each signed checkpoint is recomputed and each
signature checked against the partner's registered key. The first failure is named.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import chain
from typing import NamedTuple

from sqlalchemy import Connection, Engine, String, cast, func, select

from jointfund.fund import FundInfo, load
from jointfund.ledger import canonical, merkle
from jointfund.ledger.checkpoint import load_public, signature_valid
from jointfund.ledger.log import checkpoints, partner_keys
from jointfund.ledger.trust import Trust, anchor_problems
from jointfund.money import exponent
from jointfund.store import db, guards
from jointfund.store import tables as t

STREAM_ROWS = 20_000


class Finding(NamedTuple):
    """One failed check: which, where (log position when there is one) and what was found."""

    check: str
    seq: int | None
    detail: str


class CheckResult(NamedTuple):
    check: str
    checked: int
    failures: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


class Report(NamedTuple):
    """The checks' results; `warnings` say what is sound but unprotected (unsigned records); `anchored` is
    whether the checks started from keys the verifier trusts (--trust) rather than from the database alone."""

    results: tuple[CheckResult, ...]
    warnings: tuple[str, ...] = ()
    anchored: bool = False

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def first_failure(self) -> Finding | None:
        failures = [f for r in self.results for f in r.failures]
        return min(failures, key=lambda f: (f.seq is None, f.seq or 0)) if failures else None


# A domain adds its own checks here (contributions against the ledger, votes against rules...).
DomainCheck = Callable[[Connection, FundInfo], tuple[str, int, list[Finding]]]
DOMAIN_CHECKS: list[DomainCheck] = []


def verify(
    engine: Engine,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    trust: Trust | None = None,
) -> Report:
    """Check the whole book; `workers` processes scan the log (default: one per core for a large log).
    With `trust` (keys and a checkpoint obtained out of band), the book is also checked against them."""
    with db.transaction(engine) as conn:
        if not db.is_sqlite(engine):
            # One snapshot for the whole run, so concurrent writers cannot make it see half an entry.
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        fund = load(conn)
        results = list(_verify_log(conn, fund, progress, workers))
        for check in DOMAIN_CHECKS:
            name, checked, failures = check(conn, fund)
            results.append(CheckResult(name, checked, tuple(failures)))
        lost = guards.missing(conn)
        results.append(
            CheckResult(
                "database guards",
                len(guards.expected()),
                tuple(
                    Finding(
                        "database guards",
                        None,
                        f"trigger {n} is missing: rows it guards can be changed or deleted",
                    )
                    for n in lost
                ),
            )
        )
        if trust is not None:
            checked, problems = anchor_problems(conn, fund.id, trust)
            results.append(
                CheckResult(
                    "trust anchor", checked, tuple(Finding("trust anchor", s, d) for s, d in problems)
                )
            )
        warnings = _unsigned(conn, fund)
    return Report(tuple(results), warnings, trust is not None)


def _unsigned(conn: Connection, fund: FundInfo) -> tuple[str, ...]:
    """Warnings for records no checkpoint covers: they could be changed without breaking any signature."""
    size = conn.execute(select(func.coalesce(func.max(t.leaf.c.seq), 0))).scalar_one()
    signed = max((cp.tree_size for _, cp in checkpoints(conn, fund.id)), default=0)
    if size and not signed:
        return (
            f"nothing is signed: none of the {size} records is covered by a partner's checkpoint "
            "(jointfund checkpoint --partner P --key K)",
        )
    if size > signed:
        return (
            f"the newest {size - signed} record(s), {signed + 1} to {size}, are not covered by any signed checkpoint",
        )
    return ()


def _stream(conn: Connection, query) -> Iterator:  # noqa: ANN001
    return iter(conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(query))


def _raw_rows(conn: Connection, query, name: str) -> Iterator[tuple]:  # noqa: ANN001
    """Plain DBAPI tuples of a streamed query, in the connection's own transaction.

    The hot loop of verify reads a million postings, and a driver tuple costs a fraction of a
    Row. Only a query whose columns the driver returns as they are (integers, text, bytes) may be
    read this way; dates are cast to ISO text in the query. Its parameters must be integers,
    written into the statement as literals. `name` names the server-side cursor on PostgreSQL.
    """
    # Rows are handed out by chain, in C; the generator below runs once per batch, not per row.
    return chain.from_iterable(_raw_batches(conn, query, name))


def _raw_batches(conn: Connection, query, name: str) -> Iterator[list[tuple]]:  # noqa: ANN001
    params = query.compile(dialect=conn.dialect).params
    assert all(type(v) is int for v in params.values()), "a raw query takes integer parameters only"
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    driver = conn.connection.driver_connection
    # A named (server-side) cursor on PostgreSQL streams instead of loading every row at once.
    cursor = driver.cursor(name=name) if conn.dialect.name == "postgresql" else driver.cursor()
    try:
        cursor.execute(str(compiled))
        while batch := cursor.fetchmany(STREAM_ROWS):
            yield batch
    finally:
        cursor.close()


def _iso(column):  # noqa: ANN001, ANN202
    """A DATE column as YYYY-MM-DD text on both backends (verify sets DateStyle ISO on PostgreSQL)."""
    return cast(column, String)


class _Span(NamedTuple):
    """A contiguous range of the log, [lo, hi) by sequence number, that starts after `offset` leaves."""

    lo: int
    hi: int
    offset: int
    last: bool


class _Context(NamedTuple):
    """What every span's scan needs to know about the book (read once, by the parent)."""

    accounts: (
        dict  # account id -> (name, allowed currencies or None, opened, closed or None), dates as ISO text
    )
    reversed_targets: frozenset[int]
    sizes: frozenset[int]  # checkpoint tree sizes: the frontier is kept at each


class _Part(NamedTuple):
    """The outcome of one span's scan: its findings, and what the checks that cross spans need from it.

    Three checks look back past the start of a span, so a span leaves them to the parent, which
    finishes them in log order: the first leaf's place in the sequence (`first_leaf`), the running
    balance of the first posting of each account and currency (`firsts`, checked against the
    stored balance the spans before leave, `ends`), and reversals (`legs_of`, `reversals`).
    """

    fails: dict[str, list[Finding]]
    counts: dict[str, int]
    balance_breaks: list[tuple[int, int, Finding]]  # (seq, line, finding): merged with `firsts` in line order
    firsts: list[
        tuple[int, int, tuple[int, str], int, int, str]
    ]  # seq, line, key, amount, stored after, name
    ends: dict[tuple[int, str], int]
    first_leaf: int | None
    last_leaf: int | None
    legs_of: dict[int, tuple]
    reversals: list[tuple[int, int, tuple]]  # (seq, reversed seq, legs)
    nodes: tuple[tuple[int, bytes], ...]
    at_sizes: dict[int, tuple[tuple[int, bytes], ...]]
    postings: int
    orphans: list[Finding]  # postings of no entry after the span's last entry


# Below this many log records one process verifies the whole log: starting workers costs more than it saves.
PARALLEL_MIN_RECORDS = 50_000


def _verify_log(conn: Connection, fund: FundInfo, progress, workers: int | None) -> list[CheckResult]:  # noqa: ANN001
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL DateStyle = 'ISO'")  # dates read as text must be YYYY-MM-DD (_iso)
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
    cps = sorted(checkpoints(conn, fund.id), key=lambda c: c[1].tree_size)
    keys = partner_keys(conn)
    reversed_targets = frozenset(
        r for (r,) in conn.execute(select(t.entry.c.reverses).where(t.entry.c.reverses.isnot(None)))
    )
    context = _Context(accounts, reversed_targets, frozenset(cp.tree_size for _, cp in cps))
    count, top = conn.execute(select(func.count(), func.coalesce(func.max(t.leaf.c.seq), 0))).one()
    spans = _spans(conn, count, top, _workers(conn, count, workers))
    parts = _scan_spans(conn, spans, context, progress)

    fails: dict[str, list[Finding]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    carried: dict[tuple[int, str], int] = {}  # stored running balance after the spans so far
    last_leaf = 0
    frontier = merkle.Frontier()
    roots: dict[int, bytes] = {}
    legs_of: dict[int, tuple] = {}
    for i, part in enumerate(parts):
        if any(later.counts.get("entry balance") for later in parts[i + 1 :]):
            fails["postings"].extend(part.orphans)
        if part.first_leaf is not None and part.first_leaf != last_leaf + 1:
            fails["log sequence"].append(
                Finding(
                    "log sequence",
                    part.first_leaf,
                    f"expected record {last_leaf + 1}, found {part.first_leaf}",
                )
            )
        for name, found in part.fails.items():
            fails[name].extend(found)
        for name, n in part.counts.items():
            counts[name] += n
        breaks = list(part.balance_breaks)
        for seq, line, key, amount, after, name in part.firsts:
            now = carried.get(key, 0) + amount
            if now != after:
                breaks.append(
                    (
                        seq,
                        line,
                        Finding(
                            "running balances",
                            seq,
                            f"line {line}: {name} {key[1]} stored balance {after}, recomputed {now} (minor units)",
                        ),
                    )
                )
        fails["running balances"].extend(f for _, _, f in sorted(breaks, key=lambda b: (b[0], b[1])))
        carried.update(part.ends)
        last_leaf = part.last_leaf if part.last_leaf is not None else last_leaf
        for size, nodes in part.at_sizes.items():
            prefix = frontier.copy()
            prefix.extend(nodes)
            roots[size] = prefix.root()
        frontier.extend(part.nodes)
        # Reversals in log order: the reversed entry must come earlier (its legs are known by then).
        legs_of.update(part.legs_of)
        for seq, target_seq, legs in part.reversals:
            counts["reversals"] += 1
            target = legs_of.get(target_seq) if target_seq < seq else None
            negated = tuple((a, c, m[1:] if m.startswith("-") else "-" + m) for a, c, m in legs)
            if target is None or sorted(target) != sorted(negated):
                fails["reversals"].append(
                    Finding("reversals", seq, f"does not exactly undo entry {target_seq}")
                )
    counts["running balances"] = counts["postings"]
    # Rows past the last leaf have no place in the log (read in this transaction's snapshot).
    for (seq,) in conn.execute(select(t.entry.c.seq).where(t.entry.c.seq > top).order_by(t.entry.c.seq)):
        fails["log records"].append(Finding("log records", seq, "entry has no leaf in the log"))
    for (seq,) in conn.execute(select(t.event.c.seq).where(t.event.c.seq > top).order_by(t.event.c.seq)):
        fails["log records"].append(Finding("log records", seq, "event has no leaf in the log"))
    # Checkpoints in order of size; as when streaming, one whose size the log never reaches stops the rest.
    done = 0
    for item in cps:
        if item[1].tree_size not in roots:
            break
        _check_checkpoint(item, roots[item[1].tree_size], keys, fails, counts)
        done += 1
    for cp_id, cp in cps[done:]:
        counts["checkpoints"] += 1
        fails["checkpoints"].append(
            Finding(
                "checkpoints",
                None,
                f"checkpoint {cp_id} ({cp.partner}) claims {cp.tree_size} records; the log has {frontier.size}",
            )
        )
    order = [
        "log sequence",
        "log records",
        "entry balance",
        "postings",
        "running balances",
        "reversals",
        "events",
        "leaf hashes",
        "checkpoints",
    ]
    # Findings in log order within each check, however the log was split (the sort is stable).
    return [
        CheckResult(name, counts[name], tuple(sorted(fails[name], key=lambda f: (f.seq is None, f.seq or 0))))
        for name in order
    ]


def _workers(conn: Connection, records: int, asked: int | None) -> int:
    """How many processes scan the log: one per core for a large log in a file or server database."""
    if asked is not None:
        return max(1, asked)
    if records < PARALLEL_MIN_RECORDS or conn.engine.url.database in (None, "", ":memory:"):
        return 1
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1  # forking a process that runs other threads is not safe; starting fresh ones costs too much
    return min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)


def _spans(conn: Connection, count: int, top: int, workers: int) -> list[_Span]:
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
    return [_Span(bounds[i], bounds[i + 1], offsets[i], i == len(offsets) - 1) for i in range(len(offsets))]


def _scan_spans(conn: Connection, spans: list[_Span], context: _Context, progress) -> list[_Part]:  # noqa: ANN001
    """Scan the first span here and the others in forked workers, each in its own connection.

    On PostgreSQL every worker reads this transaction's exported snapshot, so all see the same
    book. SQLite has no shared snapshots: the workers read only sequence numbers up to the last
    leaf this transaction sees, which the append-only guards keep as they were.
    """
    if len(spans) == 1:
        return [_scan(conn, spans[0], context, progress)]
    snapshot = (
        conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        if conn.dialect.name == "postgresql"
        else None
    )
    url = conn.engine.url.render_as_string(hide_password=False)
    forked = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(spans) - 1, mp_context=forked) as pool:
        later = [pool.submit(_scan_elsewhere, url, snapshot, span, context) for span in spans[1:]]
        parts = [_scan(conn, spans[0], context, progress)]
        for future in later:
            parts.append(future.result())
            if progress:
                progress(parts[-1].counts.get("leaf hashes", 0))
    return parts


def _scan_elsewhere(url: str, snapshot: str | None, span: _Span, context: _Context) -> _Part:
    """A worker's scan of one span, in a connection of its own (on the parent's snapshot on PostgreSQL)."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            if snapshot is not None:
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                conn.exec_driver_sql("SET LOCAL DateStyle = 'ISO'")
            return _scan(conn, span, context, None)
    finally:
        engine.dispose()


def _scan(conn: Connection, span: _Span, context: _Context, progress) -> _Part:  # noqa: ANN001, C901
    """Every check of the records with sequence numbers in the span that needs nothing from before it."""
    accounts, reversed_targets, sizes = context
    lo, hi = span.lo, span.hi
    fails: dict[str, list[Finding]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    exps: dict[str, int] = {}

    leaves = _raw_rows(
        conn,
        select(t.leaf.c.seq, t.leaf.c.kind, t.leaf.c.hash)
        .where(t.leaf.c.seq >= lo, t.leaf.c.seq < hi)
        .order_by(t.leaf.c.seq),
        "jf_verify_leaves",
    )
    entry_rows = _stream(
        conn,
        select(
            t.entry.c.seq,
            _iso(t.entry.c.date),
            t.entry.c.recorded_at,
            t.entry.c.key,
            t.entry.c.narration,
            t.entry.c.links,
            t.entry.c.reverses,
        )
        .where(t.entry.c.seq >= lo, t.entry.c.seq < hi)
        .order_by(t.entry.c.seq),
    )
    posting_rows = _raw_rows(
        conn,
        select(
            t.posting.c.entry_seq,
            t.posting.c.line,
            t.posting.c.account_id,
            t.posting.c.currency,
            t.posting.c.amount_minor,
            _iso(t.posting.c.date),
            t.posting.c.balance_after_minor,
        )
        .where(t.posting.c.entry_seq >= lo, t.posting.c.entry_seq < hi)
        .order_by(t.posting.c.entry_seq, t.posting.c.line),
        "jf_verify_postings",
    )
    event_rows = _stream(
        conn, select(t.event).where(t.event.c.seq >= lo, t.event.c.seq < hi).order_by(t.event.c.seq)
    )

    next_entry = next(entry_rows, None)
    next_event = next(event_rows, None)
    next_posting = next(posting_rows, None)
    running: dict[tuple[int, str], int] = {}  # the stored balance after each key's latest posting in the span
    balance_breaks: list[tuple[int, int, Finding]] = []
    firsts: list[tuple] = []
    legs_of: dict[int, tuple] = {}  # kept only for entries that are reversed later
    reversals: list[tuple[int, int, tuple]] = []
    frontier = merkle.Frontier(span.offset)
    at_sizes: dict[int, tuple] = {}
    amount_text, entry_bytes, leaf_hash = canonical.amount_text, canonical.entry_bytes, canonical.leaf_hash
    n_postings = 0
    first_leaf = last_leaf = None
    for leaf_seq, kind, stored_hash in leaves:
        counts["log sequence"] += 1
        if first_leaf is None:
            first_leaf = leaf_seq  # its place after the span before is the parent's check
        elif leaf_seq != last_leaf + 1:
            fails["log sequence"].append(
                Finding("log sequence", leaf_seq, f"expected record {last_leaf + 1}, found {leaf_seq}")
            )
        last_leaf = leaf_seq
        if kind == "entry":
            while next_entry is not None and next_entry[0] < leaf_seq:
                fails["log records"].append(
                    Finding("log records", next_entry[0], "entry has no leaf in the log")
                )
                next_entry = next(entry_rows, None)
            if next_entry is None or next_entry[0] != leaf_seq:
                fails["log records"].append(
                    Finding("log records", leaf_seq, "leaf of kind entry has no entry row")
                )
                body = b""
            else:
                seq, e_date, e_recorded, e_key, e_narration, e_links, e_reverses = next_entry
                legs = []
                sums: dict[str, int] = {}
                while next_posting is not None and next_posting[0] < seq:
                    fails["postings"].append(
                        Finding("postings", next_posting[0], "posting belongs to no logged entry")
                    )
                    next_posting = next(posting_rows, None)
                # The hot loop: one pass per posting, tuple access only; details are built only on failure.
                while next_posting is not None and next_posting[0] == seq:
                    _, line, account_id, currency, amount, p_date, after = next_posting
                    exp = exps.get(currency)
                    if exp is None:
                        exp = exps[currency] = exponent(currency)
                    acct = accounts.get(account_id)
                    name = acct[0] if acct else f"#{account_id}"
                    legs.append((name, currency, amount_text(amount, currency, exp)))
                    sums[currency] = sums.get(currency, 0) + amount
                    n_postings += 1
                    if p_date != e_date:
                        fails["postings"].append(
                            Finding("postings", seq, f"line {line}: dated {p_date}, entry dated {e_date}")
                        )
                    if acct is None:
                        fails["postings"].append(
                            Finding("postings", seq, f"line {line}: unknown account id {account_id}")
                        )
                    else:
                        if acct[1] is not None and currency not in acct[1]:
                            fails["postings"].append(
                                Finding("postings", seq, f"line {line}: {currency} not allowed in {name}")
                            )
                        if p_date < acct[2] or (acct[3] is not None and p_date >= acct[3]):
                            fails["postings"].append(
                                Finding("postings", seq, f"line {line}: {name} not open on {p_date}")
                            )
                    if amount == 0:
                        fails["postings"].append(Finding("postings", seq, f"line {line}: zero amount"))
                    # Each stored running balance must be the one before it plus the amount; a break is
                    # reported once, and the stored figure carries on (so the next line is judged on its own).
                    key = (account_id, currency)
                    before = running.get(key)
                    running[key] = after
                    if before is None:
                        firsts.append(
                            (seq, line, key, amount, after, name)
                        )  # the balance before is the parent's
                    elif before + amount != after:
                        balance_breaks.append(
                            (
                                seq,
                                line,
                                Finding(
                                    "running balances",
                                    seq,
                                    f"line {line}: {name} {currency} stored balance {after}, recomputed {before + amount} (minor units)",
                                ),
                            )
                        )
                    next_posting = next(posting_rows, None)
                counts["entry balance"] += 1
                unbalanced = {c: v for c, v in sums.items() if v}
                if len(legs) < 2 or unbalanced:
                    detail = (
                        f"postings sum to {unbalanced} (minor units)"
                        if unbalanced
                        else "fewer than two postings"
                    )
                    fails["entry balance"].append(
                        Finding("entry balance", seq, f"entry {seq} ({e_key}): {detail}")
                    )
                if seq in reversed_targets:
                    legs_of[seq] = tuple(legs)
                if e_reverses is not None:
                    reversals.append((seq, e_reverses, tuple(legs)))
                links = json.loads(e_links) if e_links != "[]" else ()
                body = entry_bytes(seq, e_date, e_recorded, e_key, e_narration, links, e_reverses, legs)
                next_entry = next(entry_rows, None)
        else:
            while next_event is not None and next_event.seq < leaf_seq:
                fails["log records"].append(
                    Finding("log records", next_event.seq, "event has no leaf in the log")
                )
                next_event = next(event_rows, None)
            if next_event is None or next_event.seq != leaf_seq:
                fails["log records"].append(
                    Finding("log records", leaf_seq, "leaf of kind event has no event row")
                )
                body = b""
            else:
                ev = next_event
                body = canonical.event_bytes(
                    ev.seq, ev.recorded_at, ev.actor, ev.action, ev.subject, json.loads(ev.data)
                )
                counts["events"] += 1
                next_event = next(event_rows, None)
        h = leaf_hash(body)
        counts["leaf hashes"] += 1
        if h != bytes(stored_hash):
            fails["leaf hashes"].append(
                Finding(
                    "leaf hashes",
                    leaf_seq,
                    f"record {leaf_seq}: stored leaf hash differs from its recomputed canonical bytes",
                )
            )
        # The recomputed hash goes into the tree, so an edit caught nowhere else still breaks the signed
        # roots.
        frontier.append(h)
        if frontier.size in sizes:
            at_sizes[frontier.size] = frontier.nodes
        if progress and leaf_seq % 10_000 == 0:
            progress(10_000)
    counts["postings"] = n_postings
    for extra in entry_rows if next_entry is None else [next_entry, *entry_rows]:
        fails["log records"].append(Finding("log records", extra[0], "entry has no leaf in the log"))
    for extra in event_rows if next_event is None else [next_event, *event_rows]:
        fails["log records"].append(Finding("log records", extra.seq, "event has no leaf in the log"))
    # Postings of no entry after the span's last entry: an entry further on reports them (the parent knows if
    # there is one).
    orphans = [
        Finding("postings", extra[0], "posting belongs to no logged entry")
        for extra in (posting_rows if next_posting is None else [next_posting, *posting_rows])
    ]
    return _Part(
        dict(fails),
        dict(counts),
        balance_breaks,
        firsts,
        running,
        first_leaf,
        last_leaf,
        legs_of,
        reversals,
        frontier.nodes,
        at_sizes,
        n_postings,
        orphans,
    )


def _check_checkpoint(item, computed_root: bytes, keys, fails, counts) -> None:  # noqa: ANN001
    cp_id, cp = item
    counts["checkpoints"] += 1
    where = f"checkpoint {cp_id} ({cp.partner}, size {cp.tree_size})"
    if cp.root_hex != computed_root.hex():
        fails["checkpoints"].append(
            Finding(
                "checkpoints",
                cp.tree_size,
                f"{where}: signed root {cp.root_hex[:16]}… differs from the recomputed root {computed_root.hex()[:16]}…",
            )
        )
    registered = keys.get(cp.key_id)
    if registered is None or registered[0] != cp.partner:
        fails["checkpoints"].append(
            Finding(
                "checkpoints",
                cp.tree_size,
                f"{where}: key {cp.key_id} is not a registered key of {cp.partner}",
            )
        )
    elif not signature_valid(cp, load_public(registered[1].encode(), "partner_key")):
        fails["checkpoints"].append(
            Finding("checkpoints", cp.tree_size, f"{where}: signature does not verify with key {cp.key_id}")
        )


# The registration order is the order of the report's checks: keep it.
# isort: off
from jointfund.governance import checks as _governance_checks  # noqa: E402,F401 registers its checks
from jointfund.revenue import checks as _revenue_checks  # noqa: E402,F401 registers its checks
from jointfund.portfolio import checks as _portfolio_checks  # noqa: E402,F401 registers its checks
from jointfund.ledger import checks as _ledger_checks  # noqa: E402,F401 registers its checks
from jointfund.accounting import checks as _accounting_checks  # noqa: E402,F401 registers its checks
from jointfund import dating as _dating_checks  # noqa: E402,F401 registers its checks
from jointfund.reports import checks as _reports_checks  # noqa: E402,F401 registers its checks
from jointfund.budget import checks as _budget_checks  # noqa: E402,F401 registers its checks
from jointfund.commitments import checks as _commitments_checks  # noqa: E402,F401 registers its checks
# isort: on
