"""Parsing option values that many commands share; kept free of heavy imports, for a fast start."""

from __future__ import annotations

import datetime as dt

import typer


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}", param_hint=option) from None
