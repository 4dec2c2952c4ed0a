"""Reading the log's rows: streamed SQLAlchemy rows (the hot loop reads driver tuples, `store.rows`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, String, cast

STREAM_ROWS = 20_000


def stream(conn: Connection, query: Any) -> Iterator[Any]:
    return iter(conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(query))


def iso(column: Any) -> Any:
    """A DATE column as YYYY-MM-DD text on both backends (verify sets DateStyle ISO on PostgreSQL)."""
    return cast(column, String)
