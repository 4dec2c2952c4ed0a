"""verify against tampering, on both backends: an attacker with database access drops the guard and edits
a stored row; `jointfund verify` exits 1 and names the record (or the checkpoint) that was changed."""

import json

import pytest
from sqlalchemy import text
from support import Book

from jointfund.ledger import journal
from jointfund.store import db
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify


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


# -- the log split across processes: the same report as one pass --

def _spread(book: Book, tmp_path, cli) -> list[int]:  # noqa: ANN001
    """Forty entries over two accounts in two currencies, a reversal and a checkpoint in the middle; their seqs."""
    book.post(*(book.contribution(f"s-{i}", f"{10 + i}.00", 1 + i % 5, currency=book.other if i % 4 == 0 else None)
                for i in range(20)))
    partner = book.partners[0]
    cli("keys", "new", "--partner", partner, "--out", str(tmp_path / "s.key"))
    cli("checkpoint", "--partner", partner, "--key", str(tmp_path / "s.key"))
    with db.write(book.engine) as conn:
        journal.reverse(conn, _seq_of(book.engine, "s-3"), book.day(6), "s-3-undo", book.start)
    book.post(*(book.contribution(f"t-{i}", f"{20 + i}.00", 6 + i % 3) for i in range(19)))
    with db.transaction(book.engine) as conn:
        return [s for (s,) in conn.execute(text("SELECT seq FROM entry ORDER BY seq"))]


TAMPERS = {
    "running balances across the spans": "UPDATE posting SET balance_after_minor = balance_after_minor + 1 WHERE entry_seq IN ({seqs})",
    "amounts": "UPDATE posting SET amount_minor = amount_minor + 7 WHERE line = 1 AND entry_seq IN ({seqs})",
    "dates": "UPDATE posting SET date = '1999-01-01' WHERE line = 0 AND entry_seq IN ({seqs})",
    "leaves": "DELETE FROM leaf WHERE seq IN ({seqs})",
    "entries": "DELETE FROM posting WHERE entry_seq IN ({seqs}); DELETE FROM entry WHERE seq IN ({seqs})",
    "entry rows, keeping their postings": "DELETE FROM entry WHERE seq IN ({tail})",
    "the last entry rows, keeping their postings": "DELETE FROM entry WHERE seq IN ({end})",
    "reversed entry": "UPDATE posting SET amount_minor = amount_minor * 2, balance_after_minor = 0 WHERE entry_seq = {reversed}",
}


def _tamper_all(conn, sql: str) -> None:  # noqa: ANN001
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # foreign keys off, as an attacker would
    for t in ("posting", "entry", "leaf"):
        for statement in drop_guard_statements(conn.dialect.name, t):
            conn.execute(text(statement))
    for statement in sql.split("; "):
        conn.execute(text(statement))


@pytest.mark.parametrize("tamper", [None, *TAMPERS])
def test_verify_on_several_processes_reports_exactly_what_one_pass_reports(cli, fund_engine, tmp_path, tamper):
    book = Book(fund_engine)
    seqs = _spread(book, tmp_path, cli)
    if tamper is not None:
        sql = TAMPERS[tamper]
        chosen = ", ".join(str(s) for s in seqs[::6])  # spread over the log, so some sit at the edges of the spans
        reversed_seq = _seq_of(fund_engine, "s-3")
        tail = ", ".join(str(s) for s in seqs[len(seqs) // 3:-1])  # orphan postings over several spans, one entry after
        end = ", ".join(str(s) for s in seqs[len(seqs) // 2:])  # and with none after
        with fund_engine.connect() as conn:
            if fund_engine.dialect.name == "sqlite":  # outside a transaction, or SQLite ignores it
                conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
            with conn.begin():
                _tamper_all(conn, sql.format(seqs=chosen, tail=tail, end=end, reversed=reversed_seq))
    one = verify(fund_engine, workers=1)
    for workers in (2, 3, 5):
        assert verify(fund_engine, workers=workers) == one, workers
    assert one.ok == (tamper is None)
    if tamper is not None:
        assert one.first_failure is not None and one.first_failure.seq is not None
