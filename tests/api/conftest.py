"""An app over a fresh fund on each backend, with a user and a token per role (see site.py)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from conftest import PG_SERVER, _admin, _pg_db_name
from fastapi.testclient import TestClient

from jointfund.api.security import LoginLimiter
from jointfund.app import create_app
from jointfund.store import db

from .site import DAY, Site


@pytest.fixture(scope="session")
def _site_templates(_templates, tmp_path_factory) -> Iterator[dict[str, tuple[str, Site]]]:  # noqa: ANN001
    """A Site built once per backend (argon2 hashing is slow on purpose) and cloned for each test."""
    made: dict[str, tuple[str, Site]] = {}
    path = tmp_path_factory.mktemp("site") / "site.db"
    shutil.copyfile(_templates["sqlite"], path)
    eng = db.make_engine(f"sqlite:///{path}")
    made["sqlite"] = (str(path), Site(eng))
    eng.dispose()
    if "postgresql" in _templates:
        name = _pg_db_name("site")
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{_templates["postgresql"]}"')
        eng = db.make_engine(f"{PG_SERVER}/{name}")
        made["postgresql"] = (name, Site(eng))
        eng.dispose()
    yield made
    if "postgresql" in made:
        _admin(f'DROP DATABASE IF EXISTS "{made["postgresql"][0]}" WITH (FORCE)')


@pytest.fixture
def site(backend, tmp_path, _site_templates, monkeypatch) -> Iterator[Site]:  # noqa: ANN001
    """A fresh copy of the built Site on the backend under test; today is pinned to the Site's day."""
    monkeypatch.setenv("JOINTFUND_TODAY", DAY.isoformat())
    source, built = _site_templates[backend]
    if backend == "sqlite":
        target = tmp_path / "site.db"
        shutil.copyfile(source, target)
        url, name = f"sqlite:///{target}", None
    else:
        name = _pg_db_name("s")
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        url = f"{PG_SERVER}/{name}"
    eng = db.make_engine(url)
    yield built.on(eng)
    eng.dispose()
    if name:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Clock:
    """A hand-moved clock for the sign-in limiter: tests never sleep."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(site: Site, clock: Clock):  # noqa: ANN201
    return create_app(site.engine, limiter=LoginLimiter(clock=clock), max_upload_bytes=64 * 1024)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(app) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, site: Site, role: str) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"name": site.name(role), "password": site.passwords[role], "csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def bearer(site: Site, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens[role]}"}
