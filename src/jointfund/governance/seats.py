"""Seats of the bodies, as pure rules: who may take a seat, and the ballot of a body at a moment.

The terms give each body a number of seats per partner. A partner fills only its own
seats and never more than it has; a member holds one numbered seat until removed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from jointfund.errors import Refused
from jointfund.governance.model import Member, Vote
from jointfund.governance.rule import Seat
from jointfund.terms.model import Body


def free_seat(body: Body, partner: str, seated: Iterable[Member], name: str, key_id: str) -> int:
    """The lowest free seat of `partner` in `body`; refuses when the partner has none left."""
    if partner not in body.seats:
        raise Refused(
            f"{partner} is not a partner of this fund; {body.name} has seats for {', '.join(body.seats)}"
        )
    mine = [m for m in seated if m.body == body.code and m.partner == partner]
    allowed = body.seats[partner]
    if len(mine) >= allowed:
        holders = ", ".join(m.name for m in sorted(mine, key=lambda m: m.seat))
        raise Refused(
            f"{partner} has {allowed} seat(s) on the {body.name}, all filled ({holders}); "
            f"remove a member first (jointfund members remove ID)"
        )
    for m in seated:
        if m.body == body.code and m.name == name:
            raise Refused(f"{name} already holds {m.label} on the {body.name}")
        if m.key_id == key_id and (m.partner != partner or m.name != name):
            # One key, one person: otherwise a single holder could sign for two seats or two partners.
            raise Refused(
                f"key {key_id} already belongs to member {m.id} ({m.name}, {m.partner}); each "
                "member signs with their own key"
            )
    taken = {m.seat for m in mine}
    return next(n for n in range(1, allowed + 1) if n not in taken)


def ballot(
    body: Body,
    members: Iterable[Member],
    votes: Sequence[Vote],
    at_seq: int | None = None,
    recused: Collection[int] = (),
    vacant_excluded: bool = False,
) -> list[Seat]:
    """Every seat of `body` with its holder and the holder's last vote before log position `at_seq` (None:
    now).

    A removed member's votes no longer count: the seat is vacant, or its new holder votes. A seat whose
    holder is in `recused` (recused before `at_seq`) is marked excluded, and so is a vacant seat when
    `vacant_excluded` (the terms' appointments rule, so that a vacancy never blocks its own filling).
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
            if m is None:
                out.append(Seat(partner, number, excluded="vacant" if vacant_excluded else None))
            else:
                out.append(
                    Seat(
                        partner, number, m.id, m.name, last.get(m.id), "recused" if m.id in recused else None
                    )
                )
    return out


def was_complete(body: Body, members: Iterable[Member], before_seq: int | None = None) -> bool:
    """Whether every seat of `body` was held at some moment before log position `before_seq` (None: ever).

    This is when a body "exists" for the terms' appointments rule: its founding is over from then on,
    even if a seat falls vacant later."""
    mine = [m for m in members if m.body == body.code and (before_seq is None or m.seq < before_seq)]
    total = sum(body.seats.values())

    def held_after(seq: int) -> int:
        return sum(1 for x in mine if x.seq <= seq and (x.removed_seq is None or x.removed_seq > seq))

    return total > 0 and any(held_after(m.seq) >= total for m in mine)
