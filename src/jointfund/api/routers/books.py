"""/api/expenses and /api/ledger/entries: the changes to the books a person makes by hand, each countersigned.

An expense and a hand-made journal entry change what the partners are owed, so each takes a seated member's
countersignature besides the caller's (governance.countersign): the client asks `.../countersign-request` for
the exact bytes the member signs (the same request the change will make, named by the caller), the member
signs them with their own key on their own machine, and the change is posted with `member` and `signature`.
Without them it is refused, saying what it needs, and nothing is written.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from jointfund import bounds
from jointfund.accounting import manual
from jointfund.api import deps
from jointfund.api.errors import RESPONSES
from jointfund.api.schemas import EntryOut, RowId
from jointfund.budget import expense
from jointfund.errors import InputError, Problem
from jointfund.governance import countersign
from jointfund.ledger import document, entries, journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.money import format_amount, read_amount
from jointfund.store import db

router = APIRouter(tags=["books"], responses=RESPONSES)

Member = Field(None, description="The seated member who countersigns (not one linked to the caller).")
Signature = Field(
    None,
    max_length=128,
    description="That member's Ed25519 signature (hex) over the countersign-request's bytes.",
)


class Countersigning(BaseModel):
    """What a member signs: `message_base64` is the exact bytes (canonical JSON, shown in `message`)."""

    kind: str
    subject: str
    member: int
    message: str
    message_base64: str


def countersigning_of(asked: countersign.Request, member: int) -> dict:
    """The Countersigning answer for `asked`: member `member`'s bytes to sign (also the money routes',
    api.routers.capital)."""
    raw = asked.message(member)
    return {
        "kind": asked.kind,
        "subject": asked.subject,
        "member": member,
        "message": raw.decode("utf-8"),
        "message_base64": base64.b64encode(raw).decode("ascii"),
    }


def countersigner_of(member: int | None, signature: str | None) -> countersign.Signer | None:
    return None if member is None else countersign.given(member, signature or "")


# -- expenses --


class ExpenseIn(BaseModel):
    line: str = Field(min_length=1, max_length=64, description="The adopted budget line's code.")
    amount: str = Field(
        max_length=bounds.MAX_NUMBER_CHARS, description="In the line's currency, e.g. 1250.00."
    )
    currency: str = Field(min_length=3, max_length=3)
    date: dt.date
    reference: str = Field(
        max_length=expense.MAX_REFERENCE_CHARS, description="The invoice's reference (key)."
    )
    evidence_name: str = Field(min_length=1, max_length=200, description="The evidence file's name.")
    evidence_base64: str = Field(description="The invoice or receipt, base64; kept by its SHA-256.")
    member: int | None = Member
    signature: str | None = Signature


class ExpenseOut(BaseModel):
    id: int
    line: str
    amount: str
    currency: str
    date: dt.date
    reference: str
    document_sha256: str
    entry: int
    seq: int
    new: bool


def _evidence(x: ExpenseIn) -> bytes:
    try:
        return base64.b64decode(x.evidence_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InputError([Problem("evidence_base64", "not base64")], "expense not recorded") from None


@router.post(
    "/expenses/countersign-request",
    response_model=Countersigning,
    summary="The bytes a member signs to countersign an expense",
)
def expense_request(request: Request, x: ExpenseIn, who=Depends(deps.allow("expenses.record"))) -> dict:
    """The exact request `POST /expenses` will make for this caller (`member` names who will sign)."""
    if x.member is None:
        raise InputError([Problem("member", "name the member who will countersign")])
    asked = expense.request(
        deps.fund(request).id,
        who.name,
        x.line,
        read_amount(x.amount, "amount"),
        x.currency,
        x.date,
        x.reference.strip(),
        document.digest(_evidence(x)),
    )
    return countersigning_of(asked, x.member)


@router.post("/expenses", response_model=ExpenseOut, status_code=201, summary="Record an expense")
def record_expense(request: Request, x: ExpenseIn, who=Depends(deps.change("expenses.record"))) -> dict:
    """As `jointfund expenses record`, countersigned by a seated member other than the caller."""
    with db.write(deps.server(request).engine) as conn:
        made, new = expense.record(
            conn,
            deps.fund(request),
            who.name,
            x.line,
            read_amount(x.amount, "amount"),
            x.currency,
            x.date,
            x.reference,
            x.evidence_name,
            _evidence(x),
            countersigner_of(x.member, x.signature),
        )
    return {
        **made._asdict(),
        "amount": format_amount(made.amount, made.currency),
        "entry": made.entry_seq,
        "new": new,
    }


# -- journal entries posted by hand --


class PostingIn(BaseModel):
    account: str = Field(min_length=1, max_length=200)
    amount: str = Field(max_length=bounds.MAX_NUMBER_CHARS)
    currency: str = Field(min_length=3, max_length=3)


class EntryIn(BaseModel):
    date: dt.date
    narration: str = Field(min_length=1, max_length=bounds.MAX_TEXT_CHARS)
    key: str = Field(
        min_length=1, max_length=180, description="The source's own reference (kept as manual:KEY)."
    )
    postings: list[PostingIn] = Field(min_length=2, max_length=100)
    links: list[str] = Field([], max_length=20)
    member: int | None = Member
    signature: str | None = Signature


class ReversalIn(BaseModel):
    date: dt.date
    key: str = Field(min_length=1, max_length=180, description="The reversal's own key (kept as manual:KEY).")
    narration: str | None = Field(None, max_length=bounds.MAX_TEXT_CHARS)
    member: int | None = Member
    signature: str | None = Signature


def _entry(e: EntryIn) -> Entry:
    legs = tuple(
        Posting(p.account, read_amount(p.amount, f"postings[{i}].amount"), p.currency)
        for i, p in enumerate(e.postings)
    )
    return Entry(e.date, e.narration, legs, manual.stored_key(e.key), tuple(e.links))


def _asked(request: Request, who, member: int | None, build: Callable[[Connection], Entry]) -> dict:  # noqa: ANN001
    if member is None:
        raise InputError([Problem("member", "name the member who will countersign")])
    with deps.reading(request) as conn:
        entry = build(conn)
        journal.check(conn, [entry], deps.fund(request).start_date)
    return countersigning_of(manual.request(deps.fund(request).id, who.name, entry), member)


def _posted(request: Request, do: Callable[[Connection], tuple[int, bool]]) -> dict:
    with db.write(deps.server(request).engine) as conn:
        seq, _new = do(conn)
        return entries.one(conn, seq)


@router.post(
    "/ledger/entries/countersign-request",
    response_model=Countersigning,
    summary="The bytes a member signs to countersign an entry posted by hand",
)
def entry_request(request: Request, e: EntryIn, who=Depends(deps.allow("ledger.post"))) -> dict:
    return _asked(request, who, e.member, lambda _conn: _entry(e))


@router.post("/ledger/entries", response_model=EntryOut, status_code=201, summary="Post an entry by hand")
def post_entry(request: Request, e: EntryIn, who=Depends(deps.change("ledger.post"))) -> dict:
    """As `jointfund ledger post`, countersigned by a seated member other than the caller."""
    by = countersigner_of(e.member, e.signature)
    return _posted(request, lambda conn: manual.post(conn, deps.fund(request), who.name, _entry(e), by))


@router.post(
    "/ledger/entries/{seq}/reversal/countersign-request",
    response_model=Countersigning,
    summary="The bytes a member signs to countersign a reversal posted by hand",
)
def reversal_request(
    request: Request, seq: RowId, r: ReversalIn, who=Depends(deps.allow("ledger.reverse"))
) -> dict:
    return _asked(
        request,
        who,
        r.member,
        lambda conn: journal.reversal_of(conn, seq, r.date, manual.stored_key(r.key), r.narration),
    )


@router.post(
    "/ledger/entries/{seq}/reversal", response_model=EntryOut, status_code=201, summary="Reverse an entry"
)
def reverse_entry(
    request: Request, seq: RowId, r: ReversalIn, who=Depends(deps.change("ledger.reverse"))
) -> dict:
    """As `jointfund ledger reverse`, countersigned by a seated member other than the caller."""
    by = countersigner_of(r.member, r.signature)
    return _posted(
        request,
        lambda conn: manual.reverse(conn, deps.fund(request), who.name, seq, r.date, r.key, r.narration, by),
    )
