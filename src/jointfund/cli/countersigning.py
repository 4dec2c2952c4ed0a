"""The two options every change that needs a second person takes (governance.countersign): the seated member
who countersigns, and their key file. One place, so `applications clear` and the corrections say it alike."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from jointfund.errors import InputError, Problem

if TYPE_CHECKING:  # the options are declared at import; what they need is imported when a change is signed
    from sqlalchemy import Connection

    from jointfund.governance import countersign

AsOption = typer.Option(
    None,
    "--countersign-as",
    help="The seated member (id or name) who checked this change and countersigns it; not the one asking.",
)
KeyOption = typer.Option(
    None,
    "--countersign-key",
    help="That member's private key file; it signs this exact change and never leaves this machine.",
)


def signer(conn: Connection, member: str | None, key: Path | None) -> countersign.Signer | None:
    """The member's Signer, or None when neither option is given (the change then says what it needs)."""
    if (member is None) != (key is None):
        raise InputError(
            [Problem("--countersign-as / --countersign-key", "give both: the member and their key file")]
        )
    if member is None or key is None:
        return None
    from jointfund.governance import countersign
    from jointfund.ledger.checkpoint import load_private

    return countersign.signer(conn, member, load_private(key))
