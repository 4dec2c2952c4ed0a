"""/api/reports and /api/capital: the EITI report and reconciliation, partners' capital accounts and
statements, the portfolio report and the HTML fund report; JSON, or a file to download.

Every report is computed from the book by the same functions as `jointfund report ...`; a
download is written by the same writer as the CLI's `-o FILE` (XLSX) into a temporary
folder and sent as an attachment, so the two can never differ.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from jointfund import clock, i18n
from jointfund.api import deps
from jointfund.api.errors import RESPONSES
from jointfund.api.schemas import (
    EitiRowOut,
    FundCapitalOut,
    ReconciliationOut,
    ReportOut,
    amount_query,
    capital_out,
    plain,
    plain_row,
    reconciliation_out,
    section_out,
)
from jointfund.api.security import LANG_COOKIE
from jointfund.capital.accounts import accounts_between
from jointfund.errors import InputError, Problem
from jointfund.reports import html, statement, statement_page, xlsx
from jointfund.reports.fund_report import Section
from jointfund.revenue import annual, eiti

router = APIRouter(responses=RESPONSES)
READ = Depends(deps.allow("books.read"))
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_RESPONSES: dict[int | str, dict] = {
    200: {
        "content": {"application/json": {}, XLSX_TYPE: {}, "text/csv": {}},
        "description": "JSON, or the file to download.",
    }
}
Format = Literal["json", "xlsx", "csv"]


def attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def xlsx_bytes(write: Callable[[Path], None]) -> bytes:
    """What `write(path)` writes, read back (the report writers take a path, as the CLI's -o does)."""
    with tempfile.TemporaryDirectory(prefix="jointfund-report-") as folder:
        path = Path(folder) / "report.xlsx"
        write(path)
        return path.read_bytes()


def csv_bytes(rows: Sequence[dict]) -> bytes:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else plain(r.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")


def sections_response(sections: list[Section], title: str, fmt: str, filename: str) -> Response:
    """A report of sections as JSON, XLSX (one sheet each) or CSV (a `section` column, then every section's
    columns)."""
    if fmt == "xlsx":
        return attachment(
            xlsx_bytes(lambda path: xlsx.write(sections, path, title)), XLSX_TYPE, f"{filename}.xlsx"
        )
    if fmt == "csv":
        return attachment(
            csv_bytes([{"section": s.title, **r} for s in sections for r in s.rows]),
            "text/csv; charset=utf-8",
            f"{filename}.csv",
        )
    return JSONResponse(
        {
            "title": title,
            "sections": [section_out(s) for s in sections],
        }
    )


# -- revenue reports --


def eiti_rows(request: Request, year: int, materiality: Decimal | None) -> tuple[list[eiti.EitiRow], str]:
    with deps.reading(request) as conn:
        return annual.eiti_report(conn, deps.fund(request), year, materiality)


@router.get(
    "/reports/eiti",
    tags=["reports"],
    response_model=list[EitiRowOut],
    responses=FILE_RESPONSES,
    summary="EITI-style revenue report of a year",
)
def eiti_report(
    request: Request,
    year: int = Query(..., ge=1900, le=2999),
    materiality: str | None = amount_query("Fold rows below it."),
    format: Literal["json", "xlsx"] = Query("json"),
    _who=READ,
) -> Response:  # noqa: A002
    """All extractive revenue by stream (with GFS code), company, licence, resource and region; `materiality`
    folds smaller rows into one per section. `format=xlsx` downloads the workbook `jointfund report eiti -o`
    writes:
    the EITI summary data, one sheet per part of the template."""
    if format == "xlsx":
        from jointfund.revenue import eiti_summary

        info = deps.fund(request)
        with deps.reading(request) as conn:
            sections = eiti_summary.summary(conn, info, year)
        title = f"{info.base_terms().fund.name}: EITI summary data {year}"
        return attachment(
            xlsx_bytes(lambda path: xlsx.write(sections, path, title)), XLSX_TYPE, f"eiti-{year}.xlsx"
        )
    rows, title = eiti_rows(request, year, None if materiality is None else Decimal(materiality))
    return JSONResponse([plain_row(r._asdict()) for r in rows])


@router.get(
    "/reports/reconciliation",
    tags=["reports"],
    response_model=ReconciliationOut,
    summary="Company payments against Treasury receipts",
)
def reconciliation_report(
    request: Request,
    year: int = Query(..., ge=1900, le=2999),
    tolerance: str | None = amount_query("Differences up to it are no discrepancy."),
    _who=READ,
) -> dict:
    """Per company x licence x stream: differences over the tolerance, and items with no counterpart."""
    limit = Decimal(tolerance or 0)
    with deps.reading(request) as conn:
        return reconciliation_out(year, limit, *annual.reconciliation(conn, deps.fund(request), year, limit))


# -- capital --


@router.get(
    "/capital/accounts", tags=["capital"], response_model=FundCapitalOut, summary="Partners' capital accounts"
)
def accounts(
    request: Request,
    as_of: dt.date | None = Query(None, description="Closing date [default: today]."),
    since: dt.date | None = Query(
        None, alias="from", description="Opening date [default: the fund's first day]."
    ),
    _who=READ,
) -> dict:
    """Each partner's capital account and ownership share, and the fund's NAV, from the book alone."""
    with deps.reading(request) as conn:
        return capital_out(accounts_between(conn, deps.fund(request), as_of or clock.today(), since))


Period = Query(
    ...,
    max_length=7,
    pattern=r"^[1-9][0-9]{3}(-Q[1-4])?$",
    description="A year (2026) or a quarter (2026-Q1).",
)


def statement_bounds(request: Request, period: str) -> tuple[dt.date, dt.date]:
    info = deps.fund(request)
    start, end = statement.period_bounds(period)
    if end < info.start_date:
        raise InputError([Problem("period", f"ends before the fund began ({info.start_date})", period)])
    return start, end


def statement_sections(request: Request, partner: str, period: str) -> tuple[list[Section], str]:
    info = deps.fund(request)
    start, end = statement_bounds(request, period)
    with deps.reading(request) as conn:
        sections = statement.statement(conn, info, partner, start, end)
    return sections, f"{info.name}: capital statement of {partner}, {period}"


@router.get(
    "/capital/statements/{partner}",
    tags=["capital"],
    response_model=ReportOut,
    responses={
        200: {
            "content": {**FILE_RESPONSES[200]["content"], "text/html": {}},
            "description": FILE_RESPONSES[200].get("description", ""),
        }
    },
    summary="A partner's capital statement",
)
def partner_statement(
    request: Request,
    partner: str,
    period: str = Period,
    format: Literal["json", "xlsx", "csv", "html"] = Query("json"),  # noqa: A002
    lang: Literal["en", "uk"] = Query("en", description="Language of the html page."),
    _who=READ,
) -> Response:
    """The statement of `jointfund report statement` (ILPA style: the period, the year to date and the
    inception to date), as JSON, a file to download (XLSX or CSV) or a printable HTML page in English or
    Ukrainian."""
    if format == "html":
        info = deps.fund(request)
        start, end = statement_bounds(request, period)
        with deps.reading(request) as conn:
            s = statement.compute(conn, info, partner, start, end)
            page = statement_page.statement_html(
                s, statement.entry_rows(conn, info, s), lang, period, clock.today()
            )
        return HTMLResponse(page)
    sections, title = statement_sections(request, partner, period)
    return sections_response(sections, title, format, f"statement-{partner}-{period}")


# -- the fund report --


@router.get(
    "/reports/fund.html",
    tags=["reports"],
    response_class=Response,
    summary="The HTML fund report",
    responses={200: {"content": {"text/html": {}}, "description": "One self-contained, offline HTML file."}},
)
def fund_html(
    request: Request,
    as_of: dt.date | None = Query(None, description="Default: today."),
    lang: Literal["en", "uk"] | None = Query(
        None, description="Language of the page; default: the user's (language cookie, else Accept-Language)."
    ),
    _who=READ,
) -> Response:
    info = deps.fund(request)
    day = as_of or clock.today()
    chosen = lang or i18n.choose(
        request.cookies.get(LANG_COOKIE), None, request.headers.get("accept-language")
    )
    with deps.reading(request) as conn:
        page = html.report(conn, info, day, chosen)
    return attachment(page.encode("utf-8"), "text/html; charset=utf-8", f"{info.code}-report-{day}.html")
