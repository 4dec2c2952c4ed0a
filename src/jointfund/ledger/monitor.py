"""A monitor of a published log (a C2SP tlog-tiles mirror, as a directory or a URL): is its latest checkpoint
signed by the keys you trust, and is it an extension of the last checkpoint this monitor saw?

The last checkpoint seen is kept in the monitor's own state file. A smaller tree is a rollback; the same size
with another root, or a larger tree that is not an extension (its consistency proof, computed from the
mirror's own tiles, does not lead from the old root to the new one), is a fork: someone is showing different
books to different people. The mirror's tiles must also hash to the signed root, or they are not the signed
log.
Run it from cron: it exits non-zero with the reason (cli/monitor.py).
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from jointfund.errors import JointfundError
from jointfund.ledger import merkle, note, publish, tiles

MAX_FETCH = 16 * 1024 * 1024


class Alarm(JointfundError):
    """The log misbehaved (fork, rollback, bad signature, tiles that are not the signed log)."""


class Seen(NamedTuple):
    origin: str
    size: int
    root: bytes
    signers: tuple[str, ...]
    grew: int  # records added since the last run (0 the first time)


Fetch = Callable[[str], bytes]


def fetcher(source: str, timeout: float = 30) -> Fetch:
    """Read a mirror's file by its relative path, from a URL prefix or a directory."""
    if "://" in source:

        def get(rel: str) -> bytes:
            url = source.rstrip("/") + "/" + rel
            try:
                with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - the user's own source
                    body: bytes = r.read(MAX_FETCH)
                    return body
            except (urllib.error.URLError, OSError) as exc:
                raise JointfundError(f"{url}: cannot fetch ({getattr(exc, 'reason', exc)})") from None

        return get

    def read(rel: str) -> bytes:
        try:
            return (Path(source) / rel).read_bytes()
        except OSError as exc:
            raise JointfundError(f"{Path(source) / rel}: cannot read ({exc.strerror})") from None

    return read


def tile_reader(fetch: Fetch, size: int) -> tiles.Reader:
    """The tiles.Reader of a mirror's tree of `size`: node hashes of a level from its (full or partial)
    tiles."""
    cache: dict[tuple[int, int, int], list[bytes]] = {}

    def read(level: int, lo: int, hi: int) -> list[bytes]:
        count = size >> (tiles.HEIGHT * level)
        out: list[bytes] = []
        for n in range(lo // tiles.WIDTH, (hi - 1) // tiles.WIDTH + 1):
            width = tiles.WIDTH if (n + 1) * tiles.WIDTH <= count else count % tiles.WIDTH
            if (level, n, width) not in cache:
                data = fetch(publish.tile_path(level, n, width))
                if len(data) != 32 * width:
                    raise Alarm(
                        f"tile {publish.tile_path(level, n, width)} holds {len(data)} bytes, not {32 * width}"
                    )
                cache[(level, n, width)] = [data[i : i + 32] for i in range(0, len(data), 32)]
            out += cache[(level, n, width)][max(lo - n * tiles.WIDTH, 0) : hi - n * tiles.WIDTH]
        return out

    return read


class _MirrorTree:
    def __init__(self, read: tiles.Reader, size: int) -> None:
        self.read, self.size = read, size

    def subroot(self, lo: int, hi: int) -> bytes:
        return tiles.subroot(self.read, lo, hi)


def check(
    source: str,
    trusted: Callable[[str], Mapping[note.Verifier, str]],
    state_path: Path,
    fetch: Fetch | None = None,
) -> Seen:
    """Check the mirror at `source` against the verifiers you trust for its origin (`trusted(origin)` -> who
    each
    key belongs to; every one named must have signed) and the state file; record the new checkpoint only when
    all is well."""
    get = fetch or fetcher(source)
    try:
        signed = note.parse(get("checkpoint"))
        body = note.parse_checkpoint(signed.text)
        verifiers = trusted(body.origin)
        good = note.verified(signed, verifiers)
    except note.NoteError as exc:
        raise Alarm(f"BAD SIGNATURE or malformed checkpoint at {source}: {exc}") from None
    signers = tuple(sorted({verifiers[v] for v, _ in good}))
    missing = sorted(set(verifiers.values()) - set(signers))
    if missing:
        raise Alarm(f"the checkpoint at {source} (size {body.size}) is not signed by {', '.join(missing)}")
    tree = _MirrorTree(tile_reader(get, body.size), body.size)
    if body.size and merkle.tree_root(tree) != body.root:
        raise Alarm(
            f"the tiles at {source} do not hash to the signed root of size {body.size}: they are not the "
            "signed log"
        )
    last = read_state(state_path)
    grew = 0
    if last is not None:
        origin, size, root = last["origin"], int(last["size"]), base64.b64decode(last["root"])
        if origin != body.origin:
            raise Alarm(f"the log at {source} is {body.origin}, but this state file follows {origin}")
        if body.size < size:
            raise Alarm(
                f"ROLLBACK: the log at {source} has {body.size} records, fewer than the {size} of the "
                "checkpoint seen before: signed records were taken away"
            )
        if body.size == size and body.root != root:
            raise Alarm(
                f"FORK: the log at {source} signs another root for the same {size} records than the "
                "checkpoint seen before: two different books are being shown"
            )
        if body.size > size:
            proof = merkle.consistency_path(size, tree) if size else []
            if size and not merkle.verify_consistency(size, body.size, root, body.root, proof):
                raise Alarm(
                    f"FORK: the log at {source} of {body.size} records is not an extension of the {size} "
                    "records seen before: history was rewritten, or two books are being shown"
                )
        grew = body.size - size
    write_state(state_path, body, signed.render())
    return Seen(body.origin, body.size, body.root, signers, grew)


def read_state(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise JointfundError(
            f"{path}: the monitor's state cannot be read ({exc}); it is what a fork is checked "
            "against, so it is not replaced"
        ) from None
    if not isinstance(data, dict) or not {"origin", "size", "root"} <= set(data):
        raise JointfundError(f"{path}: not a monitor state file")
    return data


def write_state(path: Path, body: note.CheckpointBody, rendered: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(
            {
                "type": "jointfund monitor state",
                "origin": body.origin,
                "size": body.size,
                "root": base64.b64encode(body.root).decode(),
                "checkpoint": rendered,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    os.replace(tmp, path)
