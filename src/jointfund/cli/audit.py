"""`jointfund audit`: the trail of every state-changing action, from the signed log."""

from __future__ import annotations

import typer

from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit
from jointfund.cli.params import parse_date
from jointfund.governance import audit as trail_mod
from jointfund.store import db


def audit(
    ctx: typer.Context,
    since: str = typer.Option(None, "--since", help="Only actions recorded on or after this date (UTC), YYYY-MM-DD."),
    actor: str = typer.Option(None, "--actor", help="Only actions of this user (or operator, demo...)."),
    limit: int = typer.Option(trail_mod.MAX_ROWS, "--limit", min=1, max=trail_mod.MAX_ROWS),
    fmt: str = FormatOption,
) -> None:
    """Who did what, when, with the state before and after: every event of the fund's verifiable log."""
    with db.transaction(context.engine(ctx)) as conn:
        rows = trail_mod.trail(conn, parse_date(since, "--since"), actor, limit)
    emit(ctx, rows, fmt, title="Audit trail")
