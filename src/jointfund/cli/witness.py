"""`jointfund witness`: run an independent C2SP tlog-witness with your own key (ledger/witness.py)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from jointfund.cli.output import say
from jointfund.errors import InputError, Problem

app = typer.Typer(
    help="An independent witness (C2SP tlog-witness): cosigns only checkpoints consistent with what it saw.",
    no_args_is_help=True,
)

NameOption = typer.Option(
    ..., "--name", help="The witness's key name, a schema-less URL, e.g. witness.example/w1."
)
KeyOption = typer.Option(
    ..., "--key", help="The witness's Ed25519 private key file (jointfund keys new --out FILE)."
)


@app.command("key")
def key(name: str = NameOption, key_file: Path = KeyOption) -> None:
    """Print the witness's verifier key (name+hex key ID+base64(0x04 || public key)) for the logs' terms."""
    from jointfund.ledger import note
    from jointfund.ledger.checkpoint import load_private

    typer.echo(note.verifier(name, load_private(key_file).public_key(), note.COSIGNATURE_V1).vkey())


@app.command("serve")
def serve(
    name: str = NameOption,
    key_file: Path = KeyOption,
    logs: list[str] = typer.Option(
        ...,
        "--log",
        help="A verifier key of a log to follow (jointfund keys show "
        "--verifier); its name is the log's origin. Repeatable: every partner's key.",
    ),
    state: Path = typer.Option(
        ...,
        "--state",
        help="The witness's own state file: the latest checkpoint it "
        "cosigned per log. Keep it: a witness that forgets can be rolled back.",
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8380, "--port", min=0, max=65535),
) -> None:
    """Serve POST /add-checkpoint: cosign each log's checkpoints that extend the last one cosigned."""
    from jointfund.ledger import note, witness
    from jointfund.ledger.checkpoint import load_private

    followed: dict[str, tuple[note.Verifier, ...]] = {}
    for i, text in enumerate(logs):
        try:
            v = note.parse_vkey(text)
        except note.NoteError as exc:
            raise InputError([Problem(f"--log[{i}]", str(exc))]) from None
        followed[v.name] = (*followed.get(v.name, ()), v)
    w = witness.Witness(
        name, load_private(key_file), followed, witness.State(state), lambda: int(time.time())
    )
    w.state.read()  # an unreadable state is refused now, not at the first request
    srv = witness.server(w, host, port)
    say(
        f"witness {name} ({w.verifier().vkey()}) following {', '.join(sorted(followed))}\n"
        f"listening on http://{host}:{srv.server_address[1]}/add-checkpoint; state in {state}"
    )
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
