"""`jointfund users`: who may act, in which role. Passwords are stored only as argon2id hashes."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli import context, params
from jointfund.cli.authority import AuthorityKeyOption, PrepareOption, authorize, member_of
from jointfund.cli.output import FormatOption, emit, say
from jointfund.governance import user
from jointfund.governance.policy import ROLES
from jointfund.store import db

app = typer.Typer(
    help="Users and their roles; one policy (governance.policy) decides what each role may change.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    role: str = typer.Option(..., "--role", help=" | ".join(ROLES)),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="JOINTFUND_NEW_PASSWORD",
        help="Asked for when not given (the web sign-in uses it).",
    ),
) -> None:
    """Add a user with a role. The first user is added by the local operator; later ones by an
    administrator."""
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


@app.command("link")
def link(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    member_id: int = typer.Option(..., "--member", help="The member id the user is (see `members list`)."),
    authority_key: Path = AuthorityKeyOption,
    prepare: Path = PrepareOption,
) -> None:
    """Say that a user is a member, so their dashboard shows what waits for their vote.

    The member's partner's authority key must say so (--authority-key, or --prepare for the offline path)."""
    who = context.actor(ctx, "users.link_member")
    found = member_of(ctx, member_id, "jointfund members list")
    st = authorize(
        ctx, found.partner, user.LINK_ACTION, {"user": name, "member": member_id}, authority_key, prepare
    )
    with db.write(context.engine(ctx)) as conn:
        ids = user.link_member(conn, context.fund(ctx).id, who.name, name, member_id, st)
    say(f"user {name} is member {', '.join(map(str, ids))}")


@app.command("unlink")
def unlink(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    member_id: int = typer.Option(..., "--member", help="The member id the user is linked to."),
    authority_key: Path = AuthorityKeyOption,
    prepare: Path = PrepareOption,
) -> None:
    """Say that a user is no longer a member; the partner's authority key must say so, as for the link."""
    who = context.actor(ctx, "users.link_member")
    found = member_of(ctx, member_id, "jointfund members list")
    st = authorize(
        ctx, found.partner, user.UNLINK_ACTION, {"user": name, "member": member_id}, authority_key, prepare
    )
    with db.write(context.engine(ctx)) as conn:
        ids = user.unlink_member(conn, context.fund(ctx).id, who.name, name, member_id, st)
    say(
        f"user {name} is no longer member {member_id}"
        + (f"; still member {', '.join(map(str, ids))}" if ids else "")
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Users, their roles and whether they are enabled (never their password hashes)."""
    with db.transaction(context.engine(ctx)) as conn:
        rows = [
            {"name": u.name, "role": u.role, "enabled": u.enabled, "created_at": u.created_at}
            for u in params.page(user.users(conn), limit, offset)
        ]
    emit(ctx, rows, fmt, title="Users")


def _add_token_commands() -> None:
    # The API-token commands live with the web layer (cli/tokens.py) and join this group.
    from jointfund.cli import tokens

    for name, command in tokens.COMMANDS.items():
        app.command(name)(command)


_add_token_commands()
