"""Pages of the reports: partners' capital with statements to download, the portfolio with its
metrics drawn as inline SVG, and the EITI and reconciliation reports of a revenue year.

Every figure comes from the same services as the API's JSON (capital.accounts, portfolio.dossier,
revenue.annual), shown alike through api.schemas; the downloads are the API's own links, which the session
cookie authorises.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from jointfund import charts, clock
from jointfund.api import deps
from jointfund.api.schemas import amount_query, capital_out, plain_row, reconciliation_out, section_out
from jointfund.capital.accounts import accounts_between
from jointfund.errors import JointfundError
from jointfund.portfolio import dossier
from jointfund.reports import fund_report, statement
from jointfund.revenue import annual
from jointfund.web import i18n, names
from jointfund.web.pages import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(deps.allow("books.read"))
TOTAL = "TOTAL"  # the portfolio report's label of its fund-total rows


@router.get("/capital", response_class=HTMLResponse)
def capital(request: Request, as_of: dt.date | None = Query(None), _who=READ) -> Response:
    with deps.reading(request) as conn:
        fc = capital_out(accounts_between(conn, deps.fund(request), as_of or clock.today(), None))
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
    day = as_of or clock.today()
    with deps.reading(request) as conn:
        section = {"as_of": day, **section_out(fund_report.portfolio(conn, deps.fund(request), day))}
        investments = dossier.investments(conn, deps.fund(request), day)
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
        investments=investments,
    )


@router.get("/revenue/reports", response_class=HTMLResponse)
def revenue_reports(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2999),
    tolerance: str | None = amount_query("Reconciliation tolerance."),
    _who=READ,
) -> Response:
    chosen = year or clock.today().year - 1
    limit = Decimal(tolerance or 0)
    info = deps.fund(request)
    with deps.reading(request) as conn:
        try:
            rows, title = annual.eiti_report(conn, info, chosen, None)
            eiti, eiti_error = [plain_row(r._asdict()) for r in rows], None
        except JointfundError as exc:  # a missing rate is said on the page; the reconciliation still shows
            eiti, title, eiti_error = [], "", str(exc)
        recon = reconciliation_out(chosen, limit, *annual.reconciliation(conn, info, chosen, limit))
    return render(
        request,
        "reports.html",
        year=chosen,
        tolerance=format(limit, "f"),
        eiti=eiti,
        title=title,
        eiti_error=eiti_error,
        recon=recon,
    )
