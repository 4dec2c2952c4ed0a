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
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

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
    plain_row,
)
from jointfund.errors import InputError, NotFound, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import countersign, user
from jointfund.money import format_amount
from jointfund.portfolio import application as apps
from jointfund.portfolio import effects as _effects  # noqa: F401 registers the effects of executed proposals
from jointfund.portfolio import investment, lifecycle, screening
from jointfund.portfolio import pipeline as rules
from jointfund.portfolio.application import Application, StageChange
from jointfund.portfolio.clearance import PENDING, Clearance
from jointfund.reports import fund_report
from jointfund.revenue.reader import Row
from jointfund.store import db

router = APIRouter(tags=["portfolio"], responses=RESPONSES)
READ = Depends(deps.allow("books.read"))
PORTAL = Depends(deps.allow("portal.read"))


def stage_name(info: FundInfo, code: str) -> str:
    stage = apps.pipeline_of(info.terms()).stage(code)
    return stage.name if stage else code


def application_out(info: FundInfo, a: Application, now: StageChange) -> dict:
    return {
        "id": a.id,
        "label": a.label,
        "reference": a.reference,
        "applicant": a.applicant,
        "applicant_code": a.applicant_code,
        "title": a.title,
        "sector": a.sector,
        "region": a.region,
        "resource": a.resource,
        "amount": format_amount(a.amount, a.currency),
        "currency": a.currency,
        "instrument": a.instrument,
        "submitted_on": a.submitted_on,
        "stage": now.to_stage,
        "stage_name": stage_name(info, now.to_stage),
        "since": now.effective,
    }


def application_detail(conn: Connection, info: FundInfo, application_id: int) -> dict:
    """An application with its whole history, the moves the pipeline allows next, and its investment if
    any."""
    a = apps.get(conn, application_id)
    moves = apps.history(conn, application_id)
    p = apps.pipeline_of(info.terms())
    inv = investment.of_application(conn, application_id)
    return {
        **application_out(info, a, moves[-1]),
        "description": a.description,
        "contact": a.contact,
        "documents": list(a.documents),
        "source": a.source,
        "history": [{k: v for k, v in m._asdict().items() if k != "application"} for m in moves],
        "next": [
            {"to": tr.to, "name": stage_name(info, tr.to), "decision": tr.decision}
            for tr in rules.next_stages(p, moves[-1].to_stage)
        ],
        "investment": inv.id if inv else None,
    }


def listing(
    request: Request,
    stage: str | None,
    sector: str | None,
    region: str | None,
    paging: Paging,
    submitted_by: str | None = None,
) -> dict:
    info = deps.fund(request)
    with deps.reading(request) as conn:
        found = apps.standing(conn, stage, sector, region, submitted_by, paging.limit + 1, paging.offset)
    return paging.page([application_out(info, a, where) for a, where in found])


def submit_one(request: Request, actor: str, fields: ApplicationIn, source: str = "api") -> dict:
    """Submit one application through the same validation as the CLI; problems are named `source:field`."""
    info = deps.fund(request)
    row = Row(0, source, {k: v.strip() for k, v in fields.model_dump().items() if v is not None})
    with db.write(deps.server(request).engine) as conn:
        [(a, new)] = apps.submit(conn, info, actor, [row], clock.today())
        return {"application": application_detail(conn, info, a.id), "new": new}


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
    return listing(request, stage, sector, region, paging)


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
        return application_detail(conn, deps.fund(request), application_id)


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
        change = lifecycle.move_by_person(
            conn, deps.fund(request), who.name, application_id, m.to, clock.today(), m.reason
        )
    return {k: v for k, v in change._asdict().items() if k != "application"}


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
        r = screening.screen(conn, deps.fund(request), who.name, application_id, clock.today())
    s = r.screening
    return {
        "id": s.id,
        "application": s.application,
        "lists": list(s.lists),
        "screened_on": s.screened_on,
        "seq": s.seq,
        "hits": [h.as_dict() for h in r.hits],
        "new": len(r.new),
        "outcome": r.outcome._asdict() if r.outcome else None,
    }


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
        if o.member is not None:
            user.require_linked(conn, who.name, o.member, "countersigns")
        by = None if o.member is None else countersign.given(o.member, o.signature or "")
        done = screening.decide(
            conn, deps.fund(request).id, who.name, application_id, o.outcome, o.reason, clock.today(), by
        )
    if isinstance(done, Clearance):  # four eyes: the first person's clearance waits for a second user
        return {
            "screening": done.screening,
            "outcome": PENDING,
            "reason": done.reason,
            "actor": done.actor,
            "automatic": False,
            "decided_on": done.cleared_on,
            "seq": done.seq,
        }
    return done._asdict()


# -- the applicant portal --


@router.get(
    "/portal/applications",
    response_model=Page[ApplicationOut],
    tags=["portal"],
    summary="The applications I submitted",
)
def my_applications(request: Request, paging: Paging = Depends(), who=PORTAL) -> dict:
    return listing(request, None, None, None, paging, submitted_by=who.name)


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


