"""Benchmark of the contributions pipeline: 5k licences and 1M Treasury receipts through import,
evaluation, accrual and the grouped report, one stage at a time.

    python benchmarks/contributions_bench.py                       # 5,000 licences, 1,000,000 receipts,
    SQLite
    python benchmarks/contributions_bench.py --receipts 100000      # a quicker run
    python benchmarks/contributions_bench.py --db postgresql://postgres@127.0.0.1:5432/bench   # an empty
    database

It prints each stage's wall time and the peak resident memory after it, then checks the
pipeline's totals against a straightforward pandas implementation of the same rules (in this
script) and prints the time ratio. Target: the whole pipeline in <= 30 s, peak RSS <= 1 GiB.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from jointfund import fund as fund_mod
from jointfund.revenue import book, imports
from jointfund.revenue.accrual import accrue
from jointfund.revenue.contribution import Tally
from jointfund.revenue.eligibility import RuleBook
from jointfund.store import db
from jointfund.terms import load_text, shipped_text

SEED = 20250523
FIRST_DAY = dt.date(2025, 1, 1)
DAYS = 700  # receipts span from before entry into force to late 2026
STREAMS = ("rent", "rent", "rent", "permit_fee", "permit_sale", "psa_state_share", "psa_bonus", "other")
BASES = ("new", "new", "renewal", "existing", "existing_undeveloped")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(folder: Path, n_licences: int, n_receipts: int) -> dict[str, Path]:
    """Licences, receipts and rates as CSV; deterministic from SEED."""
    rng = random.Random(SEED)
    terms = load_text(shipped_text(), "fund terms")
    resources = [r.code for r in terms.resources]
    paths = {k: folder / f"{k}.csv" for k in ("licences", "receipts", "rates")}
    with open(paths["licences"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["licence_id", "holder", "holder_code", "resource", "deposit", "region", "issued", "basis", "psa"]
        )
        for i in range(n_licences):
            issued = FIRST_DAY + dt.timedelta(days=rng.randint(-3000, 600))
            w.writerow(
                [
                    f"L{i:06d}",
                    f"Holder {i % 1500}",
                    f"{40000000 + i % 1500}",
                    rng.choice(resources),
                    f"Deposit {i}",
                    f"Region {i % 24}",
                    issued,
                    rng.choice(BASES),
                    "yes" if rng.random() < 0.1 else "no",
                ]
            )
    with open(paths["receipts"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["receipt_id", "date", "licence_id", "stream", "amount", "currency"])
        days = [FIRST_DAY + dt.timedelta(days=d) for d in range(DAYS)]
        for i in range(n_receipts):
            minor = rng.randint(-50_000, 500_000_000) if rng.random() < 0.02 else rng.randint(1, 500_000_000)
            w.writerow(
                [
                    f"R{i:08d}",
                    days[rng.randrange(DAYS)],
                    f"L{rng.randrange(n_licences):06d}",
                    rng.choice(STREAMS),
                    f"{minor // 100}.{minor % 100:02d}"
                    if minor >= 0
                    else f"-{-minor // 100}.{-minor % 100:02d}",
                    "UAH",
                ]
            )
    with open(paths["rates"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "currency", "rate"])
        level = 41.0
        for d in range(-10, DAYS + 10):
            day = FIRST_DAY + dt.timedelta(days=d)
            level *= 1 + rng.uniform(-0.003, 0.003)
            if day.weekday() < 5:
                w.writerow([day, "USD", f"{level:.4f}"])
    return paths


def pipeline(engine, info, paths: dict[str, Path], timings: list, per_receipt_too: bool = False) -> dict:
    """The product's own path, stage by stage; returns totals by resource for the cross-check."""
    terms = info.base_terms()

    def stage(name, fn):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        # CPU beside wall: on a shared machine only the CPU seconds compare from run to run.
        timings.append((name, time.perf_counter() - start, peak_mib(), time.process_time() - cpu))
        return result

    def import_all():
        with db.write(engine) as conn:
            imports.run(conn, imports.licences_kind(terms), paths["licences"], "bench")
            imports.run(conn, imports.rates_kind(terms), paths["rates"], "bench")
            return imports.run(
                conn, imports.receipts_kind(terms, book.licence_ids(conn)), paths["receipts"], "bench"
            )

    def evaluate_all():
        # Column-wise (revenue/bulk.py), as the product's totals, accruals and verify do; the
        # per-receipt `evaluate` serves the detail listing (see --per-receipt for its cost).
        with db.transaction(engine) as conn:
            eligible = owed = 0
            for frame in book.judged(conn, info):
                eligible += int(frame["eligible"].sum())
                owed += int(frame["contribution_minor"].sum())
            return eligible, owed

    def accrue_all():
        with db.write(engine) as conn:
            return accrue(conn, info)

    def report():
        with db.transaction(engine) as conn:
            tallies, missing = book.frame_tallies(conn, info, ["resource", "month"])
        assert not missing
        return tallies[0].rows()

    def per_receipt():
        tallies = [Tally("resource"), Tally("month")]
        with db.transaction(engine) as conn:
            for e in book.evaluations(conn, info):
                for t in tallies:
                    t.add(e)
        return tallies[0].rows()

    stage("import (licences, rates, receipts)", import_all)
    stage("evaluation (rules, column-wise)", evaluate_all)
    accrued = stage("accrual (one entry per eligible receipt)", accrue_all)
    rows = stage("grouped report (by resource and month)", report)
    out = {
        "by_resource": {r.key: (r.contribution, r.contribution_base) for r in rows},
        "accrued": accrued.posted,
    }
    if per_receipt_too:
        start = time.perf_counter()
        slow = per_receipt()
        out["per_receipt_s"] = time.perf_counter() - start
        out["per_receipt_same"] = slow == rows
    return out


