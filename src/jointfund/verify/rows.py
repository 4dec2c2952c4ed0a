"""Reading the log's rows: the scan reads driver tuples (`store.rows`), with dates cast to text here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast


def iso(column: Any) -> Any:
    """A DATE column as YYYY-MM-DD text on both backends (verify sets DateStyle ISO on PostgreSQL)."""
    return cast(column, String)
