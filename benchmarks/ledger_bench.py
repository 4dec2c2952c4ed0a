"""Ledger core benchmark: bulk posting, as-of balances, trial balance, verify, and the peers.

A script, not a test (see benchmarks/README.md). It builds a fund on the shipped terms in a
fresh database, opens `--accounts` extra accounts, posts `--entries` random balanced entries
of `--postings-per-entry` postings each through `journal.post`, then times:

- bulk posting (postings/s, generation excluded);
- `journal.balance` of one account as of a random date (median and p95 of `--queries` runs),
  and of a whole subtree (a fifth of the accounts);
- `journal.trial_balance`, all dates and as of a random date;
- a full `jointfund.verify.verify`;
- exporting the same journal to beancount, then beancount's loader plus `realize` (balances),
  and `hledger -f FILE bal` on the same journal in hledger's format, where hledger is installed.

It prints a table with each figure and the ratio of the peers' times to jointfund's, and writes
the results, with the exact command line and machine facts, into docs/performance.md under
"## Ledger core" (one block per backend, between markers; the rest of the file is kept).

    python benchmarks/ledger_bench.py                              # SQLite, 200k entries, 1M postings
    python benchmarks/ledger_bench.py --db postgresql://postgres@127.0.0.1:5432
    python benchmarks/ledger_bench.py --entries 20000 --no-write   # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from jointfund import fund as fund_mod
from jointfund.ledger import journal, log, merkle
from jointfund.ledger.account import ROOT_TYPES
from jointfund.ledger.entry import Entry, Posting
from jointfund.money import exponent
from jointfund.reports import export
from jointfund.store import db
from jointfund.terms import shipped_text
from jointfund.verify import verify

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
SECTION = "## Ledger core"
INTRO = """# Performance

How fast jointfund is, measured by the scripts in `benchmarks/` (see `benchmarks/README.md`), with
the command line and the machine of each run. Each section belongs to one benchmark; the figures
between `<!-- ... -->` markers are rewritten by the script that made them.
"""
SPAN_DAYS = 5 * 365  # effective dates spread over five years from the fund's start, or up to today if sooner


def span_days(start: dt.date) -> int:
    """Days the entries' dates spread over: a real fund refuses an entry dated after today."""
    return max(1, min(SPAN_DAYS, (dt.date.today() - start).days))


TARGETS = {  # the targets on the 2-core reference machine
    "postings_per_s": 100_000,  # SQLite (issue 2)
    "postings_per_s_postgresql": 20_000,  # issue 13
    "balance_ms": 5.0,
    "verify_entries_per_s": 200_000,
    "beancount_ratio": 10.0,
    "proof_ms": 20.0,  # issue 13: a proof of record 1 at 1M records
}
# Random entries keep the ledger's rules, not the fund's accounting policy (income and expenses booked in the
# base currency), so these domain checks find them wanting; verify still runs them, and they are timed.
POLICY_CHECKS = {"financials.ties"}
console = Console(stderr=True)


