"""`jointfund keys`: Ed25519 key pairs. The fund stores public keys only."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli import context, params
from jointfund.cli.authority import AuthorityKeyOption, PrepareOption, authorize, normalized_pem
from jointfund.cli.output import FormatOption, emit, say
from jointfund.errors import InputError, Problem
from jointfund.ledger import log
from jointfund.ledger.checkpoint import key_id, load_private, load_public, write_key_pair
from jointfund.store import db

app = typer.Typer(
    help="Ed25519 keys for checkpoints and votes; private keys never enter the database.",
    no_args_is_help=True,
)


def check_partner(ctx: typer.Context, partner: str) -> None:
    codes = context.fund(ctx).base_terms().partner_codes
    if partner not in codes:
        raise InputError(
            [Problem("--partner", f"not a partner of this fund; expected one of {', '.join(codes)}", partner)]
        )


@app.command("new")
def new(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Private key file; the public key goes to FILE.pub."),
    partner: str = typer.Option(
        None, "--partner", help="Also register the public key as this partner's checkpoint key."
    ),
    authority_key: Path = AuthorityKeyOption,
) -> None:
    """Make an Ed25519 key pair: FILE (private, mode 600) and FILE.pub.

    With --partner it is also registered as a checkpoint key, which the partner's authority key must sign
    (--authority-key here, or `keys register --prepare` later for the offline path)."""
    who = context.actor(ctx, "keys.register") if partner else None
    if partner:
        check_partner(ctx, partner)
        if authority_key is None:
            raise InputError(
                [
                    Problem(
                        "--authority-key",
                        f"registering a checkpoint key of {partner} needs a statement "
                        f"signed by {partner}'s authority key; give --authority-key FILE, or make the "
                        "key without --partner and run: jointfund keys register --prepare FILE",
                    )
                ]
            )
        load_private(authority_key)  # a bad authority key is refused before a key pair is written
    private, public, kid = write_key_pair(out)
    say(
        f"private key: {private} (keep it secret; it never enters the fund)\npublic key:  "
        f"{public}\nkey id:      {kid}"
    )
    if partner and who is not None:  # who is asked for exactly when a partner is named
        pem = public.read_bytes()
        st = authorize(
            ctx,
            partner,
            log.KEY_REGISTER,
            {"key_id": kid, "public_pem": normalized_pem(pem, str(public))},
            authority_key,
            None,
        )
        with db.write(context.engine(ctx)) as conn:
            log.register_key(
                conn, context.fund(ctx).id, partner, pem, str(public), actor=who.name, statement=st
            )
        say(f"registered as a checkpoint key of partner {partner}")


@app.command("register")
def register(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner"),
    pubkey: Path = typer.Option(..., "--pubkey", help="Public key file (PEM) made by `keys new`."),
    authority_key: Path = AuthorityKeyOption,
    prepare: Path = PrepareOption,
) -> None:
    """Register a partner's public checkpoint key (the private key stays with the partner).

    The partner's authority key must say so (--authority-key, or --prepare for the offline path)."""
    who = context.actor(ctx, "keys.register")
    check_partner(ctx, partner)
    try:
        pem = pubkey.read_bytes()
    except OSError as exc:
        raise InputError([Problem(str(pubkey), f"cannot read: {exc.strerror}")]) from None
    public = load_public(pem, str(pubkey))
    st = authorize(
        ctx,
        partner,
        log.KEY_REGISTER,
        {"key_id": key_id(public), "public_pem": normalized_pem(pem, str(pubkey))},
        authority_key,
        prepare,
    )
    with db.write(context.engine(ctx)) as conn:
        kid = log.register_key(
            conn, context.fund(ctx).id, partner, pem, str(pubkey), actor=who.name, statement=st
        )
    say(f"key {kid} registered for partner {partner}")


@app.command("retire")
def retire(
    ctx: typer.Context,
    kid: str = typer.Argument(
        ..., metavar="KEY_ID", help="The checkpoint key to retire (see: jointfund keys list)."
    ),
    partner: str = typer.Option(..., "--partner"),
    authority_key: Path = AuthorityKeyOption,
    prepare: Path = PrepareOption,
) -> None:
    """Retire a partner's checkpoint key (lost, compromised or replaced): it signs no later checkpoint.

    To rotate, register the new key first, then retire the old one. Checkpoints it signed before stay valid.
    The partner's authority key must say so (--authority-key, or --prepare for the offline path)."""
    who = context.actor(ctx, "keys.register")
    check_partner(ctx, partner)
    with db.transaction(context.engine(ctx)) as conn:
        keys = log.partner_keys(conn)
    if keys.get(kid, ("",))[0] != partner:
        raise InputError(
            [
                Problem(
                    "KEY_ID", f"not a registered checkpoint key of {partner} (see: jointfund keys list)", kid
                )
            ]
        )
    st = authorize(ctx, partner, log.KEY_RETIRE, {"key_id": kid}, authority_key, prepare)
    with db.write(context.engine(ctx)) as conn:
        seq = log.retire_key(conn, context.fund(ctx).id, partner, kid, actor=who.name, statement=st)
    say(f"key {kid} of partner {partner} retired at record {seq}; it signs no checkpoint from now on")


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Registered partner keys."""
    with db.transaction(context.engine(ctx)) as conn:
        retired = log.retired_keys(conn)
        rows = [
            {"key_id": k, "partner": p, "retired_at_record": retired.get(k)}
            for k, (p, _) in params.shown(
                list(log.partner_keys(conn, limit + 1, offset).items()), limit, offset
            )
        ]
    emit(ctx, rows, fmt, title="Partner keys")


@app.command("show")
def show(
    ctx: typer.Context,
    kid: str = typer.Argument(
        None, metavar="[KEY_ID]", help="A registered checkpoint key [default: every one]."
    ),
    pubkey: Path = typer.Option(None, "--pubkey", help="A public key file instead of a registered key."),
    verifier: bool = typer.Option(
        False,
        "--verifier",
        help="Print C2SP note verifier keys "
        "(name+hex key ID+base64(0x01 || public key)), one a line, for note tools.",
    ),
    fmt: str = FormatOption,
) -> None:
    """Checkpoint keys with their note key IDs; --verifier prints them as C2SP verifier keys."""
    from jointfund.ledger import checkpoint_note

    fund = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        origin = checkpoint_note.fund_origin(conn, fund.id)
        keys = log.partner_keys(conn)
    if pubkey is not None:
        try:
            pem = load_public(pubkey.read_bytes(), str(pubkey))
        except OSError as exc:
            raise InputError([Problem(str(pubkey), f"cannot read: {exc.strerror}")]) from None
        from jointfund.ledger.checkpoint import public_pem

        found = {key_id(pem): (keys.get(key_id(pem), ("", ""))[0], public_pem(pem))}
    elif kid is not None:
        if kid not in keys:
            raise InputError(
                [
                    Problem(
                        "KEY_ID", "no registered checkpoint key has this id (see: jointfund keys list)", kid
                    )
                ]
            )
        found = {kid: keys[kid]}
    else:
        found = dict(sorted(keys.items()))
    vkeys = {k: checkpoint_note.partner_verifier(origin, pem) for k, (_, pem) in found.items()}
    if verifier:
        for v in vkeys.values():
            typer.echo(v.vkey())
        return
    emit(
        ctx,
        [
            {"key_id": k, "partner": found[k][0], "note_key_id": v.key_id.hex(), "verifier": v.vkey()}
            for k, v in vkeys.items()
        ],
        fmt,
        title=f"Checkpoint keys (note key name {origin})",
    )
