"""Pages of the pipeline and the applicant portal.

- /pipeline: applications as a board, one column per stage of the terms' pipeline;
  /pipeline/{id}: an application with its history, its latest sanctions screening (hits name owners only
  "owner N"; the portal never shows screenings: an applicant is not told of a hit), and the moves a
  person may record; /pipeline/{id}/screen and /pipeline/{id}/screening-outcome screen it and decide.
  /pipeline/{id}/confirmation: the second person's confirmation of a clearance, countersigned by a seated
  member linked to the user confirming: the server prepares the countersignature's bytes
  (governance.countersign, via clearance.request), the page says them in words, the member's key file signs
  them in the browser (static/sign.js, as web.members does) and the form posts only the signature.
- /portal: an applicant submits an application and follows the ones they submitted
  (the API's portal reads: never anyone else's).

Forms post with the session's CSRF token and go through the same services as the API
(api.routers.portfolio); a refused or invalid form comes back with every problem listed.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from jointfund import clock
from jointfund.api import deps
from jointfund.api.errors import body_of
from jointfund.api.schemas import ApplicationIn, MoveIn, OutcomeIn, RowId
from jointfund.errors import InputError, JointfundError, NotFound, Problem
from jointfund.governance import book
from jointfund.i18n import N_, recognise
from jointfund.portfolio import application as apps
from jointfund.portfolio import clearance, dossier
from jointfund.region import REGIONS
from jointfund.web import i18n, members, texts
from jointfund.web.pages import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(deps.allow("books.read"))
PORTAL = Depends(deps.allow("portal.read"))
BOARD_LIMIT = 2000  # cards on the board; the API pages through more
FIELDS = tuple(ApplicationIn.model_fields)
# What the domain (portfolio.application, .owner) and the form's bounds say of a field, mirrored for the
# catalogue.
PROBLEMS = (
    N_("an EDRPOU code is %(digits)s digits"),
    N_("the amount requested must be more than zero"),
    N_("not a resource of the terms' catalogue (leave it empty for none)"),
    N_("at most %(count)s beneficial owners"),
    N_("owner %(n)s: expected name|YYYY-MM-DD|nationality (ISO 3166 code, e.g. UA)"),
    N_("owner %(n)s: a name of 1 to %(limit)s characters"),
    N_("owner %(n)s: date of birth as YYYY-MM-DD, from %(oldest)s to %(today)s"),
    N_("owner %(n)s: nationality as an ISO 3166-1 alpha-2 code (UA, US, PL...)"),
    N_("this reference was already used for another application (%(label)s: %(title)s)"),
    N_("not a valid value"),
)


def pipeline_facts(request: Request) -> dict:
    """What the forms offer: the terms' stages, sectors, instruments, currencies and resources."""
    terms = deps.fund(request).terms()
    p = apps.pipeline_of(terms)
    return {
        "stages": p.stages,
        "sectors": p.sectors,
        "instruments": p.instruments,
        "currencies": terms.fund.currencies,
        "resources": terms.resources,
    }


@router.get("/pipeline", response_class=HTMLResponse)
def board(request: Request, sector: str | None = Query(None, max_length=60), _who=READ) -> Response:
    with deps.reading(request) as conn:
        page = dossier.page(conn, deps.fund(request), None, sector or None, None, BOARD_LIMIT, 0)
    facts = pipeline_facts(request)
    columns: dict[str, list[dict]] = {s.code: [] for s in facts["stages"]}  # stage -> dossier.page items
    for a in page["items"]:
        columns.setdefault(a["stage"], []).append(a)
    return render(
        request,
        "pipeline.html",
        columns=columns,
        facts=facts,
        sector=sector or "",
        more=page["next_offset"] is not None,
    )


