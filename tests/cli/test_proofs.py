"""`jointfund ledger proof|consistency|check-proof` and `jointfund keys|checkpoint` on both backends."""

import base64
import json
import os
import stat
from pathlib import Path

import pytest
from support import Book, cli_checkpoint_key, forgeries_of

FORGED_HEX = "ab" * 32


@pytest.fixture
def proven(cli, fund_engine, tmp_path) -> dict:
    """Entries signed by the first partner, more entries, then signed by the second: two checkpoints."""
    book = Book(fund_engine)
    first, second = book.partners[:2]
    keys = {p: tmp_path / f"{p.lower()}.key" for p in (first, second)}
    for p, path in keys.items():
        cli_checkpoint_key(cli, p, path)
    seqs = book.post(*(book.contribution(f"c-{i}", f"{10 + i}.00", i) for i in range(5)))
    cli("checkpoint", "--partner", first, "--key", str(keys[first]))
    (late,) = book.post(book.contribution("late", "99.99", 9, narration="Внесок — «late»"))
    cli("checkpoint", "--partner", second, "--key", str(keys[second]))
    cli(
        "trust", "export", "--no-checkpoint", "-o", str(tmp_path / "trust.json")
    )  # a verifier gets this out of band
    return {"book": book, "keys": keys, "late": late, "early": seqs[0], "dir": tmp_path}


def _proof(cli, seq: int, path: Path, *extra: str) -> dict:
    cli("ledger", "proof", str(seq), "-o", str(path), *extra)
    return json.loads(path.read_text())


def _check(cli, bundle: dict, path: Path, *trust: str):  # noqa: ANN202
    """check-proof of `bundle`, trusting the authority keys of the fixture's trust file unless told
    otherwise."""
    path.write_text(json.dumps(bundle))
    return cli(
        "ledger", "check-proof", str(path), *(trust or ("--trust", str(path.parent / "trust.json"))), ok=False
    )


def test_inclusion_proof_checks_and_every_forgery_is_rejected(cli, proven):
    d = proven["dir"]
    bundle = _proof(cli, proven["late"], d / "proof.json")
    assert bundle["record"].startswith('{"date":') and "«late»" in bundle["record"]
    ok = _check(cli, bundle, d / "ok.json")
    assert ok.exit_code == 0 and "proof OK" in ok.stderr

    record = bundle["record"].replace("99.99", "9.99")
    forgeries = {
        "record": {**bundle, "record_base64": base64.b64encode(record.encode()).decode(), "record": record},
        "path": {**bundle, "path": [FORGED_HEX, *bundle["path"][1:]]},
        "shorter path": {**bundle, "path": bundle["path"][:-1]},
        "index": {**bundle, "leaf_index": bundle["leaf_index"] - 1},
        "root": {**bundle, "checkpoint": {**bundle["checkpoint"], "root": FORGED_HEX}},
        "size": {
            **bundle,
            "checkpoint": {**bundle["checkpoint"], "tree_size": bundle["checkpoint"]["tree_size"] + 1},
        },
        "signature": {**bundle, "checkpoint": {**bundle["checkpoint"], "signature": "00" * 64}},
    }
    for what, forged in forgeries.items():
        r = _check(cli, forged, d / f"{what}.json")
        assert r.exit_code == 1 and "proof REJECTED" in r.stderr, what
    signature = _check(cli, forgeries["signature"], d / "sig.json").stderr
    assert "signature does not verify" in signature
    assert "audit path does not lead" in _check(cli, forgeries["record"], d / "rec.json").stderr


def test_proof_against_an_older_checkpoint_and_of_a_record_it_does_not_cover(cli, proven):
    d = proven["dir"]
    bundle = _proof(cli, proven["early"], d / "p1.json", "--checkpoint", "1")
    assert (
        bundle["checkpoint"]["tree_size"]
        < json.loads(cli("--format", "json", "ledger", "checkpoints").stdout)[1]["tree_size"]
    )
    assert _check(cli, bundle, d / "c1.json").exit_code == 0
    r = cli("ledger", "proof", str(proven["late"]), "--checkpoint", "1", ok=False)
    assert r.exit_code == 1 and "is later" in r.stderr
    r = cli("ledger", "proof", "100000", ok=False)
    assert r.exit_code == 1 and "no record 100000" in r.stderr


