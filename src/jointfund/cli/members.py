"""`jointfund members`: seat and unseat the members of the board and the committees."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund import clock
from jointfund.cli import context, params
from jointfund.cli.authority import AuthorityKeyOption, PrepareOption, authorize, member_of, normalized_pem
from jointfund.cli.output import FormatOption, emit, say
from jointfund.errors import InputError, Problem
from jointfund.governance import book, member
from jointfund.store import db

app = typer.Typer(
    help="Members of the board and the committees, each with their own Ed25519 key.", no_args_is_help=True
)


def read_file(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(f"{option} {path}", f"cannot read: {exc.strerror}")]) from None


@app.command("appoint")
def appoint(
    ctx: typer.Context,
    partner: str = typer.Option(
        ..., "--partner", help="The appointing partner; it fills only its own seats."
    ),
    name: str = typer.Option(..., "--name", help="The member's name, unique on the body."),
    body: str = typer.Option(
        ..., "--body", help="board, or a committee of the terms (investment, project_search, ...)."
    ),
    pubkey: Path = typer.Option(
        ..., "--pubkey", help="The member's public key (FILE.pub from `jointfund keys new`)."
    ),
    authority_key: Path = AuthorityKeyOption,
    prepare: Path = PrepareOption,
) -> None:
    """Seat a member for a partner on a body, within the seats the terms give the partner; prints the member
    id.

    The partner's authority key must say so (--authority-key, or --prepare for the offline path)."""
    who = context.actor(ctx, "members.appoint")
    pem = read_file(pubkey, "--pubkey")
    st = authorize(
        ctx,
        partner,
        "member.appoint",
        {"body": body, "name": name.strip(), "public_pem": normalized_pem(pem, f"--pubkey {pubkey}")},
        authority_key,
        prepare,
    )
    fund = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        m = member.appoint(conn, fund, who.name, partner, name, body, pem, clock.today(), str(pubkey), st)
    say(f"member {m.id} ({m.name}) holds {m.partner} seat {m.seat} on {m.body} (key {m.key_id})")
    typer.echo(m.id)


@app.command("remove")
def remove(
    ctx: typer.Context,
    member_id: int = context.id_argument(help="Member id (see `members list`)."),
    reason: str = typer.Option("", "--reason"),
    authority_key: Path = AuthorityKeyOption,
    prepare: Path = PrepareOption,
) -> None:
    """Unseat a member; the seat becomes vacant and their votes on open proposals stop counting.

    The member's partner's authority key must say so (--authority-key, or --prepare for the offline path)."""
    who = context.actor(ctx, "members.remove")
    found = member_of(ctx, member_id, "jointfund members list --all")
    st = authorize(
        ctx,
        found.partner,
        "member.remove",
        {"member": member_id, "key_id": found.key_id},
        authority_key,
        prepare,
    )
    with db.write(context.engine(ctx)) as conn:
        m = member.remove(conn, context.fund(ctx).id, who.name, member_id, clock.today(), reason, st)
    say(f"member {m.id} ({m.name}) no longer holds {m.partner} seat {m.seat} on {m.body}")


@app.command("rotate-key")
def rotate_key(
    ctx: typer.Context,
    member_id: int = typer.Option(..., "--member", help="The member whose key is replaced (id)."),
    new_key: Path = typer.Option(
        ..., "--new-key", help="The new public key (FILE.pub from `jointfund keys new`)."
    ),
    old_key: Path = typer.Option(
        None, "--old-key", help="The member's current private key: it signs the replacement."
    ),
    authority_key: Path = AuthorityKeyOption,
    prepare: Path = PrepareOption,
) -> None:
    """Replace a member's key: signed by the old key, or, if it is lost, by the partner's authority key.

    Votes signed before stay valid; from now on only the new key signs."""
    from jointfund.governance import rotation
    from jointfund.ledger import authority
    from jointfund.ledger.checkpoint import load_private

    who = context.actor(ctx, "members.rotate_key")
    pem = read_file(new_key, "--new-key")
    found = member_of(ctx, member_id, "jointfund members list --all")
    fields = rotation.fields(found, normalized_pem(pem, f"--new-key {new_key}"))
    if old_key is not None:
        st = authority.statement(context.fund(ctx).id, found.partner, rotation.KIND, **fields).signed(
            load_private(old_key)
        )
    else:
        st = authorize(ctx, found.partner, rotation.KIND, fields, authority_key, prepare)
    with db.write(context.engine(ctx)) as conn:
        m = rotation.rotate(
            conn, context.fund(ctx), who.name, member_id, pem, st, clock.today(), str(new_key)
        )
    say(f"member {m.id} ({m.name}) now signs with key {m.key_id} (was {found.key_id})")


@app.command("list")
def list_(
    ctx: typer.Context,
    body: str = typer.Option(None, "--body", help="Only this body."),
    everyone: bool = typer.Option(False, "--all", help="Also members who were removed."),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Members by body and seat."""
    with db.transaction(context.engine(ctx)) as conn:
        found = book.members_of(conn, body, seated_only=not everyone)
    rows = [
        m.listed()
        for m in params.page(sorted(found, key=lambda m: (m.body, m.partner, m.seat, m.id)), limit, offset)
    ]
    emit(ctx, rows, fmt, title="Members")


interests_app = typer.Typer(
    help="Interests a member declares (signed): a proposal about the company asks them to recuse.",
    no_args_is_help=True,
)
app.add_typer(interests_app, name="interests")


@interests_app.command("declare")
def declare(
    ctx: typer.Context,
    member_ref: str = typer.Option(..., "--member", help="The member declaring (id or name)."),
    party: str = typer.Option(
        ..., "--party", help="The company: its name or its registration code (EDRPOU)."
    ),
    nature: str = typer.Option(..., "--nature", help="What the interest is, in words."),
    key: Path = typer.Option(..., "--key", help="The member's private key; it signs the declaration."),
) -> None:
    """Declare an interest in a company, signed by the member; it is logged."""
    from jointfund.governance import canonical, interest
    from jointfund.ledger.checkpoint import load_private

    who = context.actor(ctx, "members.interest")
    private = load_private(key)
    fund = context.fund(ctx)
    today = clock.today()
    with db.write(context.engine(ctx)) as conn:
        m, party, nature, message = interest.prepare(conn, fund, member_ref, party, nature, today)
        i = interest.declare(
            conn, fund, who.name, str(m.id), party, nature, canonical.sign(private, message), today
        )
    say(f"interest {i.id}: member {m.id} ({m.name}) declared an interest in {i.party} ({i.nature})")


@interests_app.command("list")
def interests_list(
    ctx: typer.Context,
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Declared interests, oldest first."""
    from jointfund.governance import interest

    with db.transaction(context.engine(ctx)) as conn:
        found = params.shown(interest.interests(conn, limit + 1, offset), limit, offset)
    emit(
        ctx,
        [
            {
                "id": i.id,
                "member": i.member,
                "party": i.party,
                "nature": i.nature,
                "declared_on": i.declared_on,
            }
            for i in found
        ],
        fmt,
        title="Interests",
    )
