"""Fund-wide commands: init, verify, and the schema."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund import fund as fund_mod
from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, say
from jointfund.cli.progress import bar
from jointfund.errors import InputError, IntegrityError, Problem
from jointfund.ledger import log
from jointfund.ledger.trust import load as load_trust
from jointfund.store import db
from jointfund.terms import shipped_text
from jointfund.verify import Report
from jointfund.verify import verify as run_verify

db_app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)


def init(
    ctx: typer.Context,
    terms: Path = typer.Option(
        None, "--terms", help="Terms file (TOML) of the agreement [default: the shipped URIF terms]."
    ),
    authorities: list[str] = typer.Option(
        None,
        "--authority",
        help="PARTNER=FILE.pub, once per partner: the partner's "
        "authority public key, for the genesis record (see docs/ceremony.md).",
    ),
) -> None:
    """Create a fund in the database (--db), on the shipped terms or your own.

    With --authority for every partner it also records the genesis, which each partner then signs with
    `jointfund genesis sign`; until then nobody can be seated and no checkpoint key registered."""
    if terms is None:
        text, source = shipped_text(), "urif.toml (shipped)"
    else:
        try:
            text, source = terms.read_text(encoding="utf-8"), str(terms)
        except OSError as exc:
            raise InputError([Problem(str(terms), f"cannot read terms file: {exc.strerror}")]) from None
    if authorities:  # checked before the fund is made, so that a bad key file leaves nothing half-made
        from jointfund.cli.authority import read_authorities
        from jointfund.ledger.authority import validated
        from jointfund.terms import load_text

        validated(load_text(text, source).partner_codes, read_authorities(authorities), "--authority")
    info = fund_mod.create(context.engine(ctx, migrated=False), text, source)
    say(
        f"created fund {info.code} ({info.name})\n  id: {info.id}\n  terms: {source}\n  starts: "
        f"{info.start_date}"
    )
    if authorities:
        from jointfund.cli.authority import record_genesis

        record_genesis(ctx, authorities)
    else:
        say(
            "no genesis yet: record the partners' authority keys with: jointfund genesis new "
            "--authority P=FILE.pub ..."
        )


def verify(
    ctx: typer.Context,
    trust: Path = typer.Option(
        None,
        "--trust",
        help="A trust file obtained out of band (jointfund trust export, from "
        "a partner): the partners' authority keys and perhaps the last checkpoint you saw.",
    ),
    fmt: str = FormatOption,
) -> None:
    """Recompute every entry, balance, hash, root and signature; exit 1 naming the first failure.

    Without --trust it can only check that the database agrees with itself: an operator who rewrote all of
    it, keys included, would pass. With --trust it checks the book against keys you obtained elsewhere."""
    anchor = load_trust(trust) if trust is not None else None
    engine = context.engine(ctx)
    with db.transaction(engine) as conn:
        total = log.size(conn)
    with bar("verifying", total=total, forks=True) as advance:
        report = run_verify(engine, advance, trust=anchor)
    emit(ctx, report_rows(report), fmt, title="Verification")
    for warning in report.warnings:
        say(f"[yellow]warning[/yellow]: {warning}")
    if not report.ok:
        first = report.first_failure
        assert first is not None
        where = f"record {first.seq}" if first.seq is not None else "the log"
        raise IntegrityError(f"verification FAILED at {where}: {first.check}: {first.detail}")
    if report.anchored:
        say(f"[green]verified[/green]: every check passed, anchored in the keys of {trust}")
    else:
        say(
            "[green]verified[/green]: every check passed, [bold]internal consistency "
            "only[/bold]: no --trust FILE was "
            "given, so nothing here was checked against keys obtained outside this database"
        )


def report_rows(report: Report) -> list[dict]:
    return [
        {
            "check": r.check,
            "status": "ok" if r.ok else "FAILED",
            "checked": r.checked,
            "detail": ""
            if r.ok
            else f"{len(r.failures)} failure(s); first: "
            + (f"record {r.failures[0].seq}: " if r.failures[0].seq is not None else "")
            + r.failures[0].detail,
        }
        for r in report.results
    ]


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply pending migrations."""
    engine = context.engine(ctx, migrated=False)
    db.upgrade(engine)
    current, head = db.schema_state(engine)
    say(f"schema at {current} (newest {head})")


@db_app.command("status")
def status(ctx: typer.Context) -> None:
    """Show the schema revision."""
    current, head = db.schema_state(context.engine(ctx, migrated=False))
    say(f"schema at {current or 'nothing (run jointfund init)'}; newest is {head}")
