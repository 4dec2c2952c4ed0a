"""`jointfund keys`: Ed25519 key pairs. The fund stores public keys only."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, say
from jointfund.errors import InputError, Problem
from jointfund.ledger import log
from jointfund.ledger.checkpoint import write_key_pair
from jointfund.store import db

app = typer.Typer(help="Ed25519 keys for checkpoints and votes; private keys never enter the database.", no_args_is_help=True)


def check_partner(ctx: typer.Context, partner: str) -> None:
    codes = context.fund(ctx).base_terms().partner_codes
    if partner not in codes:
        raise InputError([Problem("--partner", f"not a partner of this fund; expected one of {', '.join(codes)}", partner)])


@app.command("new")
def new(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Private key file; the public key goes to FILE.pub."),
    partner: str = typer.Option(None, "--partner", help="Also register the public key as this partner's checkpoint key."),
) -> None:
    """Make an Ed25519 key pair: FILE (private, mode 600) and FILE.pub."""
    who = context.actor(ctx, "keys.register") if partner else None
    if partner:
        check_partner(ctx, partner)
    private, public, kid = write_key_pair(out)
    say(f"private key: {private} (keep it secret; it never enters the fund)\npublic key:  {public}\nkey id:      {kid}")
    if partner:
        with db.write(context.engine(ctx)) as conn:
            log.register_key(conn, partner, public.read_bytes(), str(public), actor=who.name)
        say(f"registered as a checkpoint key of partner {partner}")


@app.command("register")
def register(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner"),
    pubkey: Path = typer.Option(..., "--pubkey", help="Public key file (PEM) made by `keys new`."),
) -> None:
    """Register a partner's public checkpoint key (the private key stays with the partner)."""
    who = context.actor(ctx, "keys.register")
    check_partner(ctx, partner)
    try:
        pem = pubkey.read_bytes()
    except OSError as exc:
        raise InputError([Problem(str(pubkey), f"cannot read: {exc.strerror}")]) from None
    with db.write(context.engine(ctx)) as conn:
        kid = log.register_key(conn, partner, pem, str(pubkey), actor=who.name)
    say(f"key {kid} registered for partner {partner}")


@app.command("list")
def list_(ctx: typer.Context, fmt: str = FormatOption) -> None:
    """Registered partner keys."""
    with db.transaction(context.engine(ctx)) as conn:
        rows = [{"key_id": k, "partner": p} for k, (p, _) in sorted(log.partner_keys(conn).items())]
    emit(ctx, rows, fmt, title="Partner keys")
