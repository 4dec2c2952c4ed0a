"""Web benchmark: latency and throughput of the served app on a fund of at least 1M postings, beside Fava.

A script, not a test (see benchmarks/README.md). It builds a fund (or reuses the one a previous run
left at --fund) with `--entries` x `--postings-per-entry` postings from ledger_bench's generator, a
user per role, a seated board with an open proposal and checkpoints signed by both partners; serves
it with `jointfund serve` (uvicorn, one process) in a subprocess; and drives load from a separate
process on loopback (asyncio and a lean hand-written HTTP/1.1 keep-alive client, `--clients` concurrent
clients, at most `--requests` requests and `--seconds` seconds per page) against:

- the public page (`/`), no login;
- the dashboard (`/dashboard`), signed in with a session cookie;
- the balances API (`/api/ledger/balances`), with a bearer token;
- a proposal page (`/proposals/1`), signed in.

For a side-by-side figure it exports the same ledger to beancount, serves it with Fava
(`fava FILE -p PORT`) and loads Fava's balance sheet under the same load. It prints p50, p95
and p99 latency and throughput, and writes them with the command line into docs/performance.md
under "## Web" (between markers; the rest of the file is kept).

    python benchmarks/web_bench.py                                # 200k entries x 5 = 1M postings
    python benchmarks/web_bench.py --entries 20000 --no-write     # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
SECTION = "## Web"
BEGIN, END = "<!-- web_bench:begin -->", "<!-- web_bench:end -->"
TARGET_P99_MS = 150.0
REQUEST_TIMEOUT_S = 60  # one request, at most
START_TIMEOUT_S = 1800  # Fava parses the whole ledger before it answers: minutes at 1M postings


# -- building the fund --


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--fund",
        default="/tmp/jf-web-bench",
        help="folder of the benchmark fund; reused when it holds "
        "one of the same size (default /tmp/jf-web-bench)",
    )
    p.add_argument("--entries", type=int, default=200_000, help="journal entries (default 200000)")
    p.add_argument("--postings-per-entry", type=int, default=5, help="postings per entry (default 5)")
    p.add_argument(
        "--accounts", type=int, default=500, help="accounts the postings spread over (default 500)"
    )
    p.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    p.add_argument("--requests", type=int, default=2000, help="requests per page, at most (default 2000)")
    p.add_argument("--seconds", type=float, default=60.0, help="seconds per page, at most (default 60)")
    p.add_argument("--no-fava", action="store_true", help="skip Fava")
    p.add_argument(
        "--db",
        default=None,
        help="a PostgreSQL database URL for the fund (created if missing, reused when --fund's made.json "
        "names it with the same size); default a SQLite file in --fund",
    )
    p.add_argument("--workers", type=int, default=1, help="jointfund serve --workers (default 1)")
    p.add_argument(
        "--mixed",
        action="store_true",
        help="instead of one page at a time: the --clients readers spread over the public page, the "
        "dashboard and the balances API for --seconds, first read-only, then beside a writer posting "
        "--writes-per-s entries a second through the API (receipt uploads, each accrued into an entry)",
    )
    p.add_argument("--writes-per-s", type=float, default=5.0, help="the mixed run's writer (default 5)")
    p.add_argument(
        "--no-write", action="store_true", help=f"do not touch {DOC.relative_to(DOC.parent.parent)}"
    )
    p.add_argument("--load", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)  # the load process (internal)
    args = p.parse_args(argv)
    if args.entries < 1 or args.clients < 1 or args.requests < 1 or args.seconds <= 0:
        p.error("need --entries, --clients and --requests >= 1 and --seconds > 0")
    return args


def build(folder: Path, args: argparse.Namespace) -> dict:
    """The fund at `folder` (built unless a previous run left one of this size); what the load needs."""
    import ledger_bench
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from jointfund import fund as fund_mod
    from jointfund.governance import canonical, member, proposal, token, user
    from jointfund.ledger import authority, journal, log
    from jointfund.ledger.checkpoint import key_id, new_key_pair
    from jointfund.revenue import imports
    from jointfund.store import db
    from jointfund.terms import shipped_text

    def public(key: Ed25519PrivateKey) -> bytes:
        return key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    made = folder / "made.json"
    size = {"entries": args.entries, "postings_per_entry": args.postings_per_entry, "accounts": args.accounts}
    url = args.db or f"sqlite:///{folder / 'fund.db'}"
    if made.exists():
        before = json.loads(made.read_text())
        if before.get("size") == size and before.get("url") == url and "treasury_token" in before:
            ledger_bench.console.print(f"reusing the fund in {folder} ({url})")
            return before
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if args.db:
        fresh_postgresql(args.db)
    engine = db.make_engine(url)
    info = fund_mod.create(engine, shipped_text(), "urif.toml (shipped)", actor="bench")
    accounts = ledger_bench.bench_accounts(args.accounts)
    with db.write(engine) as conn:
        for name in accounts:
            journal.open_account(conn, name, info.start_date, None, "benchmark", "bench")
    ns = argparse.Namespace(
        seed=2025, entries=args.entries, batch=50_000, postings_per_entry=args.postings_per_entry
    )
    ledger_bench.post_all(engine, info, ns, accounts, [], [])
    terms = info.base_terms()
    day = info.start_date
    password = secrets.token_urlsafe(12)
    with db.write(engine) as conn:
        user.add(conn, "bench", "bench-admin", "administrator", password)
        user.add(conn, "bench", "bench-board", "board_manager", password)
        bearer = token.issue(conn, "bench", "bench-admin", "web benchmark")[1]
        # The mixed run's writer: a treasury officer uploads receipts of one licence, each accrued.
        user.add(conn, "bench", "bench-treasury", "treasury_officer", password)
        treasury = token.issue(conn, "bench", "bench-treasury", "web benchmark writer")[1]
        licences = folder / "licences.csv"
        licences.write_text(WRITER_LICENCE, encoding="utf-8")
        imports.run(conn, imports.licences_kind(terms), licences, actor="bench")
        # The genesis ceremony (each partner's authority key), which seating a member requires.
        authorities = {p: Ed25519PrivateKey.generate() for p in terms.partner_codes}
        g = authority.record_genesis(
            conn, "bench", info.id, terms.partner_codes, {p: public(k) for p, k in authorities.items()}
        )
        for partner, private in authorities.items():
            authority.sign_genesis(conn, "bench", partner, private.sign(g.message()).hex())
        board = terms.body("board")
        keys = {}
        for partner, seats in board.seats.items():
            for n in range(1, seats + 1):
                name = f"{partner.lower()}-board-{n}"
                keys[name] = key = Ed25519PrivateKey.generate()
                pem = public(key)
                st = authority.statement(
                    info.id, partner, member.APPOINT, body=board.code, name=name, public_pem=pem.decode()
                )
                member.appoint(
                    conn,
                    info,
                    "bench",
                    partner,
                    name,
                    board.code,
                    pem,
                    day,
                    "bench",
                    st.signed(authorities[partner]),
                )
        kind = next(
            d.kind
            for d in terms.governance.decisions
            if d.body == board.code and d.requires_recommendation is None
        )
        first = next(iter(keys))
        draft = proposal.draft(conn, info, kind, "Budget for the first year", first, day)
        proposal.submit(
            conn, info, "bench", draft, canonical.sign(keys[first], canonical.proposal_bytes(info.id, draft))
        )
    with db.write(engine) as conn:
        privates = {}
        for partner in terms.partner_codes:
            private, pem = new_key_pair()
            privates[partner] = load_pem_private_key(private, None)
            st = authority.statement(
                info.id,
                partner,
                log.KEY_REGISTER,
                key_id=key_id(privates[partner].public_key()),
                public_pem=public(privates[partner]).decode(),
            )
            log.register_key(
                conn, info.id, partner, pem, f"{partner}.pub", "bench", st.signed(authorities[partner])
            )
        for partner, private in privates.items():
            log.make_checkpoint(conn, info.id, partner, private)
    beancount = folder / "fund.beancount"
    if not args.no_fava:
        from jointfund.reports import export

        with db.transaction(engine) as conn, beancount.open("w", encoding="utf-8") as fh:
            export.write_beancount(conn, info, fh)
    if args.db:
        # Statistics for the planner, as autovacuum would gather them on a server left running: a freshly
        # loaded book without them planned index reads as scans of whole tables (issue 13).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    out = {
        "size": size,
        "url": url,
        "password": password,
        "token": bearer,
        "treasury_token": treasury,
        "beancount": str(beancount),
        "postings": args.entries * args.postings_per_entry,
    }
    made.write_text(json.dumps(out))
    return out


WRITER_LICENCE = (
    "licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa\n"
    "L-BENCH,Dobra Lithium Holdings,40000001,lithium,Dobra,Kirovohrad,2025-06-01,new,yes\n"
)


def fresh_postgresql(url: str) -> None:
    """Create the database `url` names, dropping it first if it exists (the benchmark owns it)."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target.database}"')


