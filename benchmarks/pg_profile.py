"""Which statements of `journal.post` grow with the book on PostgreSQL (issue 13).

A script, not a test. It builds a fund in a database of its own on the server named by `--db`,
posts `--entries` random entries as ledger_bench.py does, and at each of `--samples` book sizes
posts one more batch of `--sample` entries with `auto_explain` loaded into the session
(log_min_duration 0, log_analyze, log_nested_statements, so the statements run inside the
triggers show their plans and real times). The plans come back to the client as notices
(auto_explain.log_level = notice), so nothing depends on the server's log settings and
`pg_stat_statements` need not be preloaded. It prints, per sample, the statements that took
the most time with their calls and mean time, and the plan of each of the top ones, then the
table counters (pg_stat_user_tables: sequential and index scans) over the whole run.

    python benchmarks/pg_profile.py --db postgresql://postgres@127.0.0.1:5432 --entries 100000
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import text

from jointfund import fund as fund_mod
from jointfund.ledger import journal
from jointfund.store import db
from jointfund.terms import shipped_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ledger_bench  # noqa: E402 - the benchmark's own generator, beside this script

TABLES = ("posting", "leaf", "entry", "account", "account_head", "tree_node", "account_closure")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432")
    p.add_argument("--entries", type=int, default=100_000, help="entries in the book at the last sample")
    p.add_argument("--samples", type=int, default=3, help="book sizes at which to profile (spread evenly)")
    p.add_argument("--sample", type=int, default=200, help="entries posted under auto_explain per sample")
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--top", type=int, default=8)
    p.add_argument("--plans", type=int, default=4, help="plans to print per sample")
    return p.parse_args()


def explained(engine, notices: list[str]):  # noqa: ANN001, ANN201
    """A connection of `engine` whose every statement, nested ones included, reports its plan as a notice."""
    conn = engine.connect()
    raw = conn.connection.driver_connection
    raw.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
    for setting in (
        "LOAD 'auto_explain'",
        "SET auto_explain.log_min_duration = 0",
        "SET auto_explain.log_analyze = on",
        "SET auto_explain.log_nested_statements = on",
        "SET auto_explain.log_buffers = on",
        "SET auto_explain.log_level = notice",
    ):
        conn.exec_driver_sql(setting)
    conn.commit()
    return conn


def summarise(notices: list[str], top: int, plans: int) -> None:
    """Group the plans by statement text: calls, total and mean ms; print the top ones and their plans."""
    by_query: dict[str, list[float]] = defaultdict(list)
    sample_plan: dict[str, str] = {}
    for n in notices:
        m = re.match(r"duration: ([\d.]+) ms\s+plan:\s*\nQuery Text: (.*?)\n(.*)", n, re.S)
        if not m:
            continue
        ms, query, plan = float(m.group(1)), " ".join(m.group(2).split()), m.group(3)
        by_query[query].append(ms)
        sample_plan[query] = plan
    ranked = sorted(by_query.items(), key=lambda kv: -sum(kv[1]))
    print(f"  {'total ms':>9} {'calls':>6} {'mean ms':>8}  statement")
    for query, times in ranked[:top]:
        print(f"  {sum(times):9.1f} {len(times):6d} {sum(times) / len(times):8.4f}  {query[:150]}")
    for query, _times in ranked[:plans]:
        print(f"\n  plan of: {query[:150]}")
        print("    " + sample_plan[query].rstrip().replace("\n", "\n    "))


def table_counters(engine) -> dict[str, tuple]:  # noqa: ANN001
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname, seq_scan, seq_tup_read, idx_scan, n_tup_ins, n_live_tup "
                "FROM pg_stat_user_tables WHERE relname = ANY(:t)"
            ),
            {"t": list(TABLES)},
        )
        return {r[0]: tuple(r[1:]) for r in rows}


def main() -> int:
    args = parse_args()
    with ledger_bench.database(args.db) as url:
        engine = db.make_engine(url)
        try:
            info = fund_mod.create(engine, shipped_text(), "urif.toml (shipped)", actor="bench")
            accounts = ledger_bench.bench_accounts(500)
            with db.write(engine) as conn:
                for name in accounts:
                    journal.open_account(conn, name, info.start_date, None, "benchmark", "bench")
            currencies = info.base_terms().fund.currencies
            rng = random.Random(2025)
            total = args.entries + args.samples * args.sample
            marks = [args.entries * (k + 1) // args.samples for k in range(args.samples)]
            done = 0
            before = table_counters(engine)
            for mark in marks:
                while done < mark:
                    n = min(args.batch, mark - done)
                    batch = ledger_bench.generate(
                        rng, done, n, accounts, 5, currencies, info.start_date, 2025, total
                    )
                    t0 = time.perf_counter()
                    with db.write(engine) as conn:
                        journal.post(conn, batch, info.start_date)
                    lap = time.perf_counter() - t0
                    done += n
                    print(f"posted {done:,} entries; last batch {n * 5 / lap:,.0f} postings/s", flush=True)
                notices: list[str] = []
                batch = ledger_bench.generate(
                    rng, done, args.sample, accounts, 5, currencies, info.start_date, 2025, total
                )
                conn = explained(engine, notices)
                try:
                    t0 = time.perf_counter()
                    with conn.begin():
                        db._lock_fund_row(conn)  # as db.write does
                        conn.info["clock_settable"] = False
                        journal.post(conn, batch, info.start_date)
                    lap = time.perf_counter() - t0
                finally:
                    # Never back into the pool: the session keeps auto_explain's settings, and every later
                    # batch would pay for logging each trigger statement (a first version of this script
                    # measured its own logging: 2,300 -> 560 postings/s).
                    conn.invalidate()
                    conn.close()
                done += args.sample
                print(
                    f"\n== book of {done - args.sample:,} entries: {args.sample} entries under auto_explain "
                    f"({lap:.2f} s with the logging), {len(notices):,} plans"
                )
                summarise(notices, args.top, args.plans)
                print(flush=True)
            after = table_counters(engine)
            print(
                "pg_stat_user_tables over the run (seq_scan, seq_tup_read, idx_scan, n_tup_ins, n_live_tup):"
            )
            for name in TABLES:
                if name in after:
                    b = before.get(name, (0, 0, 0, 0, 0))
                    a = after[name]
                    print(
                        f"  {name:16} "
                        + ", ".join(f"{(x or 0) - (y or 0):,}" for x, y in zip(a, b, strict=False))
                    )
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
