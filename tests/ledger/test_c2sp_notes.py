"""C2SP checkpoint notes (issue 18): what jointfund signs, checked by the independent verifier
(c2sp_verifier.py,
written from the C2SP text and importing nothing of jointfund); forged notes fail it and jointfund alike."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support import Book, cli_checkpoint_key

from jointfund.ledger import checkpoint_note, note
from jointfund.store import db

from . import c2sp_verifier as ref

SPEC_EXAMPLE = (  # signed-note's own example: a note text with an empty line inside
    "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
)


@pytest.fixture
def signed(cli, fund_engine, tmp_path):  # noqa: ANN001, ANN201
    """A fund with two entries, its head signed as a note by both partners."""
    book = Book(fund_engine)
    book.post(*(book.contribution(f"c-{i}", f"{100 + i}.00", i + 1) for i in range(2)))
    for p in book.partners:
        cli_checkpoint_key(cli, p, tmp_path / f"{p}.key")
    for p in book.partners:
        cli("checkpoint", "--partner", p, "--key", str(tmp_path / f"{p}.key"))
    book.keydir = tmp_path
    return book


def _vkeys(cli) -> list[str]:  # noqa: ANN001
    return cli("keys", "show", "--verifier").stdout.split()


def test_key_id_is_the_spec_formula():
    key = Ed25519PrivateKey.generate()
    raw = note.raw_public(key.public_key())
    expected = hashlib.sha256(b"example.com/log\n\x01" + raw).digest()[:4]
    v = note.verifier("example.com/log", key.public_key())
    assert v.key_id == expected == ref.key_id("example.com/log", 1, raw)
    assert v.vkey() == f"example.com/log+{expected.hex()}+" + base64.b64encode(b"\x01" + raw).decode()
    assert note.parse_vkey(v.vkey()) == v


def test_a_note_signed_here_verifies_there_and_back():
    key = Ed25519PrivateKey.generate()
    sig = note.sign(SPEC_EXAMPLE, "quasimodo.example/salvatore", key)
    text = note.Note(SPEC_EXAMPLE, (sig,)).render()
    vk = note.verifier("quasimodo.example/salvatore", key.public_key()).vkey()
    assert ref.verify_note(text.encode(), [vk]) == (SPEC_EXAMPLE.encode(), ["quasimodo.example/salvatore"])
    parsed = note.parse(text)
    assert parsed.text == SPEC_EXAMPLE  # the LAST blank line separates the signatures
    assert note.verified(parsed, [note.parse_vkey(vk)])[0][1] == sig


def test_the_funds_checkpoint_note_verifies_independently(signed, cli):
    out = cli("checkpoint", "note").stdout
    vkeys = _vkeys(cli)
    assert len(vkeys) == 2
    origin = signed.terms.transparency.origin_for(signed.fund.id)
    assert all(v.startswith(origin + "+") for v in vkeys)
    size, root, signers = ref.verify_checkpoint(out.encode(), vkeys, origin)
    assert signers == [origin, origin]  # both partners' keys (one name: the origin; two key IDs)
    from jointfund.ledger import log

    with db.transaction(signed.engine) as conn:
        assert (size, root) == log.tree_head(conn)
    # the same note from `checkpoint --format note` when a partner signs again
    p = signed.partners[0]
    again = cli(
        "checkpoint", "--partner", p, "--key", str(signed.keydir / f"{p}.key"), "--format", "note"
    ).stdout
    assert again == out


@pytest.mark.parametrize("forgery", ["size", "root", "key id", "fork"])
def test_forged_notes_fail_both_verifiers(signed, cli, forgery):
    out = cli("checkpoint", "note").stdout
    vkeys = _vkeys(cli)
    origin = signed.terms.transparency.origin_for(signed.fund.id)
    text, sigs = out.split("\n\n")
    lines = text.split("\n")
    if forgery == "size":
        lines[1] = str(int(lines[1]) + 1)
        forged = "\n".join(lines) + "\n\n" + sigs
    elif forgery == "root":  # the root of a fork: same size, another history
        lines[2] = base64.b64encode(hashlib.sha256(b"fork").digest()).decode()
        forged = "\n".join(lines) + "\n\n" + sigs
    elif forgery == "key id":  # a forger's key under the partners' name: its signature lines are unknown keys
        forger = Ed25519PrivateKey.generate()
        sig = note.sign(text + "\n", origin, forger)
        forged = text + "\n\n" + sig.line()
    else:  # a fork signed by a forger who claims a partner's key ID
        forger = Ed25519PrivateKey.generate()
        body = note.CheckpointBody(origin, int(lines[1]), hashlib.sha256(b"fork").digest())
        good = note.parse_vkey(vkeys[0])
        sig = note.sign(body.text(), origin, forger)._replace(key_id=good.key_id)
        forged = body.text() + "\n" + sig.line()
    with pytest.raises(ref.Rejected):
        ref.verify_checkpoint(forged.encode(), vkeys, origin)
    with pytest.raises(note.NoteError):
        note.verified(note.parse(forged), [note.parse_vkey(v) for v in vkeys])


def test_a_key_from_the_note_alone_is_not_trusted(signed, cli):
    """Trust comes from the verifier's own keys: a note signed by a key nobody trusts verifies with
    nothing."""
    out = cli("checkpoint", "note").stdout
    other = note.verifier(
        signed.terms.transparency.origin_for(signed.fund.id), Ed25519PrivateKey.generate().public_key()
    )
    with pytest.raises(note.NoteError, match="no signature by a key you trust"):
        note.verified(note.parse(out), [other])
    with pytest.raises(ref.Rejected):
        ref.verify_note(out.encode(), [other.vkey()])


def test_cosignature_verifies_independently():
    witness = Ed25519PrivateKey.generate()
    body = note.CheckpointBody("example.com/log", 5, hashlib.sha256(b"r").digest())
    cosig = note.cosign(body.text(), "witness.example/w1", witness, 1_679_315_147)
    assert note.cosignature_time(cosig) == 1_679_315_147 and len(cosig.signature) == 72
    vk = note.verifier("witness.example/w1", witness.public_key(), note.COSIGNATURE_V1).vkey()
    rendered = note.checkpoint_note(body, [cosig]).render().encode()
    assert ref.verify_note(rendered, [vk])[1] == ["witness.example/w1"]
    # the cosigned message is the spec's: header, time line, then the note body
    witness.public_key().verify(
        cosig.signature[8:], b"cosignature/v1\ntime 1679315147\n" + body.text().encode()
    )
    moved = note.Signature(cosig.name, cosig.key_id, (1_679_315_148).to_bytes(8, "big") + cosig.signature[8:])
    with pytest.raises(ref.Rejected):
        ref.verify_note(note.checkpoint_note(body, [moved]).render().encode(), [vk])
    assert not note.signature_valid(body.text(), moved, note.parse_vkey(vk))


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("a\n1\nAA==\n\n— a AAAAAAA=\n", "root hash"),
        ("a\n01\n" + base64.b64encode(bytes(32)).decode() + "\n\n— a AAAAAAA=\n", "leading zeroes"),
        ("a\n1\n" + base64.b64encode(bytes(32)).decode() + "\n", "blank line"),
        ("a\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n— a b\tc\n", "control"),
    ],
)
def test_malformed_notes_are_refused_with_a_reason(bad, match):
    with pytest.raises(note.NoteError, match=match):
        note.parse_checkpoint(note.parse(bad).text)


def test_v1_checkpoints_still_verify_and_verify_checks_the_notes(signed, cli):
    r = cli("verify")
    assert "checkpoint notes" in r.stdout
    with db.transaction(signed.engine) as conn:
        heads = checkpoint_note.signed_heads(conn, signed.fund.id)
    assert set(heads[-1].partners) == set(signed.partners)


def _tamper(engine, table: str, sql: str) -> None:  # noqa: ANN001
    from sqlalchemy import text

    from jointfund.store.triggers import drop_guard_statements

    with db.transaction(engine) as conn:
        for statement in drop_guard_statements(engine.dialect.name, table):
            conn.execute(text(statement))
        assert conn.execute(text(sql)).rowcount >= 1


def test_verify_names_a_note_signature_that_was_altered(signed, cli):
    forged = base64.b64encode(bytes(68)).decode()
    _tamper(signed.engine, "checkpoint", f"UPDATE checkpoint SET note_signature = '{forged}' WHERE id = 1")
    r = cli("verify", ok=False)
    assert (
        r.exit_code == 1 and "checkpoint notes" in r.stderr and "note signature does not verify" in r.stderr
    )


def test_the_database_keeps_notes_and_cosignatures_append_only(signed):
    import datetime as dt

    from sqlalchemy import insert, text
    from sqlalchemy.exc import DBAPIError

    from jointfund.store import tables as t

    with db.write(signed.engine) as conn:
        conn.execute(
            insert(t.cosignature).values(
                tree_size=1,
                root="00" * 32,
                name="w.example",
                key_id="00000000",
                timestamp=1,
                signature="AA==",
                received_at=dt.datetime.now(dt.UTC),
            )
        )
    for sql in (
        "UPDATE cosignature SET timestamp = 2",
        "DELETE FROM cosignature",
        "UPDATE checkpoint SET note_signature = NULL",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.transaction(signed.engine) as conn:
            conn.execute(text(sql))
    # and verify names a cosignature by a witness the terms do not name
    from conftest import Cli

    r = Cli(signed.engine.url.render_as_string(hide_password=False))("verify", ok=False)
    assert r.exit_code == 1 and "not a witness the terms name" in r.stderr


def test_command_line_mistakes_are_sentences(signed, cli):
    r = cli("checkpoint", ok=False)
    assert (
        r.exit_code != 0 and "--partner" in r.stderr and "--key" in r.stderr and "Traceback" not in r.stderr
    )
    r = cli("keys", "show", "0123456789abcdef", ok=False)
    assert r.exit_code != 0 and "no registered checkpoint key" in r.stderr
    r = cli("checkpoint", "cosign", "--witness", "http://127.0.0.1:9", ok=False)
    assert r.exit_code != 0 and "the terms name no witness" in r.stderr
    r = cli("checkpoint", "note", "--size", "999999", ok=False)
    assert r.exit_code != 0 and "no checkpoint note of size 999999" in r.stderr


def test_witness_key_prints_a_cosignature_verifier_key(cli, tmp_path):
    cli("keys", "new", "--out", str(tmp_path / "w.key"))
    vkey = cli(
        "witness", "key", "--name", "witness.example/w1", "--key", str(tmp_path / "w.key")
    ).stdout.strip()
    name, kid, sig_type, pub = ref.parse_vkey(vkey)
    assert (name, sig_type) == ("witness.example/w1", 0x04) and kid == ref.key_id(name, 0x04, pub)


@pytest.mark.parametrize(
    ("line", "value", "match"),
    [
        ('origin = "urif.example/ledger/{fund_id}"', 'origin = "urif example"', "transparency.origin"),
        ('origin = "urif.example/ledger/{fund_id}"', 'origin = "a+b"', "transparency.origin"),
        ("witnesses = []", 'witnesses = ["not a key"]', "verifier key"),
        ("witnesses_required = 1", "witnesses_required = -1", "witnesses_required"),
    ],
)
def test_the_terms_transparency_section_is_checked(line, value, match):
    from jointfund.errors import InputError
    from jointfund.terms import load_text, shipped_text

    text = shipped_text()
    assert line in text
    with pytest.raises(InputError) as info:
        load_text(text.replace(line, value), "urif.toml")
    assert match in str(info.value.problems)


def test_which_records_are_public_comes_from_the_terms():
    from jointfund.terms import load_text, shipped_text

    t = load_text(shipped_text(), "urif.toml").transparency
    assert t.origin_for("f-1") == "urif.example/ledger/f-1"
    assert t.is_public("entry", None) and t.is_public("event", "commitments.record")
    assert not t.is_public("event", "key.register") and not t.is_public("event", None)
    assert not t.is_public("event", "entry")  # "entry" names journal entries, not an event action