# -- serving --


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(proc: subprocess.Popen, url: str, timeout_s: float) -> float:
    """Seconds until `url` answers; polls the port (a server's start is the thing measured, not slept on)."""
    import httpx

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=5, follow_redirects=True).status_code < 500:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.25)  # a benchmark script, not a test: polling a starting server
    raise SystemExit(f"{url} did not answer within {timeout_s} s")


def serve_jointfund(url: str, port: int, workers: int = 1, log: Path | None = None) -> subprocess.Popen:
    """`jointfund serve` in a subprocess; its output (uvicorn's and the workers' warnings and errors) goes
    to `log`, so a worker that dies says why."""
    exe = shutil.which("jointfund") or sys.executable
    serve = ["serve", "--port", str(port), "--workers", str(workers)]
    cmd = (
        [exe, "--db", url, *serve]
        if exe != sys.executable
        else [sys.executable, "-c", "from jointfund.cli.app import main; main()", "--db", url, *serve]
    )
    if log is None:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with log.open("ab") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)


def serve_fava(beancount: str, port: int) -> subprocess.Popen:
    exe = shutil.which("fava")
    if exe is None:
        raise SystemExit("fava is not installed (pip install fava); run with --no-fava")
    return subprocess.Popen(
        [exe, beancount, "-p", str(port), "-H", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# -- the load (runs in its own process) --


class Connection:
    """One keep-alive HTTP/1.1 connection, spoken by hand.

    The load generator must cost less than the server it measures: httpx spends ~2.4 ms of CPU per
    request (more than a cached page costs to serve), so with 32 clients in one process the latency
    it reported was mostly its own queueing. This speaks just what the two servers answer with:
    Content-Length, chunked, or close-delimited bodies.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, request: bytes) -> tuple[int, int]:
        """Send `request`; (status, body bytes) of the answer."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        if "content-length" in headers:
            size = len(await self.reader.readexactly(int(headers["content-length"])))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            size = 0
            while n := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                size += len(await self.reader.readexactly(n + 2)) - 2
            while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the blank line
                pass
        else:
            size = len(await self.reader.read())
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, size

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def drive(
    base: str, path: str, headers: dict, cookies: dict, clients: int, requests: int, seconds: float
) -> dict:
    from urllib.parse import urlsplit

    url = urlsplit(base)
    sent = {"Host": url.netloc, **headers}
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    request = (
        f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in sent.items()) + "\r\n"
    ).encode()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    issued = 0
    stop_at = time.perf_counter() + seconds
    conns = [Connection(url.hostname, url.port) for _ in range(clients)]
    await conns[0].get(request)  # one warm-up request, uncounted

    async def one_client(conn: Connection) -> None:
        nonlocal issued
        while issued < requests and time.perf_counter() < stop_at:
            issued += 1
            t0 = time.perf_counter()
            status, _ = await asyncio.wait_for(conn.get(request), REQUEST_TIMEOUT_S)
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one_client(c) for c in conns))
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {
        "path": path,
        "requests": len(latencies),
        "seconds": wall,
        "rps": len(latencies) / wall,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "statuses": statuses,
    }


