"""`jointfund templates`: a CSV and an XLSX template for each import (licences, receipts, rates, payments)."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli.output import say


def templates(
    directory: Path = typer.Option(Path("."), "--dir", help="Where to write the templates [default: here]."),
    fmt: str = typer.Option(None, "--format", "-f", help="csv or xlsx [default: both]."),
) -> None:
    """Write a template for each import, CSV and XLSX: its columns in order and one example row."""
    from jointfund.revenue import templates as tpl

    if fmt is not None and fmt not in tpl.FORMATS:
        raise typer.BadParameter(f"expected csv or xlsx, got {fmt!r}", param_hint="--format")
    written = tpl.write(directory, (fmt,) if fmt else tpl.FORMATS)
    for path in written:
        typer.echo(str(path))
    say(
        f"wrote {len(written)} templates to {directory}; fill one in and run: jointfund receipts "
        "import FILE --dry-run"
    )