FUND_ACTOR = (
    "fund"  # who an applicant is told moved their application: the fund, never a staff member's user name
)


def own_application(request: Request, application_id: int, name: str) -> dict:
    """The application if `name` submitted it; NotFound otherwise, so the portal says nothing of others'
    applications.

    Moves by the fund's staff name the fund, not the user: an applicant is not told who works on their file.
    """
    with deps.reading(request) as conn:
        moves = apps.history(
            conn, application_id
        )  # this application's moves only; the first is its submission
        if not moves or moves[0].actor != name:
            raise NotFound(f"you submitted no application {application_id}")
        a = application_detail(conn, deps.fund(request), application_id)
        a["uploaded"] = [d._asdict() for d in apps.attached(conn, application_id)]
    a["history"] = [{**m, "actor": m["actor"] if m["actor"] == name else FUND_ACTOR} for m in a["history"]]
    return a


def upload_own(request: Request, application_id: int, name: str, filename: str, content: bytes) -> dict:
    """Attach a document the applicant uploads to their own application (stored by its SHA-256)."""
    own_application(request, application_id, name)  # NotFound for anyone else's
    with db.write(deps.server(request).engine) as conn:
        return apps.attach(
            conn, deps.fund(request), name, application_id, filename, content, clock.today()
        )._asdict()


def withdraw_own(request: Request, application_id: int, name: str, w: WithdrawIn) -> dict:
    """Move the applicant's own application to the terms' withdrawal stage, once they confirmed it; logged
    as a move."""
    own_application(request, application_id, name)  # NotFound for anyone else's
    if not w.confirm:
        raise InputError(
            [Problem("confirm", "confirm that you withdraw the application", "false")],
            "application not withdrawn",
        )
    info = deps.fund(request)
    target = apps.pipeline_of(info.terms()).withdrawal
    if target is None:
        raise Refused("these terms name no withdrawal stage ([pipeline] withdrawal)")
    with db.write(deps.server(request).engine) as conn:
        lifecycle.move_by_person(
            conn,
            info,
            name,
            application_id,
            target,
            clock.today(),
            w.reason.strip() or "withdrawn by the applicant",
        )
    return own_application(request, application_id, name)


@router.get(
    "/portal/applications/{application_id}",
    response_model=ApplicationDetail,
    tags=["portal"],
    summary="One of my applications, with its history",
)
def my_application(request: Request, application_id: RowId, who=PORTAL) -> dict:
    return own_application(request, application_id, who.name)


@router.post(
    "/portal/applications/{application_id}/documents",
    status_code=201,
    tags=["portal"],
    summary="Upload a document to one of my applications (multipart `file`; stored by its SHA-256)",
)
async def my_document(request: Request, application_id: RowId) -> dict:
    who = await deps.authorise_change(request, "applications.submit")
    f = (await request.form()).get("file")
    if not hasattr(f, "read"):
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
    return withdraw_own(request, application_id, who.name, w)


# -- investments and the portfolio --


@router.get("/investments", response_model=Page[InvestmentOut], summary="Investments")
def investments(
    request: Request,
    as_of: dt.date | None = Query(None, description="Committed on or before it."),
    stage: str | None = Query(None, max_length=60),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    return paging.page(investment_rows(request, as_of, stage, paging.limit + 1, paging.offset))


def investment_rows(
    request: Request,
    as_of: dt.date | None = None,
    stage: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> list[dict]:
    """The investments (`limit` of them from `offset`, default every one) with their application's title and
    stage (the public page lists them too)."""
    info = deps.fund(request)
    with deps.reading(request) as conn:
        found = investment.page(conn, as_of, stage, limit, offset, newest_first)
        ids = sorted({i.application for i, _ in found})
        titles = {a.id: a.title for a in apps.applications(conn, ids)} if found else {}
    return [
        {
            "id": i.id,
            "label": i.label,
            "application": i.application,
            "title": titles[i.application],
            "proposal": i.proposal,
            "amount": format_amount(i.amount, i.currency),
            "currency": i.currency,
            "committed_on": i.committed_on,
            "stage": at,
            "stage_name": stage_name(info, at),
        }
        for i, at in found
    ]


def portfolio_section(request: Request, as_of: dt.date | None) -> dict:
    day = as_of or clock.today()
    with deps.reading(request) as conn:
        section = fund_report.portfolio(conn, deps.fund(request), day)
    return {"as_of": day, "title": section.title, "rows": [plain_row(r) for r in section.rows]}


@router.get("/portfolio", response_model=PortfolioOut, summary="The portfolio with its metrics")
def portfolio(
    request: Request, as_of: dt.date | None = Query(None, description="Default: today."), _who=READ
) -> dict:
    """Per investment: committed, disbursed, undrawn, received, value, IRR, MOIC, TVPI, DPI, RVPI; then fund
    totals per currency (as `jointfund portfolio`)."""
    return portfolio_section(request, as_of)
