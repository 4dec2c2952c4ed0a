"""verify against tampering, on both backends: an attacker with database access drops the guard and edits
a stored row; `jointfund verify` exits 1 and names the record (or the checkpoint) that was changed."""

import json

import pytest
from sqlalchemy import text
from support import Book, cli_checkpoint_key

from jointfund import clock
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
    cli_checkpoint_key(cli, partner, tmp_path / "p.key")
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
    _tamper(
        signed.engine,
        "posting",
        f"UPDATE posting SET amount_minor = amount_minor + 1 WHERE entry_seq = {seq} AND line = 0",
    )
    err = _failed(cli)
    assert f"verification FAILED at record {seq}: entry balance: entry {seq} (c-1)" in err


def test_a_balanced_change_of_both_legs_is_still_caught_by_the_hashes_and_the_signed_root(cli, signed):
    seq = _seq_of(signed.engine, "c-0")
    with db.transaction(signed.engine) as conn:
        for statement in drop_guard_statements(signed.engine.dialect.name, "posting"):
            conn.execute(text(statement))
        conn.execute(
            text(
                "UPDATE posting SET amount_minor = amount_minor * 10, balance_after_minor = "
                "balance_after_minor * 10 "
                f"WHERE entry_seq = {seq}"
            )
        )
    err = _failed(cli)
    assert f"verification FAILED at record {seq}" in err
    table = cli("--format", "json", "verify", ok=False).stdout
    failed = {r["check"] for r in json.loads(table) if r["status"] == "FAILED"}
    assert {"leaf hashes", "checkpoints"} <= failed


def test_a_changed_running_balance_is_named(cli, signed):
    seq = _seq_of(signed.engine, "c-2")
    _tamper(
        signed.engine,
        "posting",
        f"UPDATE posting SET balance_after_minor = 1 WHERE entry_seq = {seq} AND line = 0",
    )
    assert f"verification FAILED at record {seq}: running balances" in _failed(cli)


def test_a_changed_narration_is_named(cli, signed):
    seq = _seq_of(signed.engine, "c-2")
    _tamper(signed.engine, "entry", f"UPDATE entry SET narration = 'nothing to see' WHERE seq = {seq}")
    assert f"verification FAILED at record {seq}: leaf hashes" in _failed(cli)


def test_a_changed_signature_names_the_checkpoint(cli, signed):
    _tamper(signed.engine, "checkpoint", "UPDATE checkpoint SET signature = '00' || substr(signature, 3)")
    err = _failed(cli)
    assert "checkpoints: checkpoint 1" in err and "signature does not verify" in err


def test_a_changed_root_names_the_checkpoint(cli, signed):
    _tamper(signed.engine, "checkpoint", "UPDATE checkpoint SET root = '" + "ab" * 32 + "'")
    err = _failed(cli)
    assert "checkpoints: checkpoint 1" in err and "differs from the recomputed root" in err


def test_a_changed_event_is_named(cli, signed):
    with db.transaction(signed.engine) as conn:
        seq = conn.execute(text("SELECT MIN(seq) FROM event WHERE action = 'key.register'")).scalar_one()
    _tamper(
        signed.engine,
        "event",
        f'UPDATE event SET data = \'{{"key_id":"0000000000000000"}}\' WHERE seq = {seq}',
    )
    assert f"verification FAILED at record {seq}: leaf hashes" in _failed(cli)


def test_a_deleted_entry_is_named(cli, signed):
    seq = _seq_of(signed.engine, "c-late")
    with db.transaction(signed.engine) as conn:
        for table in ("posting", "leaf", "entry"):
            for statement in drop_guard_statements(signed.engine.dialect.name, table):
                conn.execute(text(statement))
        conn.execute(text(f"DELETE FROM posting WHERE entry_seq = {seq}"))
        conn.execute(text(f"DELETE FROM entry WHERE seq = {seq}"))
    assert (
        f"verification FAILED at record {seq}: log records: leaf of kind entry has no entry row"
        in _failed(cli)
    )


def test_an_untampered_fund_verifies_and_reports_every_check(cli, signed):
    rows = json.loads(cli("--format", "json", "verify").stdout)
    by_check = {r["check"]: r for r in rows}
    assert all(r["status"] == "ok" for r in rows)
    assert by_check["entry balance"]["checked"] == 4 and by_check["checkpoints"]["checked"] == 1


# -- the log split across processes: the same report as one pass --


