"""/api/revenue: licences, receipts (with each one's eligibility reason), contributions, rates, payments,
the compliance calendar, and imports by upload.

An upload goes through the same import as the CLI (revenue.imports.run): one write
transaction, every problem listed by file, line and column, nothing imported unless
every row is good, idempotent by the source's own ids. Receipts are accrued in the
same transaction, as `jointfund receipts import` does. It runs as an upload job (api.jobs)
in a thread of the server, bounded in rows; `?background=true` answers 202 with the job at
once, otherwise the request waits for the outcome (off the event loop).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi import Path as FastapiPath
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from jointfund import bounds
from jointfund.api import deps, reads
from jointfund.api.errors import RESPONSES
from jointfund.api.jobs import Job
from jointfund.api.response_cache import cacheable
from jointfund.api.schemas import DeadlineOut, Page, Paging, PaymentOut, RateOut, TotalsOut
from jointfund.api.uploads import JobId, job_out, start_job
from jointfund.errors import NotFound
from jointfund.fund import FundInfo
from jointfund.governance import countersign
from jointfund.money import format_amount
from jointfund.revenue import book, corrections, intake, listing
from jointfund.revenue.contribution import GROUPINGS, Evaluation, totals
from jointfund.revenue.upload import upload_name
from jointfund.store import db
from jointfund.store import tables as t

router = APIRouter(prefix="/revenue", tags=["revenue"], responses=RESPONSES)
READ = Depends(deps.allow("books.read"))


# The kinds of upload and the policy action each needs; what importing does is revenue.intake's.
UPLOADS = intake.KINDS


class ImportOut(BaseModel):
    kind: str
    file: str
    rows: int
    new: int
    unchanged: int
    accrued: int | None = None
    reversals: int | None = None


class JobOut(BaseModel):
    """An upload job: `state` is running, done, refused (`problems` say why), failed or cancelled."""

    id: str
    kind: str
    file: str
    actor: str
    state: str
    rows: int
    message: str | None
    result: ImportOut | None = None
    problems: list[dict] = []
    status_url: str


def start_upload(
    request: Request, what: str, upload: UploadFile, actor: str, accept_jump: bool = False
) -> str:
    """Start the upload of `upload` as a job of this server (api.jobs); its id. A bad name is refused."""
    name = upload_name(what, upload.filename)
    return start_job(request, what, name, upload.file.read(), actor, accept_jump)


def _answer(request: Request, job_id: str, background: bool) -> object:
    """202 with the job at once, or (waiting off the event loop) the import's counts once it has ended."""
    jobs = deps.server(request).jobs
    if background:
        body = job_out(_job(request, job_id))
        return JSONResponse(body, status_code=202, headers={"Location": body["status_url"]})
    return jobs.wait(job_id).result


BACKGROUND = Query(False, description="Answer 202 with the job at once, not waiting.")


def _upload_route(what: str) -> None:
    spec = UPLOADS[what]

    def endpoint(
        request: Request,
        file: UploadFile = File(..., description="CSV (UTF-8, header row), XLSX or JSON."),
        background: bool = BACKGROUND,
        who=Depends(deps.change(spec.action)),
    ) -> object:
        return _answer(request, start_upload(request, what, file, who.name), background)

    def rates_endpoint(
        request: Request,
        file: UploadFile = File(..., description="CSV, XLSX or NBU JSON."),
        accept_jump: bool = Query(
            False,
            description="Confirm rates that change more than the terms' "
            "fx.max_daily_change from the previous rate.",
        ),
        background: bool = BACKGROUND,
        who=Depends(deps.change(spec.action)),
    ) -> object:
        return _answer(request, start_upload(request, what, file, who.name, accept_jump), background)

    route: Callable[..., object] = rates_endpoint if what == "fx" else endpoint
    route.__name__ = f"upload_{what}"
    router.post(
        f"/{what}",
        response_model=ImportOut,
        status_code=201,
        summary=f"Import {what} from a file",
        description="Atomic: every problem is listed by line and nothing is imported unless all rows are "
        "good. "
        "Runs as an upload job, at most the server's --max-upload-rows rows.",
        responses={202: {"model": JobOut, "description": "With ?background=true: the job, running."}},
    )(route)


@router.get("/uploads/{job_id}", response_model=JobOut, summary="An upload job: state, progress and outcome")
def upload_job(request: Request, job_id: JobId, _who=READ) -> dict:
    return job_out(_job(request, job_id))


