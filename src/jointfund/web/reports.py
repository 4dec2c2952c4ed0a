"""Pages of the reports: partners' capital with statements to download, the portfolio with its
metrics drawn as inline SVG, and the EITI and reconciliation reports of a revenue year.

Every figure comes from the same functions as the API's JSON (api.routers.reports and
.portfolio); the downloads are the API's own links, which the session cookie authorises.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from jointfund import charts, clock
from jointfund.api import deps
from jointfund.api.routers import portfolio as portfolio_api
from jointfund.api.routers import reports as reports_api
from jointfund.errors import JointfundError
from jointfund.reports import statement
from jointfund.web import i18n, names
from jointfund.web.pages import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(deps.allow("books.read"))
TOTAL = "TOTAL"  # the portfolio report's label of its fund-total rows


@router.get("/capital", response_class=HTMLResponse)
def capital(request: Request, as_of: dt.date | None = Query(None), _who=READ) -> Response:
    fc = reports_api.fund_capital(request, as_of, None)
    lang = language(request)
    tr = i18n.translations(lang).gettext
    named = names.namer(deps.fund(request).terms(), tr)  # the partners' names, not their codes (UA, US)
    chart = charts.bars(
        tr("Partners' capital"),
        [(named("partner", a["partner"]), Decimal(a["closing"])) for a in fc["accounts"]],
        fc["currency"],
        lang,
    )
    today = clock.today()
    info = deps.fund(request)
    years = range(today.year, info.start_date.year - 1, -1)
    candidates = [str(y) for y in years] + [f"{y}-Q{q}" for y in years for q in (4, 3, 2, 1)]
    # Periods that overlap the fund's life so far: a statement of them says something.
    periods = [
        p
        for p in candidates
        for start, end in [statement.period_bounds(p)]
        if start <= today and end >= info.start_date
    ]
    return render(
        request,
        "capital.html",
        fc=fc,
        chart=chart,
        as_of=as_of,
        periods=periods,
        partners=info.terms(today).partner_codes,
    )


@router.get("/portfolio", response_class=HTMLResponse)
def portfolio(request: Request, as_of: dt.date | None = Query(None), _who=READ) -> Response:
    section = portfolio_api.portfolio_section(request, as_of)
    rows = [r for r in section["rows"] if r["investment"] != TOTAL]
    totals = [r for r in section["rows"] if r["investment"] == TOTAL]
    lang = language(request)
    tr = i18n.translations(lang).gettext
    drawn = {}
    for cur in sorted({r["currency"] for r in rows}):
        mine = [r for r in rows if r["currency"] == cur]
        drawn[cur] = [
            charts.bars(f"{tr(title)} ({cur})", [(r["investment"], Decimal(r[key])) for r in mine], cur, lang)
            for key, title in (
                ("committed", i18n.N_("Committed")),
                ("disbursed", i18n.N_("Disbursed")),
                ("value", i18n.N_("Current value")),  # what it is worth, not "a value" (uk Значення)
            )
        ]
        drawn[cur].append(
            charts.bars(
                tr(i18n.N_("TVPI: value and receipts as a multiple of the amount paid in (%(currency)s)"))
                % {"currency": cur},  # a ratio: its title says so, never "(USD)" alone
                [(r["investment"], Decimal(r["tvpi"])) for r in mine if r["tvpi"] is not None],
                "×",
                lang,
                None,
            )
        )
    return render(
        request,
        "portfolio.html",
        section=section,
        rows=rows,
        totals=totals,
        drawn=drawn,
        investments=portfolio_api.investment_rows(request, section["as_of"]),
    )


@router.get("/revenue/reports", response_class=HTMLResponse)
def revenue_reports(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2999),
    tolerance: str | None = reports_api.amount_query("Reconciliation tolerance."),
    _who=READ,
) -> Response:
    chosen = year or clock.today().year - 1
    limit = Decimal(tolerance or 0)
    try:
        rows, title = reports_api.eiti_rows(request, chosen, None)
        eiti, eiti_error = [reports_api.eiti_out(r) for r in rows], None
    except JointfundError as exc:  # a missing rate is said on the page; the reconciliation still shows
        eiti, title, eiti_error = [], "", str(exc)
    return render(
        request,
        "reports.html",
        year=chosen,
        tolerance=format(limit, "f"),
        eiti=eiti,
        title=title,
        eiti_error=eiti_error,
        recon=reports_api.reconciliation(request, chosen, limit),
    )
