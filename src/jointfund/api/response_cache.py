"""Whole responses of read-only pages and API reads, served again while the book and the asker are the same.

A route opts in with `@cacheable` when its response is a pure function of: the book's version
(api.cache.version: any write, including issuing or revoking a token and adding or disabling a
user, appends to the log and so changes it), today, the URL, the language inputs, and who asks.
Who asks is part of the key at its finest grain:

- a bearer token: the SHA-256 of the token itself;
- a session cookie: the session id (pages carry the session's CSRF token, so not even two
  sessions of one user share an entry);
- neither: the public.

A response is stored only when it is a 200 without Set-Cookie and the route authenticated the
asker the way the key says (a token request the route accepted as that token, a session request
as that session's user). So a hit repeats a decision the full route made at the same book
version for the same credential: a revoked token or a disabled user changes the version, and
signing out or an expired session is checked on every hit before any lookup, in the database that
every worker shares (so a worker never serves a session another worker has ended). Both the version
and the session are read from the database, never remembered, which is what keeps each worker's
cache correct when other workers or hosts write. A hit skips routing, dependencies, the threadpool,
validation, serialisation and templates: it costs the version read, the session read (for a cookie)
and a dictionary lookup, on the event loop, in one transaction on a connection kept for the loop alone.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection, select
from starlette.requests import cookie_parser

from jointfund import clock
from jointfund.api.cache import VERSION_PARTS, version, version_of
from jointfund.api.security import LANG_COOKIE, SESSION_COOKIE, Session, Sessions

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__jointfund_cacheable__"
SESSION_READ = "session_read"  # request.state: the session the middleware read for this GET (or None)
MAX_ROUTE_PATHS = 4096  # paths remembered as cacheable or not (clients choose paths: keep it bounded)


def cacheable(endpoint: F) -> F:
    """Mark a GET route whose response depends only on the book's version, today, the URL, language and
    asker."""
    setattr(endpoint, _MARK, True)
    return endpoint


class Stored(NamedTuple):
    """A response as sent: status, headers (as the app sent them) and body."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


class Asker(NamedTuple):
    """Who a request says it is, before any database read.

    Attributes:
      key: the cache key part (kind, credential digest or session id).
      via: how the route must have authenticated the asker for its response to be stored.
      user: the session's user (None for tokens, the public and sessions not signed in).
      session: the live session read for the cookie (None for tokens and the public).
    """

    key: tuple
    via: str
    user: str | None
    session: Session | None = None


def asked(
    headers: dict[bytes, bytes], cookies: dict[str, str], sessions: Sessions, conn: Connection
) -> tuple[Asker, tuple[int, int, int]]:
    """The asker as api.deps.current_actor will judge it (a bearer token first, else a live session, else the
    public) and the book's version, read in one statement.

    It runs on the event loop for every request a cached page could answer: each round trip to the database
    there holds up every other request of the worker (issue 13: the loop spent three quarters of the mixed
    run waiting for the five round trips of a transaction of two reads). One statement on a connection in
    autocommit is one round trip, and one snapshot of both."""
    auth = headers.get(b"authorization")
    if auth is not None:
        return Asker(("token", hashlib.sha256(auth).hexdigest()), "token", None), version(conn)
    sid = cookies.get(SESSION_COOKIE)
    live = sessions.live(sid)
    if live is None or sid is None:
        return Asker(("public",), "none", None), version(conn)
    found = live.subquery()
    row = conn.execute(
        select(
            *VERSION_PARTS,
            select(found.c.user_name).scalar_subquery(),
            select(found.c.started_ms).scalar_subquery(),
        )
    ).one()
    v = version_of(row)
    user, started_ms = row[len(VERSION_PARTS)], row[len(VERSION_PARTS) + 1]
    if started_ms is None:  # ended, expired or never was
        return Asker(("public",), "none", None), v
    s = sessions.of(sid, user, started_ms)
    return Asker(("session", s.id), "session" if s.user is not None else "none", s.user, s), v


class ResponseCache:
    """ASGI middleware: serves `@cacheable` GET routes from the server's `responses` LRU, keyed as the
    module says."""

    def __init__(self, app) -> None:  # noqa: ANN001 - an ASGI app
        self.app = app
        self._routes: dict[
            str, bool
        ] = {}  # path -> whether its route is @cacheable, learnt on its first request
        self._computing: dict[Hashable, asyncio.Event] = {}  # keys being computed now (all on the event loop)

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if not self._routes.get(scope["path"], False):
            # Unknown yet, or not cacheable: serve it, and learn from the routing whether its route is marked.
            await self.app(scope, receive, send)
            if len(self._routes) < MAX_ROUTE_PATHS:
                self._routes[scope["path"]] = getattr(scope.get("endpoint"), _MARK, False)
            return
        server = scope["app"].state.server
        headers = dict(scope["headers"])
        cookies = cookie_parser(headers.get(b"cookie", b"").decode("latin-1"))
        # On the event loop, so on the loop's own connection (Server.loop_read): never waiting for one of
        # the pool's, which the routes' threads may all hold while they compute (that wait blocked every
        # request of the worker, hits included, until the pool's 30 s timeout).
        who, v = server.loop_read(lambda conn: asked(headers, cookies, server.sessions, conn))
        # What a miss's route would read again first, each in a transaction of its own (three round trips to
        # PostgreSQL apiece): the route keys its cached parts on this version (api.deps.book_version) and
        # takes this session (api.deps.session). Both were read just now for this very request.
        state = scope.setdefault("state", {})
        state["book_version"] = v
        if who.via != "token":  # a bearer token is judged first: its request's cookie was not read here
            state[SESSION_READ] = who.session
        key: Hashable = (
            v,
            clock.today(),
            scope.get("scheme"),
            headers.get(b"host"),
            scope["path"],
            scope.get("query_string", b""),
            headers.get(b"accept-language"),
            cookies.get(LANG_COOKIE),
            who.key,
        )
        waiting = self._computing.get(key)
        if waiting is not None:
            # The same request (same version, URL and credential) is being computed: wait for it rather than
            # compute it again, so a burst after a write costs one computation, not one per client.
            await waiting.wait()
        found: Stored | None = server.responses.peek(key)
        if found is not None:
            await send(
                {"type": "http.response.start", "status": found.status, "headers": list(found.headers)}
            )
            await send({"type": "http.response.body", "body": found.body})
            return
        start: dict = {}
        chunks: list[bytes] = []

        async def keep(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        leader = waiting is None and key not in self._computing
        if leader:
            self._computing[key] = asyncio.Event()
        try:
            await self.app(scope, receive, keep)
            if self._storable(scope, start, who):
                server.responses.put(key, Stored(200, tuple(start.get("headers", ())), b"".join(chunks)))
        finally:
            if leader:
                self._computing.pop(key).set()

    @staticmethod
    def _storable(scope: dict, start: dict, who: Asker) -> bool:
        if start.get("status") != 200 or any(k.lower() == b"set-cookie" for k, _ in start.get("headers", ())):
            return False
        state = scope.get("state") or {}
        actor = state.get("actor")
        if state.get("via") != who.via or actor is None:
            return False
        return who.via != "session" or actor.name == who.user
