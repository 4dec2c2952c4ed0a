"""The budget page: budget against actual for a period, by line, with the fees of the terms accrued.

The figures are `jointfund report budget`'s (budget.report), read through the same policy as every page
of the books; the category and fee names are the terms', in the reader's language (web.names).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from jointfund import clock
from jointfund.api import deps
from jointfund.budget import report
from jointfund.budget.fees import KEY_PREFIX as FEE
from jointfund.web import i18n, names
from jointfund.web.pages import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(deps.allow("books.read"))


@router.get("/budget", response_class=HTMLResponse)
def budget(request: Request, period: str | None = Query(None, max_length=10), _who=READ) -> Response:
    p = report.parse_period(period or str(clock.today().year), "period")
    info = deps.fund(request)
    with deps.reading(request) as conn:
        rows = report.rows(conn, info, p)
    named = names.namer(
        info.terms(max(p.last, info.start_date)), i18n.translations(language(request)).gettext
    )
    lines = [{**r, "name": named("budget", r["category"])} for r in rows if not r["line"].startswith(FEE)]
    fees = [{**r, "name": named("fee", r["line"][len(FEE) :])} for r in rows if r["line"].startswith(FEE)]
    return render(request, "budget.html", period=p, lines=lines, fees=fees)
