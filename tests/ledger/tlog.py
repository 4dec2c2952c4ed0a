"""Helpers of the transparency-log tests (issue 18): a fund whose partners sign its head, and a mirror served
over HTTP by a thread (as `python -m http.server` serves it)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from support import Book, register_key

from jointfund.ledger import checkpoint_note, log
from jointfund.store import db


class SignedBook(Book):
    """A Book whose partners each hold a registered checkpoint key, and can sign its head."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.keys = {p: Ed25519PrivateKey.generate() for p in self.partners}
        for p, k in self.keys.items():
            register_key(engine, p, k)

    @classmethod
    def signed(cls, engine: Engine, records: int) -> SignedBook:
        """A book of `records` contributions (after its key registrations), its head signed by both
        partners."""
        book = cls(engine)
        book.grow(records, "a")
        book.sign()
        return book

    @property
    def origin(self) -> str:
        return self.terms.transparency.origin_for(self.fund.id)

    def grow(self, n: int, tag: str) -> None:
        self.post(*(self.contribution(f"{tag}-{i}", f"{i + 1}.00", i % 300) for i in range(n)))

    def sign(self) -> int:
        """Both partners sign the current head; returns its size."""
        with db.write(self.engine) as conn:
            for p, k in self.keys.items():
                cp = log.make_checkpoint(conn, self.fund.id, p, k)
        return cp.tree_size

    def vkeys(self) -> dict[str, str]:
        with db.transaction(self.engine) as conn:
            pems = log.partner_keys(conn)
        return {p: checkpoint_note.partner_verifier(self.origin, pem).vkey() for p, pem in pems.values()}

    def note(self) -> str:
        with db.transaction(self.engine) as conn:
            head = checkpoint_note.latest(conn, self.fund.id)
        assert head is not None
        return head.render()


@contextlib.contextmanager
def served(directory: Path) -> Iterator[str]:
    """`directory` served over HTTP on a free local port, for the test's duration; yields its URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # the test output is not a server log
        pass


@contextlib.contextmanager
def clone(book: SignedBook) -> Iterator[SignedBook]:
    """A second database holding exactly `book`'s fund so far (the same records, keys and checkpoints): from
    here
    on the two can diverge, as an operator showing different books to different people would make them."""
    import os
    import sqlite3
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    url = book.engine.url
    book.engine.dispose()
    if url.get_backend_name() == "sqlite":
        target = Path(url.database).with_name(f"clone-{uuid.uuid4().hex[:8]}.db")
        with sqlite3.connect(url.database) as src, sqlite3.connect(target) as dst:
            src.backup(dst)  # consistent whatever is still in another connection's write-ahead log
        twin_url, drop = f"sqlite:///{target}", None
    else:
        server = os.environ.get("JOINTFUND_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
        name = f"jf_clone_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            # A template must have no sessions: the pools of the test's CLI runs may still hold some.
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid()",
                (url.database,),
            )
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"')
        twin_url = str(make_url(f"{server}/{name}"))
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    engine = db.make_engine(twin_url)
    twin = SignedBook.__new__(SignedBook)
    Book.__init__(twin, engine)
    twin.keys = book.keys
    try:
        yield twin
    finally:
        engine.dispose()
        if drop:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(drop)
