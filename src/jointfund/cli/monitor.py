"""`jointfund monitor`: watch a published log for forks, rollbacks and bad signatures (ledger/monitor.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.errors import InputError, JointfundError, Problem


def monitor(
    source: str = typer.Argument(
        ..., help="The log's mirror: a URL prefix or a directory (jointfund publish)."
    ),
    state: Path = typer.Option(
        ...,
        "--state",
        help="This monitor's own state file: the last checkpoint it saw. "
        "Keep it between runs; it is what a fork or a rollback is checked against.",
    ),
    trust: Path = typer.Option(
        None,
        "--trust",
        help="A trust file obtained out of band (jointfund trust export): "
        "every partner whose authority key it holds must have signed.",
    ),
    keys: list[str] = typer.Option(
        None,
        "--key",
        help="A verifier key you trust, as NAME=VKEY (jointfund keys show "
        "--verifier); every key named must have signed. Repeatable.",
    ),
) -> None:
    """Watch a log (URL or directory): verify its signed checkpoint and that it only grew; for cron.

    Exits 0 when the latest checkpoint is signed by the keys you trust and extends the one seen before; exits
    1 naming the FORK, ROLLBACK or BAD SIGNATURE otherwise (the state file is then left as it was)."""
    from jointfund.ledger import checkpoint_note, note
    from jointfund.ledger import monitor as mon
    from jointfund.ledger.trust import load as load_trust

    if trust is None and not keys:
        raise InputError(
            [
                Problem(
                    "--trust/--key",
                    "say which keys you trust: a trust file, or verifier keys; a "
                    "monitor that trusts whatever the log shows checks nothing",
                )
            ]
        )
    direct: dict[note.Verifier, str] = {}
    for i, text in enumerate(keys or []):
        label, sep, vkey = text.partition("=")
        try:
            v = note.parse_vkey(vkey if sep else text)
        except note.NoteError as exc:
            raise InputError([Problem(f"--key[{i}]", str(exc))]) from None
        direct[v] = label if sep else f"{v.name}+{v.key_id.hex()}"
    anchor = load_trust(trust) if trust is not None else None

    def trusted(origin: str) -> dict[note.Verifier, str]:
        found = dict(direct)
        if anchor is not None:
            by_partner = checkpoint_note.verifiers_of(anchor.keys, origin)
            unsigned = set(anchor.authorities) - set(by_partner.values())
            if unsigned:
                raise JointfundError(
                    f"{trust}: no checkpoint key of {', '.join(sorted(unsigned))} in the trust file"
                )
            found.update(by_partner)
        return found

    try:
        seen = mon.check(source, trusted, state)
    except mon.Alarm as alarm:
        raise JointfundError(f"ALARM: {alarm}") from None
    # On stdout, so that cron's `>/dev/null` keeps a quiet run quiet while an alarm (stderr) is mailed.
    typer.echo(
        f"ok: {seen.origin}: {seen.size} records (+{seen.grew} since the last run), signed by "
        f"{' and '.join(seen.signers)}, consistent with everything seen before"
    )
