"""Seats of the bodies, as pure rules: who may take a seat, and the ballot of a body at a moment.

The terms give each body a number of seats per partner. A partner fills only its own
seats and never more than it has; a member holds one numbered seat until removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from jointfund.errors import Refused
from jointfund.governance.model import Member, Vote
from jointfund.governance.rule import Seat
from jointfund.terms.model import Body


def free_seat(body: Body, partner: str, seated: Iterable[Member], name: str, key_id: str) -> int:
    """The lowest free seat of `partner` in `body`; refuses when the partner has none left."""
    if partner not in body.seats:
        raise Refused(f"{partner} is not a partner of this fund; {body.name} has seats for {', '.join(body.seats)}")
    mine = [m for m in seated if m.body == body.code and m.partner == partner]
    allowed = body.seats[partner]
    if len(mine) >= allowed:
        holders = ", ".join(m.name for m in sorted(mine, key=lambda m: m.seat))
        raise Refused(f"{partner} has {allowed} seat(s) on the {body.name}, all filled ({holders}); "
                      f"remove a member first (jointfund members remove ID)")
    for m in seated:
        if m.body == body.code and m.name == name:
            raise Refused(f"{name} already holds {m.label} on the {body.name}")
        if m.key_id == key_id and (m.partner != partner or m.name != name):
            # One key, one person: otherwise a single holder could sign for two seats or two partners.
            raise Refused(f"key {key_id} already belongs to member {m.id} ({m.name}, {m.partner}); each member signs with their own key")
    taken = {m.seat for m in mine}
    return next(n for n in range(1, allowed + 1) if n not in taken)


def ballot(body: Body, members: Iterable[Member], votes: Sequence[Vote], at_seq: int | None = None) -> list[Seat]:
    """Every seat of `body` with its holder and the holder's last vote before log position `at_seq` (None: now).

    A removed member's votes no longer count: the seat is vacant, or its new holder votes.
    """
    holders = {(m.partner, m.seat): m for m in members if m.body == body.code and m.seated_at(at_seq)}
    last: dict[int, str] = {}
    for v in sorted(votes, key=lambda v: v.seq):
        if at_seq is None or v.seq < at_seq:
            last[v.member] = v.choice
    out = []
    for partner, count in body.seats.items():
        for number in range(1, count + 1):
            m = holders.get((partner, number))
            out.append(Seat(partner, number) if m is None else Seat(partner, number, m.id, m.name, last.get(m.id)))
    return out