def test_consistency_between_two_checkpoints_and_a_forged_one(cli, proven):
    d = proven["dir"]
    cli("ledger", "consistency", "--from", "1", "--to", "2", "-o", str(d / "cons.json"))
    bundle = json.loads((d / "cons.json").read_text())
    assert bundle["old"]["tree_size"] < bundle["new"]["tree_size"]
    ok = cli("ledger", "check-proof", str(d / "cons.json"), "--trust", str(d / "trust.json"))
    assert "is a prefix of the log" in ok.stderr
    first, second = proven["book"].partners[:2]
    assert f"signed by {first} and {second}" in ok.stderr
    forgeries = {
        "path": {**bundle, "path": [FORGED_HEX, *bundle["path"][1:]]},
        "old root": {**bundle, "old": {**bundle["old"], "root": FORGED_HEX}},
        "new size": {**bundle, "new": {**bundle["new"], "tree_size": bundle["new"]["tree_size"] + 1}},
        "other fund": {**bundle, "new": {**bundle["new"], "fund_id": "another fund"}},
        "no path": {**bundle, "path": []},
    }
    for what, forged in forgeries.items():
        r = _check(cli, forged, d / f"{what}.json")
        assert r.exit_code == 1 and "proof REJECTED" in r.stderr, what
    backwards = cli("ledger", "consistency", "--from", "2", "--to", "1", ok=False)
    assert backwards.exit_code == 1 and "is newer than" in backwards.stderr


