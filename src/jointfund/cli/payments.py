"""`jointfund payments`: import company-reported payments, for reconciliation."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli import context, imports
from jointfund.cli.output import FormatOption

app = typer.Typer(
    help="Payments the companies report, for reconciliation with Treasury receipts.", no_args_is_help=True
)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = imports.FileArgument,
    fmt: str = FormatOption,
    delimiter: str = imports.DelimiterOption,
    locale: str = imports.LocaleOption,
    dry_run: bool = imports.DryRunOption,
) -> None:
    """Import payments: payment_id, date, holder_code, licence_id, stream, amount[, currency]."""
    context.actor(ctx, "payments.import")
    imports.run(
        ctx,
        file,
        fmt,
        "payments",
        how=imports.dialect(delimiter, locale),
        dry_run=dry_run,
    )
