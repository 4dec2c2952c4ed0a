"""/api/commitments: the register of the agreements' commitments (issue 15), public to read.

Reading is open to everyone (`public.read`): the commitments are public texts, and an outcome shows its
evidence only by hash. Officers record events (`commitments.event`) and outcomes with evidence files
(`commitments.record`), through the same services as `jointfund commitments`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as FastapiPath
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from jointfund import clock
from jointfund.api import deps
from jointfund.api.errors import RESPONSES
from jointfund.api.schemas import EventIn
from jointfund.commitments import evidence, overview, register

router = APIRouter(prefix="/commitments", tags=["commitments"], responses=RESPONSES)
PUBLIC = Depends(deps.allow("public.read"))
CommitmentId = Annotated[str, FastapiPath(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", max_length=80)]


@router.get("", summary="The register: every commitment with its due date and status, the alerts, a timeline")
def listing(
    request: Request,
    agreement: str | None = Query(None, max_length=40),
    status: str | None = Query(None, max_length=20),
    _who=PUBLIC,
) -> dict:
    with deps.reading(request) as conn:
        return overview.overview(conn, deps.fund(request), clock.today(), agreement, status)


@router.get(
    "/{cid}", summary="One commitment: its texts, due rule, outcomes with evidence, tagged investments"
)
def detail(request: Request, cid: CommitmentId, _who=PUBLIC) -> dict:
    with deps.reading(request) as conn:
        return overview.line_out(register.line(conn, deps.fund(request), clock.today(), cid))


@router.post("/events", status_code=201, summary="Record an event (armed_attack, termination_notice...)")
def record_event(request: Request, e: EventIn, who=Depends(deps.change("commitments.event"))) -> dict:
    return deps.write(request, overview.event, who.name, e.kind, e.date, e.note, clock.today())


@router.post(
    "/{cid}/records",
    status_code=201,
    summary="Record an outcome (met, late, breached, waived) with evidence files (multipart `evidence`)",
)
async def record_outcome(request: Request, cid: CommitmentId) -> dict:
    who = await deps.authorise_change(request, "commitments.record")
    form = await request.form()
    files = [
        (f.filename or "evidence", await f.read(evidence.MAX_BYTES + 1))
        for f in form.getlist("evidence")
        if isinstance(f, UploadFile)
    ][: overview.MAX_FILES + 1]
    return await run_in_threadpool(
        deps.write,
        request,
        overview.outcome,
        who.name,
        cid,
        str(form.get("status", "")),
        str(form.get("date", "")),
        str(form.get("note", "")),
        files,
        clock.today(),
    )
