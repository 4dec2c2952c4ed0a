"""The public records, browsable by anyone (issue 18): every record of the log in order, a public one
named in words with a link that verifies it in the browser, a private one as its leaf hash only.

The rows come from ledger.disclosure, the one rule the API, the pages and the static mirror share, so this
page never shows more than /api/public/records does. A record's page carries the same verifier as the public
page, started on that record: the reader's browser fetches the proof and checks it, trusting only bytes.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from jointfund.api import deps, reads
from jointfund.api.schemas import RowId
from jointfund.i18n import N_
from jointfund.ledger import disclosure, log
from jointfund.web.actions import WHAT
from jointfund.web.pages import render, verifier_trust

router = APIRouter(include_in_schema=False)
PUBLIC = Depends(deps.allow("public.read"))
PER_PAGE = 50

FAMILIES = (("commitments.", N_("Register of commitments")), (".import", N_("Import summary")))


def what(kind: str | None, action: str | None) -> str | None:
    """The English name of a public record's kind (a msgid), or None for a private record."""
    if kind is None:
        return None
    if kind == "entry" or action is None:
        return WHAT["entry"] if kind == "entry" else None
    if action in WHAT:
        return WHAT[action]
    for affix, name in FAMILIES:
        if action.startswith(affix) or action.endswith(affix):
            return name
    return None


@router.get("/records", response_class=HTMLResponse)
def records_page(request: Request, page: int = Query(1, ge=1, le=10**9), _who=PUBLIC) -> Response:
    info = deps.fund(request)
    offset = (page - 1) * PER_PAGE
    with deps.reading(request) as conn:
        rows = disclosure.page(conn, info.base_terms().transparency, offset, PER_PAGE + 1)
        total = log.size(conn)
    shown = [(r, what(r.kind, r.action)) for r in rows[:PER_PAGE]]
    pages = max(1, -(-total // PER_PAGE))
    return render(
        request,
        "records.html",
        rows=shown,
        page=page,
        pages=pages,
        total=total,
        more=len(rows) > PER_PAGE,
    )


@router.get("/records/{seq}", response_class=HTMLResponse)
def record_page(request: Request, seq: RowId, _who=PUBLIC) -> Response:
    """The verifier, started on record `seq`: the verifier itself says so of a private or missing record."""
    s = reads.public_summary(request)
    return render(request, "record.html", seq=seq, trusted_json=verifier_trust(request, s))
