"""API bearer tokens: issued to a user, kept only as a SHA-256 hash, revocable, never reused.

A token is 256 random bits; its hash alone is stored, in the fund's log itself (events
`token.issue` and `token.revoke`), so issuing and revoking are covered by the partners'
signed checkpoints like every other change, and nothing is ever updated or deleted. A
SHA-256 of 256 random bits cannot be reversed, so the hash may sit in the log. A token
acts as its user: when the user is disabled, the token stops working too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.errors import InputError, NotFound, Problem, Refused
from jointfund.governance import user
from jointfund.governance.policy import Actor
from jointfund.ledger import log

PREFIX = "jft_"  # recognisable in a leaked-secret scan
ISSUE = "token.issue"
REVOKE = "token.revoke"
MAX_LABEL_CHARS = 200


class Token(NamedTuple):
    """An issued token, as the log records it (never the secret).

    Attributes:
      id: the token's number in the fund, from 1.
      user: the user it acts as.
      label: what it is for, in words ("EITI export job").
      sha256: hex SHA-256 of the secret.
      issued_seq: log position of the issue.
      revoked_seq: log position of the revocation, None while valid.
    """

    id: int
    user: str
    label: str
    sha256: str
    issued_seq: int
    revoked_seq: int | None = None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def tokens(conn: Connection) -> list[Token]:
    found: dict[int, Token] = {}
    for ev in log.events(conn, prefix="token."):
        number = int(ev.data["token"])
        if ev.action == ISSUE:
            found[number] = Token(number, ev.data["user"], ev.data["label"], ev.data["sha256"], ev.seq)
        elif ev.action == REVOKE and number in found:
            found[number] = found[number]._replace(revoked_seq=ev.seq)
    return sorted(found.values())


def issue(conn: Connection, actor: str, name: str, label: str) -> tuple[Token, str]:
    """A new token for user `name`: (what is recorded, the secret). The secret is shown once and never
    again."""
    if not label.strip() or len(label) > MAX_LABEL_CHARS:
        raise InputError(
            [Problem.of("label", f"say what the token is for, 1 to {MAX_LABEL_CHARS} characters", label)],
            "token not issued",
        )
    known = {u.name: u for u in user.users(conn)}
    if name not in known:
        raise NotFound(f"no user {name}; see: jointfund users list")
    if not known[name].enabled:
        raise Refused(f"user {name} is disabled; a token would act as them")
    secret = PREFIX + secrets.token_urlsafe(32)
    number = 1 + max((t.id for t in tokens(conn)), default=0)
    sha256 = digest(secret)
    data = {
        "token": number,
        "user": name,
        "label": label.strip(),
        "sha256": sha256,
        "before": None,
        "after": "valid",
    }
    seq = log.append_event(conn, actor, ISSUE, f"user:{name}", data)
    return Token(number, name, label.strip(), sha256, seq), secret


def revoke(conn: Connection, actor: str, number: int) -> Token:
    found = {t.id: t for t in tokens(conn)}
    if number not in found:
        raise NotFound(f"no token {number}; see: jointfund users tokens")
    t = found[number]
    if t.revoked_seq is not None:
        raise Refused(f"token {number} was already revoked (record {t.revoked_seq})")
    seq = log.append_event(
        conn,
        actor,
        REVOKE,
        f"user:{t.user}",
        {"token": number, "user": t.user, "before": "valid", "after": "revoked"},
    )
    return t._replace(revoked_seq=seq)


def authenticate(conn: Connection, secret: str) -> Actor | None:
    """The user a valid, unrevoked token acts as, if that user is enabled; None otherwise."""
    if not secret.startswith(PREFIX):
        return None
    wanted = digest(secret)
    for t in tokens(conn):
        # Compared in constant time, so response times say nothing about how close a guess was.
        if hmac.compare_digest(t.sha256, wanted):
            if t.revoked_seq is not None:
                return None
            try:
                return user.resolve(conn, t.user)
            except (NotFound, Refused):
                return None
    return None
