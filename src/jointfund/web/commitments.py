"""The register page: the agreements' commitments, filters, alerts and a timeline, in English and Ukrainian.

Everyone sees it (`public.read`). Officers (the policy's `commitments.event` and `commitments.record`) record
an event or an outcome with its evidence on the same page; a refused form comes back with every problem
listed.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from jointfund import clock
from jointfund.api import deps
from jointfund.api.errors import body_of
from jointfund.api.schemas import EventIn
from jointfund.commitments import evidence, overview
from jointfund.errors import InputError, JointfundError, Problem
from jointfund.web.pages import render

router = APIRouter(include_in_schema=False)
PUBLIC = Depends(deps.allow("public.read"))


def page(
    request: Request, agreement: str | None, status: str | None, error: dict | None = None, code: int = 200
) -> Response:
    with deps.reading(request) as conn:
        v = overview.overview(conn, deps.fund(request), clock.today(), agreement, status)
    return render(
        request,
        "commitments.html",
        status=code,
        v=v,
        agreement=agreement or "",
        chosen=status or "",
        error=error,
    )


@router.get("/commitments", response_class=HTMLResponse)
def register_page(
    request: Request,
    agreement: str | None = Query(None, max_length=40),
    status: str | None = Query(None, max_length=20),
    _who=PUBLIC,
) -> Response:
    return page(request, agreement or None, status or None)


@router.post("/commitments/event", response_class=HTMLResponse)
async def event(request: Request) -> Response:
    who = await deps.authorise_change(request, "commitments.event")
    form = await request.form()
    try:
        e = EventIn(
            kind=str(form.get("kind", "")), date=str(form.get("date", "")), note=str(form.get("note", ""))
        )
        await run_in_threadpool(
            deps.write, request, overview.event, who.name, e.kind, e.date, e.note, clock.today()
        )
    except ValidationError as exc:
        problems = [
            Problem(".".join(str(x) for x in err["loc"]) or "form", err["msg"]) for err in exc.errors()
        ]
        return page(request, None, None, body_of(InputError(problems, "event not recorded"))["error"], 422)
    except JointfundError as exc:
        return page(request, None, None, body_of(exc)["error"], 422)
    return RedirectResponse("/commitments", status_code=303)


@router.post("/commitments/record", response_class=HTMLResponse)
async def record(request: Request) -> Response:
    who = await deps.authorise_change(request, "commitments.record")
    form = await request.form()
    files = [
        (f.filename or "evidence", await f.read(evidence.MAX_BYTES + 1))
        for f in form.getlist("evidence")
        if hasattr(f, "read") and f.filename
    ][: overview.MAX_FILES + 1]
    try:
        await run_in_threadpool(
            deps.write,
            request,
            overview.outcome,
            who.name,
            str(form.get("commitment", "")),
            str(form.get("status", "")),
            str(form.get("date", "")),
            str(form.get("note", "")),
            files,
            clock.today(),
        )
    except JointfundError as exc:
        return page(request, None, None, body_of(exc)["error"], 422)
    return RedirectResponse("/commitments", status_code=303)