def quantiles(latencies: list[float]) -> dict:
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {"p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000} if q else {}


def request_bytes(
    base: str, path: str, headers: dict, cookies: dict, method: str = "GET", body: bytes = b""
) -> bytes:
    from urllib.parse import urlsplit

    sent = {"Host": urlsplit(base).netloc, **headers}
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body:
        sent["Content-Length"] = str(len(body))
    return (
        f"{method} {path} HTTP/1.1\r\n".encode()
        + "".join(f"{k}: {v}\r\n" for k, v in sent.items()).encode()
        + b"\r\n"
        + body
    )


def receipt_upload(base: str, bearer: str, receipt_id: str, day: str) -> bytes:
    """A one-row receipts CSV as a multipart upload: the API accrues it into one entry in its transaction."""
    boundary = "jfbench" + receipt_id.replace("-", "")
    csv = f"receipt_id,date,licence_id,stream,amount,currency\n{receipt_id},{day},L-BENCH,rent,1000.00,UAH\n"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    ).encode()
    headers = {
        "Authorization": f"Bearer {bearer}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    return request_bytes(base, "/api/revenue/receipts", headers, {}, "POST", body)


async def mixed(spec: dict, writes_per_s: float) -> dict:
    """`clients` readers spread round-robin over the targets for `seconds`, and (if writes_per_s) one writer
    uploading a receipt every 1/writes_per_s s; latencies per target, and the writer's."""
    from urllib.parse import urlsplit

    targets = spec["targets"]
    url = urlsplit(targets[0]["base"])
    requests = []
    for target in targets:
        cookies = sign_in(target["base"], *target["login"]) if target.get("login") else {}
        requests.append(request_bytes(target["base"], target["path"], target.get("headers", {}), cookies))
    latencies: list[list[float]] = [[] for _ in targets]
    statuses: list[dict[int, int]] = [{} for _ in targets]
    for r in requests:  # one warm-up request per page, uncounted, each on a connection of its own
        warm = Connection(url.hostname, url.port)
        # A cold page computes its reads over the whole book: on a loaded machine that took more than the
        # timeout of a counted request, so the (uncounted) warm-up waits as long as a server's start may.
        await asyncio.wait_for(warm.get(r), START_TIMEOUT_S)
        warm.close()
    stop_at = time.perf_counter() + spec["seconds"]

    async def reader(i: int) -> None:
        conn, k = Connection(url.hostname, url.port), i % len(targets)
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(conn.get(requests[k]), REQUEST_TIMEOUT_S)
            except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
                # No answer (the server dropped the connection, or none within REQUEST_TIMEOUT_S): counted
                # under status 0 at its full wait in the latencies, then a new connection; the run goes on.
                status = 0
                conn.close()
            latencies[k].append(time.perf_counter() - t0)
            statuses[k][status] = statuses[k].get(status, 0) + 1
        conn.close()

    writes: list[float] = []
    write_statuses: dict[int, int] = {}

    async def writer() -> None:
        conn = Connection(url.hostname, url.port)
        run, n, start = secrets.token_hex(4), 0, time.perf_counter()
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        while time.perf_counter() < stop_at:
            due = start + n / writes_per_s
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            n += 1
            t0 = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(
                    conn.get(receipt_upload(targets[0]["base"], spec["treasury_token"], f"W{run}-{n}", day)),
                    REQUEST_TIMEOUT_S,
                )
            except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
                status = 0  # no answer, as for the readers
                conn.close()
            writes.append(time.perf_counter() - t0)
            write_statuses[status] = write_statuses.get(status, 0) + 1
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(reader(i) for i in range(spec["clients"])), *([writer()] if writes_per_s else []))
    wall = time.perf_counter() - t0
    out = {
        "seconds": wall,
        "pages": [
            {
                "name": t["name"],
                "requests": len(lat),
                "rps": len(lat) / wall,
                "statuses": st,
                **quantiles(lat),
            }
            for t, lat, st in zip(targets, latencies, statuses, strict=False)
        ],
    }
    if writes_per_s:
        out["writer"] = {
            "writes": len(writes),
            "per_s": len(writes) / wall,
            "statuses": write_statuses,
            **quantiles(writes),
        }
    return out


