"""Consistent views of the book for long reads (verify): one snapshot, shared with forked workers.

PostgreSQL reads one REPEATABLE READ snapshot and can export it to other connections. SQLite's reader sees
one snapshot per transaction anyway and has none to share: its workers read only sequence numbers up to
the last leaf the parent saw, which the append-only guards keep as they were.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select


def repeatable_read(conn: Connection) -> None:
    """Make the transaction just begun read one snapshot throughout, so concurrent writers cannot make it
    see half an entry (SQLite's transactions already do)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def iso_dates(conn: Connection) -> None:
    """Dates cast to text read as YYYY-MM-DD on every backend, for the rest of the transaction."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL DateStyle = 'ISO'")


def export(conn: Connection) -> str | None:
    """The id of this transaction's snapshot, for `join`; None where snapshots cannot be shared."""
    if conn.dialect.name != "postgresql":
        return None
    return conn.execute(select(func.pg_export_snapshot())).scalar_one()


def join(conn: Connection, snapshot: str | None) -> None:
    """Read, in the transaction just begun, the snapshot another transaction exported (see `export`), with
    ISO dates; nothing where there is none."""
    if snapshot is None:
        return
    from psycopg import sql  # PostgreSQL only; SET takes no bound parameters, so the driver quotes it

    repeatable_read(conn)
    statement = sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot))
    driver = conn.connection.driver_connection
    conn.exec_driver_sql(statement.as_string(driver))
    iso_dates(conn)
