"""The administrator's page of users, seats and the links between them (issue 12).

A link says which user holds a seat, so that their pages offer that seat's ballots. Who holds a seat is
the partner's to say, not the operator's (the trust model): the page prepares the partner's authority
statement (ledger.authority, kind user.member or user.unmember), the authority key signs it in this
browser (the key file is read here and never uploaded), and the signed statement goes through the same
route code as POST /api/users/NAME/members, so the link is checked and logged exactly as there.
"""

from __future__ import annotations

import base64
import json

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from jointfund.api import deps
from jointfund.api.errors import body_of, status_of
from jointfund.errors import JointfundError
from jointfund.governance import book, user
from jointfund.ledger import authority
from jointfund.store import db
from jointfund.web import i18n
from jointfund.web.i18n import N_
from jointfund.web.pages import language, render

router = APIRouter(include_in_schema=False)
ACTION = "users.link_member"  # reading this page is for those who may change the links: administrators
ADMIN = Depends(deps.allow(ACTION))
KINDS = {"link": user.LINK_ACTION, "unlink": user.UNLINK_ACTION}


def page(
    request: Request,
    pending: dict | None = None,
    error: dict | None = None,
    status: int = 200,
    done: str = "",
) -> Response:
    with deps.reading(request) as conn:
        people = user.users(conn)
        seats = [m for m in book.members(conn) if m.removed_seq is None]
        links = user.member_links(conn)
    holder = {member: name for name, ids in links.items() for member in ids}
    by_id = {m.id: m for m in seats}
    return render(
        request,
        "users.html",
        status=status,
        people=people,
        seats=seats,
        holder=holder,
        linked={name: [by_id[i] for i in ids if i in by_id] for name, ids in links.items()},
        pending=pending,
        error=error,
        done=done,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    name: str | None = Query(None, alias="user", max_length=64),
    member: int | None = Query(None, ge=1, le=2**31),
    do: str = Query("", max_length=10),
    done: str = Query("", max_length=10),
    _who=ADMIN,
) -> Response:
    """The lists; with ?do=link|unlink&user=NAME&member=ID, also the statement to sign for that change."""
    if not (do and name and member):
        return page(request, done=done if done in (*KINDS, "key") else "")
    pending = prepared(request, do, name, member)
    if pending is None:
        return page(request, error=said(request, N_("Choose a user and a seat from the lists.")), status=422)
    return page(request, pending=pending)


def said(request: Request, message: str) -> dict:
    """An error of this page, in the reader's language, in the shape of the API's errors."""
    return {"field": None, "message": i18n.translations(language(request)).gettext(message), "problems": []}


def prepared(request: Request, do: str, name: str, member: int) -> dict | None:
    """The partner's statement for linking (or unlinking) user `name` and seat `member`; None for an unknown
    user or seat (the statement names the seat's partner, so the seat must exist)."""
    with deps.reading(request) as conn:
        known = {u.name for u in user.users(conn)}
        found = [m for m in book.members(conn, [member]) if m.removed_seq is None]
    if do not in KINDS or name not in known or not found:
        return None
    m = found[0]
    st = authority.statement(deps.fund(request).id, m.partner, KINDS[do], user=name, member=m.id)
    return {
        "do": do,
        "user": name,
        "seat": m,
        "statement": json.dumps(st.body()),
        "message_base64": base64.b64encode(st.message()).decode(),
    }


def _change(request: Request, change, actor: str, name: str, member: int, st: authority.Statement) -> None:  # noqa: ANN001 - user.link_member or user.unlink_member
    """The domain's link or unlink, in one write transaction (as the API's routes do it)."""
    with db.write(deps.server(request).engine) as conn:
        change(conn, deps.fund(request).id, actor, name, member, st)


@router.post("/admin/users/links", response_class=HTMLResponse)
async def submit(request: Request) -> Response:
    """A statement signed in the browser by the partner's authority key: link or unlink, as it says."""
    who = await deps.authorise_change(request, ACTION)
    form = await request.form()
    try:
        carried = {
            "statement": json.loads(str(form.get("statement", ""))),
            "signature": str(form.get("signature", "")).strip().lower(),
        }
        st = authority.from_json(carried, "statement")
        name, member = str(st.fields["user"]), int(st.fields["member"])
        if st.kind not in (user.LINK_ACTION, user.UNLINK_ACTION):
            raise ValueError(st.kind)
        change = user.link_member if st.kind == user.LINK_ACTION else user.unlink_member
        await run_in_threadpool(_change, request, change, who.name, name, member, st)
    except (ValueError, TypeError, KeyError):
        message = N_("This is not a statement prepared by this page; nothing was changed.")
        return page(request, error=said(request, message), status=422)
    except JointfundError as exc:
        return page(request, error=body_of(exc)["error"], status=status_of(exc))
    done = "link" if st.kind == user.LINK_ACTION else "unlink"
    return RedirectResponse(f"/admin/users?done={done}", status_code=303)
