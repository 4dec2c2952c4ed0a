"""Reading the log's rows fast: streamed SQLAlchemy rows, or plain driver tuples for the hot loop."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from sqlalchemy import Connection, String, cast

STREAM_ROWS = 20_000


def stream(conn: Connection, query: Any) -> Iterator[Any]:
    return iter(conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(query))


def raw_rows(conn: Connection, query: Any, name: str) -> Iterator[tuple[Any, ...]]:
    """Plain DBAPI tuples of a streamed query, in the connection's own transaction.

    The hot loop of verify reads a million postings, and a driver tuple costs a fraction of a
    Row. Only a query whose columns the driver returns as they are (integers, text, bytes) may be
    read this way; dates are cast to ISO text in the query. Its parameters must be integers,
    written into the statement as literals. `name` names the server-side cursor on PostgreSQL.
    """
    # Rows are handed out by chain, in C; the generator below runs once per batch, not per row.
    return chain.from_iterable(_raw_batches(conn, query, name))


def _raw_batches(conn: Connection, query: Any, name: str) -> Iterator[list[tuple[Any, ...]]]:
    params = query.compile(dialect=conn.dialect).params
    if not all(type(v) is int for v in params.values()):  # literals in SQL: integers only, never text
        raise TypeError("a raw query takes integer parameters only")
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    driver: Any = conn.connection.driver_connection
    # A named (server-side) cursor on PostgreSQL streams instead of loading every row at once.
    cursor = driver.cursor(name=name) if conn.dialect.name == "postgresql" else driver.cursor()
    try:
        cursor.execute(str(compiled))
        while batch := cursor.fetchmany(STREAM_ROWS):
            yield batch
    finally:
        cursor.close()


def iso(column: Any) -> Any:
    """A DATE column as YYYY-MM-DD text on both backends (verify sets DateStyle ISO on PostgreSQL)."""
    return cast(column, String)