@router.get("/pipeline/{application_id}", response_class=HTMLResponse)
def application_page(request: Request, application_id: RowId, who=READ) -> Response:
    with deps.reading(request) as conn:
        a = dossier.detail(conn, deps.fund(request), application_id)
        done = clearance.screenings(conn, application_id)
        last = done[-1] if done else None
        outcome = clearance.outcomes(conn, [last.id]).get(last.id) if last else None
        first = clearance.clearances(conn, [last.id]).get(last.id) if last else None
        names = {v.id: f"{v.name} ({v.list_date.isoformat()})" for v in clearance.lists(conn)}
        # The seats that may countersign a waiting clearance with this user (the domain refuses the asker's).
        signers = (
            [m for m in book.members(conn, deps.linked_members(request, who.name)) if m.removed_seq is None]
            if first and not outcome
            else []
        )
    screening = {
        "last": last,
        "outcome": outcome,
        "first": first,
        "lists": [names.get(i, str(i)) for i in last.lists] if last else [],
        "count": len(done),
        "signers": signers,
    }
    return render(
        request,
        "application.html",
        a=a,
        back="/pipeline",
        moves=[m for m in a["next"] if m["decision"] is None],
        screening=screening,
    )


@router.post("/pipeline/{application_id}/screen", response_class=HTMLResponse)
async def screen(request: Request, application_id: RowId) -> Response:
    who = await deps.authorise_change(request, "applications.screen")
    await run_in_threadpool(deps.write, request, dossier.screen, who.name, application_id, clock.today())
    return RedirectResponse(f"/pipeline/{application_id}#screening", status_code=303)


@router.post("/pipeline/{application_id}/screening-outcome", response_class=HTMLResponse)
async def screening_outcome(request: Request, application_id: RowId) -> Response:
    who = await deps.authorise_change(request, "applications.screening_outcome")
    form = await request.form()
    member = str(form.get("member", "")).strip()
    if member:  # a confirmation signed on /pipeline/{id}/confirmation: by a seat linked to this user only
        return await run_in_threadpool(confirm, request, who, application_id, form)
    try:
        o = OutcomeIn.model_validate(
            {"outcome": str(form.get("outcome", "")), "reason": str(form.get("reason", ""))}
        )
    except ValidationError as exc:
        raise InputError(
            [Problem(".".join(str(x) for x in e["loc"]) or "form", e["msg"]) for e in exc.errors()],
            "outcome not recorded",
        ) from None
    await run_in_threadpool(
        deps.write, request, dossier.decide, who.name, application_id, o.outcome, o.reason, clock.today()
    )
    return RedirectResponse(f"/pipeline/{application_id}#screening", status_code=303)


def waiting(conn, application_id: int) -> clearance.Clearance:  # noqa: ANN001 - a Connection
    """The first person's clearance of the application's latest screening, waiting for a second person."""
    done = clearance.screenings(conn, application_id)
    last = done[-1] if done else None
    first = clearance.clearances(conn, [last.id]).get(last.id) if last else None
    if last is None or first is None or clearance.outcomes(conn, [last.id]).get(last.id) is not None:
        raise NotFound(f"no clearance of application {application_id} is waiting for confirmation")
    return first


@router.get("/pipeline/{application_id}/confirmation", response_class=HTMLResponse)
def confirmation_page(
    request: Request,
    application_id: RowId,
    member: int = Query(..., ge=1, le=2**31),
    reason: str = Query("", max_length=2000),
    who=Depends(deps.allow("applications.screening_outcome")),
) -> Response:
    """The confirmation in words, and the form that signs it (the application page's confirm form leads
    here)."""
    return confirmation_form(request, who, application_id, member, reason)


def confirmation_form(
    request: Request,
    who,  # noqa: ANN001 - a policy.Actor
    application_id: int,
    member_id: int,
    reason: str,
    error: dict | None = None,
    status: int = 200,
) -> Response:
    with deps.reading(request) as conn:
        a = dossier.detail(conn, deps.fund(request), application_id)
        m = members.own(
            conn, who, member_id
        )  # refused outright: a user signs only with a seat linked to them
        first = waiting(conn, application_id)
    message = clearance.request(deps.fund(request).id, first).message(m.id)
    return render(
        request,
        "confirmation.html",
        status=status,
        a=a,
        m=m,
        first=first,
        reason=reason.strip(),
        pending=members.signing(message, outcome=clearance.CLEARED, reason=reason.strip(), member=str(m.id)),
        error=error,
    )


