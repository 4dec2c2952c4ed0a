"""/api/public, /api/terms and /api/me: what anyone may read, and who am I.

The public summary holds published aggregates only: the partners' capital, contributions
grouped by resource, region and year, the decisions taken, the investments and their stage,
and the latest checkpoint of each partner. The public page (web.pages) draws the same summary.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from jointfund import clock
from jointfund.api import deps, reads
from jointfund.api.errors import RESPONSES
from jointfund.api.response_cache import cacheable
from jointfund.api.schemas import CheckpointOut, InvestmentOut, MeOut, Page, Paging, ProposalOut, RowId
from jointfund.governance import policy
from jointfund.ledger import disclosure
from jointfund.reports.summary import SUMMARY_ITEMS

router = APIRouter(responses=RESPONSES)
PUBLIC = Depends(deps.allow("public.read"))


class CapitalOut(BaseModel):
    partner: str
    currency: str
    committed: str
    called: str
    received: str
    capital: str = Field(description="the partner's capital account (capital.accounts, as on every surface)")
    share: str = Field(description="ownership share: its capital over all partners' capital")


class GroupOut(BaseModel):
    """Contributions owed to the fund for one group, in the base currency (None when a rate is missing)."""

    key: str
    name: str
    receipts: int
    eligible: int
    contribution_base: str | None


class WitnessingOut(BaseModel):
    """Who signed the latest head both partners signed: the partners, then the independent witnesses."""

    tree_size: int
    partners: list[str]
    witnesses: list[str] = Field(description="the witnesses' key names (only witnesses the terms name count)")
    required: int = Field(description="cosignatures the terms require ([transparency] witnesses_required)")
    witnessed: bool


class SummaryOut(BaseModel):
    fund_code: str
    fund_name: str
    start_date: dt.date
    base_currency: str
    as_of: dt.date
    capital: list[CapitalOut]
    contributions: dict[str, list[GroupOut]]
    decisions: list[ProposalOut] = Field(
        description=f"The newest {SUMMARY_ITEMS} proposals that name an amount, newest first (issue 13: a "
        "summary "
        "reads a bounded number of rows)."
    )
    more_decisions: bool = Field(description="Whether older such proposals exist beyond `decisions`.")
    investments: list[InvestmentOut] = Field(
        description=f"The newest {SUMMARY_ITEMS} investments, newest first."
    )
    more_investments: bool = Field(description="Whether older investments exist beyond `investments`.")
    checkpoints: list[CheckpointOut]
    both_signed: CheckpointOut | None
    witnessing: WitnessingOut | None


@router.get("/public/summary", response_model=SummaryOut, tags=["public"], summary="Published aggregates")
@cacheable
def public_summary(request: Request, _who=PUBLIC) -> dict:
    """The published aggregates (role-independent: the public sees them), cached per book version and day."""
    return reads.public_summary(request)


class PublicRecordOut(BaseModel):
    """One record of the log as anyone sees it: a private record shows only its leaf hash."""

    seq: int
    leaf_hash: str = Field(description="hex SHA-256(0x00 || the record's canonical bytes)")
    public: bool
    kind: str | None = Field(description='"entry" or "event"; None for a private record')
    action: str | None = Field(description="the event's action; None for an entry or a private record")


@router.get(
    "/public/records",
    response_model=Page[PublicRecordOut],
    tags=["public", "proofs"],
    summary="The log's records in order: public ones with their kind, private ones as their leaf hash only",
)
def public_records(request: Request, paging: Paging = Depends(), _who=PUBLIC) -> dict:
    terms = deps.fund(request).base_terms()
    with deps.reading(request) as conn:
        rows = disclosure.page(conn, terms.transparency, paging.offset, paging.limit + 1)
    return paging.page([r._asdict() for r in rows])


@router.get(
    "/public/records/{seq}",
    response_model=dict,
    tags=["public", "proofs"],
    summary="A public record with its inclusion proof against the latest tree head both partners signed",
)
def public_record(request: Request, seq: RowId, _who=PUBLIC) -> dict:
    """The proof bundle of `jointfund ledger proof` (docs/auditing.md), against the largest tree head every
    partner signed, with each partner's signature of it (`signatures`) and how many records were logged since
    (`unsigned`). A private record answers 404: its content is never served, only its leaf hash in the
    list."""
    info = deps.fund(request)
    terms = info.base_terms()
    with deps.reading(request) as conn:
        return disclosure.proof(conn, info.id, terms.transparency, terms.partner_codes, seq)


@router.get(
    "/forecast",
    response_model=dict,
    tags=["public"],
    # The API page shows the summary, and a page tells no one to run a command (the CLI's forecast run).
    summary="The outlook: the shipped base scenario from today's book",
)
@cacheable
def forecast(
    request: Request,
    tornado: bool = Query(False, description="Also the sensitivity to each input (slower)."),
    _who=PUBLIC,
) -> dict:
    return reads.outlook_document(request, tornado)


@router.get("/terms", response_model=dict, tags=["terms"], summary="The terms in force on a date")
def terms_in_force(
    request: Request, as_of: dt.date | None = Query(None, description="Default: today."), _who=PUBLIC
) -> dict:
    return deps.fund(request).terms(as_of or clock.today()).model_dump(mode="json")


@router.get(
    "/me", response_model=MeOut, tags=["users"], summary="Who the request acts as, and what they may change"
)
def me(who: policy.Actor = Depends(deps.current_actor)) -> dict:
    may = [a for a in policy.READS if policy.may_read(who.role, a)] + [
        a for a in policy.RULES if policy.allowed(who.role, a)
    ]
    return {"name": who.name, "role": who.role, "may": sorted(may)}
