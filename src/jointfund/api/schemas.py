"""Shapes of the API's answers, so that the OpenAPI document says what each route returns.

Money is a string with exactly the currency's decimals (never a float); dates are YYYY-MM-DD.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, Field

from jointfund import bounds, paging
from jointfund.commitments.register import MAX_NOTE

T = TypeVar("T")
Q = TypeVar("Q")

MAX_PAGE = bounds.MAX_PAGE_ITEMS

# Every row id (log position, proposal, member, application) is a positive 64-bit integer in both databases;
# a larger number in a path is refused as invalid input (422), never handed to the driver to overflow.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Sha256 = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="SHA-256 of the bytes, lowercase hex")]


class Page(BaseModel, Generic[T]):
    """One page of a list: `items`, the `limit` and `offset` asked for, and `next_offset` (None on the last
    page)."""

    items: list[T]
    limit: int
    offset: int
    next_offset: int | None


class Paging:
    """The `limit` and `offset` query parameters every list takes."""

    def __init__(
        self,
        limit: int = Query(
            50,
            ge=1,
            le=MAX_PAGE,
            description=f"Items per page, from 1 to {MAX_PAGE}. A larger (or smaller) limit is refused with "
            f"422 naming the bound, never clamped; ask for the next page with `offset` "
            f"(the answer's `next_offset`, null on the last page).",
        ),
        offset: int = Query(0, ge=0, le=10**12, description="Items to skip."),
    ) -> None:
        self.limit, self.offset = limit, offset

    def page(self, rows: list) -> dict:
        """The page of `rows` read with `window` or `take` (`limit + 1` from `offset`: the extra says there
        is more)."""
        return paging.page(rows, self.limit, self.offset)

    def window(self, query: Q) -> Q:
        """`query` limited in SQL to this page's rows and one more."""
        return paging.window(query, self.limit, self.offset)

    def take(self, rows: Iterable) -> list:
        """The page's rows of `rows` and one more, read lazily: the rows before `offset` are skipped, never
        kept."""
        return paging.take(rows, self.limit, self.offset)

    def slice(self, rows: list) -> dict:
        """The page of an already complete list (kept for a list still worked out whole: the proposals)."""
        return self.page(paging.take(rows, self.limit, self.offset))


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


class SupportingOut(BaseModel):
    name: str
    sha256: str
    size_bytes: int


class ProposalDetail(ProposalOut):
    """A proposal with its ballot: every seat and its last vote, the rule in words, votes and state
    changes."""

    rule_words: str
    content_sha256: str
    documents: list[SupportingOut] = []
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


# -- shared helpers for rows computed by the domain --

Cell = str | int | float | bool | None


def plain(value: object) -> Cell:
    """A domain value as JSON: Decimal and dates as text (money keeps its exact digits), others as they
    are."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def plain_row(row: dict) -> dict[str, Cell]:
    return {k: plain(v) for k, v in row.items()}


def capital_out(fc: Any) -> dict:
    """The partners' capital accounts (capital.accounts.FundCapital) as JSON."""
    return {**plain_row(fc._asdict()), "accounts": [plain_row(a._asdict()) for a in fc.accounts]}


def reconciliation_out(year: int, tolerance: Decimal, compared: int, found: Iterable[Any]) -> dict:
    """A year's reconciliation (revenue.annual.reconciliation) as JSON."""
    return {
        "year": year,
        "tolerance": format(tolerance, "f"),
        "compared": compared,
        "findings": [plain_row(f._asdict()) for f in found],
    }


def amount_query(description: str):  # noqa: ANN201 - a Query; one per parameter (FastAPI keeps state in it)
    return Query(
        None,
        max_length=30,
        pattern=r"^[0-9]{1,18}(\.[0-9]{1,8})?$",
        description=f"{description} An amount, with a dot as the decimal mark.",
    )


def section_out(section: Any) -> dict:
    """A report's section (reports.fund_report.Section) as JSON: its title and its rows in plain values."""
    return {"title": section.title, "rows": [plain_row(r) for r in section.rows]}


class SectionOut(BaseModel):
    """One table of a report: its title and rows (amounts as exact decimal text)."""

    title: str
    rows: list[dict[str, Cell]]


class ReportOut(BaseModel):
    title: str
    sections: list[SectionOut]


# -- revenue --


class RateOut(BaseModel):
    currency: str
    date: dt.date
    rate: str


class PaymentOut(BaseModel):
    payment_id: str
    date: dt.date
    holder_code: str
    licence_id: str
    stream: str
    amount: str
    currency: str


