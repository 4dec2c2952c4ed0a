"""The web application's pages: server-rendered Jinja2 over the same reads as the API.

Every page asks the policy through the same dependencies as the API (api.deps.allow);
forms post with the session's CSRF token; signing in starts a new session (a fresh id).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import secrets
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from itertools import islice
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from jointfund import charts, clock, templating
from jointfund.api import deps, reads
from jointfund.api.downloads import download
from jointfund.api.errors import TooManyAttempts
from jointfund.api.response_cache import cacheable
from jointfund.api.schemas import RowId, Sha256
from jointfund.api.security import LANG_COOKIE, SESSION_COOKIE, SIGN_IN_COOKIE, Session
from jointfund.api.uploads import JobId, job_out
from jointfund.errors import JointfundError, NotFound
from jointfund.governance import amendment, audit, book, listing, policy, proposal, recusal, user
from jointfund.governance.model import OPEN
from jointfund.ledger import entries, journal
from jointfund.revenue import intake, reader
from jointfund.revenue import listing as revenue_listing
from jointfund.web import account_tree, actions, i18n, names, outlook, texts

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(resources.files("jointfund.web").joinpath("templates")))
templates.env.autoescape = True
READ = Depends(deps.allow("books.read"))
PUBLIC = Depends(deps.allow("public.read"))
RECENT_EVENTS = 12
OPEN_PROPOSALS_SHOWN = 50  # the dashboard's open proposals; the proposals page pages through them all
CALENDAR_ROWS = 12  # the dashboard shows the latest deadlines; the calendar API has them all
LANG_COOKIE_DAYS = 365
SIGN_IN_FORM_SECONDS = 2 * 3600  # how long a sign-in form's double-submit cookie lasts
UPLOAD_REFRESH_SECONDS = 1
NONCE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def language(request: Request) -> str:
    return i18n.choose(
        request.cookies.get(LANG_COOKIE),
        request.query_params.get("lang"),
        request.headers.get("accept-language"),
    )


def set_session_cookie(request: Request, response: Response, s: Session) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        s.id,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
        max_age=int(deps.server(request).sessions.ttl_seconds),
    )


def render(
    request: Request, name: str, status: int = 200, sign_in_form: bool = False, **context: object
) -> HTMLResponse:
    """Render a template with what every page needs: gettext `_`, the language, the user, the CSRF token.

    The CSRF token is the session's; a sign-in form (`sign_in_form`) gets the signed double-submit
    token instead, whose random half rides in its own cookie: no server-side state for a visitor.
    """
    lang = language(request)
    tr = i18n.translations(lang)
    s = deps.session(request)
    nonce = fresh_nonce = None
    if sign_in_form:
        nonce = request.cookies.get(SIGN_IN_COOKIE)
        if nonce is None or not NONCE.fullmatch(nonce):
            nonce = fresh_nonce = secrets.token_urlsafe(32)
    csrf = deps.server(request).sessions.sign_in_token(nonce) if nonce else (s.csrf if s else "")
    who = getattr(request.state, "actor", None) or deps.ANONYMOUS
    named = lazy_namer(request, tr.gettext)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "_": tr.gettext,
            "ngettext": tr.ngettext,
            "named": named,
            "said": texts.words(named, tr.gettext, lang),
            "role_name": lambda role: tr.gettext(policy.role_name(role)),
            # An import's column in words ("rate": the exchange rate ...); "" for a name no import has.
            "column_name": lambda column: (
                tr.gettext(reader.COLUMN_NAMES[column]) if column in reader.COLUMN_NAMES else ""
            ),
            "lang": lang,
            "languages": i18n.LANGUAGES,
            "who": who,
            "signed_in": who.role != policy.PUBLIC,
            "csrf": csrf,
            "may": lambda action: (
                policy.may_read(who.role, action)
                if action in policy.READS
                else policy.allowed(who.role, action)
            ),
            "path": request.url.path,
            "query": request.url.query,
            **context,
        },
        status_code=status,
    )
    if fresh_nonce is not None:
        response.set_cookie(
            SIGN_IN_COOKIE,
            fresh_nonce,
            httponly=True,
            samesite="strict",
            path="/login",
            secure=request.url.scheme == "https",
            max_age=SIGN_IN_FORM_SECONDS,
        )
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            samesite="strict",
            path="/",
            max_age=LANG_COOKIE_DAYS * 86400,
            secure=request.url.scheme == "https",
        )
    return response


def lazy_namer(request: Request, gettext):  # noqa: ANN001, ANN201 - gettext and names.namer's function
    """names.namer over the fund's terms, read only when a page names a code (an error page may not)."""
    made: list[Callable[[str, str | None], str]] = []  # the namer, once made

    def named(kind: str, code: str | None) -> str:
        if not made:
            made.append(names.namer(deps.fund(request).terms(), gettext))
        return made[0](kind, code)

    return named


