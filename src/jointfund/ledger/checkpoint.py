"""Signed tree heads: each partner signs (fund id, tree size, root, time) with its own Ed25519 key.

The signed message is text, so that anyone can rebuild it by hand:

    jointfund checkpoint v1
    <fund id>
    <tree size>
    <root, lowercase hex>
    <signed at, UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ>

each line ending in a newline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jointfund.errors import InputError, Problem
from jointfund.ledger.canonical import timestamp

HEADER = "jointfund checkpoint v1"


class Checkpoint(NamedTuple):
    """A tree head signed by one partner.

    Attributes:
      fund_id: the fund's identifier.
      tree_size: number of log records it covers.
      root_hex: RFC 6962 root of those records.
      signed_at: UTC time of signing.
      partner: code of the signing partner.
      key_id: fingerprint of the public key that signs.
      signature_hex: Ed25519 signature over `message()`.
    """

    fund_id: str
    tree_size: int
    root_hex: str
    signed_at: dt.datetime
    partner: str
    key_id: str
    signature_hex: str = ""

    def message(self) -> bytes:
        return checkpoint_message(self.fund_id, self.tree_size, self.root_hex, self.signed_at)


def checkpoint_message(fund_id: str, tree_size: int, root_hex: str, signed_at: dt.datetime) -> bytes:
    return f"{HEADER}\n{fund_id}\n{tree_size}\n{root_hex}\n{timestamp(signed_at)}\n".encode()


def key_id(public: Ed25519PublicKey) -> str:
    """Fingerprint of a public key: the first 16 hex digits of SHA-256 over its raw 32 bytes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def new_key_pair() -> tuple[bytes, bytes]:
    """A fresh Ed25519 pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM).

    PKCS#8 and SPKI are what WebCrypto imports, so the same key file signs in a browser.
    """
    private = Ed25519PrivateKey.generate()
    return (
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


def write_key_pair(out: Path) -> tuple[Path, Path, str]:
    """Write FILE (private, owner-only) and FILE.pub; refuse to overwrite a key, which would lose it."""
    pub = out.with_name(out.name + ".pub")
    for p in (out, pub):
        if p.exists():
            raise InputError([Problem(str(p), "file exists; refusing to overwrite a key")], "key not written")
    private_pem, public_pem = new_key_pair()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600)
    out.write_bytes(private_pem)
    pub.write_bytes(public_pem)
    return out, pub, key_id(load_public(public_pem, str(pub)))


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise InputError([Problem(str(path), f"cannot read key file: {exc.strerror}")], "no key") from None
    except (ValueError, TypeError):
        raise InputError([Problem(str(path), "not an unencrypted PEM private key")], "bad key file") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError([Problem(str(path), "not an Ed25519 private key")], "bad key file")
    return key


def load_public(pem: bytes, where: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise InputError([Problem(where, "not a PEM public key")], "bad public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError([Problem(where, "not an Ed25519 public key")], "bad public key")
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def sign(checkpoint: Checkpoint, private: Ed25519PrivateKey) -> Checkpoint:
    assert key_id(private.public_key()) == checkpoint.key_id, (
        "signing key differs from the checkpoint's key id"
    )
    return checkpoint._replace(signature_hex=private.sign(checkpoint.message()).hex())


def signature_valid(checkpoint: Checkpoint, public: Ed25519PublicKey) -> bool:
    try:
        public.verify(bytes.fromhex(checkpoint.signature_hex), checkpoint.message())
    except (InvalidSignature, ValueError):
        return False
    return True
