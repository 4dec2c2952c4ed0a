"""Rows at the driver's level: the one place that knows how each backend takes and gives plain tuples.

The hot paths (a million receipts imported, accrued, verified) skip SQLAlchemy's Row and parameter
building, which cost more than the statement itself. Statements are still built with SQLAlchemy Core
and compiled here for the connection's backend, so no SQL is assembled from strings: a table or column
name can only be one the schema declares.

Values cross in the driver's types: SQLite keeps dates as ISO text (what SQLAlchemy's Date type stores
there), PostgreSQL as `date`. `driver_dates` and `python_dates` convert a frame either way.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Date, Dialect, String, Table, any_, bindparam, column, func, insert, select
from sqlalchemy import table as table_clause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ColumnElement, Executable

if (
    TYPE_CHECKING
):  # polars is imported where frames are made: a balance look-up must not pay for it (issue 12)
    import polars as pl

STREAM_ROWS = 20_000
_CURSORS = itertools.count()


def stores_dates_as_text(conn: Connection) -> bool:
    """Whether the driver gives and takes dates as ISO text (SQLite) rather than `date` (PostgreSQL)."""
    return conn.dialect.name == "sqlite"


def date_param(conn: Connection, day: dt.date) -> object:
    return day.isoformat() if stores_dates_as_text(conn) else day


def python_dates(conn: Connection, frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """`frame` (read as driver tuples) with its date `columns` as dates on every backend."""
    if not stores_dates_as_text(conn):
        return frame
    import polars as pl

    return frame.with_columns(pl.col(c).str.to_date("%Y-%m-%d") for c in columns)


def driver_dates(conn: Connection, frame: pl.DataFrame) -> pl.DataFrame:
    """`frame`'s date columns as the driver stores them (ISO text on SQLite), for `insert_tuples`."""
    if not stores_dates_as_text(conn):
        return frame
    import polars as pl

    return frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))


def python_date(conn: Connection) -> Callable[[Any], Any]:
    """How to read a date column of a driver tuple as a `date` (identity where the driver gives dates)."""
    if stores_dates_as_text(conn):
        return lambda v: dt.date.fromisoformat(v) if isinstance(v, str) else v
    return lambda v: v


def reader(conn: Connection, column: Any) -> Callable[[Any], Any]:
    """How SQLAlchemy reads a driver value of `column` into Python (SQLite keeps timestamps as text), so a
    raw tuple's value can be read exactly as a Core row's would be (see `binder` for the other way)."""
    process = column.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    return process or (lambda value: value)


# -- statements compiled for the driver --


@functools.cache
def _positional(dialect_class: Any, paramstyle: str) -> Dialect:
    """A dialect like the connection's whose parameters are positional, so rows can stay tuples."""
    return dialect_class(paramstyle=paramstyle if paramstyle in ("qmark", "numeric") else "format")


def _driver_dialect(conn: Connection) -> Dialect:
    kind: Any = type(conn.dialect)
    return _positional(kind, conn.dialect.paramstyle)


def _insert_sql(conn: Connection, table: Table, columns: Sequence[str]) -> str:
    """SQLAlchemy's one-row INSERT of `columns` (in that order) into `table`, with positional markers for
    this backend."""
    clause = table_clause(table.name, *(column(c, table.c[c].type) for c in columns))
    return str(insert(clause).compile(dialect=_driver_dialect(conn)))


def driver_sql(conn: Connection, statement: Executable, **compile: Any) -> tuple[str, tuple[Any, ...]]:
    """`statement` as the driver's SQL text and its parameters in order, in the driver's types."""
    dialect = _driver_dialect(conn)
    compiled = statement.compile(dialect=dialect, **compile)  # type: ignore[attr-defined]
    values = compiled.construct_params()
    params = []
    for name in compiled.positiontup or ():
        process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        params.append(process(values[name]) if process else values[name])
    return str(compiled), tuple(params)


def batches(conn: Connection, statement: Executable, size: int = STREAM_ROWS) -> Iterator[list[tuple]]:
    """Plain DBAPI tuples of `statement`, `size` at a time, in the connection's own transaction.

    A driver tuple costs a fraction of a SQLAlchemy Row, which matters at a million rows. On PostgreSQL
    a named (server-side) cursor streams; SQLite's cursor steps lazily anyway.
    """
    sql, params = driver_sql(conn, statement)
    driver: Any = conn.connection.driver_connection
    named = conn.dialect.name == "postgresql"
    cursor = driver.cursor(name=f"jf_rows_{next(_CURSORS)}") if named else driver.cursor()
    try:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(size):
            yield batch
    finally:
        cursor.close()


def tuples(conn: Connection, statement: Executable, size: int = STREAM_ROWS) -> Iterator[tuple]:
    """The tuples of `batches`, one at a time (handed out by chain, in C)."""
    return chain.from_iterable(batches(conn, statement, size))