def _job(request: Request, job_id: str) -> Job:
    job = deps.server(request).jobs.get(job_id)
    if job is None:
        raise NotFound(f"no upload job {job_id}")
    return job


for _what in UPLOADS:
    _upload_route(_what)


class LicenceOut(BaseModel):
    licence_id: str
    holder: str
    holder_code: str
    resource: str
    deposit: str
    region: str
    issued: str
    basis: str
    psa: bool


class ReceiptOut(BaseModel):
    """A receipt with what the terms make of it: eligible or not, why, and the contribution owed."""

    receipt_id: str
    date: str
    licence_id: str
    stream: str
    amount: str
    currency: str
    eligible: bool
    reason: str
    contribution: str
    contribution_base: str | None
    base_currency: str  # the terms' base currency, that of contribution_base


@router.get("/licences", response_model=Page[LicenceOut], summary="Licences")
def licences(
    request: Request,
    resource: str | None = Query(None, max_length=40),
    region: str | None = Query(None, max_length=100),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    """Licences by id, with their corrected fields; `resource` and `region` match the corrected values."""
    with deps.reading(request) as conn:
        return listing.licences(conn, resource, region, paging.limit, paging.offset)


@router.get("/receipts", response_model=Page[ReceiptOut], summary="Receipts with their eligibility reasons")
def receipts(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2999),
    licence: str | None = Query(None, max_length=64),
    stream: str | None = Query(None, max_length=32),
    eligible: bool | None = Query(None),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    with deps.reading(request) as conn:
        info = deps.fund(request)
        return listing.receipts(conn, info, year, licence, stream, eligible, paging.limit, paging.offset)


@router.get("/contributions", response_model=Page[ReceiptOut], summary="Contributions, receipt by receipt")
def contributions(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2999),
    eligible: bool | None = Query(None),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    """What each receipt owes the fund and why (as `jointfund contributions --detail`), in receipt date
    order."""

    def keep(e: Evaluation) -> bool:
        return eligible is None or e.eligible == eligible

    with deps.reading(request) as conn:
        return listing.evaluated(conn, deps.fund(request), year, keep, paging.limit, paging.offset)


@router.get("/contributions/totals", response_model=Page[TotalsOut], summary="Contributions grouped")
def contribution_totals(
    request: Request,
    by: Literal[GROUPINGS] = Query("year", description="The grouping."),  # type: ignore[valid-type]
    year: int | None = Query(None, ge=1900, le=2999),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    """Totals by licence, holder, resource, region, stream, month or year (as `jointfund contributions --by`);
    `contribution_base` is None for a group with a receipt whose exchange rate is missing."""
    info = deps.fund(request)
    terms = info.base_terms()
    names = {r.code: r.name for r in terms.resources} if by == "resource" else {}
    with deps.reading(request) as conn:  # the receipts stream through the tally: only the groups are held
        found = totals(book.evaluations(conn, info, year), by, names)
    base = terms.fund.base_currency
    return paging.page(
        [
            {
                **x._asdict(),
                "amount": format_amount(x.amount, x.currency),
                "eligible_amount": format_amount(x.eligible_amount, x.currency),
                "contribution": format_amount(x.contribution, x.currency),
                "contribution_base": listing.money_or_none(x.contribution_base, base),
                "base_currency": base,
            }
            for x in paging.take(found)  # only the page's groups are shaped
        ]
    )


@router.get("/fx", response_model=Page[RateOut], summary="Reference exchange rates")
def fx(
    request: Request,
    currency: str | None = Query(None, max_length=3),
    since: dt.date | None = Query(None),
    until: dt.date | None = Query(None),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    q = select(t.fx_rate).order_by(t.fx_rate.c.date, t.fx_rate.c.currency)
    if currency:
        q = q.where(t.fx_rate.c.currency == currency.upper())
    if since:
        q = q.where(t.fx_rate.c.date >= since)
    if until:
        q = q.where(t.fx_rate.c.date <= until)
    with deps.reading(request) as conn:
        fixes = book.corrected(conn, "rate")  # a corrected rate is shown at its effective value
        found = [
            book.effective_rate(book.rate_of(r), fixes)
            for r in conn.execute(q.limit(paging.limit + 1).offset(paging.offset))
        ]
    return paging.page([{"currency": r.currency, "date": r.date, "rate": format(r.rate, "f")} for r in found])


@router.get("/payments", response_model=Page[PaymentOut], summary="Payments the companies reported")
def payments(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2999),
    holder_code: str | None = Query(None, max_length=20),
    licence: str | None = Query(None, max_length=64),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    with deps.reading(request) as conn:
        kept = paging.take(
            x
            for x in book.payments(conn, year)
            if not (holder_code and x.holder_code != holder_code)
            and not (licence and x.licence_id != licence)
        )
    return paging.page([{**x._asdict(), "amount": format_amount(x.amount, x.currency)} for x in kept])


@router.get("/calendar", response_model=list[DeadlineOut], summary="The compliance calendar")
@cacheable
def calendar(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2999, description="Default: every year of the fund."),
    status: str | None = Query(None, max_length=10, description="done, late, open or overdue."),
    _who=READ,
) -> list[dict]:
    return [d for d in reads.calendar_rows(request, year) if status is None or d["status"] == status]


# -- corrections of reference data (revenue/correction.py): a new record with a reason, never an edit --

Reason = Field(min_length=1, max_length=bounds.MAX_TEXT_CHARS, description="Why the value was wrong.")
# A correction changes what partners are owed: a seated member other than the caller countersigns it
# (governance.countersign; docs/governance.md gives the bytes).
Countersigner = Field(None, description="The seated member who countersigns the correction.")
Countersignature = Field(
    None, max_length=128, description="That member's Ed25519 signature (hex) over the correction's request."
)


def _by(c: RateCorrectionIn | FieldCorrectionIn) -> countersign.Signer | None:
    return None if c.member is None else countersign.given(c.member, c.signature or "")


class RateCorrectionIn(BaseModel):
    date: dt.date
    currency: str = Field(min_length=3, max_length=3)
    rate: str = Field(
        max_length=bounds.MAX_NUMBER_CHARS, description="The right rate, UAH per unit, e.g. 41.8600."
    )
    reason: str = Reason
    accept_jump: bool = Field(False, description="Confirm a change beyond the terms' fx.max_daily_change.")
    member: int | None = Countersigner
    signature: str | None = Countersignature


class FieldCorrectionIn(BaseModel):
    field: str = Field(max_length=32, description="The column to correct, as the import names it.")
    value: str = Field(
        max_length=bounds.MAX_TEXT_CHARS, description="The right value, as the import's column writes it."
    )
    reason: str = Reason
    member: int | None = Countersigner
    signature: str | None = Countersignature


class CorrectionOut(BaseModel):
    correction: int
    kind: str
    subject: str
    field: str
    previous: str
    value: str
    supersedes: int | None
    reason: str
    actor: str
    accruals_reversed: int
    accruals_rebooked: int


def _correct(request: Request, do: Callable[[Connection, FundInfo], corrections.Outcome]) -> list[dict]:
    with db.write(deps.server(request).engine) as conn:
        return do(conn, deps.fund(request)).rows()


@router.post("/fx/corrections", response_model=list[CorrectionOut], status_code=201, summary="Correct a rate")
def correct_rate(request: Request, c: RateCorrectionIn, who=Depends(deps.change("fx.correct"))) -> list[dict]:
    """As `jointfund fx correct`: the rate row stays; a correction supersedes it and the contributions it
    converted are reversed and booked again."""
    return _correct(
        request,
        lambda conn, info: corrections.correct_rate(
            conn, info, who.name, c.currency, c.date, c.rate, c.reason, c.accept_jump, _by(c)
        ),
    )


@router.post(
    "/licences/{licence_id}/corrections",
    response_model=list[CorrectionOut],
    status_code=201,
    summary="Correct a licence field",
)
def correct_licence(
    request: Request,
    licence_id: Annotated[str, FastapiPath(max_length=64)],
    c: FieldCorrectionIn,
    who=Depends(deps.change("licences.correct")),
) -> list[dict]:
    """As `jointfund licences correct`."""
    return _correct(
        request,
        lambda conn, info: corrections.correct_licence(
            conn, info, who.name, licence_id, c.field, c.value, c.reason, _by(c)
        ),
    )


@router.post(
    "/receipts/{receipt_id}/corrections",
    response_model=list[CorrectionOut],
    status_code=201,
    summary="Correct a receipt field",
)
def correct_receipt(
    request: Request,
    receipt_id: Annotated[str, FastapiPath(max_length=64)],
    c: FieldCorrectionIn,
    who=Depends(deps.change("receipts.correct")),
) -> list[dict]:
    """As `jointfund receipts correct`."""
    return _correct(
        request,
        lambda conn, info: corrections.correct_receipt(
            conn, info, who.name, receipt_id, c.field, c.value, c.reason, _by(c)
        ),
    )
