"""`jointfund checkpoint`: sign the tree head as a partner; show it as a C2SP note; collect witnesses'
cosignatures."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from jointfund.cli import context
from jointfund.cli.output import emit, resolve_format, say
from jointfund.errors import InputError, JointfundError, Problem
from jointfund.ledger import checkpoint_note, log
from jointfund.ledger.checkpoint import load_private
from jointfund.store import db

app = typer.Typer(
    help="Sign the current tree head (fund id, size, root, time) as a partner.", invoke_without_command=True
)

NOTE_FORMATS = ("table", "json", "csv", "note")


@app.callback()
def checkpoint(
    ctx: typer.Context,
    partner: str = typer.Option(None, "--partner", help="The partner whose key signs."),
    key: Path = typer.Option(None, "--key", help="The partner's private key file."),
    fmt: str = typer.Option(
        None,
        "--format",
        "-f",
        help="Output: table, json, csv, or note (the C2SP signed note "
        "of the signed head, with every signature the fund holds for it).",
    ),
) -> None:
    """Sign the current tree head (fund id, size, root, time) as a partner.

    The partner signs both the v1 checkpoint and the C2SP tlog-checkpoint note of the same head;
    `--format note` prints that note."""
    if ctx.invoked_subcommand is not None:
        return
    missing = [
        Problem(name, "needed to sign a checkpoint")
        for name, v in (("--partner", partner), ("--key", key))
        if v is None
    ]
    if missing:
        raise InputError(missing, "no checkpoint signed")
    chosen = resolve_format(ctx, fmt, NOTE_FORMATS)
    context.actor(ctx, "checkpoint.sign")
    private = load_private(key)
    fund = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        cp = log.make_checkpoint(conn, fund.id, partner, private)
    if chosen == "note":
        with db.transaction(context.engine(ctx)) as conn:
            head = checkpoint_note.head(conn, fund.id, cp.tree_size)
        assert head is not None
        sys.stdout.write(head.render())
        return
    emit(
        ctx,
        [
            {
                "partner": cp.partner,
                "tree_size": cp.tree_size,
                "root": cp.root_hex,
                "signed_at": cp.signed_at,
                "key_id": cp.key_id,
                "signature": cp.signature_hex,
            }
        ],
        chosen,
        title="Checkpoint signed",
    )


@app.command("note")
def show_note(
    ctx: typer.Context,
    size: int = typer.Option(
        None, "--size", min=1, help="The head of this tree size [default: the latest signed]."
    ),
) -> None:
    """Print a signed head as a C2SP note (tlog-checkpoint), with the partners' and witnesses' signatures."""
    fund = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        head = (
            checkpoint_note.head(conn, fund.id, size)
            if size is not None
            else checkpoint_note.latest(conn, fund.id)
        )
    if head is None:
        raise JointfundError(
            f"no checkpoint note {'of size ' + str(size) if size else 'yet'}; a partner signs one "
            "with: jointfund checkpoint --partner P --key FILE"
        )
    sys.stdout.write(head.render())


@app.command("cosign")
def cosign(
    ctx: typer.Context,
    witnesses: list[str] = typer.Option(
        ..., "--witness", help="A witness's URL prefix (it answers POST PREFIX/add-checkpoint); repeatable."
    ),
) -> None:
    """Ask witnesses (C2SP tlog-witness) to cosign the latest head every partner signed.

    A witness's cosignature counts only if the terms ([transparency] witnesses) name its key; the terms
    also say how many make a checkpoint witnessed. Any refusal is reported and the command exits non-zero."""
    from jointfund.ledger import cosigning

    context.actor(ctx, "checkpoint.sign")
    done = cosigning.collect(context.engine(ctx), context.fund(ctx), witnesses)
    for url, names in done.cosigned:
        say(f"cosigned by {', '.join(names)} ({url})")
    state = "WITNESSED" if done.witnessed else "not yet witnessed"
    say(
        f"the log of {done.size} records: {done.cosigners} of the {done.required} witness "
        f"cosignature(s) the terms require: {state}"
    )
    if done.refusals:
        raise JointfundError("\n".join(done.refusals))