def render_error(request: Request, status: int, error: dict, headers: dict | None = None) -> Response:
    if status == 401:
        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)
    if status == 404 and getattr(request.state, "actor", None) is None:
        # No route ran to say who asks: without this a signed-in person who follows a dead link is shown the
        # page of a visitor (Sign in, no menu of theirs), as though signed out. A bad token stays a visitor.
        with contextlib.suppress(JointfundError):
            deps.current_actor(request)
    response = render(request, "error.html", status=status, error=error)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def say_error(request: Request, error: dict) -> str:
    """An API error (api.errors' shape) in words for a person, in the request's language: what a page's script
    shows when the API refuses (a vote, a proposal). The domain's English is recognised by its template
    (web.texts), so each text has one source; a problem is said after its field, a CLI hint never."""
    lang = language(request)
    tr = i18n.translations(lang)
    said = texts.words(lazy_namer(request, tr.gettext), tr.gettext, lang)
    message = str(error.get("message") or "")
    field = error.get("field")
    problems = error.get("problems") or []
    if field and not problems and message.startswith(f"{field}: "):
        message = message[len(field) + 2 :]  # the field's JSON name is for programs; the form shows its own
    if not problems:
        return said(message)
    if error.get("loc") and not message.splitlines()[0].endswith("problem(s)"):  # FastAPI's own validation
        return tr.gettext("The request was not accepted: %(field)s is not valid.") % {
            "field": ", ".join(str(p.get("field") or "?") for p in problems)
        }
    listed = "; ".join(
        f"{p['field']}: {said(p['message'])}" if p.get("field") else said(p["message"]) for p in problems
    )
    return f"{said(message.splitlines()[0])}: {listed}"


templates.env.filters.update(templating.FILTERS)  # the Babel filters every page shares


# -- public --


@router.get("/", response_class=HTMLResponse)
@cacheable
def public_page(request: Request, _who=PUBLIC) -> Response:
    s = reads.public_summary(request)
    lang = language(request)
    tr = i18n.translations(lang).gettext
    base = s["base_currency"]
    chart_of = {
        by: charts.bars(
            tr(title),
            [
                (str(g["name"]) if by == "year" else tr(str(g["name"])), Decimal(g["contribution_base"]))
                for g in s["contributions"][by]
                if g["contribution_base"] is not None
            ],
            base,
            lang,
        )
        for by, title in (
            ("resource", i18n.N_("Contributions by resource")),
            ("region", i18n.N_("Contributions by region")),
            ("year", i18n.N_("Contributions by year")),
        )
    }
    named = lazy_namer(request, tr)  # the partners by name ("Україна"), as /capital shows them, not "UA"
    capital_chart = charts.bars(
        tr("Partners' capital"),
        [(named("partner", c["partner"]), Decimal(c["capital"])) for c in s["capital"]],
        base,
        lang,
    )
    return render(
        request,
        "public.html",
        s=s,
        charts=chart_of,
        capital_chart=capital_chart,
        outlook=outlook.panel(request, tr, lang),
        trusted_json=verifier_trust(request, s),
    )


def verifier_trust(request: Request, s: dict) -> str:
    """What the in-browser verifier starts from (the public summary `s`'s checkpoints and their keys), as JSON
    for the page: the reader may replace the keys with ones obtained from the partners themselves."""
    keys = [
        {"partner": cp["partner"], "key_id": cp["key_id"], "public_key_pem": cp["public_key_pem"]}
        for cp in s["checkpoints"]
    ]
    return json.dumps(
        {
            "fund_id": deps.fund(request).id,
            "keys": keys,
            "checkpoints": s["checkpoints"],
            "partners": terms_partners(request),
        }
    )


