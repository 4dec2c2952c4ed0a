"""What one request of the public page and of the dashboard costs right after a write (issue 13).

A script, not a test (see benchmarks/README.md). It serves the app in-process (Starlette's TestClient, no
network) over the fund `web_bench.py` built (its --fund folder's made.json names the database and the users;
--db points at another copy of it), signs in, then `--rounds` times for each page: uploads one receipt through
`POST /api/revenue/receipts` as the treasury officer (the upload accrues it into a journal entry, so the book
version moves and every cached read is stale) and times the page's next request, which recomputes its
figures, and the one after it, served from the response cache. It writes nothing to the docs: the load average
of a shared machine moves these figures, so they are pasted by hand beside the `uptime` taken. (To see where
the time goes, profile the route's thread, e.g. by wrapping a page's functions in cProfile: a profiler started
here sees only the client waiting.)

    python benchmarks/after_write.py --rounds 4
    python benchmarks/after_write.py --db postgresql://postgres@127.0.0.1:5432/COPY_OF_THE_BENCH_DB
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

PAGES = ("/", "/dashboard")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fund", default="/tmp/jf-web-bench", help="web_bench.py's fund folder (its made.json)")
    p.add_argument("--db", default=None, help="the database (default: the one made.json names)")
    p.add_argument("--rounds", type=int, default=4, help="writes and timed requests per page (default 4)")
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("need --rounds >= 1")
    made = json.loads((Path(args.fund) / "made.json").read_text())
    from fastapi.testclient import TestClient

    from jointfund.app import create_app

    app = create_app(args.db or made["url"])
    after: dict[str, list[float]] = {page: [] for page in PAGES}
    cpus: dict[str, list[float]] = {page: [] for page in PAGES}
    with TestClient(app, base_url="http://localhost") as c:
        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
        assert csrf, "the login page has no CSRF field"
        signed = c.post(
            "/login",
            data={"name": "bench-admin", "password": made["password"], "csrf": csrf.group(1)},
            follow_redirects=False,
        )
        assert signed.status_code == 303, f"sign-in failed: {signed.status_code}"
        for page in PAGES:  # warm: the first request of a process also loads templates and catalogues
            c.get(page)
        run = secrets.token_hex(4)
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        for n in range(args.rounds):
            for page in PAGES:
                upload(c, made["treasury_token"], f"A{run}-{page.strip('/') or 'public'}-{n}", day)
                t0, cpu0 = time.perf_counter(), time.process_time()
                answer = c.get(page)
                first = time.perf_counter() - t0
                # This process's CPU, the app's threads included (the database's is not): on a shared machine
                # the wall time moves with the load, the CPU much less.
                cpu = time.process_time() - cpu0
                assert answer.status_code == 200, f"{page}: {answer.status_code}"
                t0 = time.perf_counter()
                c.get(page)
                cached = time.perf_counter() - t0
                after[page].append(first * 1000)
                cpus[page].append(cpu * 1000)
                print(
                    f"{page}: after a write {first * 1000:.0f} ms (CPU {cpu * 1000:.0f} ms), "
                    f"then cached {cached * 1000:.1f} ms"
                )
    for page, ms in after.items():
        print(
            f"{page}: the request after a write, median {statistics.median(ms):.0f} ms "
            f"(min {min(ms):.0f}, max {max(ms):.0f}, {len(ms)} writes), CPU median "
            f"{statistics.median(cpus[page]):.0f} ms"
        )
    return 0


def upload(client, bearer: str, receipt_id: str, day: str) -> None:  # noqa: ANN001 - a TestClient
    """One receipt of web_bench.py's licence uploaded (so accrued into an entry) as the treasury officer."""
    csv = f"receipt_id,date,licence_id,stream,amount,currency\n{receipt_id},{day},L-BENCH,rent,1000.00,UAH\n"
    answer = client.post(
        "/api/revenue/receipts",
        files={"file": ("r.csv", csv.encode(), "text/csv")},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert answer.status_code == 201, f"upload: {answer.status_code} {answer.text[:300]}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
