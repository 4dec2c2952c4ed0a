"""Casting signed votes, and deciding a proposal the moment its rule is met, or rejecting it once every seat
voted.

A vote is the member's Ed25519 signature over the vote's canonical bytes, which bind
the fund, the proposal, the SHA-256 of the proposal's content, the member, the choice
and the round (the member's 1st, 2nd... vote on it). The signature is checked with the
key stored at the member's appointment, so only the member can vote, a vote cannot be
moved to another proposal or an edited one, and an old vote cannot be replayed.

A member may vote again while the proposal is open: the later round supersedes the earlier
one (only the same member's later vote can; the database and verify hold that), so a reject
blocks a proposal but does not close it until every seat has voted or the deadline passes.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.errors import InputError, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import book, canonical
from jointfund.governance.member import find
from jointfund.governance.model import CHOICES, Member, Proposal
from jointfund.governance.proposal import (
    Standing,
    check_signature,
    refuse_unless_open,
    settle,
    signed_content,
    standing,
)
from jointfund.store import tables as t


class Ballot(NamedTuple):
    """What a member is about to sign: the proposal, the member, the choice, the round and the bytes."""

    proposal: Proposal
    member: Member
    choice: str
    round: int
    message: bytes


def prepare(
    conn: Connection, fund: FundInfo, proposal_id: int, member_ref: str, choice: str, on: dt.date
) -> Ballot:
    """Check that `member_ref` may vote `choice` on the proposal today, and give the bytes to sign."""
    if choice not in CHOICES:
        raise InputError([Problem("CHOICE", f"expected one of {', '.join(CHOICES)}", choice)])
    s = standing(conn, fund, proposal_id, on)
    refuse_unless_open(s, "vote on")
    p = s.proposal
    if on < p.created_on:  # a moved clock's trace (jointfund.clock); verify's "dates" check looks for it too
        raise Refused(f"a vote cannot be dated {on}, before proposal {p.id} was made ({p.created_on})")
    m = find(conn, member_ref, p.body)
    if m.body != p.body:
        raise Refused(
            f"member {m.id} ({m.name}) sits on {m.body}, not on {p.body}: only {p.body} members "
            f"vote on proposal {p.id}"
        )
    if p.requires_recommendation and s.recommendation is None:
        raise Refused(f"proposal {p.id} needs a recommendation before {p.body} members vote; {s.reason}")
    if (p.id, m.id) in book.recused(conn, p.id):
        raise Refused(f"member {m.id} ({m.name}) recused from proposal {p.id} and no longer votes on it")
    refuse_if_conflicted(conn, p, m)
    round_ = 1 + sum(1 for v in book.votes(conn, p.id) if v.member == m.id)
    message = canonical.vote_bytes(fund.id, p.id, signed_content(fund, p), m.id, choice, round_)
    return Ballot(p, m, choice, round_, message)


def refuse_if_conflicted(conn: Connection, p: Proposal, m: Member) -> None:
    """A member who declared an interest in the proposal's company steps aside: recusal, not a vote."""
    from jointfund.governance.interest import conflicts

    mine = [c for c in conflicts(conn, p) if c.member.id == m.id]
    if mine:
        c = mine[0]
        raise Refused(
            f"member {m.id} ({m.name}) declared an interest in {c.interest.party} ({c.interest.nature}), "
            f"and proposal {p.id} concerns {c.company}: recuse instead of voting: "
            f"jointfund proposals recuse {p.id} --as {m.id} --key KEY"
        )


def cast(
    conn: Connection,
    fund: FundInfo,
    actor: str,
    proposal_id: int,
    member_ref: str,
    choice: str,
    round_: int,
    signature_hex: str,
    on: dt.date,
) -> Standing:
    """Record a signed vote and, when it decides the proposal, its approval or rejection, in one
    transaction."""
    b = prepare(conn, fund, proposal_id, member_ref, choice, on)
    if round_ != b.round:
        raise Refused(
            f"vote refused: it is signed for round {round_}, but member {b.member.id}'s next "
            "vote on proposal "
            f"{proposal_id} is round {b.round}; a replayed or stale vote is never counted"
        )
    check_signature(b.member, signature_hex, b.message, f"the {choice} vote on proposal {proposal_id}")
    earlier = [v for v in book.votes(conn, proposal_id) if v.member == b.member.id]
    data = {
        "proposal": proposal_id,
        "member": b.member.id,
        "choice": choice,
        "round": b.round,
        "cast_on": on.isoformat(),
        "signature": signature_hex,
        "before": earlier[-1].choice if earlier else None,
        "after": choice,
    }
    book.record(
        conn,
        actor,
        "proposal.vote",
        f"proposal:{proposal_id}",
        data,
        t.vote,
        {
            "proposal_id": proposal_id,
            "member_id": b.member.id,
            "choice": choice,
            "round": b.round,
            "cast_on": on,
            "signature": signature_hex,
        },
    )
    return settle(conn, fund, actor, proposal_id, on)


def sign_and_cast(
    conn: Connection,
    fund: FundInfo,
    actor: str,
    proposal_id: int,
    member_ref: str,
    choice: str,
    private,
    on: dt.date,
) -> Standing:  # noqa: ANN001 - an Ed25519PrivateKey
    """What the CLI does with a key file: sign the prepared bytes, then cast."""
    b = prepare(conn, fund, proposal_id, member_ref, choice, on)
    return cast(
        conn,
        fund,
        actor,
        proposal_id,
        str(b.member.id),
        choice,
        b.round,
        canonical.sign(private, b.message),
        on,
    )
