"""Printing data as a table (people), JSON or CSV (programs).

Every command that prints data calls `emit`; a command never formats by hand, so
`--format json|csv` works the same everywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal

import typer
from rich.console import Console
from rich.table import Table

FORMATS = ("table", "json", "csv")

FormatOption = typer.Option(None, "--format", "-f", help="Output: table, json or csv (default: the global --format).")


def resolve_format(ctx: typer.Context, fmt: str | None, allowed: Sequence[str] = FORMATS) -> str:
    chosen = fmt or (ctx.obj or {}).get("format") or "table"
    if chosen not in allowed:
        raise typer.BadParameter(f"expected one of {', '.join(allowed)}, got {chosen!r}", param_hint="--format")
    return chosen


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def emit(ctx: typer.Context, rows: Sequence[Mapping[str, object]], fmt: str | None, title: str | None = None,
         columns: Sequence[str] | None = None, json_root: object = None) -> None:
    """Print `rows` in the chosen format. `json_root` replaces the row list in JSON when a richer shape helps."""
    chosen = resolve_format(ctx, fmt)
    cols = list(columns or (rows[0].keys() if rows else []))
    if chosen == "json":
        sys.stdout.write(json.dumps(_plain(json_root if json_root is not None else list(rows)), ensure_ascii=False, indent=2) + "\n")
        return
    if chosen == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(cols)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else _cell(r.get(c)) for c in cols])
        return
    table = Table(title=title, title_justify="left", show_lines=False)
    for c in cols:
        numeric = bool(rows) and all(isinstance(r.get(c), (int, Decimal)) and not isinstance(r.get(c), bool) for r in rows if r.get(c) is not None)
        table.add_column(c, justify="right" if numeric else "left", overflow="fold")
    for r in rows:
        table.add_row(*["" if r.get(c) is None else _cell(r.get(c), grouped=True) for c in cols])
    console().print(table)


def _cell(value: object, grouped: bool = False) -> str:
    if isinstance(value, Decimal):
        return f"{value:,f}" if grouped else f"{value:f}"
    plain = _plain(value)
    return json.dumps(plain, ensure_ascii=False) if isinstance(plain, (list, dict)) else str(plain)


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, soft_wrap=False, width=None if sys.stdout.isatty() else 160)


def say(message: str) -> None:
    """Narration for people: to stderr, so that stdout stays data."""
    console(stderr=True).print(message, highlight=False)
