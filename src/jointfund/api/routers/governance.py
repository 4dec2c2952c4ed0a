"""/api/members, /api/proposals (proposing, votes, withdrawal, expiry, execution), /api/users/{name}/members,
/api/audit.

Voting is signed by the member, wherever the key is: a client asks for the ballot (the
canonical bytes), signs them with the member's Ed25519 key (the browser does it with
WebCrypto, the key never leaving the machine) and posts the signature; the server checks
it against the key stored at the member's appointment (governance.vote.cast). Proposing
and withdrawing are signed the same way: a draft (or the withdrawal) gives the bytes, the
client signs them with the proposer's key, and posts the signature.
"""

from __future__ import annotations

import base64
import datetime as dt

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from jointfund import clock
from jointfund.api import deps
from jointfund.api.downloads import download
from jointfund.api.errors import RESPONSES
from jointfund.api.response_cache import cacheable
from jointfund.api.schemas import (
    AuditOut,
    BallotOut,
    ClosedOut,
    DraftOut,
    ExecutionOut,
    MemberLinkIn,
    MemberOut,
    MemberUnlinkIn,
    Page,
    Paging,
    ProposalDetail,
    ProposalIn,
    ProposalOut,
    RowId,
    Sha256,
    SignedProposalIn,
    UserMembersOut,
    VoteIn,
    WithdrawalIn,
)
from jointfund.errors import ConflictError, InputError, NotFound, Problem
from jointfund.governance import amendment, audit, book, canonical, execution, listing, proposal, user, vote
from jointfund.governance.model import Supporting
from jointfund.ledger import authority, document
from jointfund.money import read_amount
from jointfund.store import db

router = APIRouter(tags=["governance"], responses=RESPONSES)
READ = Depends(deps.allow("books.read"))


@router.get("/members", response_model=list[MemberOut], summary="Members of the board and committees")
def members(
    request: Request,
    body: str | None = Query(None, max_length=40),
    seated: bool = Query(True, description="Only members holding a seat now."),
    _who=READ,
) -> list[dict]:
    with deps.reading(request) as conn:
        return [m.listed() for m in book.members_of(conn, body, seated_only=seated)]


def detail(request: Request, proposal_id: int) -> dict:
    with deps.reading(request) as conn:
        return proposal.detail(conn, deps.fund(request), proposal_id, clock.today())


@router.get("/proposals", response_model=Page[ProposalOut], summary="Proposals and where each stands")
@cacheable
def proposals(
    request: Request,
    state: str | None = Query(None, max_length=20),
    body: str | None = Query(None, max_length=40),
    kind: str | None = Query(None, max_length=40),
    q: str | None = Query(
        None, max_length=listing.MAX_SEARCH_CHARS, description="Words of the title (any case), or the number."
    ),
    mine: bool = Query(
        False, description="Only open proposals waiting for the vote of a member linked to the asking user."
    ),
    paging: Paging = Depends(),
    who=READ,
) -> dict:
    waiting = deps.linked_members(request, who.name) if mine else None
    f = listing.Filter(state, body, kind, q, waiting)
    with deps.reading(request) as conn:
        return listing.page(conn, deps.fund(request), clock.today(), f, paging.limit, paging.offset)


@router.get(
    "/proposals/{proposal_id}", response_model=ProposalDetail, summary="A proposal with its seat grid"
)
@cacheable
def proposal_detail(request: Request, proposal_id: RowId, _who=READ) -> dict:
    return detail(request, proposal_id)


@router.get(
    "/proposals/{proposal_id}/ballot", response_model=BallotOut, summary="The bytes a member signs to vote"
)
def ballot(
    request: Request,
    proposal_id: RowId,
    member: int = Query(..., ge=1, le=2**31),
    choice: str = Query(..., max_length=20),
    _who=Depends(deps.allow("proposals.vote")),
) -> dict:
    with deps.reading(request) as conn:
        b = vote.prepare(conn, deps.fund(request), proposal_id, str(member), choice, clock.today())
    return {
        "proposal": proposal_id,
        "member": b.member.id,
        "choice": choice,
        "round": b.round,
        "message": b.message.decode("utf-8"),
        "message_base64": base64.b64encode(b.message).decode(),
    }


@router.post(
    "/proposals/{proposal_id}/votes",
    response_model=ProposalDetail,
    status_code=201,
    summary="Cast a signed vote",
)
def cast(
    request: Request, proposal_id: RowId, ballot_in: VoteIn, who=Depends(deps.change("proposals.vote"))
) -> dict:
    """The signature (hex) is the member's Ed25519 signature over the ballot's bytes; the answer is the
    proposal after it. The caller must be the user linked to that member's seat (403 otherwise)."""
    with db.write(deps.server(request).engine) as conn:
        user.require_linked(conn, who.name, ballot_in.member)
        vote.cast(
            conn,
            deps.fund(request),
            who.name,
            proposal_id,
            str(ballot_in.member),
            ballot_in.choice,
            ballot_in.round,
            ballot_in.signature.strip().lower(),
            clock.today(),
        )
    return detail(request, proposal_id)