def sign_in(base: str, name: str, password: str) -> dict:
    import httpx

    with httpx.Client(base_url=base) as c:
        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
        assert csrf, "the login page has no CSRF field"
        r = c.post("/login", data={"name": name, "password": password, "csrf": csrf.group(1)})
        assert r.status_code in (200, 303) and "jf_session" in c.cookies, f"sign-in failed: {r.status_code}"
        return {"jf_session": c.cookies["jf_session"]}


def load_main(argv: list[str]) -> int:
    """`--load SPEC_JSON`: drive every target of the spec in turn and print the results as JSON."""
    spec = json.loads(argv[0])
    if spec.get("mixed"):
        runs = {
            "read-only": asyncio.run(mixed(spec, 0.0)),
            "with writer": asyncio.run(mixed(spec, spec["writes_per_s"])),
        }
        print(json.dumps(runs))
        return 0
    out = []
    for target in spec["targets"]:
        cookies = sign_in(target["base"], *target["login"]) if target.get("login") else {}
        out.append(
            {
                "name": target["name"],
                **asyncio.run(
                    drive(
                        target["base"],
                        target["path"],
                        target.get("headers", {}),
                        cookies,
                        spec["clients"],
                        spec["requests"],
                        spec["seconds"],
                    )
                ),
            }
        )
    print(json.dumps(out))
    return 0


