"""The public log as a static C2SP tlog-tiles mirror: a directory any static web host can serve.

    <dir>/checkpoint                      the signed checkpoint note (partners' signatures, witnesses'
    cosignatures)
    <dir>/tile/<L>/<N>[.p/<W>]            hash tiles: 256 hashes of level L (a partial tile: W of them)
    <dir>/tile/entries/<N>[.p/<W>]        entry bundles: the records, each a big-endian uint16 length and its
    bytes

<N> is written in 3-digit path elements, all but the last prefixed with x (1234067 -> x001/x234/067).

One deliberate difference from tlog-tiles: a record the terms keep private ([transparency] public_records), or
one longer than an entry bundle's 65,535 bytes, has an EMPTY slot in its bundle. Its leaf hash is in the
level-0
tile all the same, so the tree and every proof still verify; only its content is not published.

Publishing is incremental: a tile is immutable once written (a full tile, or a partial one of a given width),
so a file already there is not written again, only compared: a mirror holding a different tile at the same
path holds another history, and publishing stops with that. The checkpoint is written last, atomically, so a
reader never sees a checkpoint whose tiles are not there yet.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.errors import JointfundError
from jointfund.ledger import checkpoint_note, disclosure, log, tiles
from jointfund.ledger.records import record_bytes
from jointfund.terms.model import Transparency

WIDTH = tiles.WIDTH
MAX_ENTRY = 0xFFFF


class Published(NamedTuple):
    size: int
    written: int  # files written this time (tiles and bundles)
    kept: int  # files already there and identical
    private: int  # records published as their hash only
    checkpoint: str  # the note written


def index_path(n: int) -> str:
    """tlog-tiles' <N>: zero-padded 3-digit elements, all but the last prefixed with x."""
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def tile_path(level: int | str, n: int, width: int = WIDTH) -> str:
    return f"tile/{level}/{index_path(n)}" + ("" if width == WIDTH else f".p/{width}")


def tiles_of(size: int) -> list[tuple[int, int, int]]:
    """(level, index, width) of every tile a tree of `size` needs: the full ones and one partial per level."""
    out = []
    level, count = 0, size
    while count:
        full, rest = divmod(count, WIDTH)
        out += [(level, n, WIDTH) for n in range(full)]
        if rest:
            out.append((level, full, rest))
        level, count = level + 1, full
    return out


def bundle(entries: list[bytes]) -> bytes:
    return b"".join(struct.pack(">H", len(e)) + e for e in entries)


def publish(conn: Connection, fund_id: str, out: Path) -> Published:
    """Write the mirror of the latest checkpoint every partner signed (see the module doc)."""
    from jointfund import fund

    terms = fund.load(conn).base_terms()
    head = checkpoint_note.latest(conn, fund_id, terms.partner_codes) or checkpoint_note.latest(conn, fund_id)
    if head is None:
        raise JointfundError(
            "no checkpoint note to publish yet; the partners sign one with: "
            "jointfund checkpoint --partner P --key FILE"
        )
    size = head.body.size
    tree = log.tree(conn, size)
    written = kept = private = 0

    def put(rel: str, make: Callable[[], bytes]) -> None:
        nonlocal written, kept
        path = out / rel
        if path.exists():
            if path.read_bytes() != make():
                raise JointfundError(
                    f"{path}: the mirror already holds a different {rel}: it was published from "
                    "another history of this log (a fork) or altered; nothing more was written"
                )
            kept += 1
            return
        _write_atomically(path, make())
        written += 1

    for level, n, width in tiles_of(size):
        put(tile_path(level, n, width), partial(_tile, tree, level, n * WIDTH, n * WIDTH + width))
        if level == 0:
            rel = tile_path("entries", n, width)
            if (out / rel).exists():
                kept += 1  # entry bundles are checked against the level-0 tile by readers, not re-read here
                continue
            entries, hidden = _entries(conn, terms.transparency, n * WIDTH, n * WIDTH + width)
            private += hidden
            put(rel, partial(bundle, entries))
    _write_atomically(out / "checkpoint", head.render().encode())
    return Published(size, written, kept, private, head.render())


def _tile(tree: tiles.StoredTree, level: int, lo: int, hi: int) -> bytes:
    """A tile's content: the nodes of `level` with indexes [lo, hi), one after the other."""
    return b"".join(tree.hashes(level, lo, hi))


def _entries(conn: Connection, transparency: Transparency, lo: int, hi: int) -> tuple[list[bytes], int]:
    """The records at leaf indexes [lo, hi): their canonical bytes if public, else empty; and how many are
    empty."""
    out: list[bytes] = []
    hidden = 0
    for seq, public in disclosure.public_flags(conn, transparency, lo, hi):
        data = record_bytes(conn, seq) if public else b""
        if len(data) > MAX_ENTRY:
            data = b""
        hidden += not data
        out.append(data)
    assert len(out) == hi - lo, (lo, hi, len(out))
    return out, hidden


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
