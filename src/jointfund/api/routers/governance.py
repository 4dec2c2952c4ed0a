"""/api/members, /api/proposals and their votes, /api/audit.

Voting is signed by the member, wherever the key is: a client asks for the ballot (the
canonical bytes), signs them with the member's Ed25519 key (the browser does it with
WebCrypto, the key never leaving the machine) and posts the signature; the server checks
it against the key stored at the member's appointment (governance.vote.cast).
"""

from __future__ import annotations

import base64
import datetime as dt

from fastapi import APIRouter, Depends, Query, Request

from jointfund import clock
from jointfund.api import deps
from jointfund.api.errors import RESPONSES
from jointfund.api.schemas import AuditOut, BallotOut, MemberOut, Page, Paging, ProposalDetail, ProposalOut, VoteIn
from jointfund.governance import audit, book, proposal, vote
from jointfund.governance.model import Member
from jointfund.governance.proposal import Standing
from jointfund.governance.rule import requirements
from jointfund.money import format_amount
from jointfund.store import db

router = APIRouter(tags=["governance"], responses=RESPONSES)
READ = Depends(deps.allow("books.read"))


def member_out(m: Member) -> dict:
    return {"id": m.id, "body": m.body, "partner": m.partner, "seat": m.seat, "name": m.name, "key_id": m.key_id,
            "appointed_on": m.appointed_on, "removed_on": m.removed_on}


@router.get("/members", response_model=list[MemberOut], summary="Members of the board and committees")
def members(request: Request, body: str | None = Query(None, max_length=40),
            seated: bool = Query(True, description="Only members holding a seat now."), _who=READ) -> list[dict]:
    with deps.reading(request) as conn:
        found = book.members(conn)
    return [member_out(m) for m in found
            if (body is None or m.body == body) and (not seated or m.removed_seq is None)]


def proposal_out(s: Standing) -> dict:
    p = s.proposal
    return {"id": p.id, "kind": p.kind, "title": p.title, "body": p.body, "rule": p.rule,
            "amount": None if p.amount is None else format_amount(p.amount, p.currency or ""),
            "currency": p.currency, "about": p.about, "deadline": p.deadline, "proposer": p.proposer,
            "created_on": p.created_on, "state": s.state, "reason": s.reason}


def rule_words(request: Request, s: Standing) -> str:
    """The proposal's rule, said in words from the terms in force when it was made."""
    p = s.proposal
    body = deps.fund(request).terms(p.created_on).body(p.body)
    needs = "; ".join(r.words for r in requirements(p.rule, body.seats))
    return f"{p.rule}: {needs} of the {body.name} must approve"


def detail(request: Request, proposal_id: int) -> dict:
    fund = deps.fund(request)
    with deps.reading(request) as conn:
        s = proposal.standing(conn, fund, proposal_id, clock.today())
        votes = book.votes(conn, proposal_id)
    return {**proposal_out(s), "rule_words": rule_words(request, s), "content_sha256": s.proposal.content_sha256,
            "seats": [seat._asdict() for seat in s.seats],
            "votes": [{"member": v.member, "choice": v.choice, "round": v.round, "cast_on": v.cast_on,
                       "signature": v.signature_hex, "seq": v.seq} for v in votes],
            "closings": [{"status": c.status, "effective": c.effective, "reason": c.reason, "seq": c.seq}
                         for c in s.closings]}


def standings(request: Request) -> list[Standing]:
    fund = deps.fund(request)
    today = clock.today()
    with deps.reading(request) as conn:
        return [proposal.standing(conn, fund, p.id, today) for p in book.proposals(conn)]


@router.get("/proposals", response_model=Page[ProposalOut], summary="Proposals and where each stands")
def proposals(request: Request, state: str | None = Query(None, max_length=20), body: str | None = Query(None, max_length=40),
              kind: str | None = Query(None, max_length=40), paging: Paging = Depends(), _who=READ) -> dict:
    rows = [proposal_out(s) for s in standings(request)
            if (state is None or s.state == state) and (body is None or s.proposal.body == body)
            and (kind is None or s.proposal.kind == kind)]
    return paging.slice(rows)


@router.get("/proposals/{proposal_id}", response_model=ProposalDetail, summary="A proposal with its seat grid")
def proposal_detail(request: Request, proposal_id: int, _who=READ) -> dict:
    return detail(request, proposal_id)


@router.get("/proposals/{proposal_id}/ballot", response_model=BallotOut, summary="The bytes a member signs to vote")
def ballot(request: Request, proposal_id: int, member: int = Query(..., ge=1, le=2**31),
           choice: str = Query(..., max_length=20), _who=Depends(deps.allow("proposals.vote"))) -> dict:
    with deps.reading(request) as conn:
        b = vote.prepare(conn, deps.fund(request), proposal_id, str(member), choice, clock.today())
    return {"proposal": proposal_id, "member": b.member.id, "choice": choice, "round": b.round,
            "message": b.message.decode("utf-8"), "message_base64": base64.b64encode(b.message).decode()}


@router.post("/proposals/{proposal_id}/votes", response_model=ProposalDetail, status_code=201,
             summary="Cast a signed vote")
def cast(request: Request, proposal_id: int, ballot_in: VoteIn,
         who=Depends(deps.change("proposals.vote"))) -> dict:
    """The signature (hex) is the member's Ed25519 signature over the ballot's bytes; the answer is the proposal after it."""
    with db.write(deps.server(request).engine) as conn:
        vote.cast(conn, deps.fund(request), who.name, proposal_id, str(ballot_in.member), ballot_in.choice,
                  ballot_in.round, ballot_in.signature.strip().lower(), clock.today())
    return detail(request, proposal_id)


@router.get("/audit", response_model=Page[AuditOut], tags=["audit"], summary="The audit trail")
def audit_trail(request: Request, since: dt.date | None = Query(None), actor: str | None = Query(None, max_length=64),
                paging: Paging = Depends(), _who=READ) -> dict:
    with deps.reading(request) as conn:
        rows = audit.trail(conn, since, actor, limit=paging.offset + paging.limit + 1)
    return paging.slice(rows)
