"""Searching stored text, where the backends differ in what they can fold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


def contains_folded(conn: Connection, column: Any, text: str) -> Any | None:
    """`column` contains `text`, case folded, in SQL; None where the database cannot fold every script
    (SQLite's lower() folds ASCII only, so Київ would not find київ): the caller matches in Python."""
    if conn.dialect.name == "sqlite":
        return None
    return column.ilike("%" + escape_like(text) + "%", escape="\\")


def escape_like(text: str) -> str:
    """`text` matched literally by LIKE with ESCAPE '\\' (its % and _ are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
