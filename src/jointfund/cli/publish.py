"""`jointfund publish`: the public log as a static C2SP tlog-tiles mirror (ledger/publish.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli import context
from jointfund.cli.output import say


def publish(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="The mirror's directory; serve it with any static web host."),
) -> None:
    """Write the public log as a static C2SP tlog-tiles mirror: checkpoint, hash tiles, entry bundles.

    Incremental: only new tiles are written. A tile already there that differs stops it (another history)."""
    from jointfund.web.mirror import publish_mirror

    done = publish_mirror(context.engine(ctx), context.fund(ctx), out)
    say(
        f"published the log of {done.size} records to {out}: {done.written} file(s) written, "
        f"{done.kept} already "
        f"there; {done.private} private record(s) appear as their hash only; the verifier page is index.html"
    )
