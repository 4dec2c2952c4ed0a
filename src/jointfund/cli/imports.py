"""What every `... import FILE` command shares: one write transaction, a progress bar, a summary;
the file's separator and number locale; and --dry-run, which shows what would be imported and every
problem, then rolls everything back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from jointfund.cli import context
from jointfund.cli.output import emit, resolve_format, say
from jointfund.cli.progress import bar
from jointfund.revenue import imports, intake
from jointfund.revenue.numbers import LOCALES
from jointfund.revenue.reader import DELIMITERS, Dialect, check_file, count_rows
from jointfund.store import db

FileArgument = typer.Argument(
    ...,
    help="CSV (UTF-8, or UTF-16 with a BOM, or Windows-1251; header row; separated by "
    ", ; or tab) or XLSX (first sheet, header row).",
)
DelimiterOption = typer.Option(
    None, "--delimiter", help="The CSV separator: ',' ';' or tab [default: found from the header]."
)
LocaleOption = typer.Option(
    "auto",
    "--locale",
    help="How the file writes numbers: uk (1 250 000,00), en "
    "(1,250,000.00) or auto (either, when unambiguous).",
)
DryRunOption = typer.Option(
    False, "--dry-run", help="Show what would be imported and every problem; write nothing."
)
PREVIEW_ROWS = 10


def dialect(delimiter: str | None, locale: str) -> Dialect:
    if delimiter is not None and delimiter not in DELIMITERS:
        raise typer.BadParameter(f"expected ',' ';' or tab, got {delimiter!r}", param_hint="--delimiter")
    if locale not in LOCALES:
        raise typer.BadParameter(
            f"expected one of {', '.join(LOCALES)}, got {locale!r}", param_hint="--locale"
        )
    return Dialect(DELIMITERS[delimiter] if delimiter else None, locale)


class _DryRun(Exception):  # noqa: N818 - not an error: how a dry run leaves the transaction without a trace
    def __init__(self, summary: dict) -> None:
        self.summary = summary


def run(
    ctx: typer.Context,
    path: Path,
    fmt: str | None,
    what: str,
    how: Dialect = Dialect(),
    dry_run: bool = False,
    accept_jump: bool = False,
) -> None:
    """Import the `what` file `path` atomically through the service every surface uses (revenue.intake:
    receipts are accrued in the same transaction), with a progress bar for each step.

    A dry run does all of it, in the same transaction, and rolls it back: the counts and the problems
    are exactly those the import would give."""
    check_file(path, json_ok=True)  # a missing or unreadable file is named first (the kind checks its type)
    info = context.fund(ctx)
    try:
        with db.write(context.engine(ctx)) as conn:
            if dry_run and resolve_format(ctx, fmt) == "table":
                _preview(ctx, intake.kind_of(conn, info, what, accept_jump), path, how)
            done = intake.import_file(
                conn, info, what, path, context.actor(ctx).name, how, bar, count_rows(path), accept_jump
            )
            result, summary = done.result, done.summary()
            if dry_run:
                raise _DryRun(summary)
    except _DryRun as done:
        say(
            f"dry run of {path.name}: {done.summary['new']} would be new, "
            f"{done.summary['unchanged']} are already "
            "imported unchanged; nothing was written"
        )
        emit(ctx, [done.summary], fmt, title=f"Would import {path.name} (dry run)")
        return
    say(
        f"{result.kind}: {result.new} new, {result.unchanged} already imported unchanged"
        + ("" if result.new else " (nothing changed)")
    )
    emit(ctx, [summary], fmt, title=f"Imported {path.name}")


def _preview(ctx: typer.Context, kind: imports.Kind[Any], path: Path, how: Dialect) -> None:
    """The first rows of the file as they would be stored (numbers and dates as read), on stderr's side of
    the summary; problems are left to the import itself, which lists every one."""
    from jointfund.revenue.dry_run import sample

    rows = sample(kind, path, how, PREVIEW_ROWS)
    if rows:
        say(f"the first {len(rows)} readable row(s) of {path.name}, as they would be stored:")
        emit(ctx, rows, "table")
