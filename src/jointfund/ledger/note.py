"""C2SP signed notes, tlog-checkpoint bodies and tlog-cosignatures (c2sp.org/signed-note, tlog-checkpoint,
tlog-cosignature), so that standard transparency-log tools and witnesses can read the fund's checkpoints.

A checkpoint note:

    <origin>
    <tree size, decimal>
    <root hash, standard base64>
    [extension lines]

    — <key name> base64(4-byte key ID || Ed25519 signature over the text above the blank line)

The key ID of an Ed25519 note key is SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]; a witness's
cosignature uses type 0x04 and signs "cosignature/v1\\ntime <T>\\n" followed by the note text, its signature
being the 8-byte big-endian timestamp followed by the 64-byte Ed25519 signature.

Which keys are trusted never comes from a note: callers pass the verifiers they obtained out of band (the
partners' registered checkpoint keys, vouched for by their authority keys; the witnesses of the terms).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jointfund.errors import JointfundError

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
DASH = "\u2014"
MAX_SIGNATURES = 64  # the spec asks verifiers to accept at least 16
MAX_NOTE_BYTES = 64 * 1024
COSIGNATURE_HEADER = "cosignature/v1"


class NoteError(JointfundError):
    """A note that is malformed, or whose signatures do not verify against the keys the caller trusts."""


class Verifier(NamedTuple):
    """A note verifier key: who may sign (name), with which key (type + raw public key)."""

    name: str
    type: int
    public: bytes  # 32 raw Ed25519 bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.type, self.public)

    def vkey(self) -> str:
        """The verifier key string: name+hex key ID+base64(type || public key)."""
        return (
            f"{self.name}+{self.key_id.hex()}+{base64.b64encode(bytes([self.type]) + self.public).decode()}"
        )

    def ed25519(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public)


class Signature(NamedTuple):
    name: str
    key_id: bytes
    signature: bytes  # after the key ID: the raw algorithm signature (cosignatures: timestamp || signature)

    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


class Note(NamedTuple):
    text: str  # ends in a newline; the signed message
    signatures: tuple[Signature, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


class CheckpointBody(NamedTuple):
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        return "".join(
            line + "\n"
            for line in (self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions)
        )


def key_id(name: str, sig_type: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public).digest()[:4]


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verifier(name: str, key: Ed25519PublicKey, sig_type: int = ED25519) -> Verifier:
    check_name(name)
    return Verifier(name, sig_type, raw_public(key))


def check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name) or any(ord(c) < 0x20 for c in name):
        raise NoteError(f"key name {name!r}: must be non-empty, with no spaces and no plus sign")


def parse_vkey(text: str) -> Verifier:
    """A verifier key `name+hexid+base64(type || key)`; the key ID must be the one the key and name give."""
    name, sep, rest = text.strip().partition("+")
    hexid, sep2, b64 = rest.partition("+")
    try:
        if not (sep and sep2) or len(hexid) != 8:
            raise ValueError("expected name+hexkeyid+base64key")
        check_name(name)
        kid = bytes.fromhex(hexid)
        raw = base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error, NoteError) as exc:
        raise NoteError(f"verifier key {text[:80]!r}: {exc}") from None
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError(f"verifier key {text[:80]!r}: not an Ed25519 (type 0x01) or cosignature (0x04) key")
    v = Verifier(name, raw[0], raw[1:])
    if v.key_id != kid:
        raise NoteError(
            f"verifier key {text[:80]!r}: key ID {hexid} is not the one its name and key give "
            f"({v.key_id.hex()})"
        )
    return v


def sign(text: str, name: str, private: Ed25519PrivateKey) -> Signature:
    """An Ed25519 (type 0x01) note signature over `text`."""
    check_name(name)
    kid = key_id(name, ED25519, raw_public(private.public_key()))
    return Signature(name, kid, private.sign(text.encode()))


def cosignature_message(text: str, timestamp: int) -> bytes:
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n".encode() + text.encode()


def cosign(text: str, name: str, private: Ed25519PrivateKey, timestamp: int) -> Signature:
    """A tlog-cosignature/v1 (type 0x04): timestamp || Ed25519 signature over the cosigned message."""
    check_name(name)
    if not 0 <= timestamp < 2**63:  # the cosignature holds it as a uint64 (C2SP tlog-cosignature)
        raise NoteError(f"cosignature timestamp {timestamp}: must be 0 to 2**63 - 1 seconds")
    kid = key_id(name, COSIGNATURE_V1, raw_public(private.public_key()))
    return Signature(
        name, kid, struct.pack(">Q", timestamp) + private.sign(cosignature_message(text, timestamp))
    )


def cosignature_time(sig: Signature) -> int:
    (seconds,) = struct.unpack(">Q", sig.signature[:8])
    return int(seconds)


def parse_signature_line(line: str) -> Signature:
    if not line.startswith(DASH + " "):
        raise NoteError(f"signature line {line[:60]!r}: must start with an em dash and a space")
    name, sep, b64 = line[2:].partition(" ")
    try:
        check_name(name)
        if not sep or " " in b64:
            raise ValueError("expected: — NAME BASE64")
        raw = base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error, NoteError) as exc:
        raise NoteError(f"signature line {line[:60]!r}: {exc}") from None
    if len(raw) < 5:
        raise NoteError(f"signature line {line[:60]!r}: too short for a key ID and a signature")
    return Signature(name, raw[:4], raw[4:])


def parse_signature_lines(text: str) -> tuple[Signature, ...]:
    """Signature lines alone (a witness's answer): each ends in a newline."""
    if not text.endswith("\n") or len(text) > MAX_NOTE_BYTES:
        raise NoteError("signature lines must each end in a newline")
    return tuple(parse_signature_line(line) for line in text[:-1].split("\n"))


def parse(data: str | bytes) -> Note:
    """A signed note: text, a blank line, signature lines. Malformed input raises NoteError."""
    if isinstance(data, bytes):
        if len(data) > MAX_NOTE_BYTES:
            raise NoteError(f"a note of over {MAX_NOTE_BYTES} bytes")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("a note must be UTF-8") from None
    if any(ord(c) < 0x20 and c != "\n" for c in data):
        raise NoteError("a note must not hold control characters other than newline")
    if not data.endswith("\n"):
        raise NoteError("a note must end in a newline")
    cut = data.rfind("\n\n")
    if cut < 0:
        raise NoteError("a note needs a blank line between its text and its signatures")
    text, sigs = data[: cut + 1], data[cut + 2 :]
    if not sigs:
        raise NoteError("a note needs at least one signature line")
    signatures = parse_signature_lines(sigs)
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError(f"over {MAX_SIGNATURES} signatures")
    return Note(text, signatures)


def signature_valid(text: str, sig: Signature, v: Verifier) -> bool:
    """Does `sig` (whose name and key ID are `v`'s) verify over `text`?"""
    if (sig.name, sig.key_id) != (v.name, v.key_id):
        return False
    try:
        if v.type == ED25519:
            v.ed25519().verify(sig.signature, text.encode())
        elif v.type == COSIGNATURE_V1:
            if len(sig.signature) != 72 or cosignature_time(sig) >= 2**63:
                return False
            v.ed25519().verify(sig.signature[8:], cosignature_message(text, cosignature_time(sig)))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def verified(note: Note, verifiers: Iterable[Verifier]) -> tuple[tuple[Verifier, Signature], ...]:
    """The signatures of `note` by keys in `verifiers`, each checked: unknown keys are ignored (the spec); a
    known
    key whose signature fails rejects the whole note; so does a note that no known key signed."""
    known = {(v.name, v.key_id): v for v in verifiers}
    good: list[tuple[Verifier, Signature]] = []
    for sig in note.signatures:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            continue
        if not signature_valid(note.text, sig, v):
            raise NoteError(f"the signature of {sig.name} (key {sig.key_id.hex()}) does not verify")
        good.append((v, sig))
    if not good:
        raise NoteError(
            "no signature by a key you trust (the note is signed by: "
            + ", ".join(f"{s.name}+{s.key_id.hex()}" for s in note.signatures)
            + ")"
        )
    return tuple(good)


def parse_checkpoint(text: str) -> CheckpointBody:
    """The tlog-checkpoint body of a note's text (what its lines mean; its signatures are checked apart)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has at least three lines, each ending in a newline")
    origin, size_text, root_text, *ext = lines[:-1]
    if not origin:
        raise NoteError("checkpoint: the origin line is empty")
    if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"checkpoint: tree size {size_text[:30]!r} is not a decimal without leading zeroes")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (ValueError, binascii.Error):
        raise NoteError(f"checkpoint: root hash {root_text[:60]!r} is not base64") from None
    if len(root) != 32 or base64.b64encode(root).decode() != root_text:
        raise NoteError("checkpoint: the root hash is not 32 bytes in standard base64")
    if any(not line for line in ext):
        raise NoteError("checkpoint: an extension line is empty")
    return CheckpointBody(origin, int(size_text), root, tuple(ext))


def checkpoint_note(body: CheckpointBody, signatures: Sequence[Signature]) -> Note:
    return Note(body.text(), tuple(signatures))
