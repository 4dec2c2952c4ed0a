"""`jointfund publish`: the public log as a static C2SP tlog-tiles mirror (ledger/publish.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli import context
from jointfund.cli.output import say
from jointfund.store import db


def publish(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="The mirror's directory; serve it with any static web host."),
) -> None:
    """Write the public log as a static C2SP tlog-tiles mirror: checkpoint, hash tiles, entry bundles.

    Incremental: only new tiles are written. A tile already there that differs stops it (another history)."""
    from jointfund.ledger import log
    from jointfund.ledger.checkpoint import key_id, load_public
    from jointfund.ledger.publish import publish as run
    from jointfund.web.mirror import write_pages

    fund = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        done = run(conn, fund.id, out)
        terms = fund.base_terms()
        keys = [
            {
                "partner": partner,
                "key_id": key_id(load_public(pem.encode(), "checkpoint key")),
                "public_key_pem": pem,
            }
            for partner, pem in log.partner_keys(conn).values()
            if pem
        ]
    # The mirror's own verifier page: any static host serving DIR lets the public check a record with no server.
    write_pages(out, fund.id, terms.transparency.origin_for(fund.id), keys, list(terms.partner_codes))
    say(
        f"published the log of {done.size} records to {out}: {done.written} file(s) written, {done.kept} already "
        f"there; {done.private} private record(s) appear as their hash only; the verifier page is index.html"
    )