def confirm(request: Request, who, application_id: int, form) -> Response:  # noqa: ANN001
    """The signed confirmation: recorded as the API records it, or its refusal beside the form, in words."""
    member_id = members.member_of(form)
    reason = str(form.get("reason", ""))[:2000]
    with deps.reading(request) as conn:
        members.own(conn, who, member_id)
    try:
        o = OutcomeIn(
            outcome=clearance.CLEARED,
            reason=reason,
            member=member_id,
            signature=str(form.get("signature", "")).strip()[:128] or None,
        )
    except ValidationError:
        error, status = members.failed(
            InputError([Problem("reason", "a value is required")], "outcome not recorded")
        )
        return confirmation_form(request, who, application_id, member_id, reason, error, status)
    try:
        deps.write(
            request,
            dossier.decide,
            who.name,
            application_id,
            o.outcome,
            o.reason,
            clock.today(),
            o.member,
            o.signature,
        )
    except JointfundError as exc:
        error, status = members.failed(exc)
        return confirmation_form(request, who, application_id, member_id, reason, error, status)
    return RedirectResponse(f"/pipeline/{application_id}#screening", status_code=303)


@router.post("/pipeline/{application_id}/move", response_class=HTMLResponse)
async def move(request: Request, application_id: RowId) -> Response:
    who = await deps.authorise_change(request, "applications.move")  # the policy first, then the form
    form = await request.form()
    m = MoveIn(to=str(form.get("to", "")), reason=str(form.get("reason", "")))
    await run_in_threadpool(
        deps.write, request, dossier.move, who.name, application_id, m.to, m.reason, clock.today()
    )
    return RedirectResponse(f"/pipeline/{application_id}", status_code=303)


# -- the applicant portal --


@router.get("/portal", response_class=HTMLResponse)
def portal(request: Request, who=PORTAL) -> Response:
    return portal_page(request, who, {}, None)


def field_problems(error: dict | None, lang: str) -> tuple[dict[str, list[str]], list[str]]:
    """The problems of a refused submission beside their fields: field -> messages in `lang`, and the rest.

    The domain names a problem `portal:12:applicant_code` (source, line, column); an applicant sees only the
    message, once, under the field it is about, never the internal name.
    """
    gettext = i18n.translations(lang).gettext
    by_field: dict[str, list[str]] = {}
    other: list[str] = []
    for p in (error or {}).get("problems") or []:
        field = str(p.get("field", "")).rsplit(":", 1)[-1].rsplit(".", 1)[-1]
        message = recognise(str(p.get("message", "")), (*PROBLEMS, *texts.TEMPLATES), gettext, lang)
        if field in FIELDS:
            if message not in by_field.setdefault(field, []):
                by_field[field].append(message)
        elif message not in other:
            other.append(message)
    return by_field, other


def portal_page(request: Request, who, form: dict, error: dict | None, status: int = 200) -> Response:  # noqa: ANN001
    with deps.reading(request) as conn:
        mine = dossier.page(conn, deps.fund(request), None, None, None, BOARD_LIMIT, 0, who.name)
    facts = pipeline_facts(request)
    # An applicant looks a resource (a region) up by its name in their language, so lists are in that
    # language's order.
    lang = language(request)
    tr = i18n.translations(lang).gettext
    facts["resources"] = sorted(facts["resources"], key=lambda r: i18n.collation_key(tr(r.name), lang))
    facts["regions"] = sorted(REGIONS, key=lambda r: i18n.collation_key(tr(r), lang))
    by_field, other = field_problems(error, lang)
    return render(
        request,
        "portal.html",
        status=status,
        mine=mine["items"],
        facts=facts,
        form=form,
        error=error,
        problems=by_field,
        other_problems=other,
    )


