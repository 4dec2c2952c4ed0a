"""`jointfund ledger`: accounts, entries, balances, proofs and exports."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from jointfund import bounds
from jointfund.cli import context, countersigning, params
from jointfund.cli.output import FormatOption, emit, resolve_format, say
from jointfund.cli.params import parse_date
from jointfund.errors import InputError, JointfundError, NotFound, Problem
from jointfund.money import parse_amount

if TYPE_CHECKING:
    from jointfund.ledger.entry import Entry, Posting

# Proofs, records and exports are imported inside their commands: a balance or a listing starts faster.

app = typer.Typer(
    help="The book of record: accounts, entries, balances, proofs and exports.", no_args_is_help=True
)


@app.command("accounts")
def accounts(ctx: typer.Context, as_of: str = params.AsOfOption, fmt: str = FormatOption) -> None:
    """The chart of accounts with balances as of a date."""
    from jointfund.ledger import journal
    from jointfund.store import db

    day = parse_date(as_of, "--as-of")
    grouped = resolve_format(ctx, fmt) == "table"  # separators for people; programs get the plain amount
    with db.transaction(context.engine(ctx)) as conn:
        balances: dict[str, list[str]] = {}
        for name, cur, amount in journal.trial_balance(conn, day):
            balances.setdefault(name, []).append(f"{amount:,f} {cur}" if grouped else f"{amount} {cur}")
        rows = [
            {
                "account": a.name,
                "type": a.type,
                "currencies": ",".join(a.currencies or ()) or "any",
                "opened": a.opened,
                "closed": a.closed,
                "balance": "; ".join(balances.get(a.name, [])),
            }
            for a in sorted(journal.load_accounts(conn).values(), key=lambda a: a.name)
        ]
    emit(ctx, rows, fmt, title=f"Chart of accounts{f' as of {day}' if day else ''}")


@app.command("balance")
def balance(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="Account name; its whole subtree is included unless --only."),
    as_of: str = typer.Option(None, "--as-of", help="Effective date, YYYY-MM-DD [default: all entries]."),
    currency: str = typer.Option(None, "--currency"),
    only: bool = typer.Option(False, "--only", help="This account alone, without its sub-accounts."),
    fmt: str = FormatOption,
) -> None:
    """Balance of an account (and its sub-accounts) in each currency, as of an effective date."""
    from jointfund.ledger.balance import balance as account_balance
    from jointfund.store import quick

    day = parse_date(as_of, "--as-of")
    # A SQLite fund is read with sqlite3 alone: the same statement, without SQLAlchemy's import (issue 12).
    with quick.reading(ctx.find_root().obj.get("db")) as run:
        if run is not None:
            result = account_balance(run, account, day, currency, subtree=not only)
    if run is None:
        from jointfund.ledger import journal
        from jointfund.store import db

        with db.transaction(context.engine(ctx)) as conn:
            result = journal.balance(conn, account, day, currency, subtree=not only)
    rows = [
        {"account": account, "currency": c, "balance": v, "as_of": day} for c, v in sorted(result.items())
    ]
    emit(ctx, rows, fmt, title=f"Balance of {account}")


@app.command("trial-balance")
def trial_balance(ctx: typer.Context, as_of: str = params.AsOfOption, fmt: str = FormatOption) -> None:
    """Every account's balance per currency; each currency sums to zero."""
    from jointfund.ledger import journal
    from jointfund.store import db

    day = parse_date(as_of, "--as-of")
    with db.transaction(context.engine(ctx)) as conn:
        balances = journal.trial_balance(conn, day)
    rows: list[dict[str, object]] = [{"account": a, "currency": c, "balance": v} for a, c, v in balances]
    totals: dict[str, Decimal] = {}
    for _account, c, v in balances:
        totals[c] = totals.get(c, Decimal(0)) + v
    emit(
        ctx,
        rows + [{"account": "TOTAL", "currency": c, "balance": v} for c, v in sorted(totals.items())],
        fmt,
        title=f"Trial balance{f' as of {day}' if day else ''}",
    )


def entry_rows(entries: list[Entry]) -> list[dict]:
    return [
        {
            "seq": e.seq,
            "date": e.date,
            "key": e.key,
            "narration": e.narration,
            "account": p.account,
            "amount": p.amount,
            "currency": p.currency,
            "links": " ".join(e.links),
            "reverses": e.reverses,
        }
        for e in entries
        for p in e.postings
    ]


