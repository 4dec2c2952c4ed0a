"""Parsing option values that many commands share; kept free of heavy imports, for a fast start."""

from __future__ import annotations

import datetime as dt

import typer


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}", param_hint=option) from None
    from jointfund import bounds
    from jointfund.cli import context

    start = context.fund_start()  # within the fund's life plus a margin (bounds.date_window)
    if start is not None and (problem := bounds.date_problem(day, start, option)):
        raise typer.BadParameter(f"{problem.message}, got {value}", param_hint=option)
    return day
