"""How the terms count a proposal's seats: which are left out of its rule, and how many of each partner must
vote.

A recused seat is left out when the terms' `[governance.recusal]` says so, and a vacant seat in the
decisions of `[governance.appointments]` when `vacant_seats = "excluded"`; the rule then applies to the
other seats, with at least `voting_seats_per_partner` of each partner voting (rule.evaluate); a rejection
by votes waits until every counted seat has voted (rule.hold_open). Every place
that decides or replays a proposal (standing, votes, expiry, verify) counts through here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from jointfund.governance.model import Member, Proposal, Vote
from jointfund.governance.rule import Seat, Verdict, hold_open
from jointfund.governance.seats import ballot
from jointfund.terms.model import Terms


def seats(
    terms: Terms,
    p: Proposal,
    members: Iterable[Member],
    votes: Sequence[Vote],
    recused: Collection[int] = (),
    at_seq: int | None = None,
) -> list[Seat]:
    """The ballot of `p` (before log position `at_seq`, None: now), with the seats its terms leave out
    marked."""
    ap = terms.governance.appointments
    vacant = ap is not None and ap.decision == p.kind and ap.vacant_seats == "excluded"
    counted_out = recused if terms.governance.recusal is not None else ()
    return ballot(terms.body(p.body), members, votes, at_seq, counted_out, vacant)


def per_partner(terms: Terms) -> int:
    return terms.governance.recusal.voting_seats_per_partner if terms.governance.recusal else 0


def verdict(terms: Terms, p: Proposal, ballot_: Sequence[Seat]) -> Verdict:
    # Votes may change while the proposal is open: a reject blocks it, and rejects it only once every seat
    # voted.
    return hold_open(p.rule, p.body, ballot_, per_partner(terms))
