"""A board member's own pages (issue 16): their seats, declaring an interest, recusing from a proposal, and
replacing their key; and the partner's replacement of a lost key, for an administrator holding the authority
key.

Every step is signed the way the users page signs a link (web.users, static/sign.js): the server prepares the
bytes with the domain's own `prepare` (governance.interest, .recusal, .rotation), the page says in words what
will be signed, the key file signs them in the browser (it is never uploaded), and the form posts only the
signature, which the domain checks and logs exactly as it does for the CLI. A user acts only for the members
linked to them (user.require_linked); an administrator only with the partner's authority. Errors are shown on
the page, in the reader's language (web.texts).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import NamedTuple

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection
from starlette.datastructures import UploadFile

from jointfund import clock
from jointfund.api import deps
from jointfund.api.errors import body_of, status_of
from jointfund.api.schemas import RowId
from jointfund.errors import InputError, JointfundError, NotFound, Problem
from jointfund.governance import book, interest, policy, proposal, recusal, rotation, user
from jointfund.governance.model import MAX_NAME_CHARS, MAX_TITLE_CHARS, Member
from jointfund.ledger import authority
from jointfund.store import db
from jointfund.web.pages import render

router = APIRouter(include_in_schema=False)
DECLARE, RECUSE, ROTATE = "members.interest", "proposals.recuse", "members.rotate_key"
MAX_KEY_FILE_BYTES = 4096  # an Ed25519 public key's PEM is 113 bytes; anything near this is not one


class Signing(NamedTuple):
    """What a page asks the browser to sign: the bytes (base64), and the form fields posted with the
    signature."""

    message_base64: str
    fields: dict[str, str]


def signing(message: bytes, **fields: str) -> Signing:
    return Signing(base64.b64encode(message).decode(), fields)


def seated(conn: Connection, member_id: int) -> Member:
    found = [m for m in book.members(conn, [member_id]) if m.removed_seq is None]
    if not found:
        raise NotFound(f"no seated member {member_id}")
    return found[0]


def own(conn: Connection, who: policy.Actor, member_id: int) -> Member:
    """Member `member_id`, when user `who` is linked to it: a user acts only for the seats linked to them."""
    user.require_linked(conn, who.name, member_id, "acts")
    return seated(conn, member_id)


def failed(exc: JointfundError) -> tuple[dict, int]:
    return body_of(exc)["error"], status_of(exc)


# -- the member's seats --


@router.get("/members", response_class=HTMLResponse)
def members_page(
    request: Request, done: str = Query("", max_length=20), who=Depends(deps.allow(DECLARE))
) -> Response:
    """The seats linked to the user, each with its key and its declared interests, and what the member can
    sign."""
    with deps.reading(request) as conn:
        mine = [
            m for m in book.members(conn, deps.linked_members(request, who.name)) if m.removed_seq is None
        ]
        ids = {m.id for m in mine}
        declared = [i for i in interest.interests(conn) if i.member in ids]
    return render(
        request,
        "members.html",
        mine=mine,
        declared=declared,
        done=done if done in ("interest", "key") else "",
        max_party=MAX_NAME_CHARS,
        max_nature=MAX_TITLE_CHARS,
    )


# -- declaring an interest --


def _interest_form(
    request: Request,
    m: Member,
    party: str,
    nature: str,
    pending: object = None,
    error: object = None,
    on: dt.date | None = None,
    status: int = 200,
) -> Response:
    """The declaration's page, its fields bounded as the domain bounds them (as on the members page)."""
    return render(
        request, "interest.html", status=status, m=m, party=party, nature=nature, pending=pending,
        error=error, on=on, max_party=MAX_NAME_CHARS, max_nature=MAX_TITLE_CHARS,
    )  # fmt: skip


@router.get("/members/{member_id}/interest", response_class=HTMLResponse)
def interest_page(
    request: Request,
    member_id: RowId,
    party: str = Query("", max_length=MAX_NAME_CHARS + 1),
    nature: str = Query("", max_length=MAX_TITLE_CHARS + 1),
    who=Depends(deps.allow(DECLARE)),
) -> Response:
    """With the party and the nature given: the declaration in words and the form that signs it."""
    fund = deps.fund(request)
    with deps.reading(request) as conn:
        m = own(conn, who, member_id)
        if not party and not nature:  # the form, before anything is typed
            return _interest_form(request, m=m, party="", nature="", pending=None, error=None)
        try:
            m, party, nature, message = interest.prepare(conn, fund, str(m.id), party, nature, clock.today())
        except InputError as exc:
            error, status = failed(exc)
            return _interest_form(
                request,
                status=status,
                m=m,
                party=party,
                nature=nature,
                pending=None,
                error=error,
            )
    return _interest_form(
        request,
        m=m,
        party=party,
        nature=nature,
        on=clock.today(),
        pending=signing(message, party=party, nature=nature),
        error=None,
    )


@router.post("/members/{member_id}/interest", response_class=HTMLResponse)
async def declare(request: Request, member_id: RowId) -> Response:
    who = await deps.authorise_change(request, DECLARE)
    form = await request.form()
    party, nature = str(form.get("party", "")), str(form.get("nature", ""))
    signature = str(form.get("signature", "")).strip().lower()
    fund, today = deps.fund(request), clock.today()
    with deps.reading(request) as conn:
        m = own(conn, who, member_id)  # refused outright: no form for a seat that is not the user's
    try:
        with db.write(deps.server(request).engine) as conn:
            interest.declare(conn, fund, who.name, str(m.id), party, nature, signature, today)
    except JointfundError as exc:
        error, status = failed(exc)
        with deps.reading(request) as conn:
            try:
                _, party, nature, message = interest.prepare(conn, fund, str(m.id), party, nature, today)
            except InputError:
                pending = None
            else:
                pending = signing(message, party=party, nature=nature)
        return _interest_form(
            request, status=status, m=m, party=party, nature=nature, on=today,
            pending=pending, error=error,
        )  # fmt: skip
    return RedirectResponse("/members?done=interest", status_code=303)


