"""Users of the fund and their roles. Passwords are kept only as argon2id hashes.

While a fund has no users, whoever holds the database credential acts as the built-in
`operator` with administrator rights, so that a new fund can be set up. Once a user
exists, every state-changing action names an enabled user, and the policy judges its role.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select

from jointfund import clock
from jointfund.errors import ConflictError, InputError, NotFound, Problem, Refused
from jointfund.governance import book
from jointfund.governance.policy import ADMINISTRATOR, OPERATOR, OPERATOR_NAME, ROLES, Actor
from jointfund.ledger import authority, log
from jointfund.store import tables as t

NAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
_hasher = PasswordHasher()


class User(NamedTuple):
    """A user: name, role, whether enabled now, and when created (UTC)."""

    name: str
    role: str
    enabled: bool
    created_at: dt.datetime


def users(conn: Connection) -> list[User]:
    enabled: dict[str, bool] = {}
    for r in conn.execute(select(t.user_status).order_by(t.user_status.c.seq)):
        enabled[r.user_name] = bool(r.enabled)
    return [
        User(r.name, r.role, enabled.get(r.name, False), r.created_at)
        for r in conn.execute(select(t.app_user).order_by(t.app_user.c.name))
    ]


def add(conn: Connection, actor: str, name: str, role: str, password: str) -> User:
    problems = []
    if not NAME.match(name) or name == OPERATOR_NAME:
        problems.append(
            Problem(
                "NAME",
                "2 to 64 characters: a lowercase letter, then letters, digits, '_', '.' or '-'"
                f" ({OPERATOR_NAME!r} is reserved)",
                name,
            )
        )
    if role not in ROLES:
        problems.append(Problem.of("role", f"expected one of {', '.join(ROLES)}", role))
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        problems.append(Problem.of("password", f"{MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"))
    if problems:
        raise InputError(problems, "user not added")
    if any(u.name == name for u in users(conn)):
        raise ConflictError(f"user {name} exists already; users are never renamed or reused")
    now = clock.now()
    book.record(
        conn,
        actor,
        "user.add",
        f"user:{name}",
        {"name": name, "role": role, "before": None, "after": role},
        t.app_user,
        {"name": name, "role": role, "password_hash": _hasher.hash(password), "created_at": now},
    )
    book.record(
        conn,
        actor,
        "user.enable",
        f"user:{name}",
        {"name": name, "before": None, "after": "enabled"},
        t.user_status,
        {"user_name": name, "enabled": 1},
    )
    return User(name, role, True, now)


def disable(conn: Connection, actor: str, name: str) -> User:
    found = {u.name: u for u in users(conn)}
    if name not in found:
        raise NotFound(f"no user {name}; see: jointfund users list")
    u = found[name]
    if not u.enabled:
        raise Refused(f"user {name} is already disabled")
    if u.role == ADMINISTRATOR and sum(x.enabled and x.role == ADMINISTRATOR for x in found.values()) == 1:
        raise Refused(
            f"{name} is the last enabled administrator; add another before disabling it, or no "
            "one could manage users"
        )
    book.record(
        conn,
        actor,
        "user.disable",
        f"user:{name}",
        {"name": name, "before": "enabled", "after": "disabled"},
        t.user_status,
        {"user_name": name, "enabled": 0},
    )
    return u._replace(enabled=False)


def resolve(conn: Connection, name: str | None) -> Actor:
    """Who acts: the named enabled user, or the operator while the fund has no users."""
    everyone = {u.name: u for u in users(conn)}
    if not everyone:
        if name not in (None, OPERATOR_NAME):
            raise NotFound(
                f"{name}: this fund has no users yet; name none (you act as {OPERATOR_NAME})", field="user"
            )
        return OPERATOR
    if name is None:
        raise Refused("this fund has users: say who you are (a user name, or JOINTFUND_USER)", field="user")
    u = everyone.get(name)
    if u is None:
        raise NotFound(f"{name}: no such user; see: jointfund users list", field="user")
    if not u.enabled:
        raise Refused(f"user {name} is disabled")
    return Actor(u.name, u.role)


def authenticate(conn: Connection, name: str, password: str) -> Actor | None:
    """The user when `password` is theirs and they are enabled; None otherwise (for the web sign-in)."""
    row = conn.execute(select(t.app_user.c.password_hash).where(t.app_user.c.name == name)).first()
    if row is None:
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    try:
        return resolve(conn, name)
    except (NotFound, Refused):
        return None


# -- which member a user is --
# A user may hold seats: the link is an event of the log (`user.member`), so it is covered
# by the signed checkpoints like every other change and never updated; the web app uses it
# to show a board manager the proposals waiting for their own vote.
LINK_ACTION = "user.member"
UNLINK_ACTION = "user.unmember"  # the partner's authority takes a link back (a new event; nothing is deleted)


def member_links(conn: Connection) -> dict[str, tuple[int, ...]]:
    """The members each user is linked to now, by user name, in the order linked (unlinked ones left out)."""
    out: dict[str, tuple[int, ...]] = {}
    for ev in log.events(conn, actions=(LINK_ACTION, UNLINK_ACTION)):
        name, member = ev.data["name"], int(ev.data["member"])
        kept = tuple(m for m in out.get(name, ()) if m != member)
        out[name] = (*kept, member) if ev.action == LINK_ACTION else kept
    return {name: ids for name, ids in out.items() if ids}


def require_linked(conn: Connection, name: str, member_id: int, act: str = "votes") -> None:
    """Refuse unless user `name` is linked to member `member_id`: a user votes (`act`), or proposes, only
    for their linked seats.

    The member's own key still signs every vote and proposal; this also stops a user who came by another
    member's key (a shared machine, a leaked file) from using it under their own name, so the log names who
    acted."""
    if member_id not in member_links(conn).get(name, ()):
        raise Refused(
            f"user {name} is not linked to member {member_id}: a user {act} only for the seats linked to "
            "them (an administrator links a user to a seat, with the partner's authority)"
        )


def link_member(
    conn: Connection,
    fund_id: str,
    actor: str,
    name: str,
    member_id: int,
    statement: authority.Statement | None = None,
) -> tuple[int, ...]:
    """Record that user `name` is member `member_id`; a member is one person, so it links to one user only.
    `statement` is the member's partner's authority saying so (user.member): the link decides whose
    dashboard shows the seat's ballots, so an administrator cannot make it alone."""
    if name not in {u.name for u in users(conn)}:
        raise NotFound(f"no user {name}; see: jointfund users list")
    found = book.members(conn, [member_id])
    if not found:
        raise NotFound(f"no member {member_id}; see: jointfund members list")
    links = member_links(conn)
    holder = next((u for u, ids in links.items() if member_id in ids), None)
    if holder == name:
        return links[name]
    if holder is not None:
        raise ConflictError(f"member {member_id} is already linked to user {holder}")
    signed = authority.require(
        conn, fund_id, statement, found[0].partner, LINK_ACTION, {"user": name, "member": member_id}
    )
    log.append_event(
        conn,
        actor,
        LINK_ACTION,
        f"user:{name}",
        {"name": name, "member": member_id, "before": None, "after": member_id, authority.FIELD: signed},
    )
    return (*links.get(name, ()), member_id)


def unlink_member(
    conn: Connection,
    fund_id: str,
    actor: str,
    name: str,
    member_id: int,
    statement: authority.Statement | None = None,
) -> tuple[int, ...]:
    """Record that user `name` is no longer member `member_id`. Like the link, only the member's partner's
    authority may say so (user.unmember): otherwise an administrator could take a seat's ballots off its
    holder's pages alone."""
    links = member_links(conn)
    if member_id not in links.get(name, ()):
        raise NotFound(f"user {name} is not linked to member {member_id}")
    found = book.members(conn, [member_id])
    signed = authority.require(
        conn, fund_id, statement, found[0].partner, UNLINK_ACTION, {"user": name, "member": member_id}
    )
    log.append_event(
        conn,
        actor,
        UNLINK_ACTION,
        f"user:{name}",
        {"name": name, "member": member_id, "before": member_id, "after": None, authority.FIELD: signed},
    )
    return tuple(m for m in links[name] if m != member_id)
