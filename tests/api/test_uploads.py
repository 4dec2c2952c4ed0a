"""Uploads run as jobs: off the event loop, with progress, bounded in rows, and a busy database is waited for
with a message, then refused in one sentence (both backends)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support import holding_the_write_lock

from jointfund.api.security import LoginLimiter
from jointfund.app import create_app
from jointfund.store import db
from jointfund.store import tables as t

from .conftest import bearer, sign_in

pytestmark = pytest.mark.storage

HEADER = "licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa\n"


def licences(n: int, start: int = 0) -> bytes:
    return (
        HEADER
        + "".join(
            f"SP-{i},Dobra Lithium Holdings,45120011,lithium,Dobra,Kirovohrad,2025-09-15,new,yes\n"
            for i in range(start, start + n)
        )
    ).encode()


def stored(site) -> int:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return conn.execute(select(func.count()).select_from(t.licence)).scalar_one()


def last_job(site) -> str:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return conn.execute(
            select(t.upload_job.c.id).order_by(t.upload_job.c.created_ms.desc()).limit(1)
        ).scalar_one()


def follow(client: TestClient, site, url: str, timeout: float = 60) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(url, headers=bearer(site, "auditor")).json()
        if job["state"] != "running" or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_a_background_upload_answers_at_once_and_its_job_tells_the_outcome(client, site) -> None:  # noqa: ANN001
    r = client.post(
        "/api/revenue/licences?background=true",
        headers=bearer(site, "treasury_officer"),
        files={"file": ("lic.csv", licences(3))},
    )
    assert r.status_code == 202 and r.headers["location"] == r.json()["status_url"]
    assert r.json()["state"] in ("running", "done") and r.json()["actor"] == site.name("treasury_officer")
    job = follow(client, site, r.headers["location"])
    assert job["state"] == "done" and job["rows"] == 3 and job["result"]["new"] == 3 and job["problems"] == []
    assert stored(site) == 3
    assert client.get("/api/revenue/uploads/" + "0" * 32, headers=bearer(site, "auditor")).status_code == 404
    assert client.get("/api/revenue/uploads/1", headers=bearer(site, "auditor")).status_code == 422
    assert client.get(r.headers["location"]).status_code == 401  # the books' readers only


def test_an_upload_over_the_row_limit_is_refused_naming_the_limit_and_imports_nothing(site) -> None:  # noqa: ANN001
    app = create_app(site.engine, limiter=LoginLimiter(), max_upload_rows=12_000)
    with TestClient(app) as c:
        # Over the limit: refused once the import has read past it (batches of 5,000), not after the whole
        # file.
        r = c.post(
            "/api/revenue/licences",
            headers=bearer(site, "treasury_officer"),
            files={"file": ("many.csv", licences(20_000))},
        )
        assert r.status_code == 422, r.text
        problem = r.json()["error"]["problems"][0]
        assert (
            problem["field"] == "file"
            and "more than 12,000 rows" in problem["message"]
            and "split the file" in problem["message"]
        )
        assert "--max-upload-rows" in problem["message"] and problem["value"] == "many.csv"
        assert stored(site) == 0
        job = follow(c, site, f"/api/revenue/uploads/{last_job(site)}")
        assert job["state"] == "refused" and job["rows"] == 15_000
        assert "more than 12,000" in job["problems"][0]["message"]
        ok = c.post(
            "/api/revenue/licences",
            headers=bearer(site, "treasury_officer"),
            files={"file": ("few.csv", licences(12_000))},
        )
        assert ok.status_code == 201 and ok.json()["new"] == 12_000


def test_an_upload_waits_for_a_busy_database_saying_so_and_pages_still_answer(
    client, site, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setattr(db, "BUSY_POLL_SECONDS", 0.2)
    with holding_the_write_lock(site.engine):
        r = client.post(
            "/api/revenue/licences?background=true",
            headers=bearer(site, "treasury_officer"),
            files={"file": ("lic.csv", licences(2))},
        )
        assert r.status_code == 202
        deadline = time.monotonic() + 20
        while "waiting for the database" not in (
            client.get(r.headers["location"], headers=bearer(site, "auditor")).json()["message"] or ""
        ):
            assert time.monotonic() < deadline, "the job never said that it waits"
            time.sleep(0.1)
        started = time.monotonic()  # the server answers while the upload waits: it runs in its own thread
        assert client.get("/api/public/summary").status_code == 200 and time.monotonic() - started < 5
        assert client.get(r.headers["location"], headers=bearer(site, "auditor")).json()["state"] == "running"
    assert follow(client, site, r.headers["location"])["state"] == "done" and stored(site) == 2


def test_a_busy_database_fails_the_job_in_one_sentence(client, site, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(db, "BUSY_WAIT_SECONDS", 1.0)
    monkeypatch.setattr(db, "BUSY_POLL_SECONDS", 0.2)
    with holding_the_write_lock(site.engine):
        waited = client.post(
            "/api/revenue/licences",
            headers=bearer(site, "treasury_officer"),
            files={"file": ("lic.csv", licences(2))},
        )
        r = client.post(
            "/api/revenue/licences?background=true",
            headers=bearer(site, "treasury_officer"),
            files={"file": ("lic.csv", licences(2))},
        )
        job = follow(client, site, r.headers["location"])
    assert waited.status_code == 503 and waited.json()["error"]["message"].startswith("the database is busy")
    assert "locked" not in waited.text and "Traceback" not in waited.text
    assert (
        job["state"] == "failed" and job["message"].startswith("the database is busy") and stored(site) == 0
    )


def test_the_upload_form_leads_to_the_job_page(client, site) -> None:  # noqa: ANN001
    sign_in(client, site, "treasury_officer")
    page = client.get("/revenue/imports")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    preview = client.post(
        "/revenue/upload/licences",
        data={"csrf": csrf},
        files={"file": ("lic.csv", licences(2))},
        follow_redirects=False,
    )
    assert preview.status_code == 200 and stored(site) == 0  # the preview step writes nothing
    digest = preview.text.split('name="sha256" value="')[1].split('"')[0]
    r = client.post(
        "/revenue/upload/licences/confirm", data={"csrf": csrf, "sha256": digest}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/revenue/uploads/")
    deadline = time.monotonic() + 30
    while 'data-state="running"' in (shown := client.get(r.headers["location"]).text):
        assert 'http-equiv="refresh"' in shown  # a running job's page reloads itself
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert 'data-state="done"' in shown and "2 new" in shown and 'http-equiv="refresh"' not in shown
    uk = client.get(r.headers["location"] + "?lang=uk").text
    assert "імпортовано" in uk and "Прочитано рядків" in uk
