"""Quick reads of a SQLite fund through the sqlite3 module alone, for the commands a person runs often and
waits for (issue 12: a one-account `ledger balance` in under 0.4 s). Importing SQLAlchemy takes longer than
such a command's own work, so these open the file directly: the same file, the same schema check
(store.schema) and the same SQL (ledger.balance) as store.db. Any other URL (PostgreSQL, or a SQLite URL
with options or escapes) gives None, and the caller goes through store.db as every other command does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from jointfund.errors import JointfundError
from jointfund.ledger.balance import Run
from jointfund.store import schema

# sqlite:///relative/path.db or sqlite:////absolute/path.db as SQLAlchemy reads them, with nothing to unescape
_PLAIN_SQLITE = re.compile(r"sqlite(?:\+pysqlite)?:///([^?%#]+)")


def sqlite_file(url: str | None) -> Path | None:
    """The file a plain SQLite URL (the option, else $JOINTFUND_DB, else the default) names; None for any
    other."""
    found = _PLAIN_SQLITE.fullmatch(schema.chosen_url(url))
    return Path(found.group(1)) if found else None


@contextlib.contextmanager
def reading(url: str | None) -> Iterator[Run | None]:
    """One read transaction on the fund at `url` as a `Run` (statement, named parameters -> rows); None when
    `url` is not a plain SQLite file, so the caller reads through store.db. Refuses a missing file or schema
    as store.db does, without creating the file."""
    path = sqlite_file(url)
    if path is None:
        yield None
        return
    if not path.is_file():
        schema.require(None)
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise JointfundError(f"cannot reach the database: {exc}") from None
    try:
        try:
            current = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise JointfundError(f"cannot reach the database: {exc}") from None
            current = None
        schema.require(current[0] if current else None)
        conn.execute("BEGIN")  # one snapshot for every statement of the command

        def run(sql: str, params: dict) -> list[tuple]:
            dates = {
                k: v.isoformat() for k, v in params.items() if isinstance(v, dt.date)
            }  # stored as ISO text
            return conn.execute(sql, {**params, **dates}).fetchall()

        yield run
    finally:
        conn.close()
