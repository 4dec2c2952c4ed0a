"""/api/commitments: the register of the agreements' commitments (issue 15), public to read.

Reading is open to everyone (`public.read`): the commitments are public texts, and an outcome shows its
evidence only by hash. Officers record events (`commitments.event`) and outcomes with evidence files
(`commitments.record`), through the same services as `jointfund commitments`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as FastapiPath
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from jointfund import clock
from jointfund.api import deps
from jointfund.api.errors import RESPONSES
from jointfund.commitments import alert, evidence, register
from jointfund.errors import InputError, Problem
from jointfund.store import db

router = APIRouter(prefix="/commitments", tags=["commitments"], responses=RESPONSES)
PUBLIC = Depends(deps.allow("public.read"))
CommitmentId = Annotated[str, FastapiPath(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", max_length=80)]
MAX_FILES = 10


class EventIn(BaseModel):
    kind: str = Field(max_length=40)
    date: dt.date
    note: str = Field(default="", max_length=register.MAX_NOTE)


def record_out(r: register.Record) -> dict:
    return {
        "due": r.due,
        "status": r.status,
        "date": r.occurred_on,
        "evidence": list(r.evidence),
        "note": r.note,
        "record": r.seq,
    }


def line_out(x: register.Line) -> dict:
    return {
        **x.row(),
        "rule": x.rule,
        "text": x.text,
        "text_uk": x.text_uk,
        "area": x.area,
        "investments": list(x.investments),
        "records": [record_out(r) for r in x.records],
    }


def alert_out(a: alert.Alert) -> dict:
    return {
        "alert": a.code,
        "agreement": a.agreement,
        "ends": a.ends,
        "before": a.before,
        "decide_by": a.decide_by,
        "message": a.message,
        "message_uk": a.message_uk,
    }


def view(request: Request, agreement: str | None, status: str | None) -> dict:
    """The register today: its lines (filtered), the alerts, the agreements and a timeline of what
    happened."""
    info = deps.fund(request)
    today = clock.today()
    with deps.reading(request) as conn:
        lines = register.lines(conn, info, today, agreement or None, status or None)
        alerts = alert.alerts(conn, info, today)
        happened = register.happened(conn)
    kinds = register.event_kinds()
    timeline = sorted(
        [
            {
                "date": e.occurred_on,
                "what": "event",
                "kind": e.kind,
                "name": kinds[e.kind][1].name if e.kind in kinds else e.kind,
                "name_uk": kinds[e.kind][1].name_uk if e.kind in kinds else e.kind,
                "note": e.note,
                "record": e.seq,
            }
            for e in happened
        ]
        + [
            {
                "date": r.occurred_on,
                "what": "record",
                "kind": r.status,
                "name": x.id,
                "name_uk": x.id,
                "note": r.note,
                "record": r.seq,
            }
            for x in lines
            for r in x.records
        ],
        key=lambda row: (row["date"], row["record"]),
        reverse=True,
    )
    agreements = [
        {
            "code": a.agreement.code,
            "name": a.agreement.name,
            "name_uk": a.agreement.name_uk,
            "events": [
                {"code": e.code, "name": e.name, "name_uk": e.name_uk} for e in a.events if e.date is None
            ],
        }
        for a in register.agreements()
    ]
    return {
        "as_of": today,
        "commitments": [line_out(x) for x in lines],
        "alerts": [alert_out(a) for a in alerts],
        "timeline": timeline,
        "agreements": agreements,
        "statuses": list(register.STATUSES),
    }


@router.get("", summary="The register: every commitment with its due date and status, the alerts, a timeline")
def listing(
    request: Request,
    agreement: str | None = Query(None, max_length=40),
    status: str | None = Query(None, max_length=20),
    _who=PUBLIC,
) -> dict:
    return view(request, agreement, status)


@router.get(
    "/{cid}", summary="One commitment: its texts, due rule, outcomes with evidence, tagged investments"
)
def detail(request: Request, cid: CommitmentId, _who=PUBLIC) -> dict:
    with deps.reading(request) as conn:
        return line_out(register.line(conn, deps.fund(request), clock.today(), cid))


@router.post("/events", status_code=201, summary="Record an event (armed_attack, termination_notice...)")
def record_event(request: Request, e: EventIn, who=Depends(deps.change("commitments.event"))) -> dict:
    return add_event(request, who.name, e)


def add_event(request: Request, actor: str, e: EventIn) -> dict:
    info = deps.fund(request)
    with db.write(deps.server(request).engine) as conn:
        h = register.record_event(conn, info, actor, e.kind, e.date, e.note, clock.today())
    return {
        "id": h.id,
        "kind": h.kind,
        "agreement": h.agreement,
        "date": h.occurred_on,
        "note": h.note,
        "record": h.seq,
    }


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
        if hasattr(f, "read")
    ][: MAX_FILES + 1]
    return await run_in_threadpool(
        add_outcome,
        request,
        who.name,
        cid,
        str(form.get("status", "")),
        str(form.get("date", "")),
        str(form.get("note", "")),
        files,
    )


def add_outcome(
    request: Request, actor: str, cid: str, status: str, date: str, note: str, files: list[tuple[str, bytes]]
) -> dict:
    problems = []
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        day = None
        problems.append(Problem("date", "expected a date as YYYY-MM-DD", date))
    if len(files) > MAX_FILES:
        problems.append(Problem("evidence", f"at most {MAX_FILES} files"))
    if problems:
        raise InputError(problems, "outcome not recorded")
    assert day is not None
    with db.write(deps.server(request).engine) as conn:
        r = register.record_outcome(
            conn, deps.fund(request), actor, cid, status, day, files, note, clock.today()
        )
    return {"commitment": cid, **record_out(r)}