# -- recusing from a proposal --


@router.get("/proposals/{proposal_id}/recusal", response_class=HTMLResponse)
def recusal_page(
    request: Request,
    proposal_id: RowId,
    member: int = Query(..., ge=1, le=2**31),
    who=Depends(deps.allow(RECUSE)),
) -> Response:
    """The recusal in words, and the form that signs it (the proposal page's recuse button leads here)."""
    return recusal_form(request, who, proposal_id, member)


def recusal_form(
    request: Request,
    who: policy.Actor,
    proposal_id: int,
    member_id: int,
    error: dict | None = None,
    status: int = 200,
) -> Response:
    fund = deps.fund(request)
    with deps.reading(request) as conn:
        own(conn, who, member_id)
        p = proposal.get(conn, proposal_id)
        m, message = recusal.prepare(conn, fund, proposal_id, str(member_id), clock.today())
        conflicts = recusal.asked(conn, p, [m.id])
    return render(
        request,
        "recusal.html",
        status=status,
        p=p,
        m=m,
        conflicts=conflicts,
        pending=signing(message, member=str(m.id)),
        error=error,
    )


def member_of(form) -> int:  # noqa: ANN001 - a submitted form
    """The member number a signing form names (its `member` field), or a problem naming the field."""
    try:
        return int(str(form.get("member", "")))
    except ValueError:
        raise InputError(
            [Problem("member", "a member number is needed", str(form.get("member", ""))[:20])]
        ) from None


@router.post("/proposals/{proposal_id}/recusal", response_class=HTMLResponse)
async def recuse(request: Request, proposal_id: RowId) -> Response:
    who = await deps.authorise_change(request, RECUSE)
    form = await request.form()
    member_id = member_of(form)
    signature = str(form.get("signature", "")).strip().lower()
    with deps.reading(request) as conn:
        own(conn, who, member_id)
    try:
        with db.write(deps.server(request).engine) as conn:
            recusal.recuse(
                conn, deps.fund(request), who.name, proposal_id, str(member_id), signature, clock.today()
            )
    except JointfundError as exc:
        error, status = failed(exc)
        return recusal_form(request, who, proposal_id, member_id, error, status)
    return RedirectResponse(f"/proposals/{proposal_id}?done=recused", status_code=303)


# -- replacing a key: the member with the old key, or the partner's authority --


def signer_for(conn: Connection, who: policy.Actor, member_id: int) -> tuple[Member, str]:
    """Who signs the replacement of `member_id`'s key when `who` asks: the member's old key for the user
    linked to the member; the partner's authority key for an administrator; nobody else."""
    if who.role == policy.ADMINISTRATOR:
        return seated(conn, member_id), rotation.AUTHORITY
    return own(conn, who, member_id), rotation.MEMBER


@router.get("/members/{member_id}/key", response_class=HTMLResponse)
def key_page(request: Request, member_id: RowId, who=Depends(deps.allow(ROTATE))) -> Response:
    with deps.reading(request) as conn:
        m, signer = signer_for(conn, who, member_id)
    return render(request, "key.html", m=m, signer=signer, pending=None, error=None)


@router.post("/members/{member_id}/key", response_class=HTMLResponse)
async def key_prepare(request: Request, member_id: RowId) -> Response:
    """The new public key, uploaded: the statement that replaces the old one, in words, and the form that
    signs it."""
    who = await deps.authorise_change(request, ROTATE)
    form = await request.form()
    upload = form.get("public_key")
    pem = await upload.read(MAX_KEY_FILE_BYTES + 1) if isinstance(upload, UploadFile) else b""
    with deps.reading(request) as conn:
        m, signer = signer_for(conn, who, member_id)
        try:
            if len(pem) > MAX_KEY_FILE_BYTES:
                raise InputError([Problem("public_key", "not a public key file")], "key not replaced")
            m, kid, st = rotation.prepare(conn, deps.fund(request), member_id, pem, "public_key")
        except JointfundError as exc:
            error, status = failed(exc)
            return render(request, "key.html", status=status, m=m, signer=signer, pending=None, error=error)
    pending = signing(st.message(), statement=json.dumps(st.body()))
    return render(request, "key.html", m=m, signer=signer, new_key_id=kid, pending=pending, error=None)


@router.post("/members/{member_id}/key/signed", response_class=HTMLResponse)
async def key_signed(request: Request, member_id: RowId) -> Response:
    who = await deps.authorise_change(request, ROTATE)
    form = await request.form()
    carried = {
        "statement": _json(str(form.get("statement", ""))),
        "signature": str(form.get("signature", "")).strip().lower(),
    }
    with deps.reading(request) as conn:
        m, signer = signer_for(conn, who, member_id)
    try:
        st = authority.from_json(carried, "statement")
        pem = str(st.fields.get("public_pem", "")).encode()
        with db.write(deps.server(request).engine) as conn:
            rotation.rotate(
                conn, deps.fund(request), who.name, member_id, pem, st, clock.today(), "public_key", signer
            )
    except JointfundError as exc:
        error, status = failed(exc)
        return render(request, "key.html", status=status, m=m, signer=signer, pending=None, error=error)
    return RedirectResponse(
        "/admin/users?done=key" if signer == rotation.AUTHORITY else "/members?done=key", status_code=303
    )


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None
