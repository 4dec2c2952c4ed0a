"""/api/applications, /api/portal, /api/investments and /api/portfolio: the pipeline and what it funds.

Applications are submitted, listed, shown with their history and moved through the same
services as `jointfund applications ...` (portfolio.application, portfolio.lifecycle): a move
the terms reserve for a decision is refused here as on the CLI; it happens only by executing
the proposal. The portal is the applicant's view: the applications *they* submitted (the
actor of the submission in the log), never anyone else's.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from jointfund import clock
from jointfund.api import deps
from jointfund.api.errors import RESPONSES
from jointfund.api.schemas import (
    ApplicationDetail,
    ApplicationIn,
    ApplicationOut,
    InvestmentOut,
    MoveIn,
    OutcomeIn,
    OutcomeOut,
    Page,
    Paging,
    PortfolioOut,
    RowId,
    ScreeningOut,
    StageChangeOut,
    SubmittedOut,
    WithdrawIn,
    section_out,
)
from jointfund.errors import InputError, Problem
from jointfund.portfolio import application as apps
from jointfund.portfolio import dossier
from jointfund.reports import fund_report
from jointfund.store import db

router = APIRouter(tags=["portfolio"], responses=RESPONSES)
READ = Depends(deps.allow("books.read"))
PORTAL = Depends(deps.allow("portal.read"))


def submit_one(request: Request, actor: str, fields: ApplicationIn, source: str = "api") -> dict:
    """Submit one application through the same validation as the CLI; problems are named `source:field`."""
    with db.write(deps.server(request).engine) as conn:
        return dossier.submit(conn, deps.fund(request), actor, fields.model_dump(), source, clock.today())


def upload_own(request: Request, application_id: int, name: str, filename: str, content: bytes) -> dict:
    with db.write(deps.server(request).engine) as conn:
        return dossier.attach_own(
            conn, deps.fund(request), application_id, name, filename, content, clock.today()
        )


@router.get(
    "/applications", response_model=Page[ApplicationOut], summary="Applications and where each stands"
)
def applications(
    request: Request,
    stage: str | None = Query(None, max_length=60),
    sector: str | None = Query(None, max_length=60),
    region: str | None = Query(None, max_length=100),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    with deps.reading(request) as conn:
        return dossier.page(conn, deps.fund(request), stage, sector, region, paging.limit, paging.offset)


@router.post("/applications", response_model=SubmittedOut, status_code=201, summary="Submit an application")
def submit(request: Request, fields: ApplicationIn, who=Depends(deps.change("applications.submit"))) -> dict:
    """Validated like `jointfund applications submit`: every problem listed by field; the same reference again
    adds nothing (`new` is false)."""
    return submit_one(request, who.name, fields)


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationDetail,
    summary="An application with its history",
)
def application(request: Request, application_id: RowId, _who=READ) -> dict:
    with deps.reading(request) as conn:
        return dossier.detail(conn, deps.fund(request), application_id)


@router.post(
    "/applications/{application_id}/moves",
    response_model=StageChangeOut,
    status_code=201,
    summary="Move an application to a stage that needs no decision",
)
def move(
    request: Request, application_id: RowId, m: MoveIn, who=Depends(deps.change("applications.move"))
) -> dict:
    """Screening, declining, a withdrawal... with a reason; decision stages are reached only by executing
    proposals."""
    with db.write(deps.server(request).engine) as conn:
        return dossier.move(conn, deps.fund(request), who.name, application_id, m.to, m.reason, clock.today())


@router.post(
    "/applications/{application_id}/screenings",
    response_model=ScreeningOut,
    status_code=201,
    summary="Screen an application against every current sanctions list",
)
def screen(request: Request, application_id: RowId, who=Depends(deps.change("applications.screen"))) -> dict:
    """The company and each beneficial owner, as `jointfund applications screen ID`; hits name owners
    "owner N"."""
    with db.write(deps.server(request).engine) as conn:
        return dossier.screen(conn, deps.fund(request), who.name, application_id, clock.today())


@router.post(
    "/applications/{application_id}/screening-outcome",
    response_model=OutcomeOut,
    status_code=201,
    summary="Record the outcome of the latest screening: blocked, or cleared once a second user confirms",
)
def decide(
    request: Request,
    application_id: RowId,
    o: OutcomeIn,
    who=Depends(deps.change("applications.screening_outcome")),
) -> dict:
    """The confirmation's countersigning member must be linked to the caller, as a vote's or a proposal's
    member is (403 otherwise): a user signs only with the seats linked to them, so the log names who acted."""
    with db.write(deps.server(request).engine) as conn:
        return dossier.decide(
            conn,
            deps.fund(request),
            who.name,
            application_id,
            o.outcome,
            o.reason,
            clock.today(),
            o.member,
            o.signature,
        )


# -- the applicant portal --


@router.get(
    "/portal/applications",
    response_model=Page[ApplicationOut],
    tags=["portal"],
    summary="The applications I submitted",
)
def my_applications(request: Request, paging: Paging = Depends(), who=PORTAL) -> dict:
    with deps.reading(request) as conn:
        return dossier.page(conn, deps.fund(request), None, None, None, paging.limit, paging.offset, who.name)


@router.post(
    "/portal/applications",
    response_model=SubmittedOut,
    status_code=201,
    tags=["portal"],
    summary="Submit an application (as an applicant)",
)
def portal_submit(
    request: Request, fields: ApplicationIn, who=Depends(deps.change("applications.submit"))
) -> dict:
    return submit_one(request, who.name, fields)


@router.get(
    "/portal/applications/{application_id}",
    response_model=ApplicationDetail,
    tags=["portal"],
    summary="One of my applications, with its history",
)
def my_application(request: Request, application_id: RowId, who=PORTAL) -> dict:
    with deps.reading(request) as conn:
        return dossier.own(conn, deps.fund(request), application_id, who.name)


@router.post(
    "/portal/applications/{application_id}/documents",
    status_code=201,
    tags=["portal"],
    summary="Upload a document to one of my applications (multipart `file`; stored by its SHA-256)",
)
async def my_document(request: Request, application_id: RowId) -> dict:
    who = await deps.authorise_change(request, "applications.submit")
    f = (await request.form()).get("file")
    if not isinstance(f, UploadFile):
        raise InputError([Problem("file", "a file is required")], "document not attached")
    limit = apps.pipeline_of(deps.fund(request).terms()).document_max_bytes
    content = await f.read(limit + 1)  # one byte over is enough to refuse it
    return await run_in_threadpool(
        upload_own, request, application_id, who.name, f.filename or "document", content
    )


@router.post(
    "/portal/applications/{application_id}/withdrawal",
    response_model=ApplicationDetail,
    tags=["portal"],
    summary="Withdraw one of my applications (confirm: true)",
)
def my_withdrawal(
    request: Request, application_id: RowId, w: WithdrawIn, who=Depends(deps.change("applications.withdraw"))
) -> dict:
    with db.write(deps.server(request).engine) as conn:
        return dossier.withdraw_own(
            conn, deps.fund(request), application_id, who.name, w.confirm, w.reason, clock.today()
        )


# -- investments and the portfolio --


@router.get("/investments", response_model=Page[InvestmentOut], summary="Investments")
def investments(
    request: Request,
    as_of: dt.date | None = Query(None, description="Committed on or before it."),
    stage: str | None = Query(None, max_length=60),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    with deps.reading(request) as conn:
        rows = dossier.investments(conn, deps.fund(request), as_of, stage, paging.limit + 1, paging.offset)
    return paging.page(rows)


@router.get("/portfolio", response_model=PortfolioOut, summary="The portfolio with its metrics")
def portfolio(
    request: Request, as_of: dt.date | None = Query(None, description="Default: today."), _who=READ
) -> dict:
    """Per investment: committed, disbursed, undrawn, received, value, IRR, MOIC, TVPI, DPI, RVPI; then fund
    totals per currency (as `jointfund portfolio`)."""
    day = as_of or clock.today()
    with deps.reading(request) as conn:
        return {"as_of": day, **section_out(fund_report.portfolio(conn, deps.fund(request), day))}