# -- setting up --


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--entries", type=int, default=200_000, help="journal entries to post (default 200000)")
    p.add_argument(
        "--postings-per-entry", type=int, default=5, help="postings in each entry, at least 2 (default 5)"
    )
    p.add_argument(
        "--accounts", type=int, default=500, help="accounts the postings spread over (default 500)"
    )
    p.add_argument(
        "--db",
        default=None,
        help="database URL; default a temporary SQLite file. A PostgreSQL URL names "
        "the server: the script creates its own database there and drops it at the end",
    )
    p.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    p.add_argument(
        "--batch",
        type=int,
        default=None,
        help="entries per post() call and transaction (default: a tenth of --entries, at most 50000, "
        "so the rate of each tenth of the run shows whether posting stays flat as the book grows)",
    )
    p.add_argument("--queries", type=int, default=200, help="balance queries to time (default 200)")
    p.add_argument("--no-peers", action="store_true", help="skip beancount and hledger")
    p.add_argument(
        "--no-write", action="store_true", help=f"do not touch {DOC.relative_to(DOC.parent.parent)}"
    )
    args = p.parse_args(argv)
    if args.batch is None:
        args.batch = max(1, min(50_000, args.entries // 10))
    if (
        args.entries < 1
        or args.postings_per_entry < 2
        or args.accounts < args.postings_per_entry
        or args.batch < 1
    ):
        p.error(
            "need --entries >= 1, --postings-per-entry >= 2, --accounts >= --postings-per-entry, --batch >= 1"
        )
    return args


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh, empty database for the run, removed afterwards."""
    if url is None or make_url(url).get_backend_name() == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="jf-bench-"))
        target = folder / "bench.db" if url is None else Path(make_url(url).database or "")
        if target.exists():
            raise SystemExit(f"--db {url}: file exists; the benchmark needs a new database")
        try:
            yield f"sqlite:///{target}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            if url is not None:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    server = make_url(url).set(drivername="postgresql", database="postgres")
    name = f"jf_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = server.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_accounts(count: int) -> list[str]:
    """`count` account names spread over the five roots, none of them in the shipped chart."""
    roots = list(ROOT_TYPES)
    return [f"{roots[i % len(roots)]}:Bench:B{i // len(roots):04d}" for i in range(count)]


def generate(
    rng: random.Random,
    start: int,
    count: int,
    accounts: list[str],
    per_entry: int,
    currencies: tuple[str, ...],
    day0: dt.date,
    seed: int,
    total: int,
) -> list[Entry]:
    """Entries [start, start+count) of `total`: balanced per currency, dates non-decreasing over the span."""
    out = []
    for i in range(start, start + count):
        currency = currencies[i % len(currencies)] if rng.random() < 0.3 else currencies[0]
        scale = Decimal(1).scaleb(-exponent(currency))
        legs_minor = [rng.randint(1, 10_000_000) * rng.choice((1, -1)) for _ in range(per_entry - 1)]
        rest = -sum(legs_minor)
        if rest == 0:
            legs_minor[0] += 1
            rest = -1
        legs_minor.append(rest)
        names = rng.sample(accounts, per_entry)
        postings = tuple(
            Posting(n, Decimal(m) * scale, currency) for n, m in zip(names, legs_minor, strict=True)
        )
        day = day0 + dt.timedelta(days=i * span_days(day0) // total)
        links = (f"receipt:R-{i}",) if i % 10 == 0 else ()
        out.append(Entry(day, f"Benchmark entry {i}", postings, f"bench-{seed}-{i}", links))
    return out


def progress_bar(label: str, total: int) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


# -- measuring --


def post_all(
    engine: Engine,
    info: fund_mod.FundInfo,
    args: argparse.Namespace,
    accounts: list[str],
    laps: list[tuple[int, float]],
    cpu: list[float],
) -> float:
    """Generate and post every entry in batches; returns the seconds spent posting (generation excluded).

    `laps` receives (entries in the batch, seconds) per batch, for the rate per tenth of the run, and `cpu`
    this process's CPU seconds per batch: on a shared machine the wall clock measures the neighbours too,
    while CPU time compares two versions of the code (on SQLite all of posting's work is in this process; on
    PostgreSQL the server's is not counted)."""
    rng = random.Random(args.seed)
    currencies = info.base_terms().fund.currencies
    spent = 0.0
    with progress_bar("posting", args.entries) as bar:
        task = bar.add_task("generating and posting entries", total=args.entries)
        for start in range(0, args.entries, args.batch):
            batch = generate(
                rng,
                start,
                min(args.batch, args.entries - start),
                accounts,
                args.postings_per_entry,
                currencies,
                info.start_date,
                args.seed,
                args.entries,
            )
            t0, c0 = time.perf_counter(), time.process_time()
            with db.write(engine) as conn:
                journal.post(conn, batch, info.start_date)
            lap = time.perf_counter() - t0
            cpu.append(time.process_time() - c0)
            spent += lap
            laps.append((len(batch), lap))
            bar.advance(task, len(batch))
    return spent


def tenths(laps: list[tuple[int, float]], per_entry: int) -> list[float]:
    """Postings per second over each tenth of the run (by entries posted; batches are the resolution)."""
    total = sum(n for n, _ in laps)
    out: list[list[float]] = [[0, 0.0] for _ in range(10)]
    done = 0
    for n, seconds in laps:
        part = min(9, done * 10 // total)
        out[part][0] += n * per_entry
        out[part][1] += seconds
        done += n
    return [p / s for p, s in out if s]


def proof_times(engine: Engine, rounds: int = 7) -> tuple[float, float]:
    """Median seconds of an inclusion proof of record 1, and of a consistency proof from the log's first
    half, against the whole log: both read stored tree nodes, O(log n) rows."""
    inclusion, consistency = [], []
    with db.transaction(engine) as conn:
        tree = log.tree(conn)
        for _ in range(rounds):
            t0 = time.perf_counter()
            merkle.inclusion_path(0, log.tree(conn))
            inclusion.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            merkle.consistency_path(max(1, tree.size // 2), log.tree(conn))
            consistency.append(time.perf_counter() - t0)
    return statistics.median(inclusion), statistics.median(consistency)


def balance_times(
    engine: Engine, info: fund_mod.FundInfo, args: argparse.Namespace, accounts: list[str], subtree: str
) -> tuple[list[float], list[float]]:
    """Seconds per as-of balance of one random account, and of a whole subtree, at random dates."""
    rng = random.Random(args.seed + 1)
    one, many = [], []
    with db.transaction(engine) as conn:
        journal.balance(conn, accounts[0])  # warm the cache and the connection, as a running service would be
        for _ in range(args.queries):
            day = info.start_date + dt.timedelta(days=rng.randrange(span_days(info.start_date)))
            account = rng.choice(accounts)
            t0 = time.perf_counter()
            journal.balance(conn, account, as_of=day)
            one.append(time.perf_counter() - t0)
        for _ in range(max(5, args.queries // 20)):
            day = info.start_date + dt.timedelta(days=rng.randrange(span_days(info.start_date)))
            t0 = time.perf_counter()
            journal.balance(conn, subtree, as_of=day)
            many.append(time.perf_counter() - t0)
    return one, many


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def run_peers(engine: Engine, info: fund_mod.FundInfo, folder: Path) -> dict[str, float | str]:
    out: dict[str, float | str] = {}
    bean = folder / "journal.beancount"
    with db.transaction(engine) as conn, bean.open("w", encoding="utf-8") as fh:
        out["export_s"], _ = timed(lambda: export.write_beancount(conn, info, fh))
    console.print(f"exported {bean.stat().st_size / 1e6:.0f} MB of beancount; loading it with beancount…")
    from beancount import loader
    from beancount.core import realization

    def bean_load() -> int:
        entries, errors, _options = loader.load_file(str(bean))
        if errors:
            raise SystemExit(f"beancount refused the export: {errors[0]}")
        realization.realize(entries)
        return len(entries)

    out["beancount_s"], _ = timed(bean_load)
    hledger = shutil.which("hledger")
    if hledger is None:
        out["hledger_s"] = "hledger is not installed (Debian package hledger); skipped"
        console.print(out["hledger_s"])
        return out
    plain = folder / "journal.ledger"
    with db.transaction(engine) as conn, plain.open("w", encoding="utf-8") as fh:
        export.write_ledger(conn, fh)
    console.print("running hledger bal on the same journal…")
    t0 = time.perf_counter()
    done = subprocess.run([hledger, "-f", str(plain), "bal"], capture_output=True, text=True, check=False)
    out["hledger_s"] = time.perf_counter() - t0
    if done.returncode != 0:
        out["hledger_s"] = "hledger failed: " + (
            done.stderr.strip().splitlines()[-1] if done.stderr.strip() else str(done.returncode)
        )
    out["hledger_version"] = subprocess.run(
        [hledger, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return out


# -- reporting --


def machine(url: str, engine: Engine) -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    facts = {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "OS": f"{platform.system()} {platform.release()}",
    }
    if not db.is_sqlite(engine):
        with engine.connect() as conn:
            facts["PostgreSQL"] = conn.exec_driver_sql("SHOW server_version").scalar_one()
    import beancount

    facts["beancount"] = beancount.__version__
    # Other work on the same cores moves every figure; say how busy the machine was.
    facts["load average (1, 5, 15 min) at the end"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return facts


def figures(r: dict) -> list[tuple[str, str, str, str]]:
    """(measure, figure, target, peers' time / jointfund's) rows of the result table."""
    n_post = r["postings"]
    goal = TARGETS["postings_per_s_postgresql" if r["backend"] == "PostgreSQL" else "postings_per_s"]
    rows = [
        (
            "bulk posting",
            f"{n_post / r['post_s']:,.0f} postings/s "
            f"({r['entries'] / r['post_s']:,.0f} entries/s, {r['post_s']:.1f} s)",
            f"≥ {goal:,} postings/s" + _verdict(n_post / r["post_s"] >= goal),
            "",
        ),
        (
            "as-of balance, one account",
            f"median {r['bal_med_ms']:.2f} ms, p95 {r['bal_p95_ms']:.2f} ms",
            f"< {TARGETS['balance_ms']} ms" + _verdict(r["bal_med_ms"] < TARGETS["balance_ms"]),
            "",
        ),
        (
            f"as-of balance, subtree {r['subtree']} ({r['subtree_accounts']} accounts)",
            f"median {r['sub_med_ms']:.1f} ms",
            "",
            "",
        ),
        ("trial balance, all dates", f"{r['tb_s'] * 1000:.0f} ms ({r['tb_rows']} rows)", "", ""),
        ("trial balance, as of a random date", f"{r['tb_asof_s'] * 1000:.0f} ms", "", ""),
        (
            "verify (full)",
            f"{r['log_records'] / r['verify_s']:,.0f} records/s ({r['verify_s']:.2f} s, "
            f"{r['postings'] / r['verify_s']:,.0f} postings/s)",
            f"> {TARGETS['verify_entries_per_s']:,} entries/s"
            + _verdict(r["log_records"] / r["verify_s"] > TARGETS["verify_entries_per_s"]),
            "",
        ),
        (
            "posting rate per tenth of the run",
            " / ".join(f"{x / 1000:,.1f}k" for x in r["tenths"]) + " postings/s",
            "last ≥ 80% of first" + _verdict(r["tenths"][-1] >= 0.8 * r["tenths"][0]),
            "",
        ),
        (
            "inclusion proof of record 1",
            f"{r['proof_s'] * 1000:.1f} ms (consistency from half the log: "
            f"{r['consistency_s'] * 1000:.1f} ms)",
            f"< {TARGETS['proof_ms']} ms" + _verdict(r["proof_s"] * 1000 < TARGETS["proof_ms"]),
            "",
        ),
    ]
    if "beancount_s" in r:
        rows.append(("export to beancount", f"{r['export_s']:.1f} s", "", ""))
        ratio = r["beancount_s"] / r["tb_s"]
        rows.append(
            (
                "beancount load + realize",
                f"{r['beancount_s']:.1f} s",
                "≥ 10× trial balance" + _verdict(ratio >= TARGETS["beancount_ratio"]),
                f"{ratio:,.0f}× trial balance, {r['beancount_s'] / r['verify_s']:,.1f}× verify",
            )
        )
        h = r.get("hledger_s")
        if isinstance(h, float):
            rows.append(
                (
                    "hledger bal",
                    f"{h:.1f} s",
                    "",
                    f"{h / r['tb_s']:,.0f}× trial balance, {h / r['verify_s']:,.1f}× verify",
                )
            )
        elif h:
            rows.append(("hledger bal", h, "", ""))
    return rows


def _verdict(ok: bool) -> str:
    return " — met" if ok else " — MISSED"


def print_table(r: dict) -> None:
    table = Table(
        title=f"Ledger core on {r['backend']}: {r['entries']:,} entries, {r['postings']:,} postings, "
        f"{r['accounts']} accounts"
    )
    for col in ("measure", "figure", "target", "peer time / jointfund"):
        table.add_column(col)
    for row in figures(r):
        table.add_row(*row)
    Console(width=160).print(table)


def markdown(r: dict, facts: dict[str, str], command: str) -> str:
    lines = [
        f"### {r['backend']}",
        "",
        f"`{command}` — {r['entries']:,} entries, {r['postings']:,} postings over {r['accounts']} accounts, "
        f"run {dt.date.today().isoformat()}.",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in facts.items()) + ".",
        "",
        "| measure | figure | target | peer time / jointfund |",
        "|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(cell.replace('|', '/') for cell in row)} |" for row in figures(r)]
    return "\n".join(lines) + "\n"


def write_doc(block: str, backend: str) -> None:
    """Put `block` between this backend's markers inside the Ledger core section; keep everything else."""
    start, end = f"<!-- ledger_bench:{backend}:start -->", f"<!-- ledger_bench:{backend}:end -->"
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else INTRO
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\nWritten by `benchmarks/ledger_bench.py`.\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + start + "\n" + block + end + rest.split(end, 1)[1]
    else:
        head, tail = text.split(SECTION, 1)
        nxt = tail.find("\n## ")
        body, after = (tail, "") if nxt < 0 else (tail[:nxt], tail[nxt:])
        text = head + SECTION + body.rstrip("\n") + f"\n\n{start}\n{block}{end}\n" + after
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    command = "python " + " ".join(
        shlex.quote(a) for a in ["benchmarks/ledger_bench.py", *(sys.argv[1:] if argv is None else argv)]
    )
    with database(args.db) as url, tempfile.TemporaryDirectory(prefix="jf-bench-files-") as scratch:
        engine = db.make_engine(url)
        try:
            info = fund_mod.create(engine, shipped_text(), "urif.toml (shipped)", actor="bench")
            accounts = bench_accounts(args.accounts)
            with db.write(engine) as conn:
                for name in accounts:
                    journal.open_account(conn, name, info.start_date, None, "benchmark", "bench")
            backend = "SQLite" if db.is_sqlite(engine) else "PostgreSQL"
            r: dict = {
                "backend": backend,
                "entries": args.entries,
                "accounts": args.accounts,
                "postings": args.entries * args.postings_per_entry,
            }
            laps: list[tuple[int, float]] = []
            cpu: list[float] = []
            r["post_s"] = post_all(engine, info, args, accounts, laps, cpu)
            r["tenths"] = tenths(laps, args.postings_per_entry)
            console.print(  # at once: the rest of the run takes minutes, and flatness is the first question
                f"posted {r['postings']:,} postings in {r['post_s']:.1f} s "
                f"({r['postings'] / r['post_s']:,.0f}/s; {sum(cpu):.1f} s of this process's CPU, "
                f"{r['postings'] / sum(cpu):,.0f}/s of CPU); per tenth of the run: "
                + " / ".join(f"{x:,.0f}" for x in r["tenths"])
            )
            subtree = accounts[0].split(":")[0]
            one, many = balance_times(engine, info, args, accounts, subtree)
            r.update(
                bal_med_ms=statistics.median(one) * 1000,
                bal_p95_ms=p95(one) * 1000,
                sub_med_ms=statistics.median(many) * 1000,
                subtree=subtree,
                subtree_accounts=sum(1 for a in accounts if a.startswith(subtree + ":")),
            )
            day = info.start_date + dt.timedelta(
                days=random.Random(args.seed + 2).randrange(span_days(info.start_date))
            )
            with db.transaction(engine) as conn:
                r["tb_s"], rows = timed(lambda: journal.trial_balance(conn))
                r["tb_rows"] = len(rows)
                r["tb_asof_s"], _ = timed(lambda: journal.trial_balance(conn, day))
            console.print("verifying…")
            r["verify_s"], report = timed(lambda: verify(engine))
            broken = [f for c in report.results if c.check not in POLICY_CHECKS for f in c.failures]
            if broken:
                raise SystemExit(f"verify failed on the benchmark journal: {broken[0]}")
            r["log_records"] = next(c.checked for c in report.results if c.check == "leaf hashes")
            r["proof_s"], r["consistency_s"] = proof_times(engine)
            if not args.no_peers:
                r.update(run_peers(engine, info, Path(scratch)))
            facts = machine(url, engine)
            if isinstance(r.get("hledger_s"), float):
                facts["hledger"] = r["hledger_version"]
        finally:
            engine.dispose()
    print_table(r)
    if not args.no_write:
        write_doc(markdown(r, facts, command), r["backend"].lower())
        console.print(f"wrote the results to {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
