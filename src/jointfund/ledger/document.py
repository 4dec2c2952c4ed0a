"""Documents kept in the book by the SHA-256 of their bytes (evidence of an expense, and any other).

A document is stored once: storing the same bytes again returns the same hash and writes nothing, whatever
the file was called. Its `document.store` event carries the hash, name and size, so the signed log covers
what was stored; `verify` (budget.checks) re-hashes every stored document against its key.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from sqlalchemy import Connection, select

from jointfund.errors import InputError, Problem
from jointfund.ledger.log import append_event
from jointfund.store import tables as t

STORE = "document.store"
PREFIX = "sha256:"
MAX_NAME_CHARS = 200


class Document(NamedTuple):
    """A stored document: its hash (its identity), the name it was first stored under, its size, its log
    position."""

    sha256: str
    name: str
    size_bytes: int
    seq: int

    @property
    def reference(self) -> str:
        return f"{PREFIX}{self.sha256}"


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def store(
    conn: Connection, actor: str, name: str, content: bytes, max_bytes: int, where: str = "evidence"
) -> Document:
    """Keep `content` (refused when empty or over `max_bytes`); the stored one if these bytes are already
    kept. `where` is the request's field that carried it ("evidence"), or a place ("documents: a.pdf")."""
    if not content or len(content) > max_bytes:
        field = where if where.isidentifier() else None
        raise InputError(
            [
                Problem(
                    where, f"a document of 1 to {max_bytes} bytes is needed", f"{len(content)} bytes", field
                )
            ],
            "document not stored",
        )
    sha = digest(content)
    found = get(conn, sha)
    if found is not None:
        return found
    name = name.strip()[:MAX_NAME_CHARS] or sha
    seq = append_event(
        conn,
        actor,
        STORE,
        f"document:{PREFIX}{sha}",
        {"sha256": sha, "name": name, "size_bytes": len(content)},
    )
    conn.execute(
        t.document.insert().values(sha256=sha, name=name, size_bytes=len(content), content=content, seq=seq)
    )
    return Document(sha, name, len(content), seq)


def get(conn: Connection, sha256: str) -> Document | None:
    d = t.document.c
    row = conn.execute(select(d.sha256, d.name, d.size_bytes, d.seq).where(d.sha256 == sha256)).first()
    return None if row is None else Document(row.sha256, row.name, row.size_bytes, row.seq)


def content(conn: Connection, sha256: str) -> bytes | None:
    return conn.execute(select(t.document.c.content).where(t.document.c.sha256 == sha256)).scalar()
