"""FastAPI dependencies: the database, the fund, who is asking, and what the policy lets them do.

Who is asking: a bearer token (the API), else the session cookie (the web app), else the
public. Every route depends on `allow(action)` or `change(action)`, so every route asks
the one policy (governance.policy); `change` also demands the session's CSRF token when
the request rides on a cookie (a bearer token cannot be sent by a forged cross-site form).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar, cast

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError

from jointfund import bounds, clock
from jointfund import fund as fund_mod
from jointfund.api.cache import Carried, ReadCache, version
from jointfund.api.errors import CsrfRefused, NotSignedIn
from jointfund.api.jobs import Jobs
from jointfund.api.previews import Previews
from jointfund.api.response_cache import SESSION_READ
from jointfund.api.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    LoginLimiter,
    Session,
    Sessions,
    csrf_ok,
)
from jointfund.errors import InputError, JointfundError, NotFound, Problem, Refused
from jointfund.governance import policy, proposal, token, user
from jointfund.store import db
from jointfund.store import tables as t

ANONYMOUS = policy.Actor("anonymous", policy.PUBLIC)
_UNREAD = object()  # request.state holds no session read yet
SAFE_METHODS = ("GET", "HEAD")  # requests that write nothing: what they read once holds for the request
T = TypeVar("T")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CSRF_EXPIRED = (
    "this form has expired or did not come from this site (missing or wrong CSRF token); "
    "reload the page and try again"
)


@dataclass
class Server:
    """What one running app holds: the engine, the sessions, the sign-in limiter and its limits.

    Attributes:
      engine: the fund's database.
      sessions: signed-in browser sessions (in the database, shared by every worker).
      limiter: failed sign-ins per name and address (in the database too).
      jobs: upload jobs (run in this server's threads; their state in the database).
      previews: files the web previewed for import, waiting for their confirmation (api.previews).
      max_upload_bytes: largest request body accepted.
      page_limit: largest page of a list (the API's `limit` is capped at it).
      reads: cached book reads, keyed on the book's version (see api.cache).
      responses: cached whole responses of `@cacheable` routes (see api.response_cache).
      carried: what incremental reads carry from one computation to the next (see api.cache.Carried).
    """

    engine: Engine
    sessions: Sessions = field(default_factory=Sessions)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    jobs: Jobs = field(default_factory=Jobs)
    max_upload_bytes: int = 5 * 1024 * 1024
    previews: Previews = field(default_factory=Previews)
    page_limit: int = 500
    reads: ReadCache = field(default_factory=ReadCache)
    responses: ReadCache = field(
        default_factory=lambda: ReadCache(max_entries=2048, max_bytes=32 * 1024 * 1024)
    )
    carried: Carried = field(default_factory=Carried)
    _fund: tuple[int, fund_mod.FundInfo] | None = None
    _loop_engine: Engine | None = None

    def loop_engine(self) -> Engine:
        """One connection for the reads made on the event loop itself (api.response_cache): code there runs
        one piece at a time, so one connection is never contended, and it never waits behind the routes'
        threads for one of `engine`'s pool. Made for reads of one statement (db.make_engine's
        `single_reads`): the loop waits for each round trip, and so does every request of the worker."""
        if self._loop_engine is None:
            self._loop_engine = db.companion(self.engine, connections=1, single_reads=True)
        return self._loop_engine

    def loop_read(self, read: Callable[[Connection], T]) -> T:
        """`read(conn)`, one statement, on the loop's connection; read once more on a new connection when the
        database had dropped it (it is not pinged before each read: the ping was a round trip of its own on
        every request)."""
        for again in (False, True):
            try:
                with db.one_statement(self.loop_engine()) as conn:
                    return read(conn)
            except DBAPIError as exc:
                if again or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable: the second attempt returns or raises")

    def __post_init__(self) -> None:
        self.sessions.bind(self.engine)
        self.limiter.bind(self.engine)
        self.jobs.bind(self.engine)
        self.previews.bind(self.engine.url.render_as_string(hide_password=True))

    def fund(self) -> fund_mod.FundInfo:
        # The fund row never changes, but executed amendments add to its terms, possibly through another
        # worker: reload when the number of adopted amendments (an index read) has changed.
        with db.transaction(self.engine) as conn:
            adopted = conn.execute(select(func.count()).select_from(t.terms_amendment)).scalar_one()
            if self._fund is None or self._fund[0] != adopted:
                self._fund = (adopted, fund_mod.load(conn))
        return self._fund[1]


def server(request: Request) -> Server:
    return request.app.state.server


@contextlib.contextmanager
def reading(request: Request) -> Iterator[Connection]:
    with db.transaction(server(request).engine) as conn:
        yield conn


def cached(
    request: Request, endpoint: str, params: tuple, compute: Callable[[], object], role: str | None = None
):
    """`compute()`, or its result cached for this book version, endpoint, params, today and (if given) role.

    Pass `role` whenever the result depends on who asks, so one role's output is never served to another.
    Results are shared between requests: callers must not mutate them.

    A GET request reads the version once, at its first cached read, and keys every later one on it: its
    figures are of one version at least (each computed at that version or a later one), and a page no longer
    opens a transaction per part just to learn the version again (issue 13).
    """
    return server(request).reads.get((book_version(request), clock.today(), endpoint, params, role), compute)


def book_version(request: Request) -> tuple[int, int, int]:
    """The book's version (api.cache.version) this request reads at: once per GET request, fresh otherwise."""
    if request.method in SAFE_METHODS:
        found = getattr(request.state, "book_version", None)
        if found is not None:
            return found
    with reading(request) as conn:
        v = version(conn)
    if request.method in SAFE_METHODS:
        request.state.book_version = v
    return v


@dataclass(frozen=True)
class _Refusal:
    """A refusal kept in the read cache like a result (cached_read's keep_refusals)."""

    error: JointfundError


def cached_read(
    request: Request,
    service: Callable[..., T],
    *args: Hashable,
    keep_refusals: bool = False,
    given: Callable[[], object] | None = None,
) -> T:
    """`service(conn, fund, *args)` in one read transaction, cached per book version, day and `args` under the
    service's own name: a route and a page that show the same service share one cached result.

    With `keep_refusals`, a refusal is cached too: a book a slow service cannot work from stays so until the
    next write, and every page showing it would otherwise read the book again to learn it.

    `given()`, when there is one, is a last argument that the book's version and `args` already fix (so it is
    not part of the key): read on a miss only, before this read's connection opens, never nested in it."""

    def compute() -> T | _Refusal:
        extra = () if given is None else (given(),)
        with reading(request) as conn:
            if not keep_refusals:
                return service(conn, fund(request), *args, *extra)
            try:
                return service(conn, fund(request), *args, *extra)
            except JointfundError as refused:
                return _Refusal(refused.with_traceback(None))  # no frames (and their connection) kept

    got = cached(request, f"{service.__module__}.{service.__qualname__}", args, compute)
    if isinstance(got, _Refusal):
        raise got.error.with_traceback(None)  # a fresh traceback each time, never one grown by every raise
    return got


def session(request: Request) -> Session | None:
    """The request's live session: read once per GET request (the response cache's middleware may have read
    it already for this request), fresh for any request that may write."""
    safe = request.method in SAFE_METHODS
    read = getattr(request.state, SESSION_READ, _UNREAD) if safe else _UNREAD
    if read is not _UNREAD:
        return cast(Session | None, read)
    found = server(request).sessions.get(request.cookies.get(SESSION_COOKIE))
    if safe:
        setattr(request.state, SESSION_READ, found)
    return found


def current_actor(request: Request) -> policy.Actor:
    """Who asks: a valid bearer token's user, the signed-in session's user, or the public."""
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    auth = request.headers.get("authorization")
    via, who = "none", ANONYMOUS
    if auth:
        scheme, _, secret = auth.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotSignedIn(
                "Authorization: expected 'Bearer <token>' (issued with: jointfund users token NAME)"
            )
        with reading(request) as conn:
            found = token.authenticate(conn, secret.strip())
        if found is None:
            raise NotSignedIn("the bearer token is unknown or revoked, or its user is disabled")
        via, who = "token", found
    else:
        s = session(request)
        if s is not None and s.user is not None:
            with reading(request) as conn:
                try:
                    who, via = user.resolve(conn, s.user), "session"
                except (NotFound, Refused):
                    # Disabled since signing in: the session ends with the user's rights.
                    server(request).sessions.end(s.id)
    request.state.actor, request.state.via = who, via
    return who


def allow(action: str) -> Callable[..., policy.Actor]:
    """A dependency: the current actor, if the policy lets them `action` (a read of READS, or a change of
    RULES)."""
    reading_ = action in policy.READS

    def dependency(who: policy.Actor = Depends(current_actor)) -> policy.Actor:
        permitted = policy.may_read(who.role, action) if reading_ else policy.allowed(who.role, action)
        if permitted:
            return who
        if who.role == policy.PUBLIC:
            raise NotSignedIn(f"sign in first: {action} is not open to the public")
        if reading_:
            raise Refused(f"{who.name} ({who.role}) may not read this ({action})")
        return policy.require(who, action)

    dependency.__name__ = f"allow_{action.replace('.', '_')}"
    return dependency


def change(action: str) -> Callable[..., object]:
    """A dependency for state-changing routes: `allow(action)`, plus the CSRF token when a cookie carries
    the request."""
    allowed = allow(action)

    async def dependency(request: Request, who: policy.Actor = Depends(allowed)) -> policy.Actor:
        await require_csrf(request)
        return who

    dependency.__name__ = f"change_{action.replace('.', '_')}"
    return dependency


async def authorise_change(request: Request, action: str) -> policy.Actor:
    """What `change(action)` checks, for a route whose action depends on its path."""
    who = allow(action)(current_actor(request))
    await require_csrf(request)
    return who


async def offered_csrf(request: Request) -> str | None:
    offered = request.headers.get(CSRF_HEADER)
    if offered is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        field = (await request.form()).get(CSRF_FIELD)
        return field if isinstance(field, str) else None  # a file under the field's name offers none
    return offered


async def require_csrf(request: Request) -> None:
    if getattr(request.state, "via", None) == "token":
        return
    if not csrf_ok(session(request), await offered_csrf(request)):
        raise CsrfRefused(CSRF_EXPIRED)


async def require_sign_in_csrf(request: Request) -> None:
    """The sign-in form's CSRF check: its signed double-submit token (there is no session to bind it to
    yet)."""
    if not server(request).sessions.sign_in_ok(
        request.cookies.get(SIGN_IN_COOKIE), await offered_csrf(request)
    ):
        raise CsrfRefused(CSRF_EXPIRED)


def fund(request: Request) -> fund_mod.FundInfo:
    """The fund, read once per GET request: a page asks for it some eight times, and each `Server.fund`
    opens a transaction to count the adopted amendments (issue 13). A request that may write (an amendment
    among others) asks the server each time, so it sees what it has just written."""
    if request.method not in SAFE_METHODS:
        return server(request).fund()
    found = getattr(request.state, "fund", None)
    if found is None:
        found = request.state.fund = server(request).fund()
    return found


def write(request: Request, service: Callable[..., T], *args: object) -> T:
    """`service(conn, fund, *args)` in one write transaction of the book: an action of a route or a page."""
    with db.write(server(request).engine) as conn:
        return service(conn, fund(request), *args)


def linked_members(request: Request, name: str) -> tuple[int, ...]:
    """The members user `name` is linked to (every link is an event of the log, so a book version fixes
    them): the seats they may vote and propose with."""

    def links() -> dict[str, tuple[int, ...]]:
        with reading(request) as conn:
            return user.member_links(conn)

    return cached(request, "users.member_links", (), links).get(name, ())


FORM_MARGIN_BYTES = 16 * 1024  # the signed proposal's fields and the multipart framing around its files


def document_limit(request: Request) -> int:
    """The most bytes a proposal's documents may have, each and together: the governance bound, or less when
    the server's request limit (every document travels in one request) is lower."""
    request_limit = server(request).max_upload_bytes - FORM_MARGIN_BYTES
    return max(1, min(proposal.DOCUMENT_MAX_BYTES, request_limit))


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
YEAR_PARAMS = ("year", "period")


async def bounded_input(request: Request) -> None:
    """Bounds every route shares (jointfund.bounds), checked before the route runs: no NUL character in a
    path, query or JSON body (PostgreSQL cannot store one, and no field needs it); dates and years within
    the fund's life plus a margin (a date near 9999-12-31 overflows the day arithmetic of reports)."""
    values = [*request.path_params.items(), *request.query_params.multi_items()]
    for name, value in values:
        if "\x00" in str(value):
            raise InputError([Problem(name, "contains a NUL character")])
    start = fund(request).start_date
    for name, value in request.query_params.multi_items():
        if _DAY.fullmatch(value):
            with contextlib.suppress(ValueError):  # not a calendar day: the route's own validation says so
                if problem := bounds.date_problem(dt.date.fromisoformat(value), start, name):
                    raise InputError([problem])
        elif name in YEAR_PARAMS and value.isascii() and value.isdigit():
            bounds.require_year(int(value), start, name)
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        if b"\x00" in body or b"\\u0000" in body:
            raise InputError([Problem("body", "contains a NUL character")])