@router.post("/portal", response_class=HTMLResponse)
async def portal_submit(request: Request) -> Response:
    who = await deps.authorise_change(request, "applications.submit")
    submitted = await request.form()
    form = {k: str(submitted.get(k, "")).strip() for k in FIELDS}
    try:
        fields = ApplicationIn(**{k: v for k, v in form.items() if v})
        done = await run_in_threadpool(
            deps.write, request, dossier.submit, who.name, fields.model_dump(), "portal", clock.today()
        )
    except ValidationError as exc:  # the form's bounds, in the domain's words (PROBLEMS, texts.IMPORTS)
        problems = [
            Problem(
                ".".join(str(x) for x in e["loc"]) or "form",
                f"longer than {e['ctx']['max_length']} characters"
                if e["type"] == "string_too_long"
                else "a value is required"
                if e["type"] == "missing"
                else "not a valid value",
            )
            for e in exc.errors()
        ]
        return portal_page(
            request, who, form, body_of(InputError(problems, "application not submitted"))["error"], 422
        )
    except InputError as exc:
        return portal_page(request, who, form, body_of(exc)["error"], 422)
    return RedirectResponse(f"/portal/{done['application']['id']}", status_code=303)


@router.get("/portal/{application_id}", response_class=HTMLResponse)
def my_application(request: Request, application_id: RowId, who=PORTAL) -> Response:
    return my_application_page(request, application_id, who)


def my_application_page(
    request: Request,
    application_id: int,
    who,
    withdraw_error: str = "",  # noqa: ANN001
    status: int = 200,
    upload_error: str = "",
) -> Response:
    with deps.reading(request) as conn:
        a = dossier.own(conn, deps.fund(request), application_id, who.name)
    target = apps.pipeline_of(deps.fund(request).terms()).withdrawal
    return render(
        request,
        "application.html",
        status=status,
        a=a,
        back="/portal",
        moves=[],
        portal=True,
        withdrawable=target is not None and any(m["to"] == target for m in a["next"]),
        withdraw_error=withdraw_error,
        upload_error=upload_error,
    )


@router.post("/portal/{application_id}/documents", response_class=HTMLResponse)
async def my_document(request: Request, application_id: RowId) -> Response:
    """The applicant uploads a document to their own application; a refused file comes back beside the
    form."""
    who = await deps.authorise_change(request, "applications.submit")
    f = (await request.form()).get("file")
    tr = i18n.translations(language(request)).gettext
    if not isinstance(f, UploadFile) or not f.filename:
        return await run_in_threadpool(
            my_application_page, request, application_id, who, "", 422, tr("Choose a file to upload.")
        )
    limit = apps.pipeline_of(deps.fund(request).terms()).document_max_bytes
    content = await f.read(limit + 1)
    try:
        await run_in_threadpool(
            deps.write,
            request,
            dossier.attach_own,
            application_id,
            who.name,
            f.filename,
            content,
            clock.today(),
        )
    except InputError:
        return await run_in_threadpool(
            my_application_page,
            request,
            application_id,
            who,
            "",
            422,
            tr("A document of 1 byte to %(limit)s MB is needed.") % {"limit": limit // 1_000_000},
        )
    return RedirectResponse(f"/portal/{application_id}#documents", status_code=303)


@router.post("/portal/{application_id}/withdraw", response_class=HTMLResponse)
async def my_withdrawal(request: Request, application_id: RowId) -> Response:
    """The applicant withdraws their own application: only with the confirmation box ticked."""
    who = await deps.authorise_change(request, "applications.withdraw")
    form = await request.form()
    if form.get("confirm") != "yes":
        tr = i18n.translations(language(request)).gettext
        return await run_in_threadpool(
            my_application_page,
            request,
            application_id,
            who,
            tr("Tick the box to confirm that you withdraw the application."),
            422,
        )
    reason = str(form.get("reason", ""))[:2000]
    await run_in_threadpool(
        deps.write, request, dossier.withdraw_own, application_id, who.name, True, reason, clock.today()
    )
    return RedirectResponse(f"/portal/{application_id}", status_code=303)
