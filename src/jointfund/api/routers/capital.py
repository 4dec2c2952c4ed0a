"""/api/transfers, /api/capital/calls and /api/capital/contributions: money that credits a partner's capital.

Each is recorded as `jointfund transfers record`, `capital call` and `capital contribute` record it, and each
needs a seated member's countersignature (governance.countersigned) by a member other than the caller's own
seat: the caller first posts the same fields to the route's `/countersign-request`, which writes nothing and
answers the exact bytes member M signs; the member signs them with their key (elsewhere: the key never reaches
the server), and the caller posts the fields again with `member` and `signature`. The same convention as
/api/expenses (api.routers.books), whose request answer this reuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from jointfund import bounds
from jointfund.api import deps
from jointfund.api.errors import RESPONSES
from jointfund.api.routers.books import Countersigning, countersigner_of, countersigning_of
from jointfund.capital import calls
from jointfund.errors import InputError, Problem
from jointfund.fund import FundInfo
from jointfund.governance import countersign
from jointfund.money import read_amount
from jointfund.revenue import transfer
from jointfund.store import db

router = APIRouter(tags=["capital"], responses=RESPONSES)

Member = Field(None, ge=1, le=2**31, description="The seated member who countersigns; not the caller's seat.")
Signature = Field(
    None,
    max_length=128,
    description="That member's Ed25519 signature (hex) over the bytes /countersign-request gave.",
)
Amount = Field(max_length=bounds.MAX_NUMBER_CHARS, description="Exact, as text: 1000.00")
Reference = Field(min_length=1, max_length=60)


class Countersigned(BaseModel):
    member: int | None = Member
    signature: str | None = Signature

    def signer(self) -> countersign.Signer | None:
        return countersigner_of(self.member, self.signature)


class TransferIn(Countersigned):
    partner: str = Field(min_length=1, max_length=8)
    date: dt.date = Field(description="The day the money arrived.")
    amount: str = Amount
    currency: str = Field(min_length=3, max_length=3)
    reference: str = Reference
    period: int = Field(ge=1900, le=2999, description="The revenue year whose obligation it settles.")

    def details(self) -> tuple[str, dt.date, Decimal, str, str, int]:
        """transfer.record's and transfer.request's arguments after the fund: asking for the bytes to
        countersign checks exactly what recording will."""
        return (
            self.partner,
            self.date,
            read_amount(self.amount, "amount"),
            self.currency,
            self.reference,
            self.period,
        )


class CallIn(Countersigned):
    amount: str = Amount
    currency: str = Field(min_length=3, max_length=3)
    date: dt.date
    reference: str = Reference


class ContributionIn(Countersigned):
    call: str = Field(
        min_length=1, max_length=80, description="The partner's call line, e.g. CALL-2026-3-US."
    )
    amount: str = Amount
    date: dt.date
    receipt: str = Field(min_length=1, max_length=60, description="The bank's reference of the payment.")


class TransferOut(BaseModel):
    entry: int
    reference: str
    date: dt.date
    period: int
    amount: str = Field(description="What it settled of the obligation, in the obligation's currency.")
    currency: str
    paid: str
    paid_currency: str


class CallLineOut(BaseModel):
    reference: str
    partner: str
    currency: str
    called_on: dt.date
    amount: str
    received: str
    outstanding: str


def _bytes(
    request: Request, member: int | None, ask: Callable[[Connection, FundInfo], countersign.Request]
) -> dict:
    if member is None:
        raise InputError([Problem.of("member", "name the seated member who will countersign")])
    with deps.reading(request) as conn:
        return countersigning_of(ask(conn, deps.fund(request)), member)


def _line(x: calls.CallLine) -> dict:
    return {
        **x._asdict(),
        "amount": str(x.amount),
        "received": str(x.received),
        "outstanding": str(x.outstanding),
    }


@router.post(
    "/transfers/countersign-request",
    response_model=Countersigning,
    summary="The bytes a member signs to countersign a transfer",
)
def transfer_bytes(request: Request, t: TransferIn, who=Depends(deps.allow("transfers.record"))) -> dict:
    """Nothing is written: the transfer is checked as recording it would, and member `member`'s bytes to sign
    are returned."""
    return _bytes(
        request,
        t.member,
        lambda conn, info: transfer.request(conn, info, *t.details(), who.name),
    )


@router.post("/transfers", response_model=TransferOut, status_code=201, summary="Record a transfer")
def record_transfer(request: Request, t: TransferIn, who=Depends(deps.change("transfers.record"))) -> dict:
    """As `jointfund transfers record`; the same reference and content again is a no-op."""
    info = deps.fund(request)
    with db.write(deps.server(request).engine) as conn:
        seq = transfer.record(conn, info, *t.details(), actor=who.name, countersigner=t.signer())
        done = next(x for x in transfer.transfers(conn, info.terms(t.date), t.period) if x.seq == seq)
    return {
        "entry": seq,
        "reference": done.reference,
        "date": done.date,
        "period": done.period,
        "amount": str(done.amount),
        "currency": done.currency,
        "paid": str(done.paid),
        "paid_currency": done.paid_currency,
    }


@router.post(
    "/capital/calls/countersign-request",
    response_model=Countersigning,
    summary="The bytes a member signs to countersign a capital call",
)
def call_bytes(request: Request, c: CallIn, who=Depends(deps.allow("capital.call"))) -> dict:
    """Nothing is written: the call is split pro rata as issuing it would, and member `member`'s bytes to sign
    (one request over every partner's line) are returned."""
    return _bytes(
        request,
        c.member,
        lambda conn, info: calls.call_request(
            conn, info, read_amount(c.amount, "amount"), c.currency, c.date, c.reference, who.name
        ),
    )


@router.post(
    "/capital/calls", response_model=list[CallLineOut], status_code=201, summary="Issue a capital call"
)
def issue_call(request: Request, c: CallIn, who=Depends(deps.change("capital.call"))) -> list[dict]:
    """As `jointfund capital call`: every partner's line, pro rata to its commitment."""
    with db.write(deps.server(request).engine) as conn:
        lines = calls.issue_call(
            conn,
            deps.fund(request),
            read_amount(c.amount, "amount"),
            c.currency,
            c.date,
            c.reference,
            actor=who.name,
            countersigner=c.signer(),
        )
    return [_line(x) for x in lines]


@router.post(
    "/capital/contributions/countersign-request",
    response_model=Countersigning,
    summary="The bytes a member signs to countersign cash received against a call",
)
def contribution_bytes(
    request: Request, c: ContributionIn, who=Depends(deps.allow("capital.contribute"))
) -> dict:
    """Nothing is written: member `member`'s bytes to sign for this contribution."""
    return _bytes(
        request,
        c.member,
        lambda conn, info: calls.contribution_request(
            conn, info, c.call, read_amount(c.amount, "amount"), c.date, c.receipt, who.name
        ),
    )


@router.post(
    "/capital/contributions",
    response_model=CallLineOut,
    status_code=201,
    summary="Record cash received against a call",
)
def contribute(request: Request, c: ContributionIn, who=Depends(deps.change("capital.contribute"))) -> dict:
    """As `jointfund capital contribute`; the same receipt again is a no-op."""
    with db.write(deps.server(request).engine) as conn:
        line = calls.contribute(
            conn,
            deps.fund(request),
            c.call,
            read_amount(c.amount, "amount"),
            c.date,
            c.receipt,
            actor=who.name,
            countersigner=c.signer(),
        )
    return _line(line)
