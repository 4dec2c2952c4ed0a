"""Rotating a partner's checkpoint key: register the new key, retire the old one, both through the partner's
authority key. A retired key signs no later checkpoint, its earlier checkpoints stay valid, and verify names a
checkpoint made with it after its retirement (issue 19: registering or rotating a checkpoint key)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert, text
from support import Book, cli_ceremony, cli_checkpoint_key

from jointfund.ledger import authority, checkpoint, log
from jointfund.store import db
from jointfund.store import tables as t

pytestmark = pytest.mark.storage


def _kid(path) -> str:  # noqa: ANN001
    return checkpoint.key_id(checkpoint.load_private(path).public_key())


def test_rotation_retires_the_old_key_and_keeps_its_checkpoints(cli, fund_engine, tmp_path):
    book = Book(fund_engine)
    book.post(book.contribution("c-1", "100.00", 1))
    partner = book.partners[0]
    old, new = tmp_path / "old.key", tmp_path / "new.key"
    cli_checkpoint_key(cli, partner, old)
    cli("checkpoint", "--partner", partner, "--key", str(old))
    keys = cli_ceremony(cli, tmp_path)
    cli_checkpoint_key(cli, partner, new)

    # Not without the partner's authority; not as another partner; not an unknown key.
    r = cli("keys", "retire", _kid(old), "--partner", partner, ok=False)
    assert r.exit_code == 1 and "authority key" in r.stderr and "Traceback" not in r.stderr
    other = next(p for p in book.partners if p != partner)
    r = cli("keys", "retire", _kid(old), "--partner", other, "--authority-key", str(keys[other]), ok=False)
    assert r.exit_code == 1 and "not a registered checkpoint key of" in r.stderr
    r = cli("keys", "retire", _kid(old), "--partner", partner, "--authority-key", str(keys[other]), ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr

    done = cli("keys", "retire", _kid(old), "--partner", partner, "--authority-key", str(keys[partner]))
    assert "retired at record" in done.stdout + done.stderr
    again = cli(
        "keys", "retire", _kid(old), "--partner", partner, "--authority-key", str(keys[partner]), ok=False
    )
    assert again.exit_code == 1 and "already retired" in again.stderr
    listed = {k["key_id"]: k for k in json.loads(cli("--format", "json", "keys", "list").stdout)}
    assert (
        listed[_kid(old)]["retired_at_record"] is not None and listed[_kid(new)]["retired_at_record"] is None
    )

    r = cli("checkpoint", "--partner", partner, "--key", str(old), ok=False)
    assert r.exit_code == 1 and "was retired" in r.stderr
    cli("checkpoint", "--partner", partner, "--key", str(new))
    cli("verify")  # the old key's earlier checkpoint still holds


def test_verify_names_a_checkpoint_forged_with_a_retired_key(cli, fund_engine, tmp_path):
    book = Book(fund_engine)
    book.post(book.contribution("c-1", "100.00", 1))
    partner = book.partners[0]
    old = tmp_path / "old.key"
    cli_checkpoint_key(cli, partner, old)
    keys = cli_ceremony(cli, tmp_path)
    cli("keys", "retire", _kid(old), "--partner", partner, "--authority-key", str(keys[partner]))
    # Whoever kept the retired key signs a checkpoint straight into the database, past the domain's refusal.
    private = checkpoint.load_private(old)
    with db.write(fund_engine) as conn:
        fund_id = conn.execute(text("SELECT id FROM fund")).scalar_one()
        n, head = log.tree_head(conn)
        cp = checkpoint.sign(
            checkpoint.Checkpoint(fund_id, n, head.hex(), log.clock.now(), partner, _kid(old)), private
        )
        conn.execute(
            insert(t.checkpoint).values(
                partner=partner,
                key_id=cp.key_id,
                tree_size=n,
                root=cp.root_hex,
                signed_at=cp.signed_at,
                signature=cp.signature_hex,
            )
        )
    r = cli("--format", "json", "verify", ok=False)
    chain = next(c for c in json.loads(r.stdout) if c["check"] == "authority chain")
    assert chain["status"] == "FAILED" and "retired" in chain["detail"], chain


def test_a_retirement_without_its_authority_statement_is_named(cli, fund_engine, tmp_path):
    book = Book(fund_engine)
    book.post(book.contribution("c-1", "100.00", 1))
    partner = book.partners[0]
    old = tmp_path / "old.key"
    cli_checkpoint_key(cli, partner, old)
    with db.write(fund_engine) as conn:
        log.append_event(conn, "admin", log.KEY_RETIRE, f"partner:{partner}", {"key_id": _kid(old)})
    r = cli("--format", "json", "verify", ok=False)
    chain = next(c for c in json.loads(r.stdout) if c["check"] == "authority chain")
    assert chain["status"] == "FAILED" and "retirement of checkpoint key" in chain["detail"]
    assert authority.KINDS["key.retire"] == ("key_id",)
