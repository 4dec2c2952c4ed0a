"""verify against tampering, on both backends: an attacker with database access drops the guard and edits
a stored row; `jointfund verify` exits 1 and names the record (or the checkpoint) that was changed."""

import json

import pytest
from sqlalchemy import text
from support import Book

from jointfund.store import db
from jointfund.store.triggers import drop_guard_statements


@pytest.fixture
def signed(cli, fund_engine, tmp_path) -> Book:
    """A fund with three entries, signed by its first partner, and one more entry after the signature."""
    book = Book(fund_engine)
    book.post(*(book.contribution(f"c-{i}", f"{100 + i}.00", i + 1) for i in range(3)))
    partner = book.partners[0]
    cli("keys", "new", "--partner", partner, "--out", str(tmp_path / "p.key"))
    cli("checkpoint", "--partner", partner, "--key", str(tmp_path / "p.key"))
    book.post(book.contribution("c-late", "7.00", 9))
    cli("verify")
    return book


def _tamper(engine, table: str, sql: str) -> None:
    with db.transaction(engine) as conn:
        for statement in drop_guard_statements(engine.dialect.name, table):
            conn.execute(text(statement))
        assert conn.execute(text(sql)).rowcount == 1


def _seq_of(engine, key: str) -> int:
    with db.transaction(engine) as conn:
        return conn.execute(text("SELECT seq FROM entry WHERE key = :k"), {"k": key}).scalar_one()


def _failed(cli) -> str:
    r = cli("verify", ok=False)
    assert r.exit_code == 1, r.stdout
    assert "Traceback" not in r.stderr
    return r.stderr


def test_a_changed_amount_is_named(cli, signed):
    seq = _seq_of(signed.engine, "c-1")
    _tamper(signed.engine, "posting", f"UPDATE posting SET amount_minor = amount_minor + 1 WHERE entry_seq = {seq} AND line = 0")
    err = _failed(cli)
    assert f"verification FAILED at record {seq}: entry balance: entry {seq} (c-1)" in err


def test_a_balanced_change_of_both_legs_is_still_caught_by_the_hashes_and_the_signed_root(cli, signed):
    seq = _seq_of(signed.engine, "c-0")
    with db.transaction(signed.engine) as conn:
        for statement in drop_guard_statements(signed.engine.dialect.name, "posting"):
            conn.execute(text(statement))
        conn.execute(text(f"UPDATE posting SET amount_minor = amount_minor * 10, balance_after_minor = balance_after_minor * 10 "
                          f"WHERE entry_seq = {seq}"))
    err = _failed(cli)
    assert f"verification FAILED at record {seq}" in err
    table = cli("--format", "json", "verify", ok=False).stdout
    failed = {r["check"] for r in json.loads(table) if r["status"] == "FAILED"}
    assert {"leaf hashes", "checkpoints"} <= failed


def test_a_changed_running_balance_is_named(cli, signed):
    seq = _seq_of(signed.engine, "c-2")
    _tamper(signed.engine, "posting", f"UPDATE posting SET balance_after_minor = 1 WHERE entry_seq = {seq} AND line = 0")
    assert f"verification FAILED at record {seq}: running balances" in _failed(cli)


def test_a_changed_narration_is_named(cli, signed):
    seq = _seq_of(signed.engine, "c-2")
    _tamper(signed.engine, "entry", f"UPDATE entry SET narration = 'nothing to see' WHERE seq = {seq}")
    assert f"verification FAILED at record {seq}: leaf hashes" in _failed(cli)


def test_a_changed_signature_names_the_checkpoint(cli, signed):
    _tamper(signed.engine, "checkpoint",
            "UPDATE checkpoint SET signature = '00' || substr(signature, 3)")
    err = _failed(cli)
    assert "checkpoints: checkpoint 1" in err and "signature does not verify" in err


def test_a_changed_root_names_the_checkpoint(cli, signed):
    _tamper(signed.engine, "checkpoint", "UPDATE checkpoint SET root = '" + "ab" * 32 + "'")
    err = _failed(cli)
    assert "checkpoints: checkpoint 1" in err and "differs from the recomputed root" in err


def test_a_changed_event_is_named(cli, signed):
    with db.transaction(signed.engine) as conn:
        seq = conn.execute(text("SELECT MIN(seq) FROM event WHERE action = 'key.register'")).scalar_one()
    _tamper(signed.engine, "event", f"UPDATE event SET data = '{{\"key_id\":\"0000000000000000\"}}' WHERE seq = {seq}")
    assert f"verification FAILED at record {seq}: leaf hashes" in _failed(cli)


def test_a_deleted_entry_is_named(cli, signed):
    seq = _seq_of(signed.engine, "c-late")
    with db.transaction(signed.engine) as conn:
        for table in ("posting", "leaf", "entry"):
            for statement in drop_guard_statements(signed.engine.dialect.name, table):
                conn.execute(text(statement))
        conn.execute(text(f"DELETE FROM posting WHERE entry_seq = {seq}"))
        conn.execute(text(f"DELETE FROM entry WHERE seq = {seq}"))
    assert f"verification FAILED at record {seq}: log records: leaf of kind entry has no entry row" in _failed(cli)


def test_an_untampered_fund_verifies_and_reports_every_check(cli, signed):
    rows = json.loads(cli("--format", "json", "verify").stdout)
    by_check = {r["check"]: r for r in rows}
    assert all(r["status"] == "ok" for r in rows)
    assert by_check["entry balance"]["checked"] == 4 and by_check["checkpoints"]["checked"] == 1