def terms_partners(request: Request) -> list[str]:
    """The partners whose signatures a record's proof needs (the verifier asks for every one of them)."""
    return list(deps.fund(request).base_terms().partner_codes)


# -- signing in and out --


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = Query("/dashboard", max_length=300)) -> Response:  # noqa: A002
    return render(request, "login.html", sign_in_form=True, next=safe_next(next), error=None)


def safe_next(target: str) -> str:
    """Only a path of this site: never another origin (no open redirect)."""
    return (
        target
        if target.startswith("/") and not target.startswith("//") and "\\" not in target
        else "/dashboard"
    )


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    name: str = Form(..., max_length=64),
    password: str = Form(..., max_length=1024),
    next: str = Form("/dashboard", max_length=300),
) -> Response:  # noqa: A002
    await deps.require_sign_in_csrf(request)
    srv = deps.server(request)
    # The peer's address; behind a proxy, uvicorn has put the client's there, but only from a proxy
    # named by --forwarded-allow-ips (anyone else's X-Forwarded-For is ignored).
    address = request.client.host if request.client else "unknown"
    wait = srv.limiter.retry_after(name, address)
    if wait:
        raise TooManyAttempts(f"too many failed sign-ins; try again in {wait} seconds", wait)
    with deps.reading(request) as conn:
        who = user.authenticate(conn, name, password)
    if who is None:
        srv.limiter.failed(name, address)
        tr = i18n.translations(language(request)).gettext
        return render(
            request,
            "login.html",
            status=401,
            sign_in_form=True,
            next=safe_next(next),
            error=tr("Wrong name or password, or the user is disabled."),
        )
    srv.limiter.succeeded(name, address)
    # A new session id at sign-in: an id planted before it (session fixation) signs no one in.
    srv.sessions.end(request.cookies.get(SESSION_COOKIE))
    s = srv.sessions.start(who.name)
    response = RedirectResponse(landing(who, safe_next(next)), status_code=303)
    set_session_cookie(request, response, s)
    response.delete_cookie(SIGN_IN_COOKIE, path="/login")
    return response


def landing(who: policy.Actor, target: str) -> str:
    """Where a sign-in lands: the page asked for, but an applicant's home is the portal, not the books."""
    if target == "/dashboard" and not policy.may_read(who.role, "books.read"):
        return "/portal" if policy.may_read(who.role, "portal.read") else "/"
    return target


