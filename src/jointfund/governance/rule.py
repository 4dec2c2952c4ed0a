"""Decision rules, as pure functions over a ballot: is a proposal approved, rejected, or still open?

A ballot lists every seat of the deciding body: who holds it (None when vacant) and the
holder's last vote. A rule becomes one or more requirements, each a number of approvals
among the seats of some partners:

  unanimous                 every seat approves; a vacant seat blocks (it cannot approve)
  majority                  more than half of all the seats approve
  majority_of_each_partner  more than half of each partner's seats approve
  supermajority:N           at least N of the seats approve (N = 5), or that fraction of them (N = 2/3, 0.75)

Abstaining is not approving. Seats are counted, not votes cast, so an abstention or a
vacant seat weighs like a no until it becomes a yes. A proposal is approved the moment
every requirement is met; `evaluate` calls it rejected the moment one can no longer be met even if
every seat that has not voted (or is vacant) approved, as if votes cast were final.

But a member may change their vote while the proposal is open, so `hold_open` keeps such a
proposal open, "blocked by" the seats against it, until every held seat the rule counts has
voted (or the deadline passes): a reject is final only when no one is left to be persuaded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from jointfund.governance.model import ABSTAIN, APPROVE, APPROVED, OPEN, REJECT, REJECTED
from jointfund.terms import decision_rule


class Seat(NamedTuple):
    """One seat of a body at a moment.

    Attributes:
      partner: the partner the seat belongs to.
      number: the seat's number among that partner's seats, from 1.
      member: id of the member holding it, None when vacant.
      name: the holder's name, None when vacant.
      choice: the holder's last vote (approve, reject, abstain), None when not voted or vacant.
    """

    partner: str
    number: int
    member: int | None = None
    name: str | None = None
    choice: str | None = None
    excluded: str | None = None  # why the rule leaves the seat out ("recused", "vacant"), None when counted

    @property
    def label(self) -> str:
        return f"{self.partner} seat {self.number}"


class Requirement(NamedTuple):
    """`approvals` approvals needed among the seats of `partners`; `words` says it for people."""

    partners: tuple[str, ...]
    approvals: int
    words: str
    counted: bool = False  # `words` already says how many ("all 6 seats"), so a verdict need not repeat it


class Verdict(NamedTuple):
    """The state a ballot puts a proposal in (approved, rejected or open) and why, in words."""

    outcome: str
    reason: str


def _supermajority(value: Decimal, total: int) -> int:
    if value > 1:
        return int(value)
    # A fraction of the seats, rounded up: 2/3 of 6 seats is 4, 2/3 of 5 is 4 (3.33... is not enough).
    return math.ceil(value * total)


def requirements(rule: str, seats: Mapping[str, int]) -> list[Requirement]:
    """What `rule` asks of a body with `seats` (partner -> number of seats)."""
    partners = tuple(seats)
    total = sum(seats.values())
    if rule == "unanimous":
        return [Requirement(partners, total, f"all {total} seats", counted=True)]
    if rule == "majority":
        return [Requirement(partners, total // 2 + 1, f"more than half of the {total} seats")]
    if rule == "majority_of_each_partner":
        return [
            Requirement((p,), n // 2 + 1, f"more than half of {p}'s {n} seats")
            for p, n in seats.items()
            if n > 0
        ]
    parsed = decision_rule.parse(rule)  # validated with the terms: a ValueError here is a programmer error
    assert parsed.threshold is not None, f"unknown rule {rule!r}"
    need = _supermajority(parsed.threshold, total)
    return [Requirement(partners, need, f"at least {need} of the {total} seats", counted=True)]


def attainable(rule: str, seats: Mapping[str, int]) -> str | None:
    """None when a full body could meet `rule`; otherwise why it never can."""
    if sum(seats.values()) == 0:
        return "the body has no seats"
    for req in requirements(rule, seats):
        available = sum(seats[p] for p in req.partners)
        if req.approvals > available:
            return f"{rule} needs {req.words}, but only {available} exist"
    return None


def evaluate(rule: str, body_label: str, ballot: Sequence[Seat], per_partner: int = 0) -> Verdict:
    """The verdict of `ballot` (every seat of the body) under `rule`.

    Seats marked `excluded` (recused; vacant, where the terms leave vacant seats out) are not counted: the
    rule applies to the others. Then, as the terms' recusal counting says, at least `per_partner` seats of
    each partner must remain and vote, so that no partner is decided for without a seat of its own."""
    left_out = [s for s in ballot if s.excluded is not None]
    if left_out:
        gone = _join([f"{s.label} {s.excluded}" for s in left_out])
        counted = [s for s in ballot if s.excluded is None]
        if not counted:
            return Verdict(REJECTED, f"it cannot pass: no seat is left to vote ({gone})")
        for p in dict.fromkeys(s.partner for s in ballot):
            if sum(1 for s in counted if s.partner == p) < per_partner:
                return Verdict(
                    REJECTED,
                    f"it cannot pass: {p} has fewer than {per_partner} seat(s) left to vote ({gone})",
                )
        inner = evaluate(rule, body_label, counted)
        if inner.outcome == APPROVED and any(
            sum(1 for s in counted if s.partner == p and s.choice is not None) < per_partner
            for p in dict.fromkeys(s.partner for s in ballot)
        ):
            inner = Verdict(OPEN, f"waiting for {per_partner} vote(s) of each partner ({inner.reason})")
        return Verdict(inner.outcome, f"{inner.reason}; not counted: {gone}")
    seats: dict[str, int] = {}
    for s in ballot:
        seats[s.partner] = seats.get(s.partner, 0) + 1
    reqs = requirements(rule, seats)
    total = len(ballot)
    approvals = sum(1 for s in ballot if s.choice == APPROVE)
    broken = []
    met = True
    for req in reqs:
        scope = [s for s in ballot if s.partner in req.partners]
        yes = sum(1 for s in scope if s.choice == APPROVE)
        possible = sum(1 for s in scope if s.choice in (APPROVE, None))
        met = met and yes >= req.approvals
        if possible < req.approvals:
            broken.append((req, possible))
    if broken:
        against = [f"{s.label} ({s.name}) {_past(s.choice)}" for s in ballot if s.choice in (REJECT, ABSTAIN)]
        req, possible = broken[0]
        return Verdict(
            REJECTED,
            f"{_join(against) or 'no seat can approve'}: {req.words} must approve"
            f"{'' if req.counted else f' ({req.approvals})'}, at most {possible} still can",
        )
    if met:
        detail = (
            "" if rule == "unanimous" else f" ({'; '.join(f'{r.words}: {r.approvals}' for r in reqs)} needed)"
        )
        return Verdict(APPROVED, f"{approvals} of {total} {body_label} seats approved{detail}")
    waiting = [s.label + ("" if s.member is not None else " (vacant)") for s in ballot if s.choice is None]
    return Verdict(
        OPEN, f"waiting for {_join(waiting)} ({approvals} of {total} {body_label} seats approved so far)"
    )


BLOCKED = "blocked by {against}; waiting for {seats} (votes may change until every seat has voted)"


def hold_open(rule: str, body_label: str, ballot: Sequence[Seat], per_partner: int = 0) -> Verdict:
    """`evaluate`, except that a rejection by votes stays open while a held, counted seat has not voted.

    Only a rejection that the seats against could undo by changing their votes is held open; one that
    no vote can change (every seat recused, too few left of a partner) is final at once."""
    verdict = evaluate(rule, body_label, ballot, per_partner)
    if verdict.outcome != REJECTED:
        return verdict
    counted = [s for s in ballot if s.excluded is None]
    against = [s.label for s in counted if s.choice in (REJECT, ABSTAIN)]
    waiting = [s.label for s in counted if s.member is not None and s.choice is None]
    persuaded = [
        s._replace(choice=APPROVE) if s.excluded is None and s.member is not None else s for s in ballot
    ]
    if not against or not waiting or evaluate(rule, body_label, persuaded, per_partner).outcome == REJECTED:
        return verdict
    return Verdict(OPEN, BLOCKED.format(against=_join(against), seats=_join(waiting)))


def _past(choice: str | None) -> str:
    return {REJECT: "rejected", ABSTAIN: "abstained"}.get(choice or "", "did not vote")


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


__all__ = ["Requirement", "Seat", "Verdict", "attainable", "evaluate", "hold_open", "requirements", "OPEN"]
