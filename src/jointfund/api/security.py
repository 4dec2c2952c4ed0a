"""Sessions, CSRF tokens, the failed-login limit, the upload size limit and the security headers.

Sessions live in the server's memory, bounded in number and age: a session is a
sign-in, not a fact of the fund, so it has no place in the book (and a restart simply
asks everyone to sign in again). Every session, signed in or not, carries its own CSRF
token; signing in always issues a new session id (no session fixation).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import NamedTuple

SESSION_COOKIE = "jf_session"
LANG_COOKIE = "jf_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

# A strict policy: only this origin's files; no inline script or style; no framing; forms post here only.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class Session(NamedTuple):
    """One browser's session.

    Attributes:
      id: the cookie's value, 256 random bits.
      user: the signed-in user's name, None before sign-in.
      csrf: the token every state-changing form and fetch must send back.
      started: monotonic seconds when it began (its age limits it).
    """

    id: str
    user: str | None
    csrf: str
    started: float


class Sessions:
    """Sessions by id: at most `limit`, each at most `ttl_seconds` old; the oldest go first."""

    def __init__(self, ttl_seconds: float = 8 * 3600, limit: int = 20_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds, self.limit, self.clock = ttl_seconds, limit, clock
        self._by_id: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, user: str | None = None) -> Session:
        s = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32), self.clock())
        with self._lock:
            self._by_id[s.id] = s
            while len(self._by_id) > self.limit:
                self._by_id.popitem(last=False)
        return s

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            s = self._by_id.get(sid)
            if s is not None and self.clock() - s.started > self.ttl_seconds:
                del self._by_id[sid]
                return None
            return s

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)


def csrf_ok(session: Session | None, offered: str | None) -> bool:
    return session is not None and bool(offered) and hmac.compare_digest(session.csrf, offered or "")


class LoginLimiter:
    """At most `per_name` failed sign-ins per user name, and `per_address` per client address, in `window_seconds`.

    Counting per name stops guessing one user's password from many addresses; per address
    stops trying many names from one. A success does not clear the address's count.
    """

    def __init__(self, per_name: int = 5, per_address: int = 20, window_seconds: float = 900,
                 clock: Callable[[], float] = time.monotonic, limit_keys: int = 100_000) -> None:
        self.per_name, self.per_address, self.window_seconds = per_name, per_address, window_seconds
        self.clock, self.limit_keys = clock, limit_keys
        self._fails: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        self._fails.move_to_end(key)
        while q and self.clock() - q[0] > self.window_seconds:
            q.popleft()
        while len(self._fails) > self.limit_keys:
            self._fails.popitem(last=False)
        return q

    def retry_after(self, name: str, address: str) -> int:
        """Seconds until a sign-in may be tried again; 0 when it may now."""
        with self._lock:
            waits = []
            for key, limit in ((f"n:{name.lower()}", self.per_name), (f"a:{address}", self.per_address)):
                q = self._recent(key)
                if len(q) >= limit:
                    waits.append(int(self.window_seconds - (self.clock() - q[0])) + 1)
            return max(waits, default=0)

    def failed(self, name: str, address: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent(f"n:{name.lower()}").append(now)
            self._recent(f"a:{address}").append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._fails.pop(f"n:{name.lower()}", None)


class Guard:
    """ASGI middleware: refuses bodies over `max_body_bytes` (413) and adds the security headers to every response."""

    def __init__(self, app, max_body_bytes: int) -> None:  # noqa: ANN001 - an ASGI app
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await _too_large(send, self.max_body_bytes)
            return
        # The body is read here, up to the limit, before the application sees any of it: a chunked
        # upload declares no length, and refusing it half-way through a handler would be too late.
        chunks, seen, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.max_body_bytes:
                await _too_large(send, self.max_body_bytes)
                return
            more = message.get("more_body", False)
        body, delivered = b"".join(chunks), False

        async def replay():  # noqa: ANN202
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        secure = scope.get("scheme") == "https"

        async def headed_send(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                ours = {k for k, _ in HEADERS}
                headers = [h for h in message.get("headers", []) if h[0].lower() not in ours]
                headers += list(HEADERS) + ([HSTS] if secure else [])
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, replay, headed_send)


async def _too_large(send, limit: int) -> None:  # noqa: ANN001
    import json

    body = json.dumps({"error": {"field": "body", "message": f"the request body is larger than the limit of {limit} bytes"}}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *HEADERS]})
    await send({"type": "http.response.body", "body": body})
