"""Reading governance rows into values, and writing them with their log events.

Every write here happens inside the caller's `db.write` transaction: the event is
appended to the log first, and the row carries the event's `seq`, so the table and the
signed log always say the same thing (verify checks that they do).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, func, insert, select

from jointfund.governance.model import Closing, Member, Proposal, Supporting, Vote
from jointfund.ledger.log import append_event
from jointfund.money import from_minor
from jointfund.store import tables as t


def next_id(conn: Connection, column) -> int:  # noqa: ANN001 - a table column
    """The next number of a table whose ids the fund assigns (writers are serialised by db.write)."""
    return int(conn.execute(select(func.coalesce(func.max(column), 0))).scalar_one()) + 1


def record(conn: Connection, actor: str, action: str, subject: str, data: dict, table, row: dict) -> int:  # noqa: ANN001
    """Append the event, then the row pointing at it; returns the event's seq."""
    seq = append_event(conn, actor, action, subject, data)
    conn.execute(insert(table).values(**row, seq=seq))
    return seq


def members(conn: Connection, ids: Iterable[int] | None = None) -> list[Member]:
    q = (
        select(t.member, t.member_removal.c.seq.label("removed_seq"), t.member_removal.c.removed_on)
        .outerjoin(t.member_removal, t.member_removal.c.member_id == t.member.c.id)
        .order_by(t.member.c.id)
    )
    if ids is not None:
        q = q.where(t.member.c.id.in_(list(ids)))
    rotated: dict[int, list[tuple[int, str, str]]] = {}
    for k in conn.execute(select(t.member_key).order_by(t.member_key.c.seq)):
        rotated.setdefault(k.member_id, []).append((k.seq, k.key_id, k.public_pem))
    out = []
    for r in conn.execute(q):
        keys = ((r.seq, r.key_id, r.public_pem), *rotated.get(r.id, ()))
        # The member signs with the newest key; `keys` keeps the older ones for what they signed before.
        out.append(
            Member(
                r.id,
                r.body,
                r.partner,
                r.seat,
                r.name,
                keys[-1][1],
                keys[-1][2],
                r.appointed_on,
                r.seq,
                r.removed_seq,
                r.removed_on,
                keys,
            )
        )
    return out


def members_of(conn: Connection, body: str | None = None, seated_only: bool = True) -> list[Member]:
    """The members of `body` (None: every body), by id; only those holding a seat now unless `seated_only`
    is False."""
    return [
        m
        for m in members(conn)
        if (body is None or m.body == body) and (not seated_only or m.removed_seq is None)
    ]


def proposals(conn: Connection, ids: Iterable[int] | None = None) -> list[Proposal]:
    q = select(t.proposal).order_by(t.proposal.c.id)
    if ids is not None:
        q = q.where(t.proposal.c.id.in_(list(ids)))
    return [proposal_of(r) for r in conn.execute(q)]


def proposals_about(conn: Connection, abouts: Iterable[str]) -> list[Proposal]:
    """The proposals about any of `abouts`, chosen in SQL: a page of standings asks this once, not per
    proposal."""
    q = select(t.proposal).where(t.proposal.c.about.in_(list(abouts))).order_by(t.proposal.c.id)
    return [proposal_of(r) for r in conn.execute(q)]


def proposal_of(r) -> Proposal:  # noqa: ANN001 - a result row
    amount = None if r.amount_minor is None else from_minor(r.amount_minor, r.currency)
    return Proposal(
        r.id,
        r.kind,
        r.title,
        r.body,
        r.rule,
        r.requires_recommendation,
        amount,
        r.currency,
        r.about,
        r.deadline,
        r.proposer,
        r.created_on,
        r.signature,
        r.content_sha256,
        r.seq,
        tuple(Supporting(**d) for d in json.loads(r.documents)),
    )


def _of_proposals(q, column, proposal_id: int | Iterable[int] | None):  # noqa: ANN001, ANN202 - a Select
    """`q` limited to one proposal, to several (one query for a page of proposals), or not at all (None)."""
    if proposal_id is None:
        return q
    if isinstance(proposal_id, int):
        return q.where(column == proposal_id)
    return q.where(column.in_(list(proposal_id)))


def votes(conn: Connection, proposal_id: int | Iterable[int] | None = None) -> list[Vote]:
    q = _of_proposals(select(t.vote).order_by(t.vote.c.seq), t.vote.c.proposal_id, proposal_id)
    return [
        Vote(r.proposal_id, r.member_id, r.choice, r.round, r.cast_on, r.signature, r.seq)
        for r in conn.execute(q)
    ]


def closings(conn: Connection, proposal_id: int | Iterable[int] | None = None) -> list[Closing]:
    q = _of_proposals(
        select(t.proposal_status).order_by(t.proposal_status.c.seq),
        t.proposal_status.c.proposal_id,
        proposal_id,
    )
    return [
        Closing(r.proposal_id, r.status, r.effective, r.reason, r.member_id, r.signature, r.seq)
        for r in conn.execute(q)
    ]


def recused(conn: Connection, proposal_id: int | Iterable[int] | None = None) -> dict[tuple[int, int], int]:
    """(proposal, member) -> log position of the member's recusal from the proposal (governance.recusal)."""
    q = _of_proposals(
        select(t.recusal.c.proposal_id, t.recusal.c.member_id, t.recusal.c.seq),
        t.recusal.c.proposal_id,
        proposal_id,
    )
    return {(r.proposal_id, r.member_id): r.seq for r in conn.execute(q)}