@router.post("/logout")
async def logout(request: Request) -> Response:
    await deps.require_csrf(request)
    deps.server(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- the books --


def recent_events(request: Request) -> list:
    """The last RECENT_EVENTS audit events, newest first (the same for every reader of the books)."""
    with deps.reading(request) as conn:
        # The newest, chosen in SQL: the oldest-first trail stops at audit.MAX_ROWS, so its tail went stale
        # past that many events, after reading them all on every new book version.
        return audit.trail(conn, limit=RECENT_EVENTS, newest_first=True)


@router.get("/dashboard", response_class=HTMLResponse)
@cacheable
def dashboard(request: Request, who=READ) -> Response:
    s = reads.public_summary(request)
    today = clock.today()
    terms = deps.fund(request).terms(today)
    calendar = reads.calendar_rows(request, None)
    # Transfers come from the calendar's deadlines whose evidence is a transfer (the terms say which).
    by_transfer = {d.code for d in terms.calendar.deadlines if d.evidence == "transfer"}
    overdue = [d for d in calendar if d["deadline"] in by_transfer and d["status"] == "overdue"]
    shown = [
        d
        for d in calendar
        if d["status"] in ("open", "overdue") or d["due"] >= today - dt.timedelta(days=366)
    ]
    mine = set(deps.linked_members(request, who.name))
    events = deps.cached(request, "audit.recent", (RECENT_EVENTS,), lambda: recent_events(request))
    with deps.reading(request) as conn:
        opened = list(
            islice(
                listing.listed(conn, deps.fund(request), today, listing.Filter(OPEN)), OPEN_PROPOSALS_SHOWN
            )
        )
    open_ = [
        proposal.shown(st)
        | {
            "missing": [seat for seat in st.seats if seat.choice is None],
            "mine": [seat for seat in st.seats if seat.member in mine and seat.choice is None],
        }
        for st in opened
    ]
    return render(
        request,
        "dashboard.html",
        s=s,
        calendar=shown[-CALENDAR_ROWS:],
        overdue=overdue,
        open_proposals=open_,
        my_votes=[p for p in open_ if p["mine"]],
        linked=bool(mine),
        events=events,
        actions=actions.WHAT,  # an audit event's action in words where the public records name it
        today=today,
        outlook=outlook.panel(request, i18n.translations(language(request)).gettext, language(request)),
    )


@router.get("/forecast", response_class=HTMLResponse)
@cacheable
def forecast_page(request: Request, _who=PUBLIC) -> Response:
    """The whole outlook: a fan per figure, the tornado and the tables (public, like the published totals)."""
    lang = language(request)
    return render(request, "forecast.html", f=outlook.page(request, i18n.translations(lang).gettext, lang))


@router.get("/ledger", response_class=HTMLResponse)
@cacheable
def ledger_page(request: Request, as_of: dt.date | None = Query(None), _who=READ) -> Response:
    with deps.reading(request) as conn:
        opened = {a.name: a.type for a in journal.load_accounts(conn).values()}
    tree = account_tree.build(opened, deps.cached_read(request, entries.trial_balance, as_of))
    return render(request, "ledger.html", tree=tree, type_names=account_tree.TYPE_NAMES, as_of=as_of)


@router.get("/ledger/entries", response_class=HTMLResponse)
def entries_page(
    request: Request,
    account: str | None = Query(None, max_length=300),
    offset: int = Query(0, ge=0),
    _who=READ,
) -> Response:
    with deps.reading(request) as conn:
        page = entries.page(conn, None, None, account or None, None, 50, offset)
    return render(request, "entries.html", page=page, account=account or "")


@router.get("/ledger/entries/{seq}", response_class=HTMLResponse)
def entry_page(request: Request, seq: RowId, _who=READ) -> Response:
    with deps.reading(request) as conn:
        e = entries.one(conn, seq)
        why: str | None = None
        try:
            bundle = entries.proof_bundle(conn, deps.fund(request), seq, None)
        except Exception as exc:  # noqa: BLE001 - a missing checkpoint is shown, not raised
            bundle, why = None, str(exc)
    return render(
        request,
        "entry.html",
        e=e,
        bundle=bundle,
        bundle_json=json.dumps(bundle, indent=2) if bundle else "",
        no_proof=why,
    )


# -- governance --


PROPOSALS_PER_PAGE = 25
STATES = ("open", "approved", "rejected", "expired", "withdrawn", "executed")


@router.get("/proposals", response_class=HTMLResponse)
@cacheable
def proposals_page(
    request: Request,
    state: str = Query("", max_length=20),
    mine: str = Query("", max_length=3),
    kind: str = Query("", max_length=40),
    body: str = Query("", max_length=40),
    q: str = Query("", max_length=listing.MAX_SEARCH_CHARS),
    offset: int = Query(0, ge=0, le=10**12),
    who=READ,
) -> Response:
    """The proposals, newest first, filtered (open, waiting for my vote, kind, body), searched and paged."""
    terms = deps.fund(request).terms()
    waiting = deps.linked_members(request, who.name) if mine else None
    f = listing.Filter(state or None, body or None, kind or None, q, waiting, newest_first=True)
    with deps.reading(request) as conn:
        page = listing.page(conn, deps.fund(request), clock.today(), f, PROPOSALS_PER_PAGE, offset)
    asked = {"state": state, "mine": mine, "kind": kind, "body": body, "q": q}
    return render(
        request,
        "proposals.html",
        page=page,
        asked=asked,
        states=STATES,
        kinds=list(dict.fromkeys(d.kind for d in terms.governance.decisions)),
        bodies=[b.code for b in terms.governance.bodies],
        previous=urlencode({**asked, "offset": max(offset - PROPOSALS_PER_PAGE, 0)}) if offset else None,
        following=urlencode({**asked, "offset": page["next_offset"]}) if page["next_offset"] else None,
        linked=bool(deps.linked_members(request, who.name)),
    )


@router.get("/proposals/new", response_class=HTMLResponse)
def new_proposal_page(request: Request, who=Depends(deps.allow("proposals.new"))) -> Response:
    """The form a board member proposes with: the browser hashes the documents and signs with the member's key
    (propose.js), after saying in words what will be signed; the server never sees the key."""
    fund = deps.fund(request)
    terms = fund.terms(clock.today())
    with deps.reading(request) as conn:
        linked = [
            m for m in book.members(conn, deps.linked_members(request, who.name)) if m.removed_seq is None
        ]
    return render(
        request,
        "proposal_new.html",
        members=linked,
        # An amendment carries its amendment file, proposed with the CLI or the API; every other kind is here.
        kinds=[d.kind for d in terms.governance.decisions if d.kind != amendment.KIND],
        currencies=terms.fund.currencies,
        max_bytes=deps.document_limit(request),
        max_documents=proposal.MAX_DOCUMENTS,
    )


@router.get("/proposals/{proposal_id}/documents/{sha256}")
def proposal_document(request: Request, proposal_id: RowId, sha256: Sha256, _who=READ) -> Response:
    """A supporting document, downloaded under the name its proposer signed (only one the proposal lists)."""
    with deps.reading(request) as conn:
        return download(*proposal.document_of(conn, proposal_id, sha256))


@router.get("/proposals/{proposal_id}", response_class=HTMLResponse)
@cacheable
def proposal_page(request: Request, proposal_id: RowId, who=READ) -> Response:
    def detail() -> dict:
        with deps.reading(request) as conn:
            return proposal.detail(conn, deps.fund(request), proposal_id, clock.today())

    d = deps.cached(request, "governance.detail", (proposal_id,), detail)
    partners = list(dict.fromkeys(seat["partner"] for seat in d["seats"]))
    # A user votes only for the seats linked to them: the form offers no other.
    mine = set(deps.linked_members(request, who.name))
    voters = [seat for seat in d["seats"] if seat["member"] is not None and seat["member"] in mine]
    # A linked member who declared an interest in the proposal's company is asked, in words, to recuse.
    with deps.reading(request) as conn:
        asked = recusal.asked(conn, proposal.get(conn, proposal_id), [s["member"] for s in voters])
    return render(
        request,
        "proposal.html",
        p=d,
        partners=partners,
        voters=[seat for seat in voters if seat["excluded"] is None],
        asked=asked,
        recused=request.query_params.get("done") == "recused",
    )


# -- revenue --


@router.get("/revenue", response_class=HTMLResponse)
def revenue_page(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2999),
    licence: str | None = Query(None, max_length=64),
    eligible: str | None = Query(None, max_length=5),
    offset: int = Query(0, ge=0),
    _who=READ,
) -> Response:
    chosen = {"yes": True, "no": False}.get(eligible or "")
    with deps.reading(request) as conn:
        page = revenue_listing.receipts(
            conn, deps.fund(request), year, licence or None, None, chosen, 100, offset
        )
        lics = revenue_listing.licences(conn, None, None, 500, 0)
    return render(
        request,
        "revenue.html",
        page=page,
        licences=lics["items"],
        year=year,
        licence=licence or "",
        eligible=eligible or "",
        uploads=intake.KINDS,
    )


@router.get("/revenue/uploads/{job_id}", response_class=HTMLResponse)
def upload_page(request: Request, job_id: JobId, _who=READ) -> Response:
    """An upload job: while it runs, the page reloads itself every second (no script needed)."""
    job = deps.server(request).jobs.get(job_id)
    if job is None:
        raise NotFound(f"no upload job {job_id}")
    return render(request, "upload.html", job=job_out(job), refresh_seconds=UPLOAD_REFRESH_SECONDS)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    """The API page: static/docs.js builds its forms from the OpenAPI document, which stays in English (a
    client's contract); what the page shows of it, each operation's summary, it takes from here in the page's
    language."""
    gettext = i18n.translations(language(request)).gettext
    operations = request.app.openapi()["paths"].values()
    summaries = {
        op["summary"]: gettext(op["summary"]) for ops in operations for op in ops.values() if "summary" in op
    }
    return render(request, "docs.html", summaries=summaries)


__all__ = ["render", "render_error", "router"]
