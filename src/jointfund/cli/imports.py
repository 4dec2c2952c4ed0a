"""What every `... import FILE` command shares: one write transaction, a progress bar, a summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from sqlalchemy import Connection

from jointfund.cli import context
from jointfund.cli.output import emit, say
from jointfund.cli.progress import bar
from jointfund.fund import FundInfo
from jointfund.revenue import imports
from jointfund.revenue.reader import count_rows
from jointfund.store import db

FileArgument = typer.Argument(..., help="CSV (UTF-8, header row) or XLSX (first sheet, header row).")


def run(ctx: typer.Context, path: Path, fmt: str | None, kind_of: Callable[[Connection, FundInfo], imports.Kind],
        then: Callable[[Connection, FundInfo], dict] | None = None) -> None:
    """Import `path` atomically; `then` does more in the same transaction (accruals) and adds to the summary."""
    info = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        kind = kind_of(conn, info)
        with bar(f"importing {path.name}", count_rows(path)) as advance:
            result = imports.run(conn, kind, path, actor=context.actor(ctx).name, progress=advance)
        extra = then(conn, info) if then else {}
    summary = {**result._asdict(), **extra}
    say(f"{result.kind}: {result.new} new, {result.unchanged} already imported unchanged"
        + ("" if result.new else " (nothing changed)"))
    emit(ctx, [summary], fmt, title=f"Imported {path.name}")
