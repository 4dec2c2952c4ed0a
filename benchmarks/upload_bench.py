"""What one small receipt upload costs as the book's receipts grow (issue 13: an upload must not grow with the
book).

A script, not a test (see benchmarks/README.md). It builds a fund with the contributions benchmark's licences,
rates and receipts (`contributions_bench.generate`, seeded), importing the receipts in slices so that the book
holds each of `--sizes` receipts in turn. At each size it times `--uploads` imports of a one-receipt file
through `revenue.intake.import_receipts`, each in a write transaction of its own, as the API's upload job
does (the import and the accrual of what it brought), and prints the median wall and CPU time per upload and
the ratio of the largest size's median to the smallest's. Flat means the ratio stays near 1.

    python benchmarks/upload_bench.py --sizes 1000,10000,100000
    python benchmarks/upload_bench.py --db postgresql://postgres@127.0.0.1:5432/postgres --sizes 1000,100000

With a PostgreSQL URL the script creates a database of its own on that server and drops it afterwards.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

from contributions_bench import generate
from ledger_bench import database
from rich.progress import Progress

from jointfund import fund as fund_mod
from jointfund.revenue import intake
from jointfund.store import db
from jointfund.terms import shipped_text


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default=None, help="a PostgreSQL server URL or a new SQLite file (default: temp)")
    p.add_argument("--sizes", default="1000,10000,100000", help="receipts in the book at each measure")
    p.add_argument("--uploads", type=int, default=10, help="one-receipt uploads timed at each size")
    p.add_argument("--licences", type=int, default=2_000)
    args = p.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or sizes[0] < 1 or args.uploads < 1:
        p.error("need --sizes of at least 1 receipt and --uploads >= 1")
    with tempfile.TemporaryDirectory() as tmp, database(args.db) as url:
        folder = Path(tmp)
        paths = generate(folder, args.licences, sizes[-1])
        with open(paths["receipts"], newline="") as f:
            header, *rows = list(csv.reader(f))
        engine = db.make_engine(url)
        info = fund_mod.create(engine, shipped_text(), "urif.toml")
        with db.write(engine) as conn:
            intake.import_file(conn, info, "licences", paths["licences"], "bench")
            intake.import_file(conn, info, "fx", paths["rates"], "bench")
        template = dict(zip(header, rows[0], strict=True))
        results: list[tuple[int, float, float]] = []
        held = 0
        for size in sizes:
            with Progress(transient=True) as bar:
                task = bar.add_task(f"book to {size:,} receipts", total=size - held)
                while held < size:
                    part = rows[held : min(size, held + 50_000)]
                    path = _write(folder / "part.csv", header, part)
                    with db.write(engine) as conn:
                        intake.import_receipts(conn, info, path, "bench")
                    held += len(part)
                    bar.advance(task, len(part))
            # A production database's statistics follow its tables (autovacuum); a freshly loaded one has
            # none until analysed, and its plans would be a cold planner's, not the product's.
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
            walls, cpus = [], []
            for i in range(args.uploads):
                row = {**template, "receipt_id": f"U{size}-{i}"}
                one = _write(folder / "one.csv", header, [[row[c] for c in header]])
                wall, cpu = time.perf_counter(), time.process_time()
                with db.write(engine) as conn:
                    done = intake.import_receipts(conn, info, one, "bench")
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
                assert done.result.new == 1
            results.append((size, statistics.median(walls), statistics.median(cpus)))
        engine.dispose()
    print(f"\n{'receipts in the book':>22} {'upload wall ms (median)':>24} {'CPU ms (median)':>16}")
    for size, wall, cpu in results:
        print(f"{size:>22,} {wall:>24.1f} {cpu:>16.1f}")
    first, last = results[0], results[-1]
    print(
        f"\nlargest book against smallest ({last[0]:,} against {first[0]:,} receipts): "
        f"wall {last[1] / first[1]:.2f}x, CPU {last[2] / first[2]:.2f}x"
    )
    return 0


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
