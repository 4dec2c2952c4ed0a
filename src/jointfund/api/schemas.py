"""Shapes of the API's answers, so that the OpenAPI document says what each route returns.

Money is a string with exactly the currency's decimals (never a float); dates are YYYY-MM-DD.
"""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")

MAX_PAGE = 500


class Page(BaseModel, Generic[T]):
    """One page of a list: `items`, the `limit` and `offset` asked for, and `next_offset` (None on the last page)."""

    items: list[T]
    limit: int
    offset: int
    next_offset: int | None


class Paging:
    """The `limit` and `offset` query parameters every list takes."""

    def __init__(self, limit: int = Query(50, ge=1, le=MAX_PAGE, description=f"Items per page, at most {MAX_PAGE}."),
                 offset: int = Query(0, ge=0, le=10**12, description="Items to skip.")) -> None:
        self.limit, self.offset = limit, offset

    def page(self, rows: list) -> dict:
        """The page of `rows` when they were fetched with `limit + 1` from `offset` (the extra one says there is more)."""
        more = len(rows) > self.limit
        return {"items": rows[: self.limit], "limit": self.limit, "offset": self.offset,
                "next_offset": self.offset + self.limit if more else None}

    def slice(self, rows: list) -> dict:
        """The page of an already complete list."""
        return self.page(rows[self.offset: self.offset + self.limit + 1])


class PostingOut(BaseModel):
    account: str
    amount: str
    currency: str


class EntryOut(BaseModel):
    """A journal entry: its log position, effective date, idempotency key, narration and postings."""

    seq: int
    date: dt.date
    recorded_at: dt.datetime
    key: str
    narration: str
    links: list[str]
    reverses: int | None
    postings: list[PostingOut]


class BalanceOut(BaseModel):
    account: str
    currency: str
    balance: str


class AccountOut(BaseModel):
    name: str
    type: str
    currencies: list[str] | None
    opened: dt.date
    closed: dt.date | None
    balances: dict[str, str]


class CheckpointOut(BaseModel):
    """A tree head signed by one partner, with the public key that checks it."""

    id: int
    fund_id: str
    partner: str
    tree_size: int
    root: str
    signed_at: str
    key_id: str
    signature: str
    public_key_pem: str


class MemberOut(BaseModel):
    id: int
    body: str
    partner: str
    seat: int
    name: str
    key_id: str
    appointed_on: dt.date
    removed_on: dt.date | None


class SeatOut(BaseModel):
    partner: str
    number: int
    member: int | None
    name: str | None
    choice: str | None


class ProposalOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    rule: str
    amount: str | None
    currency: str | None
    about: str | None
    deadline: dt.date | None
    proposer: int
    created_on: dt.date
    state: str
    reason: str


class VoteOut(BaseModel):
    member: int
    choice: str
    round: int
    cast_on: dt.date
    signature: str
    seq: int


class ClosingOut(BaseModel):
    status: str
    effective: dt.date
    reason: str
    seq: int


class ProposalDetail(ProposalOut):
    """A proposal with its ballot: every seat and its last vote, the rule in words, votes and state changes."""

    rule_words: str
    content_sha256: str
    seats: list[SeatOut]
    votes: list[VoteOut]
    closings: list[ClosingOut]


class BallotOut(BaseModel):
    """The exact bytes a member signs to cast this vote (UTF-8 text and base64), and the round they carry."""

    proposal: int
    member: int
    choice: str
    round: int
    message: str
    message_base64: str


class VoteIn(BaseModel):
    member: int
    choice: str
    round: int
    signature: str


class AuditOut(BaseModel):
    seq: int
    recorded_at: dt.datetime
    actor: str
    action: str
    subject: str
    before: str
    after: str
    what: str


class MeOut(BaseModel):
    name: str
    role: str
    may: list[str]
