"""Several servers over one database, as real processes on loopback ports (issue 13's two-worker test).

Two `jointfund serve` processes stand for two workers (or two hosts): a session signed in through
one is served by the other, signing out or revoking a token through one is refused by both at the
next request, and `serve --workers 2` serves. X-Forwarded-For counts only from a configured proxy.
SIGTERM stops a server promptly and cleanly.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import jointfund
from jointfund.governance import token
from jointfund.store import db

pytestmark = pytest.mark.storage
SRC = str(Path(jointfund.__file__).resolve().parents[1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `jointfund serve` process on a loopback port."""

    def __init__(self, url: str, *options: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": SRC}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from jointfund.cli.app import main; main()",
                "--db",
                url,
                "serve",
                "--port",
                str(self.port),
                *options,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 180  # a shared, loaded machine can take a while to start workers
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited {self.process.returncode}: {self.process.communicate()}")
            try:
                if httpx.get(self.base + "/api/public/summary", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("serve did not answer within 180 s")

    def client(self, **kw) -> httpx.Client:  # noqa: ANN003
        return httpx.Client(base_url=self.base, follow_redirects=False, timeout=30, **kw)

    def stop(self) -> str:
        """SIGTERM, as a service manager sends it; returns stderr once the server has stopped gracefully."""
        self.process.send_signal(signal.SIGTERM)
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError("SIGTERM did not stop the server within 20 s") from None
        # uvicorn re-raises the signal once it has shut down, so a stop by SIGTERM ends with it (-15);
        # the app's own shutdown line shows it got there gracefully rather than dying on the signal.
        assert self.process.returncode in (0, -signal.SIGTERM), (self.process.returncode, err)
        assert "stopped" in err and "Traceback" not in err, err
        return err


@pytest.fixture
def serve(site) -> Iterator[Callable[..., Server]]:  # noqa: ANN001
    started: list[Server] = []

    def start(*options: str) -> Server:
        started.append(Server(site.engine.url.render_as_string(hide_password=False), *options))
        return started[-1]

    yield start
    for s in started:
        if s.process.poll() is None:
            s.process.kill()
            s.process.wait()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(c: httpx.Client, name: str, password: str, **headers: str) -> int:
    page = c.get("/login")
    return c.post(
        "/login", data={"name": name, "password": password, "csrf": csrf_of(page.text)}, headers=headers
    ).status_code


def test_two_workers_share_sessions_sign_out_and_revocation(site, serve) -> None:  # noqa: ANN001
    one, two = serve(), serve()
    browser = one.client()
    assert sign_in(browser, site.name("board_manager"), site.passwords["board_manager"]) == 303
    sid = browser.cookies["jf_session"]
    elsewhere = two.client(cookies={"jf_session": sid})
    for _ in range(2):  # served by the other worker (the second time from its response cache)
        page = elsewhere.get("/dashboard")
        assert page.status_code == 200 and site.name("board_manager") in page.text
        assert page.headers["cache-control"] == "no-store"
    auditor = {"Authorization": f"Bearer {site.tokens['auditor']}"}
    for s in (one, two):
        assert s.client().get("/api/ledger/balances", headers=auditor).status_code == 200

    # Signing out through the second worker ends the session on the first at its next request.
    assert elsewhere.post("/logout", data={"csrf": csrf_of(page.text)}).status_code == 303
    for s in (one, two):
        r = s.client(cookies={"jf_session": sid}).get("/dashboard")
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), s.base
    # Revoking a token (the CLI's revoke, on the shared database) is refused by both at the next request.
    with db.write(site.engine) as conn:
        token.revoke(conn, "test", next(t.id for t in token.tokens(conn) if t.user == site.name("auditor")))
    for s in (one, two):
        r = s.client().get("/api/ledger/balances", headers=auditor)
        assert r.status_code == 401 and "revoked" in r.json()["error"]["message"], s.base
    for s in (one, two):
        s.stop()


def test_serve_with_two_workers_serves_and_stops_on_sigterm(site, serve) -> None:  # noqa: ANN001
    pool = serve("--workers", "2", "--max-upload-rows", "2")
    clients = [pool.client() for _ in range(6)]  # new connections: the kernel spreads them over the workers
    for c in clients:
        assert sign_in(c, site.name("auditor"), site.passwords["auditor"]) == 303
        assert c.get("/api/me").json()["name"] == site.name("auditor")
    rows = "licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa\n" + "".join(
        f"SP-{n},Dobra Lithium Holdings,45120011,lithium,Dobra,Kirovohrad,2025-09-15,new,yes\n"
        for n in range(3)
    )
    r = pool.client().post(
        "/api/revenue/licences",
        files={"file": ("three.csv", rows.encode())},
        headers={"Authorization": f"Bearer {site.tokens['treasury_officer']}"},
    )
    assert r.status_code == 422 and "more than 2 rows" in r.text  # each worker has the option
    started = time.monotonic()
    err = pool.stop()
    assert err.count("stopped") == 2 and time.monotonic() - started < 15, err


def test_forwarded_for_counts_only_from_a_configured_proxy(site, serve) -> None:  # noqa: ANN001
    direct, proxied = serve(), serve("--forwarded-allow-ips", "127.0.0.1")
    name = site.name("treasury_officer")

    def failures(s: Server) -> list[int]:
        # Each try claims another client address; five wrong passwords for one name.
        return [
            sign_in(s.client(), name, "wrong", **{"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(5)
        ]

    # Unconfigured: the header is ignored, all five come from 127.0.0.1, and that address backs off.
    assert failures(direct) == [401] * 4 + [429]
    with db.side_write(site.engine) as conn:  # start the counts again for the other server
        conn.exec_driver_sql("DELETE FROM login_throttle")
    # From a configured proxy: five client addresses, one try each, none held back.
    assert failures(proxied) == [401] * 5


def test_sigterm_cancels_a_running_import_and_rolls_it_back(site, serve, tmp_path) -> None:  # noqa: ANN001
    import openpyxl
    from sqlalchemy import func, select

    from jointfund.store import tables as t

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("licences")
    sheet.append(
        ["licence_id", "holder", "holder_code", "resource", "deposit", "region", "issued", "basis", "psa"]
    )
    for n in range(60_000):
        sheet.append(
            [
                f"SP-{n}",
                "Dobra Lithium Holdings",
                "45120011",
                "lithium",
                "Dobra",
                "Kirovohrad",
                "2025-09-15",
                "new",
                "yes",
            ]
        )
    book.save(tmp_path / "many.xlsx")
    server = serve()
    c = server.client(headers={"Authorization": f"Bearer {site.tokens['treasury_officer']}"})
    r = c.post(
        "/api/revenue/licences?background=true",
        files={"file": ("many.xlsx", (tmp_path / "many.xlsx").read_bytes())},
    )
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 120
    while (job := c.get(r.headers["location"]).json())["rows"] == 0:  # under way: its first batch is in
        assert job["state"] == "running" and time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["state"] == "running", job
    err = server.stop()
    assert "1 running import(s) cancelled and rolled back" in err, err
    with db.transaction(site.engine) as conn:
        assert conn.execute(select(func.count()).select_from(t.licence)).scalar_one() == 0  # rolled back
        state, message = conn.execute(select(t.upload_job.c.state, t.upload_job.c.message)).one()
    assert state == "cancelled" and "nothing was imported" in message


def test_a_worker_s_app_is_kept_out_of_the_garbage_collector_s_scans(site, monkeypatch) -> None:  # noqa: ANN001
    """`jointfund serve`'s factory freezes what the worker has built (issue 13: each full collection scanned
    it all again and stopped the worker for up to a quarter of a second); garbage made before is collected
    first, not frozen."""
    import gc

    from jointfund.api import heap
    from jointfund.app import from_environment

    monkeypatch.setenv("JOINTFUND_DB", site.engine.url.render_as_string(hide_password=False))
    gc.unfreeze()
    try:
        cyclic: list = []
        cyclic.append(cyclic)
        collected = []
        gc.callbacks.append(lambda phase, info: phase == "stop" and collected.append(info["collected"]))
        del cyclic
        thresholds = gc.get_threshold()
        app = from_environment()
        assert gc.get_freeze_count() > 10_000 and app.state.server is not None
        assert collected and collected[0] >= 1  # the cycle went to the collector before the freeze
        # Full collections come from the worker's timer (api.heap), never from the collector's counters.
        assert gc.get_threshold()[2] == heap.NEVER and gc.get_threshold()[:2] == thresholds[:2]
        app.state.heap.stop()
        assert gc.get_threshold() == thresholds
    finally:
        gc.callbacks.pop()
        gc.unfreeze()
