"""`jointfund report statement|fund|portfolio|pipeline|html`: partner and fund reports, added to the
`report` group. Each prints as a table, CSV, JSON or XLSX (XLSX needs -o); `html` writes one
self-contained page."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from jointfund import clock
from jointfund.cli import context, params
from jointfund.cli.capital import day_of
from jointfund.cli.output import _plain, emit, say
from jointfund.cli.reports import app, report_format
from jointfund.i18n import LANGUAGES
from jointfund.reports import fund_report, html, statement, statement_page, xlsx
from jointfund.reports.fund_report import Section
from jointfund.store import db

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from jointfund.fund import FundInfo

FORMATS = ("table", "csv", "json", "xlsx")
FmtOption = typer.Option(None, "--format", "-f", help="table, csv, json or xlsx (xlsx needs -o).")
OutOption = typer.Option(None, "-o", "--out", help="Write to this file (required for xlsx).")
PeriodOption = typer.Option(..., "--period", help="A year (2026) or a quarter (2026-Q1).")


def _show(ctx: typer.Context, sections: list[Section], fmt: str | None, out: Path | None, title: str) -> None:
    chosen = report_format(ctx, fmt, out, FORMATS)
    if chosen == "xlsx" and out is not None:  # report_format refuses xlsx without -o
        xlsx.write(sections, out, title)
        say(f"wrote {len(sections)} sheet(s) to {out}")
        return
    if out is not None:
        raise typer.BadParameter("-o is for xlsx; redirect the output of other formats", param_hint="--out")
    if chosen == "json":
        sys.stdout.write(
            json.dumps(
                _plain({"title": title, "sections": [s._asdict() for s in sections]}),
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
        return
    if chosen == "csv":
        # One CSV: a section column, then the union of every section's columns.
        rows = [{"section": s.title, **r} for s in sections for r in s.rows]
        columns = list(dict.fromkeys(k for r in rows for k in r))
        emit(ctx, rows, "csv", columns=columns)
        return
    for s in sections:
        emit(ctx, s.rows, "table", title=s.title)


@app.command("statement")
def statement_(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner"),
    period: str = PeriodOption,
    fmt: str = typer.Option(None, "--format", "-f", help="table, csv, json, xlsx or html (xlsx needs -o)."),
    out: Path = OutOption,
    lang: str = typer.Option("en", "--lang", help=f"Language of the html page: {', '.join(LANGUAGES)}."),
) -> None:
    """A partner's capital account statement for a quarter or a year (ILPA style: the period, the year to date
    and the inception to date), with the entries it can check against the ledger; html is a printable page."""
    start, end = statement.period_bounds(period)
    info = context.fund(ctx)
    if fmt == "html":
        params.page_language(lang)
        with db.transaction(context.engine(ctx)) as conn:
            s = statement.compute(conn, info, partner, start, end)
            page = statement_page.statement_html(
                s, statement.entry_rows(conn, info, s), lang, period, clock.today()
            )
        write_page(page, out, "the printable statement")
        return
    with db.transaction(context.engine(ctx)) as conn:
        sections = statement.statement(conn, info, partner, start, end)
    _show(ctx, sections, fmt, out, f"{info.name}: capital statement of {partner}, {period}")


@app.command("fund")
def fund_(
    ctx: typer.Context, period: str = PeriodOption, fmt: str = FmtOption, out: Path = OutOption
) -> None:
    """The fund's balance sheet, income statement, sources and uses of cash, and partners' capital for a
    period."""
    start, end = statement.period_bounds(period)
    info = context.fund(ctx)
    start = max(start, info.start_date)
    with db.transaction(context.engine(ctx)) as conn:
        sections = [
            *fund_report.fund_statements(conn, info, start, end),
            fund_report.capital_section(conn, info, start, end),
        ]
    _show(ctx, sections, fmt, out, f"{info.name}: fund report {period}")


@app.command("portfolio")
def portfolio_(
    ctx: typer.Context,
    as_of: str = params.AsOfOption,
    fmt: str = FmtOption,
    out: Path = OutOption,
) -> None:
    """The portfolio with its metrics and fund totals."""
    _show_as_of(
        ctx, as_of, fmt, out, "portfolio", lambda conn, info, day: [fund_report.portfolio(conn, info, day)]
    )


@app.command("pipeline")
def pipeline_(
    ctx: typer.Context,
    as_of: str = params.AsOfOption,
    fmt: str = FmtOption,
    out: Path = OutOption,
) -> None:
    """The pipeline funnel by stage, and applications by sector and by region."""
    _show_as_of(ctx, as_of, fmt, out, "pipeline", fund_report.pipeline)


def write_page(page: str, out: Path | None, what: str) -> None:
    """A printable page on stdout, or to `out` with a line saying so."""
    if out is None:
        sys.stdout.write(page)
    else:
        out.write_text(page, encoding="utf-8")
        say(f"wrote {what} to {out}")


def _show_as_of(
    ctx: typer.Context,
    as_of: str | None,
    fmt: str | None,
    out: Path | None,
    what: str,
    build: Callable[[Connection, FundInfo, dt.date], list[Section]],
) -> None:
    """A report of the book as of one day (today by default), titled with it."""
    info = context.fund(ctx)
    day = day_of(as_of, "--as-of")
    with db.transaction(context.engine(ctx)) as conn:
        sections = build(conn, info, day)
    _show(ctx, sections, fmt, out, f"{info.name}: {what} as of {day}")


@app.command("html")
def html_(
    ctx: typer.Context,
    out: Path = typer.Option(..., "-o", "--out", help="The HTML file to write."),
    as_of: str = params.AsOfOption,
    lang: str = typer.Option("en", "--lang", help=f"Language of the page: {', '.join(LANGUAGES)}."),
) -> None:
    """One self-contained, offline HTML fund report: headline figures, charts, statements, signed
    checkpoint."""
    params.page_language(lang)
    info = context.fund(ctx)
    day = day_of(as_of, "--as-of")
    write_html(context.engine(ctx), info, day, out, lang)
    say(f"wrote the fund report to {out}")


def write_html(engine, info, day: dt.date, out: Path, lang: str = "en") -> None:  # noqa: ANN001
    with db.transaction(engine) as conn:
        page = html.report(conn, info, day, lang)
    out.write_text(page, encoding="utf-8")
