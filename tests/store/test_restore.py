"""A backup restored into a new database verifies against the partners' last signed checkpoints, and a restore
of an older backup (a rollback) is caught by the same trust file (docs/operations.md).

PostgreSQL is backed up with pg_dump -Fc and restored with pg_restore; SQLite with its online backup API
(sqlite3's .backup), restored by copying the file."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import uuid

import pytest
from conftest import Cli, _admin
from sqlalchemy.engine import make_url
from support import Book, cli_checkpoint_key

pytestmark = pytest.mark.storage


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not installed; .ci/run installs postgresql-client")
        pytest.skip(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _pg_args(url: str) -> list[str]:
    u = make_url(url)
    return ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]


def _dump(url: str, path) -> None:  # noqa: ANN001
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        with sqlite3.connect(u.database) as source, sqlite3.connect(str(path)) as copy:
            source.backup(copy)
        return
    subprocess.run([_tool("pg_dump"), *_pg_args(url), "-Fc", "-f", str(path), u.database], check=True)


def _restore(url: str, path) -> str:  # noqa: ANN001
    """Restore the dump at `path` into a new database beside `url`'s; returns the new URL."""
    if make_url(url).get_backend_name() == "sqlite":
        target = path.with_name(f"restored-{uuid.uuid4().hex[:10]}.db")
        shutil.copyfile(path, target)
        return f"sqlite:///{target}"
    name = f"jf_restore_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    target = make_url(url).set(database=name)
    subprocess.run([_tool("pg_restore"), *_pg_args(url), "--no-owner", "-d", name, str(path)], check=True)
    return target.render_as_string(hide_password=False)


def test_a_restored_dump_verifies_against_the_partners_trust_and_an_old_one_does_not(
    backend, cli, fund_engine, tmp_path
):
    book = Book(fund_engine)
    book.post(*(book.contribution(f"c-{i}", f"{100 + i}.00", i + 1) for i in range(3)))
    for p in book.partners:
        cli_checkpoint_key(cli, p, tmp_path / f"{p}.key")
    _dump(cli.url, tmp_path / "old.dump")  # yesterday's backup, before the checkpoints below
    book.post(book.contribution("c-3", "103.00", 4))
    for p in book.partners:
        cli("checkpoint", "--partner", p, "--key", str(tmp_path / f"{p}.key"))
    cli("trust", "export", "-o", str(tmp_path / "trust.json"))  # what each partner keeps out of band
    _dump(cli.url, tmp_path / "new.dump")

    restored = []
    try:
        url = _restore(cli.url, tmp_path / "new.dump")
        restored.append(url)
        ok = Cli(url)("--format", "json", "verify", "--trust", str(tmp_path / "trust.json"))
        checks = {c["check"]: c for c in json.loads(ok.stdout)}
        assert all(c["status"] != "FAILED" for c in checks.values()), checks
        assert "trust anchor" in checks

        # Restoring the older backup rolls the book back behind the partners' signatures: verify says so.
        old = _restore(cli.url, tmp_path / "old.dump")
        restored.append(old)
        bad = Cli(old)("--format", "json", "verify", "--trust", str(tmp_path / "trust.json"), ok=False)
        assert bad.exit_code == 1
        anchor = next(c for c in json.loads(bad.stdout) if c["check"] == "trust anchor")
        assert anchor["status"] == "FAILED" and "records were removed" in anchor["detail"], anchor
    finally:
        for url in (u for u in restored if u.startswith("postgresql")):
            _admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
