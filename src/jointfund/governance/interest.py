"""Declared interests: a member says, signed with their key, that they have an interest in a party.

A proposal about an application or an investment concerns a company (its name and its EDRPOU code); a
member of the deciding body who declared an interest in that company, by name or by code, is asked to
recuse (governance.recusal). The match is on the normalised name (case, quotes, punctuation and spacing
ignored) or the exact code, so "ТОВ «Добра Літій»" matches "тов добра літій".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from sqlalchemy import Connection, select

from jointfund.errors import InputError, Problem
from jointfund.fund import FundInfo
from jointfund.governance import book, canonical
from jointfund.governance.member import find
from jointfund.governance.model import MAX_NAME_CHARS, MAX_TITLE_CHARS, Member, Proposal
from jointfund.governance.proposal import PROPOSAL_REF, check_signature
from jointfund.store import tables as t

ACTION = "member.interest"


class Interest(NamedTuple):
    """A member's signed declaration of an interest in `party` (a company's name or code), of `nature`."""

    id: int
    member: int
    party: str
    nature: str
    declared_on: dt.date
    signature_hex: str
    seq: int


class Conflict(NamedTuple):
    """A seated member of the deciding body whose declared interest matches the proposal's company."""

    member: Member
    interest: Interest
    company: str


def message(fund_id: str, member_id: int, party: str, nature: str, on: dt.date) -> bytes:
    return canonical.interest_bytes(fund_id, member_id, party, nature, on.isoformat())


def prepare(
    conn: Connection, fund: FundInfo, member_ref: str, party: str, nature: str, on: dt.date
) -> tuple[Member, str, str, bytes]:
    """Check the declaration and give the bytes the member signs."""
    party, nature = party.strip(), nature.strip()
    problems = []
    if not party or len(party) > MAX_NAME_CHARS:
        problems.append(
            Problem.of(
                "party", f"a company name or code of 1 to {MAX_NAME_CHARS} characters is needed", party
            )
        )
    if not nature or len(nature) > MAX_TITLE_CHARS:
        problems.append(
            Problem.of("nature", f"a description of 1 to {MAX_TITLE_CHARS} characters is needed", nature)
        )
    if problems:
        raise InputError(problems, "interest not declared")
    m = find(conn, member_ref)
    return m, party, nature, message(fund.id, m.id, party, nature, on)


def declare(
    conn: Connection,
    fund: FundInfo,
    actor: str,
    member_ref: str,
    party: str,
    nature: str,
    signature_hex: str,
    on: dt.date,
) -> Interest:
    """Record a member's declaration once its signature checks out with the member's key."""
    m, party, nature, signed = prepare(conn, fund, member_ref, party, nature, on)
    check_signature(m, signature_hex, signed, f"the declaration of an interest in {party}")
    iid = book.next_id(conn, t.interest.c.id)
    data = {
        "interest": iid,
        "member": m.id,
        "party": party,
        "nature": nature,
        "declared_on": on.isoformat(),
        "signature": signature_hex,
        "before": None,
        "after": f"{m.name} declared an interest in {party}",
    }
    seq = book.record(
        conn,
        actor,
        ACTION,
        f"member:{m.id}",
        data,
        t.interest,
        {
            "id": iid,
            "member_id": m.id,
            "party": party,
            "nature": nature,
            "declared_on": on,
            "signature": signature_hex,
        },
    )
    return Interest(iid, m.id, party, nature, on, signature_hex, seq)


def interests(conn: Connection, limit: int | None = None, offset: int = 0) -> list[Interest]:
    """The declared interests, oldest first: `limit` of them from `offset` (default: every one)."""
    q = select(t.interest).order_by(t.interest.c.id).limit(limit).offset(offset)
    return [
        Interest(r.id, r.member_id, r.party, r.nature, r.declared_on, r.signature, r.seq)
        for r in conn.execute(q)
    ]


def normalised(name: str) -> str:
    """A name for matching: case, quotes, punctuation and spacing ignored."""
    return " ".join(re.sub(r"[\W_]+", " ", name.casefold()).split())


def company(conn: Connection, p: Proposal) -> tuple[str, str] | None:
    """The company a proposal concerns (name, code): through the application or investment it is about, or
    through the proposal it recommends."""
    from jointfund.portfolio import application, investment  # portfolio builds on governance, not the reverse

    about, hops = p.about, 0
    while about and about.startswith(PROPOSAL_REF) and hops < 3:
        target = (
            book.proposals(conn, [int(about[len(PROPOSAL_REF) :])])
            if about[len(PROPOSAL_REF) :].isdigit()
            else []
        )
        about, hops = (target[0].about if target else None), hops + 1
    app = application.by_reference(conn, about)
    if app is None and (inv := investment.by_reference(conn, about)) is not None:
        found = application.applications(conn, [inv.application])
        app = found[0] if found else None
    return None if app is None else (app.applicant, app.applicant_code)


def matches(i: Interest, company_: tuple[str, str]) -> bool:
    """Whether a declared interest names the company (name, code): by its code, or by its normalised name."""
    name, code = company_
    return i.party.strip() == code or normalised(i.party) == normalised(name)


def conflicts(conn: Connection, p: Proposal, members: list[Member] | None = None) -> list[Conflict]:
    """The members of `p`'s deciding body whose declared interest matches its company (by name or by code)."""
    found = company(conn, p)
    if found is None:
        return []
    name, code = found
    seated = {m.id: m for m in (members if members is not None else book.members(conn)) if m.body == p.body}
    out = []
    for i in interests(conn):
        m = seated.get(i.member)
        if m is not None and matches(i, (name, code)):
            out.append(Conflict(m, i, name))
    return out