# -- reporting --


def table(results: list[dict], clients: int) -> str:
    lines = [
        f"| page ({clients} clients) | requests | p50 ms | p95 ms | p99 ms | requests/s | statuses |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['requests']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['rps']:.0f} | {', '.join(f'{k}: {v}' for k, v in sorted(r['statuses'].items()))} |"
        )
    return "\n".join(lines)


def verdicts(results: list[dict]) -> list[str]:
    ours = [r for r in results if not r["name"].startswith("Fava")]
    fava = next((r for r in results if r["name"].startswith("Fava")), None)
    out = []
    for r in ours:
        ok = r["p99_ms"] < TARGET_P99_MS
        out.append(
            f"- {r['name']}: p99 {r['p99_ms']:.0f} ms, target < {TARGET_P99_MS:.0f} ms: "
            + ("met" if ok else f"**missed by {r['p99_ms'] - TARGET_P99_MS:.0f} ms**")
        )
    if fava:
        sheet = next(r for r in ours if "balances" in r["name"])
        better = {
            "p50": sheet["p50_ms"] < fava["p50_ms"],
            "p99": sheet["p99_ms"] < fava["p99_ms"],
            "throughput": sheet["rps"] > fava["rps"],
        }
        worse = [k for k, ok in better.items() if not ok]
        out.append(
            f"- balances API vs Fava's balance sheet: p50 {sheet['p50_ms']:.0f} vs {fava['p50_ms']:.0f} ms, "
            f"p99 {sheet['p99_ms']:.0f} vs {fava['p99_ms']:.0f} ms, {sheet['rps']:.0f} vs {fava['rps']:.0f} "
            "requests/s: "
            + (
                "jointfund is faster on all three"
                if not worse
                else f"**Fava is faster on {', '.join(worse)}** (target: faster on all three, missed)"
            )
        )
    return out


