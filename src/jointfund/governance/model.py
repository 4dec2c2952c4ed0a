"""Governance facts as immutable values: members, proposals, votes and closings.

Each value is one stored row; `seq` is the position of the event that recorded it in
the fund's log, which orders every fact against every other (a vote against the
appointment of its member, an approval against the votes it counted).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

# Lifecycle: open -> approved | rejected | expired | withdrawn; approved -> executed.
OPEN = "open"
APPROVED = "approved"
REJECTED = "rejected"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"
EXECUTED = "executed"
CLOSINGS = (APPROVED, REJECTED, EXPIRED, WITHDRAWN)

APPROVE = "approve"
REJECT = "reject"
ABSTAIN = "abstain"
CHOICES = (APPROVE, REJECT, ABSTAIN)
WITHDRAW = "withdraw"  # what a proposer signs to withdraw; never a vote
RECUSE = "recuse"  # what a member signs to recuse from a proposal; never a vote

MAX_TITLE_CHARS = 500
MAX_NAME_CHARS = 200
MAX_REF_CHARS = 200


class Member(NamedTuple):
    """A person seated in a body (the board or a committee) for a partner.

    Attributes:
      id: the member's number, unique in the fund; a person on two bodies is two members.
      body: code of the body in the terms.
      partner: code of the partner that appointed the member.
      seat: the partner's seat in the body, 1 to its number of seats.
      name: how the member is called; unique among the seated members of a body.
      key_id: fingerprint of the member's Ed25519 public key now (after any rotation).
      public_pem: the public key (SPKI PEM) that checks the member's signatures now.
      appointed_on: effective date of the appointment.
      seq: log position of the appointment.
      removed_seq: log position of the removal, None while seated.
      removed_on: effective date of the removal, None while seated.
    """

    id: int
    body: str
    partner: str
    seat: int
    name: str
    key_id: str
    public_pem: str
    appointed_on: dt.date
    seq: int
    removed_seq: int | None = None
    removed_on: dt.date | None = None
    keys: tuple[tuple[int, str, str], ...] = ()  # (log position, key id, PEM) of each key held, oldest first

    def pem_at(self, seq: int) -> str:
        """The public key that checked the member's signatures at log position `seq` (a rotation after it
        does not change what was valid then)."""
        held = [pem for at, _, pem in self.keys if at < seq]
        return held[-1] if held else (self.keys[0][2] if self.keys else self.public_pem)

    def seated_at(self, seq: int | None) -> bool:
        """Whether the member held the seat just before log position `seq` (None: now)."""
        if seq is None:
            return self.removed_seq is None
        return self.seq < seq and (self.removed_seq is None or self.removed_seq > seq)

    @property
    def label(self) -> str:
        return f"{self.partner} seat {self.seat} ({self.name})"

    def listed(self) -> dict[str, object]:
        """What a list of members shows of one (the CLI's and the API's): who and where, the key's
        fingerprint, not the key itself or the log positions."""
        return {
            "id": self.id,
            "body": self.body,
            "partner": self.partner,
            "seat": self.seat,
            "name": self.name,
            "key_id": self.key_id,
            "appointed_on": self.appointed_on,
            "removed_on": self.removed_on,
        }


class Supporting(NamedTuple):
    """A supporting document of a proposal, as its proposer signed it: the bytes are kept by their hash.

    Attributes:
      name: the file's name, as shown and downloaded.
      sha256: SHA-256 of the bytes, lowercase hex: the document's identity in the document store.
      size_bytes: the number of bytes.
    """

    name: str
    sha256: str
    size_bytes: int

    def signed(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "size_bytes": self.size_bytes}


class Proposal(NamedTuple):
    """A matter put to a body; its content never changes once signed.

    Attributes:
      id: the proposal's number.
      kind: what it decides (investment, amendment, ...): a decision kind of the terms.
      title: what it is about, in words.
      body: code of the deciding body, from the terms in force on `created_on`.
      rule: the decision rule, from the same terms.
      requires_recommendation: code of the body that must recommend it before the vote, or None.
      amount, currency: the money at stake, when there is some.
      about: the reference it concerns ("proposal:3", "application:APP-7"), or None.
      deadline: last day on which votes count; it expires after. None: no deadline.
      proposer: id of the member who proposed and signed it.
      created_on: effective date of the proposal.
      signature_hex: the proposer's Ed25519 signature over the proposal's canonical bytes.
      content_sha256: SHA-256 of those canonical bytes, hex; every vote signs it.
      seq: log position of the proposal.
      documents: the supporting documents the proposer signed (their bytes are in the document store).
    """

    id: int
    kind: str
    title: str
    body: str
    rule: str
    requires_recommendation: str | None
    amount: Decimal | None
    currency: str | None
    about: str | None
    deadline: dt.date | None
    proposer: int
    created_on: dt.date
    signature_hex: str = ""
    content_sha256: str = ""
    seq: int = 0
    documents: tuple[Supporting, ...] = ()


class Vote(NamedTuple):
    """One signed vote. A member may vote again while the proposal is open; the last vote counts.

    Attributes:
      proposal: the proposal's id.
      member: the voter's member id.
      choice: approve, reject or abstain.
      round: 1 for the member's first vote on the proposal, 2 for the next...; it is signed,
        so an earlier vote cannot be replayed as a later one.
      cast_on: effective date of the vote.
      signature_hex: Ed25519 signature over the vote's canonical bytes.
      seq: log position of the vote.
    """

    proposal: int
    member: int
    choice: str
    round: int
    cast_on: dt.date
    signature_hex: str
    seq: int


class Closing(NamedTuple):
    """A change of a proposal's state: its closing (approved, rejected, expired, withdrawn) or its execution.

    Attributes:
      proposal: the proposal's id.
      status: the new state.
      effective: effective date of the change.
      reason: why, in words (the rule's verdict, the deadline, the withdrawal).
      member: the member who signed a withdrawal, else None.
      signature_hex: the withdrawal's signature, else "".
      seq: log position of the change.
    """

    proposal: int
    status: str
    effective: dt.date
    reason: str
    member: int | None
    signature_hex: str
    seq: int
