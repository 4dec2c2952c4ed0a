"""`jointfund users token | revoke-token | tokens`: bearer tokens for the HTTP API.

Registered under `jointfund users` (see users.py). The secret is printed once, on stdout,
and only its SHA-256 hash is kept.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from jointfund.cli import context, params
from jointfund.cli.output import FormatOption, emit, say
from jointfund.governance import token
from jointfund.store import db


def token_(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="The user the token acts as."),
    label: str = typer.Option(
        ..., "--label", help="What the token is for (shown in lists and the audit trail)."
    ),
) -> None:
    """Issue an API bearer token for a user; prints the secret once (send it as: Authorization: Bearer
    SECRET)."""
    who = context.actor(ctx, "users.token")
    with db.write(context.engine(ctx)) as conn:
        t, secret = token.issue(conn, who.name, name, label)
    say(f"token {t.id} issued for {t.user}; store it now, it is not shown again")
    typer.echo(secret)


def revoke_token(ctx: typer.Context, number: int = context.id_argument()) -> None:
    """Revoke an API token: it stops working at once. Nothing is deleted."""
    who = context.actor(ctx, "users.revoke_token")
    with db.write(context.engine(ctx)) as conn:
        t = token.revoke(conn, who.name, number)
    say(f"token {t.id} of {t.user} is revoked")


def tokens(
    ctx: typer.Context,
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """API tokens: number, user, label and whether revoked (never the secrets)."""
    with db.transaction(context.engine(ctx)) as conn:
        rows = [
            {"id": t.id, "user": t.user, "label": t.label, "issued": t.issued_seq, "revoked": t.revoked_seq}
            for t in params.page(token.tokens(conn), limit, offset)
        ]
    emit(ctx, rows, fmt, title="API tokens")


COMMANDS: dict[str, Callable[..., None]] = {"token": token_, "revoke-token": revoke_token, "tokens": tokens}
