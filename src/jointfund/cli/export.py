"""`jointfund export`: the portfolio in open standards (OC4IDS)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from jointfund.cli import context
from jointfund.cli.capital import day_of
from jointfund.cli.output import say
from jointfund.reports import oc4ids
from jointfund.store import db

app = typer.Typer(help="Export the portfolio in open data standards.", no_args_is_help=True)


@app.command("oc4ids")
def oc4ids_(
    ctx: typer.Context,
    out: Path = typer.Option(..., "-o", "--out", help="The JSON project package to write."),
    as_of: str = typer.Option(None, "--as-of", help="Effective date [default: today]."),
) -> None:
    """Each investment as an OC4IDS project record, in one project package."""
    info = context.fund(ctx)
    day = day_of(as_of, "--as-of")
    with db.transaction(context.engine(ctx)) as conn:
        doc = oc4ids.package(conn, info, day)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {len(doc['projects'])} OC4IDS project(s) to {out}")
