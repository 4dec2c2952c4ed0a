"""`jointfund report financials`: the fund's financial statements for a year or a quarter (ASC 946 format),
as a table, CSV, JSON, XLSX or a printable HTML page in English or Ukrainian."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from jointfund.cli import context, params
from jointfund.cli.fund_reports import PeriodOption, write_page
from jointfund.cli.fund_reports import _show as show_sections
from jointfund.cli.output import _plain, resolve_format, say
from jointfund.cli.reports import app
from jointfund.reports import financials, statement
from jointfund.store import db

FORMATS = ("table", "csv", "json", "xlsx", "html")


def as_json(fin: financials.Financials, period: str) -> dict:
    """The statements as one JSON document: net assets and partners first, then every section and tie."""
    return {
        "fund": fin.fund,
        "period": period,
        "start": fin.start,
        "end": fin.end,
        "currency": fin.currency,
        "net_assets": fin.net_assets,
        "partners": fin.partners,
        "sections": [{"key": k, **s._asdict()} for k, s in zip(financials.TITLES, fin.sections, strict=True)],
        "ties": [{**t._asdict(), "ok": t.ok} for t in fin.ties],
    }


@app.command("financials")
def financials_(
    ctx: typer.Context,
    period: str = PeriodOption,
    fmt: str = typer.Option(None, "--format", "-f", help="table, csv, json, xlsx or html (xlsx needs -o)."),
    out: Path = typer.Option(
        None, "-o", "--out", help="Write to this file (required for xlsx; html may print)."
    ),
    lang: str = typer.Option("en", "--lang", help="Language of the HTML page: en or uk."),
) -> None:
    """Financial statements of a year or a quarter: assets and liabilities, operations, changes in net assets
    by partner, cash flows, schedule of investments, financial highlights and notes."""
    chosen = resolve_format(ctx, fmt, FORMATS)
    params.page_language(lang)
    if lang != "en" and chosen != "html":
        raise typer.BadParameter("a language other than en is for --format html", param_hint="--lang")
    start, end = statement.period_bounds(period)
    info = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        fin = financials.financials(conn, info, start, end)
        terms = info.terms(fin.end)
    title = f"{info.name}: financial statements {period}"
    if chosen == "html":
        from jointfund.i18n import translations
        from jointfund.reports import financials_page

        page = financials_page.render(fin, terms, period, translations(lang).gettext, lang)
        write_page(page, out, "the financial statements")
        return
    if chosen == "json":
        if out is not None:
            raise typer.BadParameter(
                "-o is for xlsx and html; redirect the output of other formats", param_hint="--out"
            )
        sys.stdout.write(json.dumps(_plain(as_json(fin, period)), ensure_ascii=False, indent=2) + "\n")
        return
    show_sections(ctx, fin.sections, chosen, out, title)
    broken = [t for t in fin.ties if not t.ok]
    for t in broken:
        say(f"[red]does not tie:[/red] {t.name}: statements {t.statement}, book {t.book}")
    if broken:
        raise typer.Exit(1)