def _spread(book: Book, tmp_path, cli) -> list[int]:  # noqa: ANN001
    """Forty entries over two accounts in two currencies, a reversal and a checkpoint in the middle; their
    seqs."""
    book.post(
        *(
            book.contribution(
                f"s-{i}", f"{10 + i}.00", 1 + i % 5, currency=book.other if i % 4 == 0 else None
            )
            for i in range(20)
        )
    )
    partner = book.partners[0]
    cli_checkpoint_key(cli, partner, tmp_path / "s.key")
    cli("checkpoint", "--partner", partner, "--key", str(tmp_path / "s.key"))
    with db.write(book.engine) as conn:
        journal.reverse(conn, _seq_of(book.engine, "s-3"), book.day(6), "s-3-undo", book.start)
    book.post(*(book.contribution(f"t-{i}", f"{20 + i}.00", 6 + i % 3) for i in range(19)))
    with db.transaction(book.engine) as conn:
        return [s for (s,) in conn.execute(text("SELECT seq FROM entry ORDER BY seq"))]


TAMPERS = {
    "running balances across the spans": "UPDATE posting SET balance_after_minor = balance_after_minor + 1 WHERE entry_seq IN ({seqs})",  # noqa: E501 - data kept on one line, as the file holds it
    "amounts": "UPDATE posting SET amount_minor = amount_minor + 7 WHERE line = 1 AND entry_seq IN ({seqs})",
    "dates": "UPDATE posting SET date = '1999-01-01' WHERE line = 0 AND entry_seq IN ({seqs})",
    "leaves": "DELETE FROM leaf WHERE seq IN ({seqs})",
    "entries": "DELETE FROM posting WHERE entry_seq IN ({seqs}); DELETE FROM entry WHERE seq IN ({seqs})",
    "entry rows, keeping their postings": "DELETE FROM entry WHERE seq IN ({tail})",
    "the last entry rows, keeping their postings": "DELETE FROM entry WHERE seq IN ({end})",
    "reversed entry": "UPDATE posting SET amount_minor = amount_minor * 2, balance_after_minor = 0 WHERE entry_seq = {reversed}",  # noqa: E501 - data kept on one line, as the file holds it
    # The heads are checked against what the spans' scans joined: where each key's last posting left it.
    "account heads": "UPDATE account_head SET balance_minor = balance_minor + 3 WHERE account_id IN (SELECT account_id FROM posting WHERE entry_seq IN ({seqs}) AND line = 0); UPDATE account_head SET last_seq = last_seq - 1 WHERE account_id IN (SELECT account_id FROM posting WHERE entry_seq IN ({seqs}) AND line = 1)",  # noqa: E501 - data kept on one line, as the file holds it
}


def _tamper_all(conn, sql: str) -> None:  # noqa: ANN001
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SET LOCAL session_replication_role = replica"
        )  # foreign keys off, as an attacker would
    for t in ("posting", "entry", "leaf"):
        for statement in drop_guard_statements(conn.dialect.name, t):
            conn.execute(text(statement))
    for statement in sql.split("; "):
        conn.execute(text(statement))


