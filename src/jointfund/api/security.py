"""Sessions, CSRF tokens, the failed-sign-in back-off, the upload size limit and the security headers.

Everything a server keeps about sign-ins lives in the database (store.tables: web_session,
login_throttle, web_secret), so several workers and hosts of `jointfund serve` share it:
signing out on one ends the session on all of them at the next request.

- A session exists only for a signed-in user. An anonymous visitor gets no server-side state
  at all, so anonymous traffic can never push a signed-in session out. Only the SHA-256 of a
  session id is stored; signing in always issues a new id (no session fixation).
- CSRF tokens are HMACs under one secret that the first server makes and stores (web_secret):
  a signed-in session's token is bound to its id; the sign-in form, which has no session,
  uses a signed double-submit token (a random cookie and the HMAC of it in the form).
- Failed sign-ins are counted per name, per address and per (name, address); each count earns
  an exponentially growing wait, and the per-name wait stays short, so someone else's wrong
  passwords cannot lock the right one out for long.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import random
import secrets
import time
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import Connection, Engine, Select, case, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from jointfund.api.bound import EngineBound
from jointfund.store import db, rows
from jointfund.store import tables as t

SESSION_COOKIE = "jf_session"
SIGN_IN_COOKIE = "jf_signin"  # the random half of the sign-in form's double-submit token
LANG_COOKIE = "jf_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SECRET_NAME = "csrf-hmac"

# A strict policy: only this origin's files; no inline script or style; no framing; forms post here only.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
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
NO_STORE = (b"cache-control", b"no-store")


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class Signer:
    """HMAC-SHA256 under the server's one secret, read from (or made once in) the database."""

    def __init__(self) -> None:
        self._key: bytes | None = None

    def key(self, engine: Engine) -> bytes:
        if self._key is None:
            with db.transaction(engine) as conn:
                found = conn.execute(
                    select(t.web_secret.c.value).where(t.web_secret.c.name == SECRET_NAME)
                ).scalar()
            if found is None:
                try:
                    with db.side_write(engine) as conn:
                        conn.execute(
                            insert(t.web_secret).values(
                                name=SECRET_NAME, value=secrets.token_hex(32), created_ms=_ms(time.time())
                            )
                        )
                except IntegrityError:
                    pass  # another worker made it first: use theirs
                with db.transaction(engine) as conn:
                    found = conn.execute(
                        select(t.web_secret.c.value).where(t.web_secret.c.name == SECRET_NAME)
                    ).scalar_one()
            self._key = bytes.fromhex(found)
        return self._key

    def sign(self, engine: Engine, purpose: str, value: str) -> str:
        mac = hmac.new(self.key(engine), f"{purpose}\0{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def check(self, engine: Engine, purpose: str, value: str | None, offered: str | None) -> bool:
        if not value or not offered:
            return False
        return hmac.compare_digest(self.sign(engine, purpose, value), offered)


class Session(NamedTuple):
    """One signed-in browser.

    Attributes:
      id: the cookie's value, 256 random bits (only its SHA-256 is stored).
      user: the signed-in user's name.
      csrf: the token every state-changing form and fetch must send back (an HMAC of the id).
      started: epoch seconds when it began (its age limits it).
    """

    id: str
    user: str
    csrf: str
    started: float


class Sessions(EngineBound):
    """Signed-in sessions in the database: each at most `ttl_seconds` old, at most `per_user` per user.

    A user's oldest session goes when they open one too many; expired ones are deleted as new ones
    start. Nothing else removes a session, and nothing but signing in creates one.
    """

    def __init__(
        self, ttl_seconds: float = 8 * 3600, per_user: int = 50, clock: Callable[[], float] = time.time
    ) -> None:
        self.ttl_seconds, self.per_user, self.clock = ttl_seconds, per_user, clock
        self.signer = Signer()

    def start(self, user: str) -> Session:
        sid, now = secrets.token_urlsafe(32), self.clock()
        s = t.web_session.c
        with db.side_write(self._engine()) as conn:
            conn.execute(delete(t.web_session).where(s.expires_ms <= _ms(now)))
            conn.execute(
                insert(t.web_session).values(
                    id_sha256=_digest(sid),
                    user_name=user,
                    started_ms=_ms(now),
                    expires_ms=_ms(now + self.ttl_seconds),
                )
            )
            keep = (
                select(s.id_sha256)
                .where(s.user_name == user)
                .order_by(s.started_ms.desc())
                .limit(self.per_user)
            )
            conn.execute(
                delete(t.web_session).where(s.user_name == user, s.id_sha256.not_in(keep.scalar_subquery()))
            )
        return Session(sid, user, self.csrf_of(sid), now)

    def get(self, sid: str | None, conn: Connection | None = None) -> Session | None:
        """The live session `sid`, read on `conn` if given (else on a connection of its own)."""
        live = self.live(sid)
        if live is None or sid is None:
            return None
        if conn is None:
            with db.transaction(self._engine()) as own:
                row = own.execute(live).first()
        else:
            row = conn.execute(live).first()
        return None if row is None else self.of(sid, row[0], row[1])

    def live(self, sid: str | None) -> Select[str, int] | None:
        """The statement of the live session `sid`'s (user name, start in ms): a row, or none if it has ended,
        expired or never was; None when `sid` cannot be a session id at all. For a caller that reads it
        together with something else (api.response_cache: in the same round trip as the book's version)."""
        if not sid or len(sid) > 100:
            return None
        s = t.web_session.c
        return select(s.user_name, s.started_ms).where(
            s.id_sha256 == _digest(sid), s.expires_ms > _ms(self.clock())
        )

    def of(self, sid: str, user: str, started_ms: int) -> Session:
        """The session `sid` from its row as `live` reads it."""
        return Session(sid, user, self.csrf_of(sid), started_ms / 1000)

    def end(self, sid: str | None) -> None:
        if sid:
            with db.side_write(self._engine()) as conn:
                conn.execute(delete(t.web_session).where(t.web_session.c.id_sha256 == _digest(sid)))

    def count(self) -> int:
        with db.transaction(self._engine()) as conn:
            return conn.execute(select(func.count()).select_from(t.web_session)).scalar_one()

    def csrf_of(self, sid: str) -> str:
        return self.signer.sign(self._engine(), "session", sid)

    def sign_in_token(self, nonce: str) -> str:
        """The sign-in form's token for the random `nonce` its cookie carries (the signed double submit)."""
        return self.signer.sign(self._engine(), "sign-in", nonce)

    def sign_in_ok(self, nonce: str | None, offered: str | None) -> bool:
        return self.signer.check(self._engine(), "sign-in", nonce, offered)


def csrf_ok(session: Session | None, offered: str | None) -> bool:
    return session is not None and bool(offered) and hmac.compare_digest(session.csrf, offered or "")


class Backoff(NamedTuple):
    """One count's rule: `free` failures cost nothing; the next waits `first` seconds, doubling up to
    `most`."""

    free: int
    first: float
    most: float

    def wait(self, failures: int) -> float:
        if failures <= self.free:
            return 0.0
        return min(self.first * 2 ** min(failures - self.free - 1, 40), self.most)


class LoginLimiter(EngineBound):
    """Failed sign-ins, counted in the database per name, per address and per (name, address), with back-off.

    - per (name, address): a few free tries, then a wait doubling up to 15 minutes: one address guessing
      one user's password slows down fast;
    - per address: more free tries (many users behind one office address), then the same doubling;
    - per name, from every address together: the doubling stops at a minute, so failures elsewhere
      cannot lock the right password out from a new address for long, while guessing one user's
      password from many addresses is still held to about one try a minute.

    A success clears the name's and the pair's counts (not the address's). A count forgets its
    failures `forget_seconds` after the last one. At most `limit_keys` counts are kept.
    """

    def __init__(
        self,
        pair: Backoff = Backoff(3, 2, 900),
        address: Backoff = Backoff(20, 2, 900),
        name: Backoff = Backoff(10, 1, 60),
        forget_seconds: float = 24 * 3600,
        clock: Callable[[], float] = time.time,
        limit_keys: int = 100_000,
    ) -> None:
        self.rules = {"p": pair, "a": address, "n": name}
        self.forget_seconds, self.clock, self.limit_keys = forget_seconds, clock, limit_keys

    @staticmethod
    def _keys(name: str, address: str) -> dict[str, str]:
        name = name.lower()[:100]
        return {"n": f"n:{name}", "a": f"a:{address[:200]}", "p": f"p:{name} {address[:200]}"}

    def retry_after(self, name: str, address: str) -> int:
        """Seconds until a sign-in may be tried again; 0 when it may now."""
        keys = self._keys(name, address)
        c = t.login_throttle.c
        now = self.clock()
        with db.transaction(self._engine()) as conn:
            rows = conn.execute(select(c.key, c.failures, c.last_ms).where(c.key.in_(keys.values()))).all()
        kind_of = {v: k for k, v in keys.items()}
        waits = [0.0]
        for row in rows:
            last = row.last_ms / 1000
            if now - last > self.forget_seconds:
                continue
            waits.append(last + self.rules[kind_of[row.key]].wait(row.failures) - now)
        return math.ceil(max(waits))

    def failed(self, name: str, address: str) -> None:
        now, c = _ms(self.clock()), t.login_throttle.c
        forget = now - _ms(self.forget_seconds)
        with db.side_write(self._engine()) as conn:
            for key in self._keys(name, address).values():
                # One statement, so two workers counting the same key at once both count.
                conn.execute(
                    rows.upsert(conn, t.login_throttle)
                    .values(key=key, failures=1, last_ms=now)
                    .on_conflict_do_update(
                        index_elements=[c.key],
                        set_={
                            "failures": case((c.last_ms < forget, 1), else_=c.failures + 1),
                            "last_ms": now,
                        },
                    )
                )
            conn.execute(delete(t.login_throttle).where(c.last_ms < forget))
            if random.random() < 0.01:  # noqa: S311 - not a secret: how often to check the bound
                self._bound(conn)

    def _bound(self, conn) -> None:  # noqa: ANN001
        c = t.login_throttle.c
        over = conn.execute(select(func.count()).select_from(t.login_throttle)).scalar_one() - self.limit_keys
        if over > 0:
            oldest = select(c.key).order_by(c.last_ms).limit(over).scalar_subquery()
            conn.execute(delete(t.login_throttle).where(c.key.in_(oldest)))

    def succeeded(self, name: str, address: str) -> None:
        keys = self._keys(name, address)
        with db.side_write(self._engine()) as conn:
            conn.execute(delete(t.login_throttle).where(t.login_throttle.c.key.in_([keys["n"], keys["p"]])))


class Guard:
    """ASGI middleware: refuses bodies over `max_body_bytes` (413) and adds the security headers to every
    response.

    A response to a request that carries a credential (a bearer token or a session cookie), and any
    response that sets a cookie, is also marked `Cache-Control: no-store`: no browser or proxy keeps
    a signed-in page or API answer.
    """

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
        credentialed = _carries_credential(scope)

        async def headed_send(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                ours = {k for k, _ in HEADERS}
                headers = [h for h in message.get("headers", []) if h[0].lower() not in ours]
                headers += list(HEADERS) + ([HSTS] if secure else [])
                if credentialed or any(k.lower() == b"set-cookie" for k, _ in headers):
                    headers = [h for h in headers if h[0].lower() != NO_STORE[0]] + [NO_STORE]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, replay, headed_send)


def _carries_credential(scope: dict) -> bool:
    for key, value in scope.get("headers") or ():
        if key == b"authorization" or (key == b"cookie" and SESSION_COOKIE.encode() + b"=" in value):
            return True
    return False


async def _too_large(send, limit: int) -> None:  # noqa: ANN001
    import json

    body = json.dumps(
        {"error": {"field": "body", "message": f"the request body is larger than the limit of {limit} bytes"}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
