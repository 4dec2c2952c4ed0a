"""`jointfund members`: seat and unseat the members of the board and the committees."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund import clock
from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, say
from jointfund.errors import InputError, Problem
from jointfund.governance import book, member
from jointfund.store import db

app = typer.Typer(help="Members of the board and the committees, each with their own Ed25519 key.", no_args_is_help=True)


def read_file(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(f"{option} {path}", f"cannot read: {exc.strerror}")]) from None


@app.command("appoint")
def appoint(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner", help="The appointing partner; it fills only its own seats."),
    name: str = typer.Option(..., "--name", help="The member's name, unique on the body."),
    body: str = typer.Option(..., "--body", help="board, or a committee of the terms (investment, project_search, ...)."),
    pubkey: Path = typer.Option(..., "--pubkey", help="The member's public key (FILE.pub from `jointfund keys new`)."),
) -> None:
    """Seat a member for a partner on a body, within the seats the terms give the partner; prints the member id."""
    who = context.actor(ctx, "members.appoint")
    pem = read_file(pubkey, "--pubkey")
    fund = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        m = member.appoint(conn, fund, who.name, partner, name, body, pem, clock.today(), str(pubkey))
    say(f"member {m.id} ({m.name}) holds {m.partner} seat {m.seat} on {m.body} (key {m.key_id})")
    typer.echo(m.id)


@app.command("remove")
def remove(
    ctx: typer.Context,
    member_id: int = context.id_argument(help="Member id (see `members list`)."),
    reason: str = typer.Option("", "--reason"),
) -> None:
    """Unseat a member; the seat becomes vacant and their votes on open proposals stop counting."""
    who = context.actor(ctx, "members.remove")
    with db.write(context.engine(ctx)) as conn:
        m = member.remove(conn, who.name, member_id, clock.today(), reason)
    say(f"member {m.id} ({m.name}) no longer holds {m.partner} seat {m.seat} on {m.body}")


@app.command("list")
def list_(
    ctx: typer.Context,
    body: str = typer.Option(None, "--body", help="Only this body."),
    everyone: bool = typer.Option(False, "--all", help="Also members who were removed."),
    fmt: str = FormatOption,
) -> None:
    """Members by body and seat."""
    with db.transaction(context.engine(ctx)) as conn:
        found = [m for m in book.members(conn) if (everyone or m.removed_seq is None) and (body is None or m.body == body)]
    rows = [{"id": m.id, "body": m.body, "partner": m.partner, "seat": m.seat, "name": m.name, "key_id": m.key_id,
             "appointed_on": m.appointed_on, "removed_on": m.removed_on}
            for m in sorted(found, key=lambda m: (m.body, m.partner, m.seat, m.id))]
    emit(ctx, rows, fmt, title="Members")
