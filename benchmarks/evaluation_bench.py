"""The contributions pipeline's evaluation stage alone, for comparing two trees back to back.

    PYTHONPATH=TREE/src python benchmarks/evaluation_bench.py TREE DBDIR 3          # the whole stage, 3 times
    PYTHONPATH=TREE/src python benchmarks/evaluation_bench.py TREE DBDIR 3 --split  # read / setup / judge

The first run builds DBDIR/bench.db with TREE's own import (contributions_bench.py's seeded data, 5,000
licences and RECEIPTS receipts, default 1,000,000), so each tree is timed on a database of its own schema;
later runs reuse it. It prints wall times and CPU times (all threads) and their medians, and the load average:
on a shared machine compare the CPU medians of trees run one after the other.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("tree", type=Path, help="the checkout whose benchmarks/ and src/ are used")
    parser.add_argument("dbdir", type=Path)
    parser.add_argument("repeat", type=int)
    parser.add_argument("--split", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree / "benchmarks"))
    import contributions_bench as cb

    from jointfund import fund as fund_mod
    from jointfund.revenue import book, imports
    from jointfund.store import db
    from jointfund.terms import shipped_text

    args.dbdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{args.dbdir / 'bench.db'}"
    if not (args.dbdir / "built").exists():
        paths = cb.generate(args.dbdir, 5000, int(os.environ.get("RECEIPTS", "1000000")))
        engine = db.make_engine(url)
        terms = fund_mod.create(engine, shipped_text(), "urif.toml").base_terms()
        with db.write(engine) as conn:
            imports.run(conn, imports.licences_kind(terms), paths["licences"], "bench")
            # 11-29's rates_kind took no terms
            rates_kind = imports.rates_kind(*(terms,) if imports.rates_kind.__code__.co_argcount else ())
            imports.run(conn, rates_kind, paths["rates"], "bench")
            imports.run(
                conn, imports.receipts_kind(terms, book.licence_ids(conn)), paths["receipts"], "bench"
            )
        (args.dbdir / "built").write_text("")
        engine.dispose()
    engine = db.make_engine(url)
    with db.transaction(engine) as conn:
        info = fund_mod.load(conn)

    def timed(fn):  # noqa: ANN001, ANN202
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - wall, time.process_time() - cpu

    def stage() -> None:
        with db.transaction(engine) as conn:
            for frame in book.judged(conn, info):
                frame["eligible"].sum()

    name = args.tree.resolve().name
    load = os.getloadavg()[0]
    if args.split:
        with db.transaction(engine) as conn:
            reads = [timed(lambda: list(book.receipt_frames(conn)))[1] for _ in range(args.repeat)]
            frames = list(book.receipt_frames(conn))
            assess = book.Assessor(conn, info)
            judges = [timed(lambda: [assess.frame(f) for f in frames]) for _ in range(args.repeat)]
        print(
            f"{name}: read CPU median {statistics.median(reads):.3f} s; judge wall "
            f"{statistics.median(w for w, _ in judges):.3f} s, "
            f"CPU {statistics.median(c for _, c in judges):.3f} s (load {load:.1f})"
        )
        return 0
    runs = [timed(stage) for _ in range(args.repeat)]
    print(
        f"{name}: evaluation wall {' '.join(f'{w:.2f}' for w, _ in runs)} median "
        f"{statistics.median(w for w, _ in runs):.3f} s; CPU {' '.join(f'{c:.2f}' for _, c in runs)} median "
        f"{statistics.median(c for _, c in runs):.3f} s (load {load:.1f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
