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

from sqlalchemy import Connection, Engine, String, cast, select

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


def _raw_rows(conn: Connection, query) -> Iterator[tuple]:  # noqa: ANN001
    """Plain DBAPI tuples of a streamed query, in the connection's own transaction.

    The hot loop of verify reads a million postings, and a driver tuple costs a fraction of a
    Row. Only a query without parameters whose columns the driver returns as they are (integers,
    text) may be read this way; dates are cast to ISO text in the query.
    """
    compiled = query.compile(dialect=conn.dialect)
    assert not compiled.params, "a raw query takes no parameters"
    driver = conn.connection.driver_connection
    # A named (server-side) cursor on PostgreSQL streams instead of loading every row at once.
    cursor = driver.cursor(name="jf_verify_rows") if conn.dialect.name == "postgresql" else driver.cursor()
    try:
        cursor.execute(str(compiled))
        while batch := cursor.fetchmany(STREAM_ROWS):
            yield from batch
    finally:
        cursor.close()


def _iso(column):  # noqa: ANN001, ANN202
    """A DATE column as YYYY-MM-DD text on both backends (verify sets DateStyle ISO on PostgreSQL)."""
    return cast(column, String)


def _verify_log(conn: Connection, fund: FundInfo, progress) -> list[CheckResult]:  # noqa: ANN001, C901
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL DateStyle = 'ISO'")  # dates read as text must be YYYY-MM-DD (_iso)
    closures = {r.account_id: r.closed for r in conn.execute(select(t.account_closure))}
    # account id -> (name, allowed currencies or None, opened, closed or None), dates as ISO text
    # so that they compare with the postings' ISO dates without parsing a million of them.
    accounts = {
        r.id: (r.name, frozenset(r.currencies.split(",")) if r.currencies else None, r.opened.isoformat(),
               closures[r.id].isoformat() if r.id in closures else None)
        for r in conn.execute(select(t.account))
    }
    exps: dict[str, int] = {}
    fails: dict[str, list[Finding]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)

    leaves = _stream(conn, select(t.leaf).order_by(t.leaf.c.seq))
    entry_rows = _stream(conn, select(t.entry.c.seq, _iso(t.entry.c.date), t.entry.c.recorded_at, t.entry.c.key,
                                      t.entry.c.narration, t.entry.c.links, t.entry.c.reverses).order_by(t.entry.c.seq))
    posting_rows = _raw_rows(conn, select(t.posting.c.entry_seq, t.posting.c.line, t.posting.c.account_id,
                                          t.posting.c.currency, t.posting.c.amount_minor, _iso(t.posting.c.date),
                                          t.posting.c.balance_after_minor)
                             .order_by(t.posting.c.entry_seq, t.posting.c.line))
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
    amount_text, entry_bytes, leaf_hash = canonical.amount_text, canonical.entry_bytes, canonical.leaf_hash
    n_postings = 0
    cp_index = 0
    expected = 1
    for lf in leaves:
        counts["log sequence"] += 1
        if lf.seq != expected:
            fails["log sequence"].append(Finding("log sequence", lf.seq, f"expected record {expected}, found {lf.seq}"))
            expected = lf.seq
        expected += 1
        if lf.kind == "entry":
            while next_entry is not None and next_entry[0] < lf.seq:
                fails["log records"].append(Finding("log records", next_entry[0], "entry has no leaf in the log"))
                next_entry = next(entry_rows, None)
            if next_entry is None or next_entry[0] != lf.seq:
                fails["log records"].append(Finding("log records", lf.seq, "leaf of kind entry has no entry row"))
                body = b""
            else:
                seq, e_date, e_recorded, e_key, e_narration, e_links, e_reverses = next_entry
                legs = []
                sums: dict[str, int] = {}
                while next_posting is not None and next_posting[0] < seq:
                    fails["postings"].append(Finding("postings", next_posting[0], "posting belongs to no logged entry"))
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
                        fails["postings"].append(Finding("postings", seq, f"line {line}: dated {p_date}, entry dated {e_date}"))
                    if acct is None:
                        fails["postings"].append(Finding("postings", seq, f"line {line}: unknown account id {account_id}"))
                    else:
                        if acct[1] is not None and currency not in acct[1]:
                            fails["postings"].append(Finding("postings", seq, f"line {line}: {currency} not allowed in {name}"))
                        if p_date < acct[2] or (acct[3] is not None and p_date >= acct[3]):
                            fails["postings"].append(Finding("postings", seq, f"line {line}: {name} not open on {p_date}"))
                    if amount == 0:
                        fails["postings"].append(Finding("postings", seq, f"line {line}: zero amount"))
                    key = (account_id, currency)
                    now = running[key] = running.get(key, 0) + amount
                    if now != after:
                        fails["running balances"].append(Finding(
                            "running balances", seq,
                            f"line {line}: {name} {currency} stored balance {after}, recomputed {now} (minor units)"))
                        running[key] = after  # report each break once, not every later line
                    next_posting = next(posting_rows, None)
                counts["entry balance"] += 1
                unbalanced = {c: v for c, v in sums.items() if v}
                if len(legs) < 2 or unbalanced:
                    detail = f"postings sum to {unbalanced} (minor units)" if unbalanced else "fewer than two postings"
                    fails["entry balance"].append(Finding("entry balance", seq, f"entry {seq} ({e_key}): {detail}"))
                if seq in reversed_targets:
                    amounts_by_seq[seq] = tuple(legs)
                if e_reverses is not None:
                    counts["reversals"] += 1
                    target = amounts_by_seq.get(e_reverses)
                    negated = tuple((a, c, m[1:] if m.startswith("-") else "-" + m) for a, c, m in legs)
                    if target is None or sorted(target) != sorted(negated):
                        fails["reversals"].append(Finding("reversals", seq, f"does not exactly undo entry {e_reverses}"))
                links = json.loads(e_links) if e_links != "[]" else ()
                body = entry_bytes(seq, e_date, e_recorded, e_key, e_narration, links, e_reverses, legs)
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
        h = leaf_hash(body)
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
    counts["postings"] = counts["running balances"] = n_postings
    for extra in entry_rows if next_entry is None else [next_entry, *entry_rows]:
        fails["log records"].append(Finding("log records", extra[0], "entry has no leaf in the log"))
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
from jointfund.portfolio import checks as _portfolio_checks  # noqa: E402,F401 registers its checks
