"""An application's dossier, and the investments: what every surface shows of the pipeline, and the actions
on it that the API's routes and the web's pages both take.

Each function takes typed values (a connection, the fund, ids, dates, plain fields) and returns what the
surfaces show, so a route and a page are two callers of one service, never one of the other (issue 17).
Problems are named by domain field; the caller's transaction decides when it is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Connection

from jointfund import paging
from jointfund.errors import InputError, NotFound, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import countersign, user
from jointfund.money import format_amount
from jointfund.portfolio import application as apps
from jointfund.portfolio import investment, lifecycle, screening
from jointfund.portfolio import pipeline as rules
from jointfund.portfolio.application import Application, StageChange
from jointfund.portfolio.clearance import PENDING, Clearance
from jointfund.revenue.reader import Row

# Who an applicant is told moved their application: the fund, never a staff member's user name.
FUND_ACTOR = "fund"


def stage_name(info: FundInfo, code: str) -> str:
    stage = apps.pipeline_of(info.terms()).stage(code)
    return stage.name if stage else code


def shown(info: FundInfo, a: Application, now: StageChange) -> dict:
    """An application where it stands, in the fields every list of applications shows."""
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


def detail(conn: Connection, info: FundInfo, application_id: int) -> dict:
    """An application with its whole history, the moves the pipeline allows next, and its investment if
    any."""
    a = apps.get(conn, application_id)
    moves = apps.history(conn, application_id)
    p = apps.pipeline_of(info.terms())
    inv = investment.of_application(conn, application_id)
    return {
        **shown(info, a, moves[-1]),
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


def page(
    conn: Connection,
    info: FundInfo,
    stage: str | None,
    sector: str | None,
    region: str | None,
    limit: int,
    offset: int,
    submitted_by: str | None = None,
) -> dict:
    """A page of the applications where each stands, filtered; only as many read as the page needs."""
    found = apps.standing(conn, stage, sector, region, submitted_by, limit + 1, offset)
    return paging.page([shown(info, a, where) for a, where in found], limit, offset)


def submit(
    conn: Connection, info: FundInfo, actor: str, fields: Mapping[str, str | None], source: str, on: dt.date
) -> dict:
    """Submit one application through the same validation as the CLI; problems are named `source:field`."""
    row = Row(0, source, {k: v.strip() for k, v in fields.items() if v is not None})
    [(a, new)] = apps.submit(conn, info, actor, [row], on)
    return {"application": detail(conn, info, a.id), "new": new}


def move(
    conn: Connection, info: FundInfo, actor: str, application_id: int, to: str, reason: str, on: dt.date
) -> dict:
    """A person's move of an application to a stage that needs no decision, with its reason."""
    change = lifecycle.move_by_person(conn, info, actor, application_id, to, on, reason)
    return {k: v for k, v in change._asdict().items() if k != "application"}


def screen(conn: Connection, info: FundInfo, actor: str, application_id: int, on: dt.date) -> dict:
    """The company and each beneficial owner screened against every current sanctions list."""
    r = screening.screen(conn, info, actor, application_id, on)
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


def decide(
    conn: Connection,
    info: FundInfo,
    actor: str,
    application_id: int,
    outcome: str,
    reason: str,
    on: dt.date,
    member: int | None = None,
    signature: str | None = None,
) -> dict:
    """The outcome of the latest screening. A confirmation's countersigning `member` must be linked to
    `actor`: a user signs only with the seats linked to them, so the log names who acted."""
    if member is not None:
        user.require_linked(conn, actor, member, "countersigns")
    by = None if member is None else countersign.given(member, signature or "")
    done = screening.decide(conn, info.id, actor, application_id, outcome, reason, on, by)
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


def own(conn: Connection, info: FundInfo, application_id: int, name: str) -> dict:
    """The application if `name` submitted it; NotFound otherwise, so the portal says nothing of others'
    applications.

    Moves by the fund's staff name the fund, not the user: an applicant is not told who works on their file.
    """
    moves = apps.history(conn, application_id)  # this application's moves only; the first is its submission
    if not moves or moves[0].actor != name:
        raise NotFound(f"you submitted no application {application_id}")
    a = detail(conn, info, application_id)
    a["uploaded"] = [d._asdict() for d in apps.attached(conn, application_id)]
    a["history"] = [{**m, "actor": m["actor"] if m["actor"] == name else FUND_ACTOR} for m in a["history"]]
    return a


def attach_own(
    conn: Connection,
    info: FundInfo,
    application_id: int,
    name: str,
    filename: str,
    content: bytes,
    on: dt.date,
) -> dict:
    """Attach a document the applicant uploads to their own application (stored by its SHA-256)."""
    own(conn, info, application_id, name)  # NotFound for anyone else's
    return apps.attach(conn, info, name, application_id, filename, content, on)._asdict()


def withdraw_own(
    conn: Connection, info: FundInfo, application_id: int, name: str, confirm: bool, reason: str, on: dt.date
) -> dict:
    """Move the applicant's own application to the terms' withdrawal stage, once they confirmed it; logged
    as a move."""
    own(conn, info, application_id, name)  # NotFound for anyone else's
    if not confirm:
        raise InputError(
            [Problem("confirm", "confirm that you withdraw the application", "false")],
            "application not withdrawn",
        )
    target = apps.pipeline_of(info.terms()).withdrawal
    if target is None:
        raise Refused("these terms name no withdrawal stage ([pipeline] withdrawal)")
    lifecycle.move_by_person(
        conn, info, name, application_id, target, on, reason.strip() or "withdrawn by the applicant"
    )
    return own(conn, info, application_id, name)


def investments(
    conn: Connection,
    info: FundInfo,
    as_of: dt.date | None = None,
    stage: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> list[dict]:
    """The investments (`limit` of them from `offset`, default every one) with their application's title and
    stage (the public page lists them too)."""
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