@app.command("entries")
def entries(
    ctx: typer.Context,
    account: str = typer.Option(None, "--account", help="Only entries touching this account or its subtree."),
    since: str = typer.Option(None, "--since"),
    until: str = typer.Option(None, "--until"),
    link: str = typer.Option(None, "--link", help="Only entries linked to this reference, e.g. receipt:R-1."),
    limit: int = typer.Option(
        100,
        "--limit",
        min=1,
        max=params.MAX_PAGE_ITEMS,
        help=f"Entries per page, 1 to {params.MAX_PAGE_ITEMS}; a larger limit is refused.",
    ),
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Journal entries in log order, one row per posting."""
    from jointfund.ledger import journal
    from jointfund.store import db

    with db.transaction(context.engine(ctx)) as conn:
        found = list(
            journal.entries(
                conn, parse_date(since, "--since"), parse_date(until, "--until"), account, link, limit, offset
            )
        )
    emit(ctx, entry_rows(found), fmt, title="Journal")


@app.command("show")
def show(
    ctx: typer.Context,
    seq: int = context.id_argument("SEQ", help="Entry number (its log position)."),
    fmt: str = FormatOption,
) -> None:
    """One entry with its postings."""
    from jointfund.ledger import journal
    from jointfund.store import db

    with db.transaction(context.engine(ctx)) as conn:
        e = journal.get_entry(conn, seq)
    emit(
        ctx,
        entry_rows([e]),
        fmt,
        title=f"Entry {seq}: {e.narration}",
        json_root={
            **{k: v for k, v in e._asdict().items() if k != "postings"},
            "postings": [p._asdict() for p in e.postings],
        },
    )


def parse_postings(texts: list[str]) -> tuple[Posting, ...]:
    """'ACCOUNT AMOUNT CURRENCY' per --posting; every malformed one is reported."""
    from jointfund.ledger.entry import Posting

    problems: list[Problem] = []
    legs: list[Posting] = []
    for i, text in enumerate(texts):
        parts = text.split()
        where = f"--posting[{i}]"
        if len(parts) != 3:
            problems.append(Problem(where, "expected 'ACCOUNT AMOUNT CURRENCY'", text))
            continue
        amount, problem = parse_amount(parts[1], parts[2], f"{where}.amount")
        if problem:
            problems.append(problem)
        elif amount is not None:  # parse_amount gives an amount or a problem
            legs.append(Posting(parts[0], amount, parts[2]))
    if problems:
        raise InputError(problems, "postings refused; nothing was posted")
    return tuple(legs)


@app.command("post")
def post(
    ctx: typer.Context,
    date: str = typer.Option(..., "--date", help="Effective date, YYYY-MM-DD."),
    narration: str = typer.Option(..., "--narration"),
    key: str = typer.Option(
        ..., "--key", help="Idempotency key: the source's own reference (kept as manual:KEY)."
    ),
    postings: list[str] = typer.Option(
        ..., "--posting", help="'ACCOUNT AMOUNT CURRENCY'; repeat for each leg."
    ),
    links: list[str] = typer.Option([], "--link", help="Reference this entry concerns; repeatable."),
    countersign_as: str = countersigning.AsOption,
    countersign_key: Path = countersigning.KeyOption,
) -> None:
    """Post one balanced entry by hand, countersigned by a seated member other than you. Posting the same key
    and content again returns the original."""
    from jointfund.accounting import manual
    from jointfund.ledger.entry import Entry
    from jointfund.store import db

    who = context.actor(ctx, "ledger.post")
    day = parse_date(date, "--date")
    entry = Entry(day, narration, parse_postings(postings), key, tuple(links))
    with db.write(context.engine(ctx)) as conn:
        by = countersigning.signer(conn, countersign_as, countersign_key)
        seq, new = manual.post(conn, context.fund(ctx), who.name, entry, by)
    say(f"entry {seq} {'posted' if new else 'already posted with this key (no change)'}")
    typer.echo(seq)


@app.command("reverse")
def reverse(
    ctx: typer.Context,
    seq: int = context.id_argument("SEQ"),
    date: str = typer.Option(..., "--date"),
    key: str = typer.Option(..., "--key", help="The reversal's own key (kept as manual:KEY)."),
    narration: str = typer.Option(None, "--narration"),
    countersign_as: str = countersigning.AsOption,
    countersign_key: Path = countersigning.KeyOption,
) -> None:
    """Correct an entry by posting its exact reversal, which points back at it; countersigned by a seated
    member other than you."""
    from jointfund.accounting import manual
    from jointfund.store import db

    who = context.actor(ctx, "ledger.reverse")
    day = parse_date(date, "--date")
    with db.write(context.engine(ctx)) as conn:
        by = countersigning.signer(conn, countersign_as, countersign_key)
        new, _ = manual.reverse(conn, context.fund(ctx), who.name, seq, day, key, narration, by)
    say(f"entry {new} reverses entry {seq}")
    typer.echo(new)


@app.command("open")
def open_(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    date: str = typer.Option(None, "--date", help="Opening date [default: the fund's start]."),
    currencies: list[str] = typer.Option(
        [], "--currency", help="Allowed currency; repeatable [default: any]."
    ),
    description: str = typer.Option("", "--description"),
) -> None:
    """Open an account in the chart."""
    from jointfund.ledger import journal
    from jointfund.store import db

    who = context.actor(ctx, "ledger.open")
    fund = context.fund(ctx)
    day = parse_date(date, "--date") or fund.start_date
    if day < fund.start_date:
        raise InputError(
            [Problem("--date", f"before the fund exists (it starts {fund.start_date})", str(day))]
        )
    with db.write(context.engine(ctx)) as conn:
        journal.open_account(conn, name, day, currencies or None, description, actor=who.name)
    say(f"account {name} is open from {day}")


@app.command("close")
def close(
    ctx: typer.Context, name: str = typer.Argument(...), date: str = typer.Option(..., "--date")
) -> None:
    """Close an account: postings dated on or after the date are refused."""
    from jointfund.ledger import journal
    from jointfund.store import db

    who = context.actor(ctx, "ledger.close")
    day = parse_date(date, "--date")
    with db.write(context.engine(ctx)) as conn:
        journal.close_account(conn, name, day, actor=who.name)
    say(f"account {name} is closed from {day}")


@app.command("checkpoints")
def checkpoints(
    ctx: typer.Context,
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Signed checkpoints: who signed which tree size and root, when."""
    from jointfund.ledger import log
    from jointfund.store import db

    fund = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        rows = [
            {
                "id": i,
                "partner": cp.partner,
                "tree_size": cp.tree_size,
                "root": cp.root_hex,
                "signed_at": cp.signed_at,
                "key_id": cp.key_id,
            }
            for i, cp in params.shown(log.checkpoints(conn, fund.id, limit + 1, offset), limit, offset)
        ]
    emit(ctx, rows, fmt, title="Signed checkpoints")


def _signed_checkpoint(conn, fund_id: str, cp_id: int | None, covering: int):  # noqa: ANN001, ANN202
    from jointfund.ledger import log

    cps = log.checkpoints(conn, fund_id)
    keys = log.partner_keys(conn)
    if cp_id is not None:
        chosen = next((c for i, c in cps if i == cp_id), None)
        if chosen is None:
            raise NotFound(f"--checkpoint: no checkpoint {cp_id}")
    else:
        eligible = [c for _, c in cps if c.tree_size >= covering]
        if not eligible:
            raise JointfundError(
                f"no signed checkpoint covers record {covering} yet; sign one with: jointfund "
                "checkpoint --partner P --key FILE"
            )
        chosen = max(eligible, key=lambda c: (c.tree_size, c.signed_at))
    if chosen.tree_size < covering:
        raise JointfundError(
            f"checkpoint {cp_id} covers {chosen.tree_size} records; record {covering} is later"
        )
    return chosen, keys[chosen.key_id][1], log.key_registrations(conn).get(chosen.key_id)


def _write_json(bundle: dict, out: Path | None) -> None:
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    if out:
        out.write_text(text, encoding="utf-8")
        say(f"written to {out}")
    else:
        sys.stdout.write(text)


@app.command("proof")
def proof(
    ctx: typer.Context,
    seq: int = context.id_argument("SEQ", help="Entry (or any log record) number."),
    checkpoint: int = typer.Option(
        None,
        "--checkpoint",
        min=1,
        max=bounds.MAX_ID,
        help="Checkpoint id [default: the latest that covers it].",
    ),
    out: Path = typer.Option(None, "-o", "--out", help="Write the proof bundle (JSON) here."),
) -> None:
    """Inclusion proof of a record against a signed checkpoint, as a self-contained JSON bundle."""
    from jointfund.ledger import log
    from jointfund.ledger.proof import inclusion_bundle
    from jointfund.ledger.records import record_bytes
    from jointfund.store import db

    fund = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        record = record_bytes(conn, seq)
        cp, pem, registration = _signed_checkpoint(conn, fund.id, checkpoint, seq)
        bundle = inclusion_bundle(fund.id, seq, record, log.tree(conn, cp.tree_size), cp, pem, registration)
    _write_json(bundle, out)


@app.command("consistency")
def consistency(
    ctx: typer.Context,
    old: int = typer.Option(..., "--from", min=1, max=bounds.MAX_ID, help="Older checkpoint id."),
    new: int = typer.Option(..., "--to", min=1, max=bounds.MAX_ID, help="Newer checkpoint id."),
    out: Path = typer.Option(None, "-o", "--out"),
) -> None:
    """Consistency proof between two checkpoints: the older log is a prefix of the newer."""
    from jointfund.ledger import log
    from jointfund.ledger.proof import consistency_bundle
    from jointfund.store import db

    fund = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        a = _signed_checkpoint(conn, fund.id, old, 1)
        b = _signed_checkpoint(conn, fund.id, new, 1)
        if a[0].tree_size > b[0].tree_size:
            raise InputError(
                [
                    Problem(
                        "--from",
                        f"checkpoint {old} ({a[0].tree_size} records) is newer than {new} ({b[0].tree_size})",
                    )
                ]
            )
        bundle = consistency_bundle(a[:2], b[:2], log.tree(conn, b[0].tree_size), log.key_registrations(conn))
    _write_json(bundle, out)


@app.command("check-proof")
def check_proof(
    file: Path = typer.Argument(
        ..., help="A proof bundle written by `ledger proof` or `ledger consistency`."
    ),
    trust: Path = typer.Option(
        None,
        "--trust",
        help="A trust file obtained out of band (jointfund trust export): the "
        "partners' authority keys, which vouch for their checkpoint keys.",
    ),
    key_ids: list[str] = typer.Option(
        None,
        "--key-id",
        help="A checkpoint key id you trust, as PARTNER=KEY_ID (or KEY_ID alone); repeatable.",
    ),
) -> None:
    """Check a proof bundle offline: no database, only the bundle, its signed checkpoint(s), and the keys you
    trust.

    It says OK only for a checkpoint signed by a key you trust, and names the signer your trust names."""
    from jointfund.ledger.proof import check_consistency, check_inclusion
    from jointfund.ledger.trust import load as load_trust
    from jointfund.ledger.trust import with_key_ids

    anchor = load_trust(trust) if trust is not None else None
    if key_ids:
        anchor = with_key_ids(anchor, key_ids)
    try:
        bundle = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError([Problem(str(file), f"cannot read a JSON proof bundle: {exc}")]) from None
    kind = bundle.get("type") if isinstance(bundle, dict) else None
    if kind == "inclusion":
        verdict = check_inclusion(bundle, anchor)
        what = (
            f"record {bundle.get('seq')} is in the log of {bundle['checkpoint']['tree_size']} "
            "records signed by"
        )
    elif kind == "consistency":
        verdict = check_consistency(bundle, anchor)
        what = (
            f"the log of {bundle['old']['tree_size']} records is a prefix of the log of "
            f"{bundle['new']['tree_size']}, signed by"
        )
    else:
        raise InputError([Problem(f"{file}: type", "expected 'inclusion' or 'consistency'", kind)])
    if not verdict.ok:
        raise JointfundError("proof REJECTED:\n  " + "\n  ".join(verdict.reasons))
    say(f"[green]proof OK[/green]: {what} {verdict.signer}")


@app.command("export")
def export_(
    ctx: typer.Context,
    fmt: str = typer.Option("beancount", "--format", "-f", help="beancount, csv or parquet."),
    out: Path = typer.Option(
        None, "-o", "--out", help="Output file [default: stdout; required for parquet]."
    ),
) -> None:
    """Export the journal for other tools: beancount, CSV (one row per posting) or Parquet."""
    from jointfund.cli.progress import bar
    from jointfund.ledger import log
    from jointfund.reports import export
    from jointfund.store import db

    if fmt not in export.FORMATS:
        raise typer.BadParameter(
            f"expected one of {', '.join(export.FORMATS)}, got {fmt!r}", param_hint="--format"
        )
    if fmt == "parquet" and out is None:
        raise typer.BadParameter("parquet is binary: give -o FILE", param_hint="--out")
    fund = context.fund(ctx)
    engine = context.engine(ctx)
    with db.transaction(engine) as conn:
        if fmt == "parquet":
            n = export.write_parquet(conn, out)
        else:
            target = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout
            try:
                if fmt == "beancount":
                    with bar("exporting", total=log.size(conn)) as advance:
                        n = export.write_beancount(conn, fund, target, advance)
                else:
                    n = export.write_csv(conn, target)
            finally:
                if out:
                    target.close()
    if out:
        say(f"wrote {n} {'transactions' if fmt == 'beancount' else 'postings'} to {out}")
