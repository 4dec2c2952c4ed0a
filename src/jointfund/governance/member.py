"""Seating and unseating members of the board and the committees, as recorded events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from jointfund import bounds
from jointfund.errors import InputError, NotFound, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import book
from jointfund.governance.model import MAX_NAME_CHARS, Member
from jointfund.governance.seats import free_seat, was_complete
from jointfund.ledger import authority
from jointfund.ledger.checkpoint import key_id, load_public, public_pem
from jointfund.store import tables as t
from jointfund.terms.model import Terms

APPOINT = "member.appoint"
REMOVE = "member.remove"
DECISION = "decision"  # the event field naming the executed appointment proposal that seats or unseats


def appoint(
    conn: Connection,
    fund: FundInfo,
    actor: str,
    partner: str,
    name: str,
    body: str,
    pem: bytes,
    on: dt.date,
    where: str = "public_key",
    statement: authority.Statement | None = None,
    decision: int | None = None,
) -> Member:
    """Seat `name` for `partner` on `body` with the public key `pem`; refuses what the terms do not allow,
    and anything `statement`, signed by the partner's authority key, does not say (member.appoint).
    `decision` is the executed appointment proposal that seats the member, once the terms require one."""
    terms = fund.terms(on)
    problems = []
    bodies = [b.code for b in terms.governance.bodies]
    if body not in bodies:
        problems.append(
            Problem.of("body", f"not a body of this fund; expected one of {', '.join(bodies)}", body)
        )
    if partner not in terms.partner_codes:
        problems.append(
            Problem.of(
                "partner",
                f"not a partner of this fund; expected one of {', '.join(terms.partner_codes)}",
                partner,
            )
        )
    if not name.strip() or len(name) > MAX_NAME_CHARS:
        problems.append(Problem.of("name", f"a name of 1 to {MAX_NAME_CHARS} characters is needed", name))
    if on < fund.start_date:
        problems.append(Problem("date", f"before the fund exists (it starts {fund.start_date})", str(on)))
    public = None
    try:
        public = load_public(pem, where)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems, "member not appointed")
    assert public is not None
    name = name.strip()
    kid = key_id(public)
    refuse_without_decision(conn, terms, body, decision, "seated")
    seat = free_seat(terms.body(body), partner, seated(conn), name, kid)
    member_id = book.next_id(conn, t.member.c.id)
    pem_text = public_pem(public)
    signed = authority.require(
        conn, fund.id, statement, partner, APPOINT, {"body": body, "name": name, "public_pem": pem_text}
    )
    data = {
        "member": member_id,
        "body": body,
        "partner": partner,
        "seat": seat,
        "name": name,
        "key_id": kid,
        "public_pem": pem_text,
        "appointed_on": on.isoformat(),
        "before": f"{partner} seat {seat} on {body} vacant",
        "after": f"held by {name}",
        authority.FIELD: signed,
        **({} if decision is None else {DECISION: decision}),
    }
    seq = book.record(
        conn,
        actor,
        APPOINT,
        f"member:{member_id}",
        data,
        t.member,
        {
            "id": member_id,
            "body": body,
            "partner": partner,
            "seat": seat,
            "name": name,
            "key_id": kid,
            "public_pem": pem_text,
            "appointed_on": on,
        },
    )
    return Member(member_id, body, partner, seat, name, kid, pem_text, on, seq)


def remove(
    conn: Connection,
    fund_id: str,
    actor: str,
    member_id: int,
    on: dt.date,
    reason: str = "",
    statement: authority.Statement | None = None,
    decision: int | None = None,
) -> Member:
    """Unseat a member: the seat becomes vacant and the member's votes on open proposals stop counting.
    `statement` is the member's partner's authority saying so (member.remove); `decision` the executed
    appointment proposal that removes the member, once the terms require one."""
    found = book.members(conn, [member_id])
    if not found:
        raise NotFound(f"no member {member_id}; see: jointfund members list --all")
    m = found[0]
    if m.removed_seq is not None:
        raise Refused(f"member {m.id} ({m.name}) was already removed on {m.removed_on}")
    if on < m.appointed_on:
        raise InputError(
            [Problem("date", f"before the appointment of member {m.id} ({m.appointed_on})", str(on))]
        )
    from jointfund import fund as fund_mod  # the fund's terms, which say whether a decision must unseat

    refuse_without_decision(conn, fund_mod.load(conn).terms(on), m.body, decision, "removed")
    signed = authority.require(
        conn, fund_id, statement, m.partner, REMOVE, {"member": m.id, "key_id": m.key_id}
    )
    data = {
        "member": m.id,
        "body": m.body,
        "partner": m.partner,
        "seat": m.seat,
        "name": m.name,
        "removed_on": on.isoformat(),
        "reason": reason,
        "before": f"held by {m.name}",
        "after": f"{m.partner} seat {m.seat} on {m.body} vacant",
        authority.FIELD: signed,
        **({} if decision is None else {DECISION: decision}),
    }
    seq = book.record(
        conn,
        actor,
        REMOVE,
        f"member:{m.id}",
        data,
        t.member_removal,
        {"member_id": m.id, "removed_on": on, "reason": reason},
    )
    # The vacancy may decide the body's open proposals (the last seat not yet voted is gone): record them now.
    from jointfund.governance import proposal  # proposal names members through this module

    proposal.settle_body(conn, fund_mod.load(conn), actor, m.body, on)
    return m._replace(removed_seq=seq, removed_on=on)


def refuse_without_decision(
    conn: Connection, terms: Terms, body: str, decision: int | None, done: str
) -> None:
    """Once a body the terms' appointments rule lists exists, only an executed decision changes its seats."""
    rule = terms.governance.appointments
    if decision is not None or rule is None or body not in rule.bodies:
        return
    b = terms.body(body)
    if was_complete(b, book.members(conn)):
        raise Refused(
            f"the {b.name} exists (every seat of it has been filled), so under the terms a "
            f"member is {done} only "
            f"by an executed {rule.decision} decision countersigned by the partner's authority "
            "key: write the "
            "statement with --prepare FILE, propose it (jointfund proposals new --kind "
            f"{rule.decision} --about "
            "appointment:SHA256, as `authority sign` prints), and once the board approves, submit the signed "
            "statement (jointfund authority submit FILE); see docs/governance.md"
        )


def seated(conn: Connection, body: str | None = None) -> list[Member]:
    return [m for m in book.members(conn) if m.removed_seq is None and (body is None or m.body == body)]


def find(conn: Connection, ref: str, body: str | None = None) -> Member:
    """A seated member by id or by name; with `body`, a name is looked up among that body's members first."""
    everyone = seated(conn)
    if (number := bounds.id_in(ref)) is not None:
        match = [m for m in everyone if m.id == number]
    else:
        match = [m for m in everyone if m.name == ref]
        if len(match) > 1 and body is not None:
            match = [m for m in match if m.body == body] or match
    if not match:
        raise NotFound(f"no seated member {ref!r}; see: jointfund members list", field="actor")
    if len(match) > 1:
        raise InputError(
            [
                Problem.of(
                    "actor",
                    "several seated members have this name; give the member id instead "
                    f"({', '.join(f'{m.id} on {m.body}' for m in match)})",
                    ref,
                )
            ]
        )
    return match[0]