@pytest.mark.parametrize("tamper", [None, *TAMPERS])
def test_verify_on_several_processes_reports_exactly_what_one_pass_reports(
    cli, fund_engine, tmp_path, tamper
):
    book = Book(fund_engine)
    seqs = _spread(book, tmp_path, cli)
    if tamper is not None:
        sql = TAMPERS[tamper]
        chosen = ", ".join(
            str(s) for s in seqs[::6]
        )  # spread over the log, so some sit at the edges of the spans
        reversed_seq = _seq_of(fund_engine, "s-3")
        tail = ", ".join(
            str(s) for s in seqs[len(seqs) // 3 : -1]
        )  # orphan postings over several spans, one entry after
        end = ", ".join(str(s) for s in seqs[len(seqs) // 2 :])  # and with none after
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
    if tamper == "account heads":  # only the heads moved (and the guards _tamper_all drops): nothing else
        assert {r.check for r in one.results if r.failures} == {"account heads", "database guards"}


def test_the_progress_of_a_split_verify_counts_every_record_once(cli, fund_engine, tmp_path):
    """Every span is scanned in a worker while the parent runs the domains' checks (issue 13); the bar still
    moves by exactly the records scanned, however the log is split."""
    book = Book(fund_engine)
    _spread(book, tmp_path, cli)
    with db.transaction(fund_engine) as conn:
        records = conn.execute(text("SELECT count(*) FROM leaf")).scalar_one()
    one = verify(fund_engine, workers=1)
    for workers in (1, 2, 3):
        steps: list[int] = []
        assert verify(fund_engine, progress=steps.append, workers=workers) == one, workers
        assert sum(steps) == records and all(n > 0 for n in steps), (workers, steps)


def test_the_verify_bar_runs_no_thread_on_a_terminal_so_verify_may_fork(monkeypatch):
    """rich's bar redraws from a thread of its own on a terminal, and verify keeps to one process while
    another thread runs (forking one is unsafe): the verify bar redraws as it is advanced instead."""
    import io
    import threading

    from jointfund.cli.progress import bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    before = set(threading.enumerate())  # other tests' threads may linger: only new ones count here
    with bar("verifying", total=10) as advance:
        advance(1)
        refresh = set(threading.enumerate()) - before
        assert refresh  # the usual bar: its refresh thread (what verify must not meet)
    # A stopped thread stays listed until it has finished unwinding: wait for the first bar's, so that only a
    # thread of the second bar can count below (CI once saw the first one, stopped, still listed).
    for thread in refresh:
        thread.join(timeout=10)
    before = set(threading.enumerate())
    with bar("verifying", total=10, forks=True) as advance:
        advance(3)
        assert not set(threading.enumerate()) - before
    assert "3/10" in screen.getvalue()  # drawn when advanced, with no thread to draw it


# -- issue 19: verify trusts nothing the operator could rewrite alone --


def _trust(cli, tmp_path, *extra: str):  # noqa: ANN001, ANN202
    """The trust file a partner would hand a verifier out of band, made before the tampering."""
    path = tmp_path / "trust.json"
    cli("trust", "export", "-o", str(path), *extra)
    return path


def test_without_trust_verify_says_it_checked_consistency_only_and_warns_of_unsigned_records(
    cli, signed, tmp_path
):
    r = cli("verify")
    assert "internal consistency only" in r.stderr
    assert (
        "warning: the newest 1 record(s)" in r.stderr
        and "are not covered by any signed checkpoint" in r.stderr
    )
    anchored = cli("verify", "--trust", str(_trust(cli, tmp_path)))
    assert "anchored in the keys of" in anchored.stderr and "internal consistency only" not in anchored.stderr


def test_nothing_signed_is_a_warning_with_the_count(cli, fund_engine):
    book = Book(fund_engine)
    book.post(book.contribution("c", "1.00", 1))
    r = cli("verify")
    assert "warning: nothing is signed: none of the" in r.stderr


def test_a_partner_key_row_changed_to_an_attackers_key_and_a_checkpoint_it_signed_fail(cli, signed, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from jointfund.ledger import log
    from jointfund.ledger.checkpoint import Checkpoint, public_pem

    partner = signed.partners[0]
    attacker = Ed25519PrivateKey.generate()
    with db.transaction(signed.engine) as conn:
        kid = conn.execute(
            text("SELECT key_id FROM partner_key WHERE partner = :w"), {"w": partner}
        ).scalar_one()
        for statement in drop_guard_statements(signed.engine.dialect.name, "partner_key"):
            conn.execute(text(statement))
        # The attacker's public key under the registered key's id: the stored signature check would follow it.
        conn.execute(
            text("UPDATE partner_key SET public_pem = :p WHERE partner = :w"),
            {"p": public_pem(attacker.public_key()), "w": partner},
        )
        n, head = log.tree_head(conn)
        cp = Checkpoint(signed.fund.id, n, head.hex(), clock.now(), partner, kid)
        cp = cp._replace(signature_hex=attacker.sign(cp.message()).hex())
        conn.execute(
            text(
                "INSERT INTO checkpoint (partner, key_id, tree_size, root, signed_at, signature) "
                "VALUES (:p, :k, :n, :r, :s, :g)"
            ),
            {"p": partner, "k": kid, "n": n, "r": cp.root_hex, "s": cp.signed_at, "g": cp.signature_hex},
        )
    err = _failed(cli)
    report = cli("--format", "json", "verify", ok=False).stdout
    chain = next(r for r in json.loads(report) if r["check"] == "authority chain")
    assert (
        chain["status"] == "FAILED"
        and f"partner_key row {kid} differs from its logged key.register" in chain["detail"]
    )
    assert "trigger partner_key_no_delete is missing" in report
    assert "verification FAILED" in err


def test_deleted_checkpoints_and_a_deleted_signed_tail_fail_against_the_trusted_checkpoint(
    cli, signed, tmp_path
):
    trust = _trust(cli, tmp_path)
    with db.transaction(signed.engine) as conn:
        for statement in drop_guard_statements(signed.engine.dialect.name, "checkpoint"):
            conn.execute(text(statement))
        conn.execute(text("DELETE FROM checkpoint"))
    r = cli("--format", "json", "verify", "--trust", str(trust), ok=False)
    anchor = next(x for x in json.loads(r.stdout) if x["check"] == "trust anchor")
    assert (
        r.exit_code == 1
        and "is missing from the database's checkpoints: a signed checkpoint was deleted" in anchor["detail"]
    )
    assert "warning: nothing is signed" in r.stderr
    # The signed tail goes too, with every guard dropped: the log is shorter than what the verifier saw.
    seq = _seq_of(signed.engine, "c-late")
    with db.transaction(signed.engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in ("posting", "entry", "leaf", "tree_node"):
            for statement in drop_guard_statements(signed.engine.dialect.name, table):
                conn.execute(text(statement))
        for table, column in (("posting", "entry_seq"), ("entry", "seq"), ("leaf", "seq")):
            conn.execute(text(f"DELETE FROM {table} WHERE {column} >= {seq - 1}"))
    r = cli("--format", "json", "verify", "--trust", str(trust), ok=False)
    anchor = next(x for x in json.loads(r.stdout) if x["check"] == "trust anchor")
    assert anchor["status"] == "FAILED" and "records were removed" in anchor["detail"], anchor


def test_a_genesis_naming_other_authority_keys_fails_against_the_trusted_ones(cli, signed, tmp_path):
    trust = json.loads(_trust(cli, tmp_path, "--no-checkpoint").read_text())
    partner = next(iter(trust["authorities"]))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from jointfund.ledger.checkpoint import key_id, public_pem

    other = Ed25519PrivateKey.generate().public_key()
    trust["authorities"][partner] = {"key_id": key_id(other), "public_pem": public_pem(other)}
    trust["checkpoint_keys"] = []
    (tmp_path / "other.json").write_text(json.dumps(trust))
    r = cli("--format", "json", "verify", "--trust", str(tmp_path / "other.json"), ok=False)
    anchor = next(x for x in json.loads(r.stdout) if x["check"] == "trust anchor")
    assert (
        anchor["status"] == "FAILED"
        and f"the genesis record names {partner}'s authority key" in anchor["detail"]
    )


def test_a_member_seated_by_editing_the_database_breaks_the_authority_chain(cli, signed, tmp_path):
    """Finding 1 past the application: rows and a log event written directly, without the partner's
    statement."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from jointfund.ledger import log
    from jointfund.ledger.checkpoint import key_id, public_pem

    pem = public_pem(Ed25519PrivateKey.generate().public_key())
    partner = signed.partners[1]
    data = {
        "member": 1,
        "body": "board",
        "partner": partner,
        "seat": 1,
        "name": "evil",
        "key_id": key_id(Ed25519PrivateKey.generate().public_key()),
        "public_pem": pem,
        "appointed_on": signed.start.isoformat(),
    }
    with db.write(signed.engine) as conn:
        seq = log.append_event(conn, "admin", "member.appoint", "member:1", data)
        conn.execute(
            text(
                "INSERT INTO member (id, body, partner, seat, name, key_id, public_pem, appointed_on, seq) "
                "VALUES (1, 'board', :p, 1, 'evil', :k, :pem, :d, :s)"
            ),
            {"p": partner, "k": data["key_id"], "pem": pem, "d": signed.start, "s": seq},
        )
    err = _failed(cli)
    assert (
        f"authority chain: member 1 (evil, key {data['key_id']}) of {partner}: it carries no statement" in err
    )


def test_the_administrator_alone_cannot_take_over_joint_management(cli, signed, tmp_path):
    """Finding 1 through the commands: seats, removals and checkpoint keys without the partners' authority
    keys."""
    partner = signed.partners[1]
    cli("users", "add", "admin", "--role", "administrator", "--password", "long enough pw")
    as_admin = lambda *a: cli("--user", "admin", *a, ok=False)  # noqa: E731
    cli("keys", "new", "--out", str(tmp_path / "evil.key"))
    cli("keys", "new", "--out", str(tmp_path / "fake-authority.key"))
    for attempt in (
        [
            "members",
            "appoint",
            "--partner",
            partner,
            "--name",
            "evil",
            "--body",
            "board",
            "--pubkey",
            str(tmp_path / "evil.key.pub"),
        ],
        [
            "members",
            "appoint",
            "--partner",
            partner,
            "--name",
            "evil",
            "--body",
            "board",
            "--pubkey",
            str(tmp_path / "evil.key.pub"),
            "--authority-key",
            str(tmp_path / "fake-authority.key"),
        ],
        ["keys", "register", "--partner", partner, "--pubkey", str(tmp_path / "evil.key.pub")],
        [
            "keys",
            "register",
            "--partner",
            partner,
            "--pubkey",
            str(tmp_path / "evil.key.pub"),
            "--authority-key",
            str(tmp_path / "fake-authority.key"),
        ],
        ["keys", "new", "--partner", partner, "--out", str(tmp_path / "rogue.key")],
    ):
        r = as_admin(*attempt)
        assert r.exit_code == 1 and "authority key" in r.stderr and "Traceback" not in r.stderr, attempt
    r = as_admin("checkpoint", "--partner", partner, "--key", str(tmp_path / "evil.key"))
    assert r.exit_code == 1 and "is not registered" in r.stderr
    assert json.loads(cli("--format", "json", "members", "list").stdout) == []
    assert {k["partner"] for k in json.loads(cli("--format", "json", "keys", "list").stdout)} == {
        signed.partners[0]
    }
    cli("verify")
