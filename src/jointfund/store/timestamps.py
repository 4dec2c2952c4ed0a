"""Stored UTC timestamps in SQL, where each backend keeps them its own way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Date, cast, func


def utc_day(conn: Connection, column: Any) -> Any:
    """The UTC calendar day of a stored UTC timestamp, in SQL (ISO text on SQLite, a date on PostgreSQL)."""
    if conn.dialect.name == "sqlite":
        return func.substr(column, 1, 10)  # stored as "YYYY-MM-DD HH:MM:SS...", already UTC
    return cast(func.timezone("UTC", column), Date)