def among(conn: Connection, col: ColumnElement, ids: Sequence[str]) -> ColumnElement[bool]:
    """`col` is one of `ids`, with one parameter however many ids: a JSON array on SQLite, an array on
    PostgreSQL (an IN list's expanding parameters are not compiled for the driver by `driver_sql`)."""
    if conn.dialect.name == "sqlite":
        given = func.json_each(bindparam("ids", json.dumps(list(ids)))).table_valued("value")
        return col.in_(select(given.c.value))
    return col == any_(bindparam("ids", list(ids), type_=postgresql.ARRAY(String)))


def keyed(conn: Connection, table: Table, key: str, ids: Sequence[str]) -> dict[str, tuple]:
    """Rows of `table` (all its columns, driver types) whose single-column `key` is among `ids`, in one
    query with one parameter, however many ids: a JSON array on SQLite, an array on PostgreSQL."""
    statement = select(table).where(among(conn, table.c[key], ids))
    at = [c.name for c in table.c].index(key)
    return {r[at]: r for rows in batches(conn, statement, 100_000) for r in rows}


# -- writing --


def insert_tuples(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert validated rows, already in the driver's types (see `driver_dates`), with one executemany."""
    if rows:
        conn.exec_driver_sql(_insert_sql(conn, table, columns), list(rows))


def insert_dicts(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert validated rows of Python values (dates as `date`) with one executemany."""
    if not rows:
        return
    params = [list(r.values()) for r in rows]
    if stores_dates_as_text(conn):
        # Date columns by the table, not by the first row: an optional date (psa_signed) may be None there.
        dates = [i for i, name in enumerate(rows[0]) if isinstance(table.c[name].type, Date)]
        for values in params:
            for i in dates:
                if values[i] is not None:
                    values[i] = values[i].isoformat()
    insert_tuples(conn, table, list(rows[0]), [tuple(values) for values in params])


def append(conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """One batched insert of tuples in the driver's types (see `binder`): COPY on PostgreSQL, multi-row
    INSERTs on SQLite.

    Triggers fire for every row either way, so the database still checks each row.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, rows)
        return
    # Many rows per INSERT ... VALUES statement, as many as the driver may bind: a third less time per
    # row than executemany (one statement step for thousands of rows instead of a bind-step-reset round
    # trip per row). The statement is SQLAlchemy's one-row INSERT with its row of markers repeated.
    head, row = _values_clause(conn, table, tuple(columns))
    per = max(1, _sqlite_max_parameters(conn.connection.driver_connection) // len(columns))
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        conn.exec_driver_sql(head + ", ".join([row] * len(part)), tuple(chain.from_iterable(part)))


def execute_tuples(
    conn: Connection, statement: Executable, columns: Sequence[str], rows: list[tuple]
) -> None:
    """Run a one-row INSERT built with Core (an upsert, say) for each of `rows`, tuples of `columns` in the
    driver's types (see `binder`): compiled once for this backend with positional markers and handed to the
    driver's executemany, with no per-row parameter building (SQLAlchemy's cost ~8 us a row, more than the
    row's own upsert)."""
    if not rows:
        return
    compiled = statement.compile(dialect=_driver_dialect(conn), column_keys=list(columns))  # type: ignore[attr-defined]
    order = [list(columns).index(name) for name in compiled.positiontup or ()]
    if order != list(range(len(columns))):
        rows = [tuple(row[i] for i in order) for row in rows]
    conn.exec_driver_sql(str(compiled), rows)


def _values_clause(conn: Connection, table: Table, columns: tuple[str, ...]) -> tuple[str, str]:
    """("INSERT INTO t (a, b) VALUES ", "(?, ?)") as SQLAlchemy compiles them for this backend."""
    sql = _insert_sql(conn, table, columns)
    at = sql.rindex(" VALUES ") + len(" VALUES ")
    return sql[:at], sql[at:]


def _copy(conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    # COPY has no SQLAlchemy construct; the names are the schema's own, quoted by the dialect.
    statement = " ".join(
        ("COPY", quote(table.name), "(" + ", ".join(quote(c) for c in columns) + ")", "FROM STDIN")
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    error = conn.dialect.loaded_dbapi.Error
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except error as exc:
        # The same exception type a Core statement would raise, so callers see no difference.
        raise DBAPIError.instance(statement, None, exc, error) from exc
    finally:
        cursor.close()


def binder(conn: Connection, column: Any) -> Callable[[object], object]:
    """How the driver takes a Python value of `column` (SQLite keeps dates as ISO text), so raw rows
    match Core's."""
    process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return process or (lambda value: value)


def _sqlite_max_parameters(driver: Any) -> int:
    """How many `?` one statement may bind (32766 since SQLite 3.32; 999 before)."""
    getlimit = getattr(driver, "getlimit", None)  # Python 3.11+
    return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else 999


def upsert(conn: Connection, table: Table) -> Any:
    """The backend's INSERT for `table`, which has `on_conflict_do_update` (SQLite 3.24+ and PostgreSQL
    share the syntax)."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
