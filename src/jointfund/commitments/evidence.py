"""Evidence of a commitment's outcome: files kept in the book's document store (ledger.document), by the
SHA-256
of their bytes. The same file recorded twice is stored once; an outcome names the hashes of its files."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from jointfund.errors import InputError, Problem
from jointfund.ledger import document

MAX_BYTES = 20 * 1024 * 1024  # evidence is a letter, minutes or a report, not a data set
digest = document.digest


def read(paths: list[Path], option: str = "evidence") -> list[tuple[str, bytes]]:
    """The (name, bytes) of each file; InputError naming each that cannot be used."""
    out, problems = [], []
    for p in paths:
        try:
            size = p.stat().st_size
            if size > MAX_BYTES:
                problems.append(
                    Problem.of(option, f"{p} is {size} bytes; at most {MAX_BYTES} are stored", str(p))
                )
                continue
            out.append((p.name, p.read_bytes()))
        except OSError as exc:
            problems.append(Problem.of(option, f"cannot read {p}: {exc.strerror}", str(p)))
    if problems:
        raise InputError(problems, "evidence not recorded")
    return out


def store(conn: Connection, actor: str, name: str, content: bytes) -> document.Document:
    """Keep `content` once, in the caller's write transaction."""
    return document.store(conn, actor, name, content, MAX_BYTES)
