"""`jointfund expenses`: record an expense against an adopted budget line, and list lines and expenses.

`jointfund report budget` (budget against actual) joins the report group from here."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund.cli import context, countersigning, params
from jointfund.cli.output import FormatOption, emit, say
from jointfund.cli.params import parse_date
from jointfund.cli.reports import app as report_app
from jointfund.cli.reports import emit_report, report_format
from jointfund.errors import InputError, Problem
from jointfund.store import db

app = typer.Typer(
    help="Expenses against the adopted budget lines, each with its evidence.", no_args_is_help=True
)

REPORT_FORMATS = ("table", "csv", "json", "xlsx")


def _evidence(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                [
                    Problem(
                        "--evidence",
                        f"at most {max_bytes} bytes (the terms' budget.evidence_max_bytes)",
                        f"{size} bytes",
                    )
                ],
                "expense not recorded",
            )
        return path.read_bytes()
    except OSError as exc:
        raise InputError(
            [Problem("--evidence", f"cannot read {path}: {exc.strerror}")], "expense not recorded"
        ) from None


@app.command("record")
def record(
    ctx: typer.Context,
    line: str = typer.Option(..., "--line", help="The budget line's code (see: jointfund expenses lines)."),
    amount: str = typer.Option(..., "--amount", help="In the line's currency, e.g. 1250.00."),
    currency: str = typer.Option(..., "--currency"),
    date: str = typer.Option(..., "--date", help="The expense's date, YYYY-MM-DD, within the line's period."),
    reference: str = typer.Option(..., "--reference", help="The invoice's reference: it keys the expense."),
    evidence: Path = typer.Option(..., "--evidence", help="The invoice or receipt; stored by its SHA-256."),
    countersign_as: str = countersigning.AsOption,
    countersign_key: Path = countersigning.KeyOption,
) -> None:
    """Record an expense against a budget line; refused beyond what the line has left (it needs a budget
    amendment), and without a seated member's countersignature (a second person)."""
    from jointfund.budget import expense
    from jointfund.money import read_amount

    who = context.actor(ctx, "expenses.record")
    info = context.fund(ctx)
    day = parse_date(date, "--date")
    content = _evidence(evidence, info.terms(day).budget.evidence_max_bytes)
    with db.write(context.engine(ctx)) as conn:
        x, new = expense.record(
            conn,
            info,
            who.name,
            line,
            read_amount(amount, "amount"),
            currency,
            day,
            reference,
            evidence.name,
            content,
            countersigning.signer(conn, countersign_as, countersign_key),
        )
    say(
        f"expense {x.reference}: {x.amount} {x.currency} charged to {x.line} (entry {x.entry_seq}, evidence "
        f"sha256:{x.document_sha256})" + ("" if new else "; already recorded")
    )


@app.command("lines")
def lines_(ctx: typer.Context, fmt: str = FormatOption) -> None:
    """The adopted budget lines as they stand (each at its latest version), with what was spent."""
    from jointfund.budget import lines
    from jointfund.money import from_minor

    with db.transaction(context.engine(ctx)) as conn:
        now, spent = lines.current(conn), lines.spent_minor(conn)
    rows = [
        {
            "line": x.code,
            "version": x.version,
            "category": x.category,
            "period": x.period,
            "currency": x.currency,
            "amount": x.amount,
            "spent": from_minor(spent.get(x.code, 0), x.currency),
            "left": x.amount - from_minor(spent.get(x.code, 0), x.currency),
            "proposal": x.proposal,
        }
        for x in now.values()
    ]
    emit(ctx, rows, fmt, title="Budget lines")


@app.command("list")
def list_(
    ctx: typer.Context,
    line: str = typer.Option(None, "--line", help="Only this line's expenses."),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Recorded expenses, in order, with their evidence's hash and their journal entry."""
    from jointfund.budget import expense

    with db.transaction(context.engine(ctx)) as conn:
        rows = [
            {
                "id": x.id,
                "line": x.line,
                "date": x.date,
                "amount": x.amount,
                "currency": x.currency,
                "reference": x.reference,
                "evidence_sha256": x.document_sha256,
                "entry": x.entry_seq,
            }
            for x in params.shown(expense.expenses(conn, line, limit + 1, offset), limit, offset)
        ]
    emit(ctx, rows, fmt, title="Expenses")


@report_app.command("budget")
def budget_report(
    ctx: typer.Context,
    period: str = typer.Option(
        ..., "--period", help="A year (2026), a quarter (2026-Q1) or a month (2026-03)."
    ),
    fmt: str = typer.Option(None, "--format", "-f", help="table, csv, json or xlsx (xlsx needs -o)."),
    out: Path = typer.Option(None, "-o", "--out", help="Write the report to this file (required for xlsx)."),
) -> None:
    """Budget against actual for a period, by line: budget, actual in the period and to date, what is left;
    then the fees of the terms accrued."""
    from jointfund.budget import report

    chosen = report_format(ctx, fmt, out, REPORT_FORMATS)
    p = report.parse_period(period)
    info = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        rows = report.rows(conn, info, p)
    title = f"{info.name}: budget against actual, {p.name} ({p.first} to {p.last})"
    emit_report(ctx, rows, chosen, out, title, "Budget", "budget rows", report.COLUMNS)