def pandas_reference(paths: dict[str, Path]) -> tuple[dict, float]:
    """The same rules, written the straightforward pandas way; exact integer rounding half up."""
    start = time.perf_counter()
    rules = RuleBook(shipped_text()).on(dt.date(2026, 1, 1))  # the shipped terms have no amendment
    lic = pd.read_csv(paths["licences"], dtype=str)
    rec = pd.read_csv(paths["receipts"], dtype=str, keep_default_na=False)
    rates = pd.read_csv(paths["rates"], dtype=str)
    rec["date"] = pd.to_datetime(rec["date"])
    lic["issued"] = pd.to_datetime(lic["issued"])
    sign = np.where(rec["amount"].str.startswith("-"), -1, 1)
    whole_frac = rec["amount"].str.lstrip("-").str.split(".", expand=True)
    rec["minor"] = sign * (whole_frac[0].astype(np.int64) * 100 + whole_frac[1].astype(np.int64))
    df = rec.merge(lic, on="licence_id", how="left")
    ok = df["date"] >= pd.Timestamp(rules.receipts_from)
    ok &= df["resource"].isin(rules.covered)
    ok &= ~df["basis"].isin(list(rules.excluded_bases))
    ok &= ~(df["basis"].isin(list(rules.new_bases)) & (df["issued"] < pd.Timestamp(rules.issued_from)))
    ok &= df["basis"].isin(list(rules.new_bases) + list(rules.always_bases))
    ok &= df["stream"].isin(list(rules.streams))
    starts = df["stream"].map({k: pd.Timestamp(v.in_force_from) for k, v in rules.streams.items()})
    ok &= df["date"] >= starts
    psa_only = df["stream"].map({k: v.psa_only for k, v in rules.streams.items()}).fillna(False).astype(bool)
    ok &= ~(psa_only & (df["psa"] != "yes"))
    p = (
        df["stream"]
        .map({k: v.share.as_integer_ratio()[0] for k, v in rules.streams.items()})
        .fillna(0)
        .astype(np.int64)
    )
    q = (
        df["stream"]
        .map({k: v.share.as_integer_ratio()[1] for k, v in rules.streams.items()})
        .fillna(1)
        .astype(np.int64)
    )
    a = df["minor"].to_numpy()
    contribution = np.sign(a) * ((2 * np.abs(a) * p.to_numpy() + q.to_numpy()) // (2 * q.to_numpy()))
    df["c"] = np.where(ok, contribution, 0)
    rates["date"] = pd.to_datetime(rates["date"])
    rates["rate_units"] = (rates["rate"].astype(float) * 10_000).round().astype(np.int64)  # 4 decimals, exact
    df = pd.merge_asof(
        df.sort_values("date"),
        rates[["date", "rate_units"]].sort_values("date"),
        on="date",
        direction="backward",
        tolerance=pd.Timedelta(days=10),
    )
    c = df["c"].to_numpy()
    r = df["rate_units"].to_numpy()
    usd = np.sign(c) * ((2 * np.abs(c) * 10_000 + r) // (2 * r))
    df["usd"] = np.where(c == 0, 0, usd)
    grouped = df.groupby("resource")[["c", "usd"]].sum()
    out = {k: (Decimal(int(v.c)).scaleb(-2), Decimal(int(v.usd)).scaleb(-2)) for k, v in grouped.iterrows()}
    return out, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--licences", type=int, default=5_000)
    parser.add_argument("--receipts", type=int, default=1_000_000)
    parser.add_argument("--db", help="an empty database [default: SQLite in a temporary folder]")
    parser.add_argument(
        "--per-receipt",
        action="store_true",
        help="also time the per-receipt report (evaluate + Tally, not part of the pipeline) and compare it",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        paths = generate(folder, args.licences, args.receipts)
        print(
            f"generated {args.licences:,} licences and {args.receipts:,} receipts in "
            f"{time.perf_counter() - start:.1f} s"
        )
        engine = db.make_engine(args.db or f"sqlite:///{folder / 'bench.db'}")
        info = fund_mod.create(engine, shipped_text(), "urif.toml")
        timings: list = []
        ours = pipeline(engine, info, paths, timings, args.per_receipt)
        engine.dispose()
        reference, pandas_s = pandas_reference(paths)
    total = sum(s for _, s, _, _ in timings)
    total_cpu = sum(c for *_, c in timings)
    print(f"\n{'stage':45} {'seconds':>9} {'CPU s':>7} {'peak RSS MiB':>13}")
    for name, seconds, mib, cpu in timings:
        print(f"{name:45} {seconds:9.2f} {cpu:7.2f} {mib:13.0f}")
    print(f"{'whole pipeline':45} {total:9.2f} {total_cpu:7.2f} {max(m for _, _, m, _ in timings):13.0f}")
    print(f"\naccrual entries posted: {ours['accrued']:,}")
    if "per_receipt_s" in ours:
        print(
            f"per-receipt report (evaluate + Tally, by resource and month): {ours['per_receipt_s']:.2f} s; "
            f"same totals as the column-wise report: {'yes' if ours['per_receipt_same'] else 'NO'}"
        )
    evaluation = next(s for n, s, _, _ in timings if n.startswith("evaluation"))
    print(
        f"pandas reference (read CSV + rules + totals): {pandas_s:.2f} s; "
        f"our evaluation stage / pandas = {evaluation / pandas_s:.2f}"
    )
    theirs = {k: v for k, v in reference.items()}
    mine = {k: v for k, v in ours["by_resource"].items()}
    same = {k: v for k, v in mine.items() if v[0] or v[1]} == {
        k: v for k, v in theirs.items() if v[0] or v[1]
    }
    print(f"totals by resource identical to the pandas reference: {'yes' if same else 'NO'}")
    target = total <= 30 and max(m for _, _, m, _ in timings) <= 1024
    print(f"target (<= 30 s, <= 1024 MiB): {'met' if target else 'NOT met'}")
    if not same:
        for k in sorted(set(mine) | set(theirs)):
            if mine.get(k) != theirs.get(k):
                print(f"  {k}: ours {mine.get(k)} pandas {theirs.get(k)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
