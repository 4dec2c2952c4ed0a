"""`jointfund verify`: recompute everything the book claims and report what holds.

It reads the stored rows only, trusting no stored derived figure: each entry must
balance, every running balance is recomputed, every leaf hash is rebuilt from the
canonical bytes, the Merkle root at each signed checkpoint is recomputed and each
signature checked against the partner's registered key. The first failure is named.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import NamedTuple

from sqlalchemy import Connection, Engine, select

from jointfund.fund import FundInfo, load
from jointfund.ledger import canonical, merkle
from jointfund.ledger.checkpoint import load_public, signature_valid
from jointfund.ledger.log import checkpoints, partner_keys
from jointfund.money import exponent
from jointfund.store import db
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
    results: tuple[CheckResult, ...]

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


def verify(engine: Engine, progress: Callable[[int], None] | None = None) -> Report:
    with db.transaction(engine) as conn:
        if not db.is_sqlite(engine):
            # One snapshot for the whole run, so concurrent writers cannot make it see half an entry.
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        fund = load(conn)
        results = list(_verify_log(conn, fund, progress))
        for check in DOMAIN_CHECKS:
            name, checked, failures = check(conn, fund)
            results.append(CheckResult(name, checked, tuple(failures)))
    return Report(tuple(results))


def _stream(conn: Connection, query) -> Iterator:  # noqa: ANN001
    return iter(conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(query))


def _verify_log(conn: Connection, fund: FundInfo, progress) -> list[CheckResult]:  # noqa: ANN001, C901
    accounts = {r.id: r for r in conn.execute(select(t.account))}
    closures = {r.account_id: r.closed for r in conn.execute(select(t.account_closure))}
    exps: dict[str, int] = {}
    fails: dict[str, list[Finding]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)

    leaves = _stream(conn, select(t.leaf).order_by(t.leaf.c.seq))
    entry_rows = _stream(conn, select(t.entry).order_by(t.entry.c.seq))
    posting_rows = _stream(conn, select(t.posting).order_by(t.posting.c.entry_seq, t.posting.c.line))
    event_rows = _stream(conn, select(t.event).order_by(t.event.c.seq))
    cps = sorted(checkpoints(conn, fund.id), key=lambda c: c[1].tree_size)
    keys = partner_keys(conn)

    next_entry = next(entry_rows, None)
    next_event = next(event_rows, None)
    next_posting = next(posting_rows, None)
    running: dict[tuple[int, str], int] = {}
    amounts_by_seq: dict[int, tuple] = {}  # kept only for entries that are reversed later: see below
    reversed_targets = {r.reverses for r in conn.execute(select(t.entry.c.reverses).where(t.entry.c.reverses.isnot(None)))}
    frontier = merkle.Frontier()
    cp_index = 0
    expected = 1
    for lf in leaves:
        counts["log sequence"] += 1
        if lf.seq != expected:
            fails["log sequence"].append(Finding("log sequence", lf.seq, f"expected record {expected}, found {lf.seq}"))
            expected = lf.seq
        expected += 1
        if lf.kind == "entry":
            while next_entry is not None and next_entry.seq < lf.seq:
                fails["log records"].append(Finding("log records", next_entry.seq, "entry has no leaf in the log"))
                next_entry = next(entry_rows, None)
            if next_entry is None or next_entry.seq != lf.seq:
                fails["log records"].append(Finding("log records", lf.seq, "leaf of kind entry has no entry row"))
                body = b""
            else:
                e = next_entry
                legs = []
                sums: dict[str, int] = defaultdict(int)
                while next_posting is not None and next_posting.entry_seq < e.seq:
                    fails["postings"].append(Finding("postings", next_posting.entry_seq, "posting belongs to no logged entry"))
                    next_posting = next(posting_rows, None)
                while next_posting is not None and next_posting.entry_seq == e.seq:
                    p = next_posting
                    acct = accounts.get(p.account_id)
                    exp = exps.get(p.currency)
                    if exp is None:
                        exp = exps[p.currency] = exponent(p.currency)
                    name = acct.name if acct else f"#{p.account_id}"
                    legs.append((name, p.currency, canonical.amount_text(p.amount_minor, p.currency, exp)))
                    sums[p.currency] += p.amount_minor
                    counts["postings"] += 1
                    if p.date != e.date:
                        fails["postings"].append(Finding("postings", e.seq, f"line {p.line}: dated {p.date}, entry dated {e.date}"))
                    if acct is None:
                        fails["postings"].append(Finding("postings", e.seq, f"line {p.line}: unknown account id {p.account_id}"))
                    else:
                        if acct.currencies and p.currency not in acct.currencies.split(","):
                            fails["postings"].append(Finding("postings", e.seq, f"line {p.line}: {p.currency} not allowed in {name}"))
                        closed = closures.get(acct.id)
                        if p.date < acct.opened or (closed is not None and p.date >= closed):
                            fails["postings"].append(Finding("postings", e.seq, f"line {p.line}: {name} not open on {p.date}"))
                    if p.amount_minor == 0:
                        fails["postings"].append(Finding("postings", e.seq, f"line {p.line}: zero amount"))
                    key = (p.account_id, p.currency)
                    running[key] = running.get(key, 0) + p.amount_minor
                    counts["running balances"] += 1
                    if running[key] != p.balance_after_minor:
                        fails["running balances"].append(Finding(
                            "running balances", e.seq,
                            f"line {p.line}: {name} {p.currency} stored balance {p.balance_after_minor}, recomputed {running[key]} (minor units)"))
                        running[key] = p.balance_after_minor  # report each break once, not every later line
                    next_posting = next(posting_rows, None)
                counts["entry balance"] += 1
                unbalanced = {c: s for c, s in sums.items() if s}
                if len(legs) < 2 or unbalanced:
                    detail = f"postings sum to {unbalanced} (minor units)" if unbalanced else "fewer than two postings"
                    fails["entry balance"].append(Finding("entry balance", e.seq, f"entry {e.seq} ({e.key}): {detail}"))
                if e.seq in reversed_targets:
                    amounts_by_seq[e.seq] = tuple(legs)
                if e.reverses is not None:
                    counts["reversals"] += 1
                    target = amounts_by_seq.get(e.reverses)
                    negated = tuple((a, c, m[1:] if m.startswith("-") else "-" + m) for a, c, m in legs)
                    if target is None or sorted(target) != sorted(negated):
                        fails["reversals"].append(Finding("reversals", e.seq, f"does not exactly undo entry {e.reverses}"))
                body = canonical.entry_bytes(e.seq, e.date, e.recorded_at, e.key, e.narration, json.loads(e.links), e.reverses, legs)
                next_entry = next(entry_rows, None)
        else:
            while next_event is not None and next_event.seq < lf.seq:
                fails["log records"].append(Finding("log records", next_event.seq, "event has no leaf in the log"))
                next_event = next(event_rows, None)
            if next_event is None or next_event.seq != lf.seq:
                fails["log records"].append(Finding("log records", lf.seq, "leaf of kind event has no event row"))
                body = b""
            else:
                ev = next_event
                body = canonical.event_bytes(ev.seq, ev.recorded_at, ev.actor, ev.action, ev.subject, json.loads(ev.data))
                counts["events"] += 1
                next_event = next(event_rows, None)
        h = canonical.leaf_hash(body)
        counts["leaf hashes"] += 1
        if h != bytes(lf.hash):
            fails["leaf hashes"].append(Finding("leaf hashes", lf.seq, f"record {lf.seq}: stored leaf hash differs from its recomputed canonical bytes"))
        # The recomputed hash goes into the tree, so an edit caught nowhere else still breaks the signed roots.
        frontier.append(h)
        while cp_index < len(cps) and cps[cp_index][1].tree_size == frontier.size:
            _check_checkpoint(cps[cp_index], frontier.root(), keys, fails, counts)
            cp_index += 1
        if progress and lf.seq % 10_000 == 0:
            progress(10_000)
    for extra in entry_rows if next_entry is None else [next_entry, *entry_rows]:
        fails["log records"].append(Finding("log records", extra.seq, "entry has no leaf in the log"))
    for extra in event_rows if next_event is None else [next_event, *event_rows]:
        fails["log records"].append(Finding("log records", extra.seq, "event has no leaf in the log"))
    for cp_id, cp in cps[cp_index:]:
        counts["checkpoints"] += 1
        fails["checkpoints"].append(Finding("checkpoints", None, f"checkpoint {cp_id} ({cp.partner}) claims {cp.tree_size} records; the log has {frontier.size}"))
    order = ["log sequence", "log records", "entry balance", "postings", "running balances", "reversals",
             "events", "leaf hashes", "checkpoints"]
    return [CheckResult(name, counts[name], tuple(fails[name])) for name in order]


def _check_checkpoint(item, computed_root: bytes, keys, fails, counts) -> None:  # noqa: ANN001
    cp_id, cp = item
    counts["checkpoints"] += 1
    where = f"checkpoint {cp_id} ({cp.partner}, size {cp.tree_size})"
    if cp.root_hex != computed_root.hex():
        fails["checkpoints"].append(Finding("checkpoints", cp.tree_size, f"{where}: signed root {cp.root_hex[:16]}… differs from the recomputed root {computed_root.hex()[:16]}…"))
    registered = keys.get(cp.key_id)
    if registered is None or registered[0] != cp.partner:
        fails["checkpoints"].append(Finding("checkpoints", cp.tree_size, f"{where}: key {cp.key_id} is not a registered key of {cp.partner}"))
    elif not signature_valid(cp, load_public(registered[1].encode(), "partner_key")):
        fails["checkpoints"].append(Finding("checkpoints", cp.tree_size, f"{where}: signature does not verify with key {cp.key_id}"))
from jointfund.governance import checks as _governance_checks  # noqa: E402,F401 registers its checks
from jointfund.revenue import checks as _revenue_checks  # noqa: E402,F401 registers its checks
