"""ledger.checkpoint: Ed25519-signed tree heads; any altered field or another key makes them invalid."""

import datetime as dt
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointfund.errors import InputError
from jointfund.ledger.checkpoint import (
    Checkpoint,
    checkpoint_message,
    key_id,
    load_private,
    load_public,
    sign,
    signature_valid,
    write_key_pair,
)

SIGNED_AT = dt.datetime(2025, 6, 1, 12, 30, 0, 123456, tzinfo=dt.UTC)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _signed(key: Ed25519PrivateKey) -> Checkpoint:
    return sign(Checkpoint("fund-1", 42, "ab" * 32, SIGNED_AT, "US", key_id(key.public_key())), key)


def test_signature_verifies_with_the_signers_key(key):
    cp = _signed(key)
    assert len(bytes.fromhex(cp.signature_hex)) == 64
    assert signature_valid(cp, key.public_key())


def test_message_is_the_documented_text():
    assert checkpoint_message("fund-1", 42, "ab" * 32, SIGNED_AT) == (
        b"jointfund checkpoint v1\nfund-1\n42\n" + b"ab" * 32 + b"\n2025-06-01T12:30:00.123456Z\n"
    )


def test_another_key_does_not_verify(key):
    assert not signature_valid(_signed(key), Ed25519PrivateKey.generate().public_key())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fund_id", "fund-2"),
        ("tree_size", 43),
        ("root_hex", "ac" + "ab" * 31),
        ("signed_at", SIGNED_AT + dt.timedelta(microseconds=1)),
        ("signature_hex", "00" * 64),
        ("signature_hex", "not hex"),
        ("signature_hex", ""),
    ],
)
def test_any_altered_field_invalidates(key, field, value):
    assert not signature_valid(_signed(key)._replace(**{field: value}), key.public_key())


def test_sign_asserts_the_key_matches_the_key_id(key):
    cp = Checkpoint("fund-1", 1, "00" * 32, SIGNED_AT, "US", "0" * 16)
    with pytest.raises(AssertionError):
        sign(cp, key)


def test_key_files_private_mode_600_and_never_overwritten(tmp_path):
    private, public, kid = write_key_pair(tmp_path / "keys" / "us.key")
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert (
        key_id(load_private(private).public_key()) == kid == key_id(load_public(public.read_bytes(), "pub"))
    )
    before = private.read_bytes()
    with pytest.raises(InputError, match="refusing to overwrite"):
        write_key_pair(tmp_path / "keys" / "us.key")
    assert private.read_bytes() == before


def test_bad_key_files_are_refused_with_their_name(tmp_path):
    with pytest.raises(InputError, match="cannot read key file"):
        load_private(tmp_path / "absent.key")
    junk = tmp_path / "junk.key"
    junk.write_text("not a key")
    with pytest.raises(InputError, match="not an unencrypted PEM private key"):
        load_private(junk)
    with pytest.raises(InputError, match="not a PEM public key"):
        load_public(b"junk", "junk.pub")
