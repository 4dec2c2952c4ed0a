"""Recusal: a member steps aside from a proposal, signed with their own key, while it is open.

The recusal is final for that proposal: the member may not vote on it afterwards, and the seat is counted
as the terms' `[governance.recusal]` says (governance.counting; URIF: left out of the rule, with at least
one seat of each partner voting). A recusal may decide the proposal, as a vote may: the remaining seats may
already be unanimous, or a partner may be left with no seat, so that it cannot pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Connection, select

from jointfund.errors import Refused
from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.governance import book, canonical
from jointfund.governance.member import find
from jointfund.governance.model import RECUSE, Member, Proposal
from jointfund.governance.proposal import (
    Standing,
    check_signature,
    refuse_unless_open,
    settle,
    signed_content,
    standing,
)
from jointfund.store import tables as t

if TYPE_CHECKING:
    from jointfund.governance.interest import Conflict

ACTION = "proposal.recuse"


class Recusal(NamedTuple):
    proposal: int
    member: int
    recused_on: dt.date
    signature_hex: str
    seq: int


def message(fund: FundInfo, p: Proposal, member_id: int) -> bytes:
    return canonical.vote_bytes(fund.id, p.id, signed_content(fund, p), member_id, RECUSE, 1)


def prepare(
    conn: Connection, fund: FundInfo, proposal_id: int, member_ref: str, on: dt.date
) -> tuple[Member, bytes]:
    """Check that `member_ref` may recuse from the proposal today, and give the bytes to sign."""
    s = standing(conn, fund, proposal_id, on)
    refuse_unless_open(s, "recuse from")
    p = s.proposal
    m = find(conn, member_ref, p.body)
    if m.body != p.body:
        raise Refused(
            f"member {m.id} ({m.name}) sits on {m.body}, not on {p.body}: only its members "
            f"recuse from proposal {p.id}"
        )
    if any(r.member == m.id for r in recusals(conn, p.id)):
        raise Refused(f"member {m.id} ({m.name}) has already recused from proposal {p.id}")
    return m, message(fund, p, m.id)


def recuse(
    conn: Connection,
    fund: FundInfo,
    actor: str,
    proposal_id: int,
    member_ref: str,
    signature_hex: str,
    on: dt.date,
) -> Standing:
    """Record a signed recusal and, when it decides the proposal, its approval or rejection, in one
    transaction."""
    m, signed = prepare(conn, fund, proposal_id, member_ref, on)
    check_signature(m, signature_hex, signed, f"the recusal from proposal {proposal_id}")
    data = {
        "proposal": proposal_id,
        "member": m.id,
        "recused_on": on.isoformat(),
        "signature": signature_hex,
        "before": None,
        "after": f"{m.label} recused",
    }
    book.record(
        conn,
        actor,
        ACTION,
        f"proposal:{proposal_id}",
        data,
        t.recusal,
        {"proposal_id": proposal_id, "member_id": m.id, "recused_on": on, "signature": signature_hex},
    )
    return settle(conn, fund, actor, proposal_id, on)


def recusals(conn: Connection, proposal_id: int | None = None) -> list[Recusal]:
    q = select(t.recusal).order_by(t.recusal.c.seq)
    if proposal_id is not None:
        q = q.where(t.recusal.c.proposal_id == proposal_id)
    return [Recusal(r.proposal_id, r.member_id, r.recused_on, r.signature, r.seq) for r in conn.execute(q)]


def asked(conn: Connection, p: Proposal, member_ids: Collection[int]) -> list[Conflict]:
    """The conflicts of members `member_ids` on `p` while it is open and they have not recused: each of them
    is asked to recuse (a page shows it to the user linked to the member)."""
    from jointfund.governance.interest import conflicts

    if not member_ids or any(c.proposal == p.id for c in book.closings(conn, [p.id])):
        return []
    done = {r.member for r in recusals(conn, p.id)}
    return [c for c in conflicts(conn, p) if c.member.id in member_ids and c.member.id not in done]


def check_recusals(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """verify: every declaration and recusal is signed by its member's key; a recusal comes from a member of
    the deciding body while the proposal was open, once; no member voted on a proposal about a company in
    which
    they had declared an interest (they recuse instead). The counting itself is replayed by `decisions`."""
    from jointfund.governance.interest import company, interests, matches
    from jointfund.governance.interest import message as declared

    name = "recusals"
    members = {m.id: m for m in book.members(conn)}
    proposals = {p.id: p for p in book.proposals(conn)}
    closed = {c.proposal: c.seq for c in book.closings(conn) if c.status != "executed"}
    failures = []
    declarations = interests(conn)
    for i in declarations:
        m = members.get(i.member)
        if m is None or not canonical.signature_valid(
            m.pem_at(i.seq), i.signature_hex, declared(fund.id, i.member, i.party, i.nature, i.declared_on)
        ):
            failures.append(
                Finding(name, i.seq, f"interest {i.id} of member {i.member}: the signature does not verify")
            )
    found = recusals(conn)
    for r in found:
        at = f"recusal of member {r.member} from proposal {r.proposal}"
        p, m = proposals.get(r.proposal), members.get(r.member)
        if (
            p is None
            or m is None
            or not canonical.signature_valid(
                m.pem_at(r.seq),
                r.signature_hex,
                canonical.vote_bytes(fund.id, p.id, canonical.proposal_sha256(fund.id, p), m.id, RECUSE, 1),
            )
        ):
            failures.append(
                Finding(name, r.seq, f"{at}: the signature does not verify with the member's key")
            )
            continue
        if m.body != p.body or not m.seated_at(r.seq):
            failures.append(Finding(name, r.seq, f"{at}: member {m.id} was not seated on {p.body}"))
        if r.proposal in closed and closed[r.proposal] < r.seq:
            failures.append(Finding(name, r.seq, f"{at}: after the proposal closed"))
    for v in book.votes(conn):
        p = proposals[v.proposal]
        mine = [i for i in declarations if i.member == v.member and i.seq < v.seq]
        if not mine or (co := company(conn, p)) is None:
            continue
        hit = next((i for i in mine if matches(i, co)), None)
        if hit is not None:
            failures.append(
                Finding(
                    name,
                    v.seq,
                    f"proposal {p.id}: member {v.member} voted although they had declared "
                    f"an interest in {hit.party} (record {hit.seq}), the company it concerns",
                )
            )
    return name, len(found) + len(declarations), failures