def test_check_proof_refuses_what_is_not_a_bundle(cli, tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_text("not json")
    assert "cannot read a JSON proof bundle" in cli("ledger", "check-proof", str(junk), ok=False).stderr
    junk.write_text('{"type": "poem"}')
    assert "expected 'inclusion' or 'consistency'" in cli("ledger", "check-proof", str(junk), ok=False).stderr


def test_proof_needs_a_checkpoint(cli, fund_engine):
    book = Book(fund_engine)
    (seq,) = book.post(book.contribution("c", "1.00", 1))
    r = cli("ledger", "proof", str(seq), ok=False)
    assert r.exit_code == 1 and "no signed checkpoint covers record" in r.stderr


# -- keys and checkpoints --


def test_keys_new_writes_mode_600_and_refuses_to_overwrite(cli, tmp_path, fund_engine):
    partner = Book(fund_engine).partners[0]
    out = tmp_path / "k.key"
    cli_checkpoint_key(cli, partner, out)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert b"PRIVATE KEY" in out.read_bytes() and b"PUBLIC KEY" in Path(f"{out}.pub").read_bytes()
    before = out.read_bytes()
    again = cli("keys", "new", "--out", str(out), ok=False)
    assert again.exit_code == 1 and "refusing to overwrite" in again.stderr
    assert out.read_bytes() == before
    listed = json.loads(cli("--format", "json", "keys", "list").stdout)
    assert [k["partner"] for k in listed] == [partner]
    # The fund stores the public key only.
    from sqlalchemy import text

    from jointfund.store import db

    with db.transaction(fund_engine) as conn:
        stored = " ".join(str(v) for row in conn.execute(text("SELECT * FROM partner_key")) for v in row)
    assert "PRIVATE" not in stored and "PUBLIC KEY" in stored


def test_keys_new_refuses_an_unknown_partner(cli, tmp_path):
    r = cli("keys", "new", "--partner", "ZZ", "--out", str(tmp_path / "z.key"), ok=False)
    assert r.exit_code == 1 and "not a partner of this fund" in r.stderr
    assert not (tmp_path / "z.key").exists()


def test_checkpoint_refuses_an_unregistered_key_or_another_partners_key(cli, tmp_path, fund_engine):
    book = Book(fund_engine)
    first, second = book.partners[:2]
    book.post(book.contribution("c", "1.00", 1))
    cli("keys", "new", "--out", str(tmp_path / "loose.key"))  # made, not registered
    r = cli("checkpoint", "--partner", first, "--key", str(tmp_path / "loose.key"), ok=False)
    assert r.exit_code == 1 and "is not registered" in r.stderr
    cli_checkpoint_key(cli, second, tmp_path / "second.key")
    r = cli("checkpoint", "--partner", first, "--key", str(tmp_path / "second.key"), ok=False)
    assert r.exit_code == 1 and f"belongs to partner {second}, not {first}" in r.stderr
    assert json.loads(cli("--format", "json", "ledger", "checkpoints").stdout) == []
    r = cli("keys", "register", "--partner", first, "--pubkey", str(tmp_path / "second.key.pub"), ok=False)
    assert r.exit_code == 1 and f"already registered to partner {second}" in r.stderr
    signed = json.loads(
        cli(
            "--format", "json", "checkpoint", "--partner", second, "--key", str(tmp_path / "second.key")
        ).stdout
    )
    assert signed[0]["partner"] == second


# -- issue 19, finding 2: forged bundles, and what the verifier trusts --


def test_every_listed_forgery_fails_in_the_cli_and_the_library(cli, proven):
    from jointfund.ledger import proof
    from jointfund.ledger.trust import load

    d = proven["dir"]
    first, second = proven["book"].partners[:2]
    bundle = _proof(cli, proven["late"], d / "proof.json")
    signer = bundle["checkpoint"]["partner"]
    other = first if signer == second else second
    trust = load(d / "trust.json")
    good = _check(cli, bundle, d / "good.json")
    assert good.exit_code == 0 and f"signed by {signer}" in good.stderr
    assert proof.check_inclusion(bundle, trust) == proof.Verdict(True, (), signer)
    # Without trusted keys nothing is OK, however self-consistent the bundle is.
    untrusted = _check(cli, bundle, d / "untrusted.json", "--key-id", "0123456789abcdef")
    assert untrusted.exit_code == 1 and "is not one you trust" in untrusted.stderr
    assert "have not said you trust" in cli("ledger", "check-proof", str(d / "good.json"), ok=False).stderr
    assert not proof.check_inclusion(bundle).ok
    # A trusted key id names the signer the trust names, never the bundle's field.
    kid = bundle["checkpoint"]["key_id"]
    assert f"signed by {signer}" in _check(cli, bundle, d / "k.json", "--key-id", f"{signer}={kid}").stderr
    assert proof.check_inclusion(bundle, trusted_key_ids={kid}).ok
    for what, forged in forgeries_of(bundle, other).items():
        r = _check(cli, forged, d / "forged.json")
        assert r.exit_code == 1 and "proof REJECTED" in r.stderr and "Traceback" not in r.stderr, what
        r = _check(cli, forged, d / "forged.json", "--key-id", f"{signer}={kid}")
        assert r.exit_code == 1 and "proof REJECTED" in r.stderr, what
        assert not proof.check_inclusion(forged, trust).ok, what
        assert not proof.check_inclusion(forged, trusted_key_ids={f"{signer}={kid}"}).ok, what
        bare = proof.check_inclusion(forged, trusted_key_ids={kid})  # a bare key id names no partner
        assert not bare.ok or (what == "partner renamed" and bare.signer == f"key {kid}"), what
    renamed = _check(cli, forgeries_of(bundle, other)["partner renamed"], d / "r.json").stderr
    assert f"the bundle names {other} as signer, but key {kid} is {signer}'s" in renamed
    claimed = _check(
        cli, forgeries_of(bundle, other)["fresh key claiming the real key id"], d / "c.json"
    ).stderr
    assert f"key_id {kid} is not the hash of the enclosed public key" in claimed
    readable = _check(cli, forgeries_of(bundle, other)["readable record differs"], d / "t.json").stderr
    assert "the readable record differs from record_base64" in readable


def test_a_trust_file_of_another_fund_or_with_forged_keys_is_refused(cli, proven):
    d = proven["dir"]
    trust = json.loads((d / "trust.json").read_text())
    bundle = _proof(cli, proven["late"], d / "proof.json")
    (d / "other.json").write_text(json.dumps({**trust, "fund_id": "another fund", "checkpoint_keys": []}))
    r = _check(cli, bundle, d / "b.json", "--trust", str(d / "other.json"))
    assert r.exit_code == 1 and "you trust fund another fund" in r.stderr
    (d / "other.json").write_text(
        json.dumps({**trust, "fund_id": "another fund"})
    )  # its keys' statements name this fund
    r = _check(cli, bundle, d / "b.json", "--trust", str(d / "other.json"))
    assert (
        r.exit_code == 1
        and "checkpoint_keys[0]: not a key.register statement signed by a trusted authority" in r.stderr
    )
    partner = next(iter(trust["authorities"]))
    bad = {
        **trust,
        "authorities": {
            **trust["authorities"],
            partner: {**trust["authorities"][partner], "key_id": "00" * 8},
        },
    }
    (d / "bad.json").write_text(json.dumps(bad))
    r = _check(cli, bundle, d / "b.json", "--trust", str(d / "bad.json"))
    assert r.exit_code == 1 and "key_id is not the hash of the public key" in r.stderr
