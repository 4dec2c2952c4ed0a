"""An independent verifier of C2SP signed notes, tlog-checkpoints, tlog-cosignatures and tlog-tiles, written
from
the specifications' text alone (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature, tlog-tiles) and RFC
6962.

It deliberately imports nothing from jointfund: if jointfund misread a spec, this reading disagrees with it.
Only the standard library and `cryptography` (for Ed25519).
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Rejected(Exception):
    pass


# -- signed-note --


def key_id(name: str, sig_type: int, public: bytes) -> bytes:
    # signed-note: key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]
    return hashlib.sha256(name.encode("utf-8") + b"\x0a" + bytes([sig_type]) + public).digest()[:4]


def parse_vkey(vkey: str) -> tuple[str, bytes, int, bytes]:
    """name+hex(key ID)+base64(type || public key) -> (name, key ID, type, public key)."""
    name, hexid, b64 = vkey.split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    return name, bytes.fromhex(hexid), raw[0], raw[1:]


def split_note(note: bytes) -> tuple[bytes, list[tuple[str, bytes, bytes]]]:
    """(text, [(key name, key ID, signature)]); the text is separated from signatures by the LAST empty
    line."""
    s = note.decode("utf-8")  # MUST be valid UTF-8
    if any(ord(c) < 0x20 and c != "\n" for c in s):
        raise Rejected("control character in note")
    i = s.rfind("\n\n")
    if i < 0 or not s.endswith("\n"):
        raise Rejected("no blank line before signatures")
    text, sig_block = s[: i + 1], s[i + 2 :]
    sigs = []
    for line in sig_block.split("\n")[:-1]:
        if not line.startswith("\u2014 "):
            raise Rejected(f"bad signature line {line!r}")
        name, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
        sigs.append((name, raw[:4], raw[4:]))
    if not sigs:
        raise Rejected("no signatures")
    return text.encode("utf-8"), sigs


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    # tlog-cosignature: "cosignature/v1\n" "time <T>\n" then the whole note body.
    return b"cosignature/v1\n" + b"time " + str(timestamp).encode() + b"\n" + text


def verify_note(note: bytes, vkeys: list[str]) -> tuple[bytes, list[str]]:
    """Verify `note` against trusted vkeys: unknown signatures are ignored, a known one that fails rejects the
    note, and at least one known signature must verify. Returns (text, names of the keys that verified)."""
    text, sigs = split_note(note)
    known = {}
    for vk in vkeys:
        name, kid, sig_type, pub = parse_vkey(vk)
        if key_id(name, sig_type, pub) != kid:
            raise Rejected(f"vkey {vk}: key ID does not match")
        known[(name, kid)] = (sig_type, pub)
    ok = []
    for name, kid, sig in sigs:
        if (name, kid) not in known:
            continue
        sig_type, pub = known[(name, kid)]
        key = Ed25519PublicKey.from_public_bytes(pub)
        try:
            if sig_type == 0x01:
                key.verify(sig, text)
            elif sig_type == 0x04:
                if len(sig) != 8 + 64:
                    raise Rejected("cosignature is not timestamp || Ed25519 signature")
                (ts,) = struct.unpack(">Q", sig[:8])
                if ts > 2**63 - 1:
                    raise Rejected("timestamp too large")
                key.verify(sig[8:], cosigned_message(text, ts))
            else:
                raise Rejected(f"unsupported signature type {sig_type}")
        except InvalidSignature:
            raise Rejected(f"signature by known key {name} does not verify") from None
        ok.append(name)
    if not ok:
        raise Rejected("no signature by a trusted key")
    return text, ok


# -- tlog-checkpoint --


def parse_checkpoint(text: bytes) -> tuple[str, int, bytes, list[str]]:
    lines = text.decode("utf-8").split("\n")
    if lines[-1] != "" or len(lines) < 4:
        raise Rejected("a checkpoint has at least three newline-terminated lines")
    origin, size, root, *ext = lines[:-1]
    if not origin or not size.isdigit() or (size != "0" and size[0] == "0"):
        raise Rejected("bad origin or size")
    raw_root = base64.b64decode(root, validate=True)
    if len(raw_root) != 32:
        raise Rejected("root is not a SHA-256 hash")
    if any(e == "" for e in ext):
        raise Rejected("empty extension line")
    return origin, int(size), raw_root, ext


def verify_checkpoint(note: bytes, vkeys: list[str], origin: str) -> tuple[int, bytes, list[str]]:
    text, signers = verify_note(note, vkeys)
    got_origin, size, root, _ = parse_checkpoint(text)
    if got_origin != origin:
        raise Rejected(f"origin {got_origin!r}, expected {origin!r}")
    return size, root, signers


# -- RFC 6962 Merkle tree --


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def mth(hashes: list[bytes]) -> bytes:
    """Merkle Tree Hash over already-hashed leaves (RFC 6962 2.1, split at the largest power of two < n)."""
    n = len(hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(hashes[:k]) + mth(hashes[k:])).digest()


def verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> bool:
    """RFC 6962 2.1.2 by recomputing both roots from the proof (after the reference algorithm of RFC 9162
    2.1.4.2)."""
    if m == n:
        return not proof and old_root == new_root
    if m == 0 or m > n or not proof:
        return False
    if m & (m - 1) == 0:
        proof = [old_root] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hashlib.sha256(b"\x01" + c + fr).digest()
            sr = hashlib.sha256(b"\x01" + c + sr).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = hashlib.sha256(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# -- tlog-tiles --


def tile_index_path(n: int) -> str:
    """Zero-padded 3-digit path elements, all but the last prefixed with x: 1234067 -> x001/x234/067."""
    parts = []
    while True:
        parts.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    parts.reverse()
    return "/".join(["x" + p for p in parts[:-1]] + [parts[-1]])


def tile_path(level: int | str, n: int, width: int = 256) -> str:
    return f"tile/{level}/{tile_index_path(n)}" + ("" if width == 256 else f".p/{width}")


def tree_root_from_tiles(fetch: Callable[[str], bytes], size: int) -> tuple[bytes, list[bytes]]:
    """Read the level-0 tiles of a tree of `size` (and check every higher tile's hashes against the tiles
    below);
    returns (root, leaf hashes)."""
    levels: list[list[bytes]] = []
    level, count = 0, size
    while count > 0:
        hashes: list[bytes] = []
        full, rest = divmod(count, 256)
        for n in range(full + (1 if rest else 0)):
            width = 256 if n < full else rest
            data = fetch(tile_path(level, n, width))
            if len(data) != 32 * width:
                raise Rejected(f"tile {level}/{n} has {len(data)} bytes, expected {32 * width}")
            hashes += [data[i : i + 32] for i in range(0, len(data), 32)]
        if level > 0:  # each hash is the MTH of a full tile of the level below
            below = levels[-1]
            for i, h in enumerate(hashes):
                if mth(below[i * 256 : (i + 1) * 256]) != h:
                    raise Rejected(f"tile {level}: hash {i} is not the root of the tile below")
        levels.append(hashes)
        level, count = level + 1, count // 256
    return mth(levels[0]) if levels else mth([]), levels[0] if levels else []


def bundle_entries(data: bytes) -> list[bytes]:
    """An entry bundle: big-endian uint16 length-prefixed entries."""
    out, i = [], 0
    while i < len(data):
        (length,) = struct.unpack(">H", data[i : i + 2])
        out.append(data[i + 2 : i + 2 + length])
        i += 2 + length
    if i != len(data):
        raise Rejected("entry bundle ends inside an entry")
    return out
