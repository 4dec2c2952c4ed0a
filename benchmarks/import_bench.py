"""CPU time of the contributions benchmark's import stage alone: licences, rates and receipts imported into a
fresh SQLite fund, then the same receipts again (every row unchanged: the comparison with stored rows).

    python benchmarks/import_bench.py --receipts 200000

CPU time (`time.process_time`, every thread of the process, so polars' too) is what to compare on a loaded
machine, alternating runs against another commit; wall time is printed beside it. The files are generated
by `contributions_bench.generate` (seeded: the same rows on every run).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from contributions_bench import generate

from jointfund import fund as fund_mod
from jointfund.revenue import book, imports
from jointfund.store import db
from jointfund.terms import shipped_text


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--licences", type=int, default=5_000)
    parser.add_argument("--receipts", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = generate(folder, args.licences, args.receipts)
        engine = db.make_engine(f"sqlite:///{folder / 'bench.db'}")
        terms = fund_mod.create(engine, shipped_text(), "urif.toml").base_terms()
        cpu, wall = time.process_time(), time.perf_counter()
        with db.write(engine) as conn:
            imports.run(conn, imports.licences_kind(terms), paths["licences"], "bench")
            imports.run(conn, imports.rates_kind(terms), paths["rates"], "bench")
            first = imports.run(
                conn, imports.receipts_kind(terms, book.licence_ids(conn)), paths["receipts"], "bench"
            )
        cpu_first, wall_first = time.process_time() - cpu, time.perf_counter() - wall
        cpu, wall = time.process_time(), time.perf_counter()
        with db.write(engine) as conn:
            again = imports.run(
                conn, imports.receipts_kind(terms, book.licence_ids(conn)), paths["receipts"], "bench"
            )
        cpu_again, wall_again = time.process_time() - cpu, time.perf_counter() - wall
        engine.dispose()
    print(f"{'stage':40} {'CPU s':>7} {'wall s':>7}")
    print(f"{f'import ({first.new:,} new receipts)':40} {cpu_first:7.2f} {wall_first:7.2f}")
    print(f"{f're-import ({again.unchanged:,} unchanged)':40} {cpu_again:7.2f} {wall_again:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