class TotalsOut(BaseModel):
    """Contributions of one group in one currency (as `jointfund contributions --by`)."""

    key: str
    name: str
    currency: str
    receipts: int
    eligible: int
    amount: str
    eligible_amount: str
    contribution: str
    contribution_base: str | None
    base_currency: str  # the terms' base currency, that of contribution_base


class DeadlineOut(BaseModel):
    """A deadline of the compliance calendar for one revenue year: done, late, open or overdue."""

    period: int
    deadline: str
    what: str
    responsible: str
    due: dt.date
    status: str
    met_on: dt.date | None
    outstanding: str


class EitiRowOut(BaseModel):
    section: str
    key: str
    name: str
    gfs_code: str
    currency: str
    receipts: int
    amount: str
    eligible_amount: str
    eligible_share_pct: str | None
    contribution: str
    contribution_base: str | None
    base_currency: str  # the terms' base currency, that of contribution_base


class FindingOut(BaseModel):
    kind: str
    holder_code: str
    licence_id: str
    stream: str
    currency: str
    treasury: str | None
    company: str | None
    difference: str
    difference_pct: str | None
    ids: str


class ReconciliationOut(BaseModel):
    year: int
    tolerance: str
    compared: int
    findings: list[FindingOut]


# -- the pipeline and the portfolio --


class ApplicationIn(BaseModel):
    """An application as a company submits it (the columns of `jointfund applications submit`)."""

    applicant: str = Field(max_length=200)
    applicant_code: str = Field(max_length=20, description="EDRPOU: 8 digits.")
    title: str = Field(max_length=300)
    sector: str = Field(max_length=60)
    region: str = Field(max_length=100)
    amount: str = Field(max_length=40, description="Amount requested, a dot as decimal mark.")
    currency: str = Field(max_length=3)
    instrument: str = Field(max_length=40)
    reference: str | None = Field(
        None, max_length=100, description="Your own reference: submitting it again adds nothing."
    )
    resource: str | None = Field(None, max_length=60)
    description: str | None = Field(None, max_length=5000)
    contact: str | None = Field(None, max_length=300)
    documents: str | None = Field(None, max_length=2000, description="Document references separated by ';'.")
    owners: str | None = Field(
        None,
        max_length=20000,
        description=(
            "Beneficial owners, separated by ';' or new lines, each name|YYYY-MM-DD|CC (date of "
            "birth, ISO 3166 "
            "nationality). Personal data: used for sanctions screening, never published."
        ),
    )


class ApplicationOut(BaseModel):
    id: int
    label: str
    reference: str
    applicant: str
    applicant_code: str
    title: str
    sector: str
    region: str
    resource: str
    amount: str
    currency: str
    instrument: str
    submitted_on: dt.date
    stage: str
    stage_name: str
    since: dt.date


class StageChangeOut(BaseModel):
    from_stage: str | None
    to_stage: str
    effective: dt.date
    actor: str
    reason: str
    proposal: int | None
    seq: int


class NextStageOut(BaseModel):
    """A move the pipeline allows from where the application stands: by a person, or only by a proposal's
    execution."""

    to: str
    name: str
    decision: str | None


class ApplicationDetail(ApplicationOut):
    description: str
    contact: str
    documents: list[str]
    source: str
    history: list[StageChangeOut]
    next: list[NextStageOut]
    investment: int | None
    uploaded: list[dict] = Field(
        default_factory=list, description="Documents the applicant uploaded (portal only)."
    )


class SubmittedOut(BaseModel):
    application: ApplicationDetail
    new: bool


class MoveIn(BaseModel):
    to: str = Field(max_length=60)
    reason: str = Field(max_length=2000)


class WithdrawIn(BaseModel):
    """An applicant withdrawing their own application: `confirm` must be true (the portal's confirmation)."""

    confirm: bool
    reason: str = Field("", max_length=2000)


class HitOut(BaseModel):
    """A party of the application that may be on a sanctions list (owners named only "owner N")."""

    party: str
    list_name: str
    list_id: int
    entry: str
    entry_name: str
    kind: str
    score: float
    fields: list[str]
    birth_date: str
    strong: bool
    matched: str
    programs: str


class OutcomeIn(BaseModel):
    """A person's outcome. Confirming another user's clearance also needs `member` and `signature`: that
    seated member's Ed25519 countersignature (hex) over the clearance's countersignature bytes
    (governance.countersign; docs/governance.md)."""

    outcome: Literal["cleared", "blocked"]
    reason: str = Field(min_length=1, max_length=2000)
    member: int | None = None
    signature: str | None = Field(None, max_length=128)


