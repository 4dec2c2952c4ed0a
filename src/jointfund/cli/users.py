"""`jointfund users`: who may act, in which role. Passwords are stored only as argon2id hashes."""

from __future__ import annotations

import typer

from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, say
from jointfund.governance import user
from jointfund.governance.policy import ROLES
from jointfund.store import db

app = typer.Typer(help="Users and their roles; one policy (governance.policy) decides what each role may change.",
                  no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    role: str = typer.Option(..., "--role", help=" | ".join(ROLES)),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                 envvar="JOINTFUND_NEW_PASSWORD", help="Asked for when not given (the web sign-in uses it)."),
) -> None:
    """Add a user with a role. The first user is added by the local operator; later ones by an administrator."""
    who = context.actor(ctx, "users.add")
    with db.write(context.engine(ctx)) as conn:
        u = user.add(conn, who.name, name, role, password)
    say(f"user {u.name} added as {u.role}; from now on changes need --user NAME (or JOINTFUND_USER)")


@app.command("disable")
def disable(ctx: typer.Context, name: str = typer.Argument(..., metavar="NAME")) -> None:
    """Disable a user: they can no longer act. Nothing about them is deleted."""
    who = context.actor(ctx, "users.disable")
    with db.write(context.engine(ctx)) as conn:
        user.disable(conn, who.name, name)
    say(f"user {name} is disabled")


@app.command("list")
def list_(ctx: typer.Context, fmt: str = FormatOption) -> None:
    """Users, their roles and whether they are enabled (never their password hashes)."""
    with db.transaction(context.engine(ctx)) as conn:
        rows = [{"name": u.name, "role": u.role, "enabled": u.enabled, "created_at": u.created_at} for u in user.users(conn)]
    emit(ctx, rows, fmt, title="Users")


def _add_token_commands() -> None:
    # The API-token commands live with the web layer (cli/tokens.py) and join this group.
    from jointfund.cli import tokens

    for name, command in tokens.COMMANDS.items():
        app.command(name)(command)


_add_token_commands()