def write_doc(block: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    marked = f"{BEGIN}\n{block}\n{END}"
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + marked + text[text.index(END) + len(END) :]
    elif SECTION in text:
        at = text.index(SECTION) + len(SECTION)
        text = text[:at] + "\n\n" + marked + text[at:]
    else:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{marked}\n"
    DOC.write_text(text, encoding="utf-8")


def backend(made: dict) -> str:
    return "SQLite" if made["url"].startswith("sqlite") else "PostgreSQL"


def workers(args: argparse.Namespace) -> str:
    return "one uvicorn process" if args.workers == 1 else f"`serve --workers {args.workers}`"


MIXED_BEGIN, MIXED_END = "<!-- web_bench:mixed:begin -->", "<!-- web_bench:mixed:end -->"


def report_mixed(runs: dict, args: argparse.Namespace, made: dict, started: dict, command: str) -> int:
    """The mixed run's table: each page's p50/p95/p99 read-only and beside the writer, and the writer's."""
    alone, busy = runs["read-only"], runs["with writer"]
    lines = [
        f"`{command}`",
        "",
        f"{made['postings']:,} postings ({args.entries:,} entries) on {backend(made)}; {workers(args)}; "
        f"{args.clients} readers spread over three pages for {args.seconds:.0f} s, first read-only, then "
        f"beside a writer uploading {args.writes_per_s:g} receipts a second through the API (each accrued "
        f"into an entry); load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
        f"ready after {started['jointfund']:.1f} s",
        "",
        "| page | read-only p50 / p95 / p99 ms | with writer p50 / p95 / p99 ms "
        "| requests/s (read-only, with writer) | statuses with writer |",
        "|---|---:|---:|---:|---|",
    ]
    verdict = []
    for a, b in zip(alone["pages"], busy["pages"], strict=False):
        lines.append(
            f"| {a['name']} | {a['p50_ms']:.1f} / {a['p95_ms']:.1f} / {a['p99_ms']:.1f} | "
            f"{b['p50_ms']:.1f} / {b['p95_ms']:.1f} / {b['p99_ms']:.1f} | {a['rps']:.0f}, {b['rps']:.0f} | "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(b['statuses'].items()))} |"
        )
        ok = b["p99_ms"] < TARGET_P99_MS
        verdict.append(
            f"- {b['name']} with the writer: p99 {b['p99_ms']:.0f} ms, target < {TARGET_P99_MS:.0f} ms: "
            + ("met" if ok else f"**missed by {b['p99_ms'] - TARGET_P99_MS:.0f} ms**")
        )
    w = busy.get("writer", {})
    if w:
        verdict.append(
            f"- writer: {w['writes']} uploads ({w['per_s']:.2f}/s), p50 {w.get('p50_ms', 0):.0f} ms, "
            f"p99 {w.get('p99_ms', 0):.0f} ms, statuses "
            + ", ".join(f"{k}: {v}" for k, v in sorted(w["statuses"].items()))
        )
    report = "\n".join([*lines, "", *verdict])
    print(report)
    if not args.no_write:
        text = DOC.read_text(encoding="utf-8")
        marked = f"{MIXED_BEGIN}\n{report}\n{MIXED_END}"
        if MIXED_BEGIN in text:
            text = text[: text.index(MIXED_BEGIN)] + marked + text[text.index(MIXED_END) + len(MIXED_END) :]
        else:
            text = text.replace(END, END + "\n\n" + marked, 1)
        DOC.write_text(text, encoding="utf-8")
        print(f"\nwrote the results to {DOC}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    args = parse_args(raw)
    if args.load:
        return load_main(args.load)
    command = "python " + " ".join(shlex.quote(a) for a in ["benchmarks/web_bench.py", *raw])
    made = build(Path(args.fund), args)
    ours, fava = free_port(), free_port()
    base = f"http://127.0.0.1:{ours}"
    log = Path(args.fund) / "serve.log"
    print(f"the server's output: {log}", file=sys.stderr)
    servers = [serve_jointfund(made["url"], ours, args.workers, log)]
    try:
        # The sign-in page: it reads no book figure, so it answers as soon as a worker is up.
        started = {"jointfund": wait_until_up(servers[0], base + "/login", START_TIMEOUT_S)}
        targets = [
            {"name": "public page /", "base": base, "path": "/"},
            {
                "name": "dashboard (session)",
                "base": base,
                "path": "/dashboard",
                "login": ["bench-board", made["password"]],
            },
            {
                "name": "balances API (token)",
                "base": base,
                "path": "/api/ledger/balances?limit=100",
                "headers": {"Authorization": f"Bearer {made['token']}"},
            },
            {
                "name": "proposal page (session)",
                "base": base,
                "path": "/proposals/1",
                "login": ["bench-board", made["password"]],
            },
        ]
        if args.mixed:
            spec = {
                "mixed": True,
                # The public page, the dashboard, the balances API. On the bench's random book the public page
                # shows no outlook (a partner's capital is negative), with a note saying so: still a 200.
                "targets": targets[:3],
                "clients": args.clients,
                "seconds": args.seconds,
                "writes_per_s": args.writes_per_s,
                "treasury_token": made["treasury_token"],
            }
            done = subprocess.run(
                [sys.executable, __file__, "--load", json.dumps(spec)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"the load process failed:\n{done.stderr}")
            return report_mixed(json.loads(done.stdout), args, made, started, command)
        if not args.no_fava:
            servers.append(serve_fava(made["beancount"], fava))
            fava_base = f"http://127.0.0.1:{fava}"
            started["Fava"] = wait_until_up(servers[1], fava_base + "/", START_TIMEOUT_S)
            import httpx

            landing = httpx.get(
                fava_base + "/", follow_redirects=True, timeout=600
            ).url.path  # /<slug>/income_statement/
            slug = landing.strip("/").split("/")[0]
            targets.append(
                {"name": "Fava balance sheet", "base": fava_base, "path": f"/{slug}/balance_sheet/"}
            )
        spec = {
            "targets": targets,
            "clients": args.clients,
            "requests": args.requests,
            "seconds": args.seconds,
        }
        done = subprocess.run(
            [sys.executable, __file__, "--load", json.dumps(spec)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"the load process failed:\n{done.stderr}")
        results = json.loads(done.stdout)
    finally:
        for s in servers:
            s.terminate()
            s.wait(30)
    facts = (
        f"{made['postings']:,} postings ({args.entries:,} entries) on {backend(made)}; "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}; {workers(args)}; "
        f"load from a separate process on loopback, {args.clients} clients, at most {args.requests} "
        f"requests or {args.seconds:.0f} s per page; "
        f"ready after: " + ", ".join(f"{k} {v:.1f} s" for k, v in started.items())
    )
    report = "\n".join([f"`{command}`", "", facts, "", table(results, args.clients), "", *verdicts(results)])
    print(report)
    if not args.no_write:
        write_doc(report)
        print(f"\nwrote the results to {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