class OutcomeOut(BaseModel):
    """A screening's outcome; `pending` is a first person's clearance that a second user must confirm."""

    screening: int
    outcome: str
    reason: str
    actor: str
    automatic: bool
    decided_on: dt.date
    seq: int


class ScreeningOut(BaseModel):
    """One screening: the list versions it matched against, its hits, which are new, and its outcome (None: it
    waits for a person)."""

    id: int
    application: int
    lists: list[int]
    screened_on: dt.date
    seq: int
    hits: list[HitOut]
    new: int
    outcome: OutcomeOut | None


class InvestmentOut(BaseModel):
    id: int
    label: str
    application: int
    title: str
    proposal: int
    amount: str
    currency: str
    committed_on: dt.date
    stage: str
    stage_name: str


class PortfolioOut(BaseModel):
    """Each investment's money and metrics, then fund totals per currency (rows named TOTAL)."""

    as_of: dt.date
    title: str
    rows: list[dict[str, Cell]]


# -- capital --


class CapitalAccountOut(BaseModel):
    partner: str
    currency: str
    start: dt.date
    end: dt.date
    opening: str
    cash: str
    revenue: str
    in_kind: str = Field(description="net in-kind capital credit: approved values less this partner's offset")
    income: str
    expenses: str
    realised: str
    unrealised: str
    fx: str = Field(description="allocated FX gains and losses (the remeasurement and settlement entries)")
    distributions: str
    closing: str
    share: str
    contributed: str = Field(description="cash, revenue share and approved in-kind value put in")


class FundCapitalOut(BaseModel):
    start: dt.date
    end: dt.date
    currency: str
    accounts: list[CapitalAccountOut]
    nav: str
    other_equity: str


# -- governance: proposing, withdrawing, executing; consistency; users --


class SupportingIn(BaseModel):
    """A supporting document as the proposer signs it: its name, and the SHA-256 and size of its bytes."""

    name: str = Field(max_length=200)
    sha256: str = Field(max_length=64, description="SHA-256 of the file's bytes, 64 lowercase hex digits.")
    size_bytes: int = Field(ge=0, le=2**53, description="The file's size in bytes.")


class ProposalIn(BaseModel):
    """A proposal as its proposer signs it (the options of `jointfund proposals new`)."""

    kind: str = Field(max_length=40)
    title: str = Field(max_length=300)
    member: int = Field(ge=1, le=2**31, description="The proposing member's id.")
    amount: str | None = Field(None, max_length=40)
    currency: str | None = Field(None, max_length=3)
    about: str | None = Field(None, max_length=200)
    deadline: dt.date | None = None
    amendment: str | None = Field(
        None,
        max_length=100_000,
        description="With kind amendment (and only then): the "
        "amendment as TOML text, effective, reference and changes, as `--amendment FILE`.",
    )
    documents: list[SupportingIn] = Field(
        [],
        max_length=100,
        description="Supporting documents, signed with the proposal (at most 20; their bytes are posted with "
        "the signed proposal to /api/proposals/signed).",
    )


class SignedProposalIn(ProposalIn):
    id: int = Field(ge=1, le=2**31, description="The number the draft was given (signed with it).")
    signature: str = Field(max_length=200, description="Ed25519 signature (hex) over the draft's bytes.")


class DraftOut(BaseModel):
    """The bytes the proposer signs (UTF-8 text and base64); post them back signed to /api/proposals."""

    id: int
    message: str
    message_base64: str


class WithdrawalIn(BaseModel):
    member: int = Field(ge=1, le=2**31)
    signature: str = Field(max_length=200)


class ClosedOut(BaseModel):
    proposal: int
    status: str
    effective: dt.date
    reason: str
    seq: int


class ExecutionOut(BaseModel):
    proposal: int
    seq: int
    effect: str


class MemberLinkIn(BaseModel):
    member: int = Field(ge=1, le=2**31)
    authority: dict | None = Field(
        None,
        description="The user.member statement signed by the member's partner's "
        "authority key, as `jointfund users link --prepare` writes it and "
        "`jointfund authority sign` signs it",
    )


class MemberUnlinkIn(BaseModel):
    authority: dict | None = Field(
        None, description="The user.unmember statement signed by the member's partner's authority key"
    )


class UserMembersOut(BaseModel):
    name: str
    members: list[int]


class EventIn(BaseModel):
    """An event of the agreements' commitments (commitments.overview.event)."""

    kind: str = Field(max_length=40)
    date: dt.date
    note: str = Field(default="", max_length=MAX_NOTE)
