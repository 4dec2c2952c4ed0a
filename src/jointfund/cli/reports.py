"""`jointfund report`: reports for partners and the public (eiti here; other reports join this group, which
cli/report.py assembles)."""

from __future__ import annotations

import contextlib
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer

from jointfund import clock
from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, resolve_format, say
from jointfund.errors import JointfundError
from jointfund.revenue import book, eiti
from jointfund.revenue.contribution import MissingRates, missing_rates
from jointfund.store import db

app = typer.Typer(help="Reports for partners and the public.", no_args_is_help=True)

EITI_FORMATS = ("table", "csv", "json", "xlsx")


def parse_threshold(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise typer.BadParameter(
            f"expected an amount of zero or more, with a dot as the decimal mark, got {text!r}",
            param_hint=option,
        )
    return value


@app.command("eiti")
def eiti_report(
    ctx: typer.Context,
    year: int = context.year_option(...),
    fmt: str = typer.Option(None, "--format", "-f", help="table, csv, json or xlsx (xlsx needs -o)."),
    out: Path = typer.Option(
        None,
        "-o",
        "--out",
        help="xlsx: the workbook of the EITI summary data, one sheet per part; "
        "csv: a directory for one CSV file per part.",
    ),
    materiality: str = typer.Option(
        None, "--materiality", help="Fold rows whose amount is below this into one row per section."
    ),
) -> None:
    """EITI revenue report of a year: all extractive revenue by stream (GFS), company, licence, resource,
    region.

    With -o, xlsx and csv follow the EITI summary data template (2019+): about the report, disclosure
    checklist, reporting entities, government revenues (by GFS code, stream and entity, with subnational
    transfers), company and project payments."""
    chosen = report_format(ctx, fmt, out, EITI_FORMATS)
    threshold = parse_threshold(materiality, "--materiality")
    info = context.fund(ctx)
    terms = info.base_terms()
    title = f"{terms.fund.name}: extractive revenue {year} (EITI-style)"
    if out is not None and chosen in ("xlsx", "csv"):
        if threshold is not None:
            raise typer.BadParameter(
                "the EITI summary data (-o with xlsx or csv) report every amount; "
                "--materiality applies to the table, csv and json printed",
                param_hint="--materiality",
            )
        _summary_data(ctx, info, year, chosen, out, f"{terms.fund.name}: EITI summary data {year}")
        return
    with db.transaction(context.engine(ctx)) as conn:
        evaluations = MissingRates(book.evaluations(conn, info, year))
        rows = eiti.report(evaluations, terms, threshold)
    if evaluations.missing:
        raise JointfundError(missing_rates(evaluations.missing))
    emit(ctx, [r._asdict() for r in rows], chosen, title=title, columns=eiti.COLUMNS)


def _summary_data(ctx: typer.Context, info, year: int, chosen: str, out: Path, title: str) -> None:  # noqa: ANN001
    from jointfund.reports import xlsx
    from jointfund.revenue import eiti_summary

    if chosen == "csv" and out.exists() and not out.is_dir():
        raise typer.BadParameter(
            f"{out} is a file; csv writes one file per part into a directory", param_hint="--out"
        )
    with db.transaction(context.engine(ctx)) as conn:
        sections = eiti_summary.summary(conn, info, year)
    if chosen == "xlsx":
        xlsx.write(sections, out, title)
        say(f"wrote the EITI summary data ({len(sections)} parts) to {out}")
        return
    written = eiti_summary.write_csv(sections, out)
    say(f"wrote {len(written)} files to {out}: {', '.join(p.name for p in written)}")


LICENCE_FORMATS = ("table", "csv", "json", "xlsx")


def report_format(ctx: typer.Context, fmt: str | None, out: Path | None, formats: tuple[str, ...]) -> str:
    """The format asked for (or the global one), refused unless one of `formats`; xlsx needs -o."""
    chosen = resolve_format(ctx, fmt, formats)
    if chosen == "xlsx" and out is None:
        raise typer.BadParameter("xlsx is binary: give -o FILE", param_hint="--out")
    return chosen


def emit_report(
    ctx: typer.Context,
    rows: list[dict],
    chosen: str,
    out: Path | None,
    title: str,
    sheet: str,
    noun: str,
    columns: tuple[str, ...] | None = None,
) -> None:
    """Rows as a workbook of one sheet (xlsx, to -o), or printed as table, csv or json (to -o when given)."""
    if chosen == "xlsx":
        from jointfund.reports import xlsx
        from jointfund.reports.fund_report import Section

        assert out is not None
        xlsx.write([Section(sheet, rows)], out, title)
        say(f"wrote {len(rows)} {noun} to {out}")
        return
    if out is not None:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            emit(ctx, rows, chosen, title=title, columns=columns)
        out.write_text(buffer.getvalue(), encoding="utf-8")
        say(f"wrote {len(rows)} {noun} to {out}")
        return
    emit(ctx, rows, chosen, title=title, columns=columns)


@app.command("licences")
def licences_register(
    ctx: typer.Context,
    fmt: str = typer.Option(None, "--format", "-f", help="table, csv, json or xlsx (xlsx needs -o)."),
    out: Path = typer.Option(
        None, "-o", "--out", help="Write the register to this file (required for xlsx)."
    ),
) -> None:
    """The public register of licences (EITI Requirement 2.3): holder, resources, deposit, dates, basis, PSA,
    and whether the licence's revenue counts for the fund, and why not."""
    from jointfund.revenue.eligibility import RuleBook, explain_licence

    chosen = report_format(ctx, fmt, out, LICENCE_FORMATS)
    info = context.fund(ctx)
    terms = info.base_terms()
    rules = RuleBook(info.terms_text, info.adopted).on(
        clock.today()
    )  # the register shows the terms in force today
    with db.transaction(context.engine(ctx)) as conn:
        found = book.licences(conn)
    rows = []
    for x in sorted(found.values()):
        why = explain_licence(x, rules)
        rows.append(
            {
                "licence_id": x.licence_id,
                "holder": x.holder,
                "holder_code": x.holder_code,
                "resources": ";".join(x.resources),
                "deposit": x.deposit,
                "region": x.region,
                "issued": x.issued,
                "basis": x.basis,
                "psa": "yes" if x.psa else "no",
                "psa_signed": x.psa_signed,
                "flags": ";".join(x.flags),
                "covered": "yes" if why is None else "no",
                "why": why or "",
                "psa_note": _psa_note(x, rules),
            }
        )
    emit_report(ctx, rows, chosen, out, f"{terms.fund.name}: register of licences", "Licences", "licences")


@app.command("rounding")
def rounding_report(
    ctx: typer.Context,
    year: int = context.year_option(None, help="Only receipts dated in this year."),
    fmt: str = FormatOption,
) -> None:
    """Rounding per day and stream: each group whose contribution, rounded once on the day's total per
    licence,
    stream and currency, differs from its receipts rounded one by one; the difference and what the ledger
    booked."""
    from jointfund.revenue import rounding

    info = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        found = rounding.report(conn, info, year)
    if not found.active:
        say(
            "the terms round each receipt's contribution on its own (contribution.rounding_level "
            "= per_receipt): "
            "there is no rounding difference"
        )
    totals = "; ".join(f"{v} {c}" for c, v in sorted(found.totals().items())) or "none"
    emit(
        ctx,
        found.rows,
        fmt,
        title=f"Rounding per day and stream{f' in {year}' if year else ''}: difference {totals}",
        columns=rounding.COLUMNS,
    )


def _psa_note(x, rules) -> str:  # noqa: ANN001
    """Whether the PSA streams can count: only under a PSA signed on or after the terms' date."""
    if not x.psa:
        return ""
    if x.psa_signed is None:
        return "PSA signing date not recorded"
    if rules.psa_signed_from is not None and x.psa_signed < rules.psa_signed_from:
        return f"PSA signed {x.psa_signed}, before entry into force {rules.psa_signed_from}"
    return ""
