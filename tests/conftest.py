"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is the server at $JOINTFUND_TEST_PG (default postgresql://postgres@127.0.0.1:5432).
Each test gets its own database, cloned from a migrated template, and drops it after.
Under CI=true an unreachable PostgreSQL fails the run; on a laptop without one the
PostgreSQL half is skipped with a message saying so.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from jointfund import fund as fund_mod
from jointfund.store import db
from jointfund.terms import shipped_text

PG_SERVER = os.environ.get("JOINTFUND_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
BACKENDS = ("sqlite", "postgresql")


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", with its reason
        return str(exc).strip().splitlines()[0]


_PG_PROBLEM = _pg_reachable()


def pytest_sessionstart(session: pytest.Session) -> None:
    if _PG_PROBLEM and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but PostgreSQL at {PG_SERVER} is unreachable: {_PG_PROBLEM}")


def _admin(sql: str) -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _pg_db_name(prefix: str) -> str:
    return f"jf_{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and _PG_PROBLEM:
        pytest.skip(
            f"PostgreSQL not reachable at {PG_SERVER} ({_PG_PROBLEM}); set CI=true to make this an error"
        )
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fund.db'}"
        return
    name = _pg_db_name("t")
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = db.make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A migrated fund on the shipped terms, made once per backend and cloned for each test.

    It is a test fund: JOINTFUND_TODAY may set its clock for writes (jointfund.clock), as the tests need to
    stand
    on any day; a fund for the clock's own tests is made with `real_fund_url`."""
    made: dict[str, str] = {}
    folder = tmp_path_factory.mktemp("template")
    sqlite_url = f"sqlite:///{folder / 'template.db'}"
    eng = db.make_engine(sqlite_url)
    fund_mod.create(eng, shipped_text(), "urif.toml", settable_clock=True)
    eng.dispose()
    made["sqlite"] = str(folder / "template.db")
    if not _PG_PROBLEM:
        name = _pg_db_name("tmpl")
        _admin(f'CREATE DATABASE "{name}"')
        eng = db.make_engine(f"{PG_SERVER}/{name}")
        fund_mod.create(eng, shipped_text(), "urif.toml", settable_clock=True)
        eng.dispose()
        made["postgresql"] = name
    yield made
    if "postgresql" in made:
        _admin(f'DROP DATABASE IF EXISTS "{made["postgresql"]}" WITH (FORCE)')


@pytest.fixture
def fund_url(backend: str, tmp_path: Path, _templates: dict[str, str]) -> Iterator[str]:
    """A database holding a fresh fund on the shipped terms."""
    if backend == "sqlite":
        target = tmp_path / "fund.db"
        shutil.copyfile(_templates["sqlite"], target)
        yield f"sqlite:///{target}"
        return
    name = _pg_db_name("f")
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{_templates["postgresql"]}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def fresh_fund_url(
    tmp_path_factory: pytest.TempPathFactory, _templates: dict[str, str]
) -> Iterator[Callable[[str], str]]:
    """A factory of fresh funds on the shipped terms: `fresh_fund_url(backend)` returns a new database URL.

    For tests that need more than one fund, such as one per Hypothesis example (a fixture runs once per
    test, not per example). Every PostgreSQL database it makes is dropped at the end of the session.
    """
    folder = tmp_path_factory.mktemp("fresh")
    made: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            target = folder / f"{uuid.uuid4().hex}.db"
            shutil.copyfile(_templates["sqlite"], target)
            return f"sqlite:///{target}"
        assert backend == "postgresql" and "postgresql" in _templates, backend
        name = _pg_db_name("h")
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{_templates["postgresql"]}"')
        made.append(name)
        return f"{PG_SERVER}/{name}"

    def drop(url: str) -> None:
        """Drop a fund made by `make` as soon as its test is done with it (SQLite files go with the
        folder)."""
        name = url.rsplit("/", 1)[1]
        if name in made:
            made.remove(name)
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    make.drop = drop  # type: ignore[attr-defined]
    yield make
    for name in made:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def real_fund_url(backend: str, db_url: str, tmp_path: Path) -> str:
    """A fund created as a real one would be (`jointfund init`): its clock cannot be set. (Its own SQLite
    file, so
    that a test may hold it beside `fund_url`.)"""
    url = f"sqlite:///{tmp_path / 'real-fund.db'}" if backend == "sqlite" else db_url
    eng = db.make_engine(url)
    fund_mod.create(eng, shipped_text(), "urif.toml")
    eng.dispose()
    return url


@pytest.fixture
def fund_engine(fund_url: str) -> Iterator[Engine]:
    eng = db.make_engine(fund_url)
    yield eng
    eng.dispose()


class Cli:
    """Runs `jointfund` in-process against one database, as a user would from a shell."""

    def __init__(self, url: str) -> None:
        from jointfund.cli.app import app

        self.url = url
        self.app = app
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True, input: str | None = None):  # noqa: A002, ANN204
        result = self.runner.invoke(self.app, ["--db", self.url, *args], input=input)
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"jointfund {' '.join(args)} exited {result.exit_code}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}\nexception: {result.exception!r}"
            )
        return result


@pytest.fixture
def cli(fund_url: str) -> Cli:
    return Cli(fund_url)