@router.get("/audit", response_model=Page[AuditOut], tags=["audit"], summary="The audit trail")
def audit_trail(
    request: Request,
    since: dt.date | None = Query(None),
    actor: str | None = Query(None, max_length=64),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    with deps.reading(request) as conn:
        rows = audit.trail(conn, since, actor, limit=paging.limit + 1, offset=paging.offset)
    return paging.page(rows)


@router.get("/members/{member_id}", response_model=MemberOut, summary="One member")
def member_detail(request: Request, member_id: RowId, _who=READ) -> dict:
    with deps.reading(request) as conn:
        found = book.members(conn, [member_id])
    if not found:
        raise NotFound(f"no member {member_id}")
    return found[0].listed()


def closed_out(c) -> dict:  # noqa: ANN001 - a governance Closing
    return {
        "proposal": c.proposal,
        "status": c.status,
        "effective": c.effective,
        "reason": c.reason,
        "seq": c.seq,
    }


def draft_of(conn, request: Request, p: ProposalIn, actor: str):  # noqa: ANN001, ANN201 - a Connection; (Proposal, Change | None)
    """The numbered draft of `p`, proposed by user `actor` for the member `p` names: refused unless the user
    is linked to that member (as a vote is), before any bytes are offered for signing. The fields are checked
    first, so a wrong field or an unknown member is named as such."""
    fund, today = deps.fund(request), clock.today()
    change = None if p.amendment is None else amendment.parse(fund, p.amendment, "amendment", today)
    documents = [Supporting(d.name, d.sha256, d.size_bytes) for d in p.documents]
    d = proposal.draft(
        conn,
        fund,
        p.kind,
        p.title,
        str(p.member),
        today,
        read_amount(p.amount, "amount"),
        p.currency,
        p.about,
        p.deadline,
        change,
        documents,
        deps.document_limit(request),
    )
    user.require_linked(conn, actor, p.member, "proposes")
    return d, change


@router.post("/proposals/draft", response_model=DraftOut, summary="The bytes a proposer signs to propose")
def draft(request: Request, p: ProposalIn, who=Depends(deps.allow("proposals.new"))) -> dict:
    """Nothing is written: the draft is numbered and given the terms' body and rule; sign `message_base64`
    with the proposing member's Ed25519 key and post it with the same fields, the id and the signature to
    /api/proposals (or, with documents, to /api/proposals/signed with their files)."""
    with deps.reading(request) as conn:
        d, _change = draft_of(conn, request, p, who.name)
    message = canonical.proposal_bytes(deps.fund(request).id, d)
    return {
        "id": d.id,
        "message": message.decode("utf-8"),
        "message_base64": base64.b64encode(message).decode(),
    }


def submit_signed(request: Request, p: SignedProposalIn, actor: str, files: dict[str, bytes]) -> dict:
    """Record the signed proposal and keep its documents' bytes, in one transaction (all or nothing)."""
    with db.write(deps.server(request).engine) as conn:
        d, change = draft_of(conn, request, p, actor)
        if d.id != p.id:
            raise ConflictError(
                f"another proposal took number {p.id} since the draft: draft again (it will be {d.id}) "
                "and sign the new bytes"
            )
        done = proposal.submit(
            conn,
            deps.fund(request),
            actor,
            d,
            p.signature.strip().lower(),
            change,
            files,
            deps.document_limit(request),
        )
    return detail(request, done.id)


@router.post(
    "/proposals", response_model=ProposalDetail, status_code=201, summary="Propose, signed by the proposer"
)
def propose(request: Request, p: SignedProposalIn, who=Depends(deps.change("proposals.new"))) -> dict:
    """Its documents, if any, must be stored already (by their hash); to send their bytes with it, post to
    /api/proposals/signed."""
    return submit_signed(request, p, who.name, {})


@router.post(
    "/proposals/signed",
    response_model=ProposalDetail,
    status_code=201,
    summary="Propose with supporting documents (multipart: `proposal`, the signed JSON, and `documents`)",
)
async def propose_with_documents(request: Request) -> dict:
    """`proposal` is the JSON of POST /api/proposals; each `documents` part is the bytes of a document it
    lists.
    Each is read to at most the limit and one byte more, so an over-large file is refused without being read
    whole; every file must hash to what the proposer signed, or nothing is written."""
    who = await deps.authorise_change(request, "proposals.new")
    form = await request.form()
    text = form.get("proposal")
    if not isinstance(text, str):
        raise InputError([Problem("proposal", "the signed proposal (JSON) is required")], "proposal not made")
    try:
        p = SignedProposalIn.model_validate_json(text)
    except ValidationError as exc:
        raise InputError(
            [Problem(f"proposal: {'.'.join(map(str, e['loc']))}", e["msg"]) for e in exc.errors()],
            "proposal not made",
        ) from None
    limit = deps.document_limit(request)
    files: dict[str, bytes] = {}
    problems = []
    for f in form.getlist("documents"):
        if isinstance(f, str):  # a text field named "documents", not a file
            continue
        content = await f.read(limit + 1)
        if len(content) > limit:
            problems.append(
                Problem(f"documents: {f.filename}", f"a document of 1 to {limit:,} bytes is needed", "larger")
            )
            continue
        files[document.digest(content)] = content
    if problems:
        raise InputError(problems, "proposal not made")
    return await run_in_threadpool(submit_signed, request, p, who.name, files)


@router.get(
    "/proposals/{proposal_id}/documents/{sha256}",
    response_class=Response,
    summary="A supporting document of a proposal (its bytes, by their SHA-256)",
)
def proposal_document(request: Request, proposal_id: RowId, sha256: Sha256, _who=READ) -> Response:
    with deps.reading(request) as conn:
        return download(*proposal.document_of(conn, proposal_id, sha256))


@router.get(
    "/proposals/{proposal_id}/withdrawal",
    response_model=DraftOut,
    summary="The bytes a proposer signs to withdraw",
)
def withdrawal_bytes(
    request: Request, proposal_id: RowId, _who=Depends(deps.allow("proposals.withdraw"))
) -> dict:
    fund = deps.fund(request)
    with deps.reading(request) as conn:
        message = proposal.withdrawal_message(fund, proposal.get(conn, proposal_id))
    return {
        "id": proposal_id,
        "message": message.decode("utf-8"),
        "message_base64": base64.b64encode(message).decode(),
    }


@router.post(
    "/proposals/{proposal_id}/withdrawal",
    response_model=ClosedOut,
    status_code=201,
    summary="Withdraw an open proposal (its proposer, signed)",
)
def withdraw(
    request: Request, proposal_id: RowId, w: WithdrawalIn, who=Depends(deps.change("proposals.withdraw"))
) -> dict:
    with db.write(deps.server(request).engine) as conn:
        c = proposal.withdraw(
            conn,
            deps.fund(request),
            who.name,
            proposal_id,
            w.member,
            w.signature.strip().lower(),
            clock.today(),
        )
    return closed_out(c)


@router.post(
    "/proposals/expiry",
    response_model=list[ClosedOut],
    summary="Record the expiry of every proposal past its deadline",
)
def expire(request: Request, who=Depends(deps.change("proposals.expire"))) -> list[dict]:
    with db.write(deps.server(request).engine) as conn:
        done = proposal.expire_due(conn, deps.fund(request), who.name, clock.today())
    return [closed_out(c) for c in done]


@router.post(
    "/proposals/{proposal_id}/execution",
    response_model=ExecutionOut,
    status_code=201,
    summary="Execute an approved proposal (exactly once)",
)
def execute(request: Request, proposal_id: RowId, who=Depends(deps.change("proposals.execute"))) -> dict:
    with db.write(deps.server(request).engine) as conn:
        done = execution.execute(conn, deps.fund(request), who.name, proposal_id, clock.today())
    return done._asdict()


@router.get(
    "/users/{name}/members", response_model=UserMembersOut, tags=["users"], summary="The members a user is"
)
def user_members(request: Request, name: str, _who=READ) -> dict:
    with deps.reading(request) as conn:
        return {"name": name, "members": list(user.member_links(conn).get(name, ()))}


@router.post(
    "/users/{name}/members",
    response_model=UserMembersOut,
    status_code=201,
    tags=["users"],
    summary="Say that a user is a member (so their dashboard shows what waits for their vote)",
)
def link_member(
    request: Request, name: str, link: MemberLinkIn, who=Depends(deps.change("users.link_member"))
) -> dict:
    st = None if link.authority is None else authority.from_json(link.authority, "authority")
    with db.write(deps.server(request).engine) as conn:
        return {
            "name": name,
            "members": list(user.link_member(conn, deps.fund(request).id, who.name, name, link.member, st)),
        }


@router.post(
    "/users/{name}/members/{member_id}/unlink",
    response_model=UserMembersOut,
    tags=["users"],
    summary="Say that a user is no longer a member (with the partner's authority)",
)
def unlink_member(
    request: Request,
    name: str,
    member_id: RowId,
    unlink: MemberUnlinkIn,
    who=Depends(deps.change("users.link_member")),
) -> dict:
    st = None if unlink.authority is None else authority.from_json(unlink.authority, "authority")
    with db.write(deps.server(request).engine) as conn:
        return {
            "name": name,
            "members": list(user.unlink_member(conn, deps.fund(request).id, who.name, name, member_id, st)),
        }
