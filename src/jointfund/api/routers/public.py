"""/api/public, /api/terms and /api/me: what anyone may read, and who am I.

The public summary holds published aggregates only: the partners' capital, contributions
grouped by resource, region and year, the decisions taken, the investments and their stage,
and the latest checkpoint of each partner. The public page (web.pages) draws the same summary.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import islice

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from jointfund import clock
from jointfund.api import deps
from jointfund.api.errors import RESPONSES
from jointfund.api.response_cache import cacheable
from jointfund.api.routers.portfolio import investment_rows
from jointfund.api.schemas import CheckpointOut, InvestmentOut, MeOut, Page, Paging, ProposalOut, RowId
from jointfund.capital.accounts import FundCapital, capital_accounts
from jointfund.capital.calls import partner_capital
from jointfund.errors import JointfundError
from jointfund.forecast import outlook
from jointfund.governance import listing, policy, proposal
from jointfund.ledger import disclosure, log
from jointfund.ledger.proof import checkpoint_json
from jointfund.money import format_amount
from jointfund.revenue import book as revenue_book
from jointfund.revenue.contribution import Tally

router = APIRouter(responses=RESPONSES)
PUBLIC = Depends(deps.allow("public.read"))
GROUPINGS = ("resource", "region", "year")
SUMMARY_ITEMS = 20  # decisions and investments the summary lists, newest first (the page shows them all)


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


def latest_by_partner(cps: list[dict]) -> list[dict]:
    latest: dict[str, dict] = {}
    for cp in cps:
        if cp["partner"] not in latest or cp["tree_size"] >= latest[cp["partner"]]["tree_size"]:
            latest[cp["partner"]] = cp
    return sorted(latest.values(), key=lambda cp: cp["partner"])


def both_signed(cps: list[dict], partners: tuple[str, ...]) -> dict | None:
    """The largest tree head that every partner signed (same size and root), if there is one."""
    heads: dict[tuple[int, str], set[str]] = {}
    for cp in cps:
        heads.setdefault((cp["tree_size"], cp["root"]), set()).add(cp["partner"])
    full = [head for head, who in heads.items() if who >= set(partners)]
    if not full:
        return None
    size, root = max(full)
    return next(cp for cp in cps if (cp["tree_size"], cp["root"]) == (size, root))


def contributions(request: Request, base: str) -> dict[str, list[dict]]:
    info = deps.fund(request)
    tallies = {by: Tally(by) for by in GROUPINGS}
    with deps.reading(request) as conn:
        for e in revenue_book.evaluations(conn, info):
            for tally in tallies.values():
                tally.add(e)
    terms = info.terms()
    names = {r.code: r.name for r in terms.resources}
    out: dict[str, list[dict]] = {}
    for by, tally in tallies.items():
        merged: dict[str, dict] = {}
        for row in tally.rows(names if by == "resource" else None):
            slot = merged.setdefault(
                row.key,
                {
                    "key": row.key,
                    "name": row.name or row.key,
                    "receipts": 0,
                    "eligible": 0,
                    "total": Decimal(0),
                    "complete": True,
                },
            )
            slot["receipts"] += row.receipts
            slot["eligible"] += row.eligible
            if row.contribution_base is None:
                slot["complete"] = False
            else:
                slot["total"] += row.contribution_base
        out[by] = [
            {
                "key": s["key"],
                "name": s["name"],
                "receipts": s["receipts"],
                "eligible": s["eligible"],
                "contribution_base": format_amount(s["total"], base) if s["complete"] else None,
            }
            for s in merged.values()
        ]
    return out


def capital_today(request: Request) -> FundCapital:
    """The partners' capital accounts today, computed once per book version and day for every page that
    shows them (the summary and the outlook's start both did, after each write). Read on a connection of its
    own, never while the caller holds one: a route holding two could exhaust the pool."""
    info = deps.fund(request)

    def compute() -> FundCapital:
        with deps.reading(request) as conn:
            return capital_accounts(conn, info, clock.today())

    return deps.cached(request, "capital.accounts", (), compute)


def summary(request: Request) -> dict:
    """The published aggregates (role-independent: the public sees them), cached per book version and day."""
    return deps.cached(request, "public.summary", (), lambda: compute_summary(request))


def compute_summary(request: Request) -> dict:
    info = deps.fund(request)
    today = clock.today()
    terms = info.terms(today)
    base = terms.fund.base_currency
    fc = capital_today(request)  # the one capital figure every surface shows
    with deps.reading(request) as conn:
        capital = [
            {
                "partner": c.partner,
                "currency": c.currency,
                "committed": format_amount(c.committed, c.currency),
                "called": format_amount(c.called, c.currency),
                "received": format_amount(c.received, c.currency),
                "capital": format_amount(fc.account(c.partner).closing, c.currency),
                "share": str(fc.account(c.partner).share),
            }
            for c in partner_capital(conn, terms, today)
        ]
        # Bounded reads (issue 13): the newest decisions, each partner's latest checkpoint and the largest
        # head all signed, chosen in SQL; never every proposal or checkpoint the book holds.
        decided = [
            proposal.shown(s)
            for s in islice(
                listing.listed(conn, info, today, listing.Filter(newest_first=True, with_amount=True)),
                SUMMARY_ITEMS + 1,
            )
        ]
        keys = log.partner_keys(conn)
        cps = [
            {"id": i, **checkpoint_json(cp, keys[cp.key_id][1])}
            for i, cp in log.summary_checkpoints(conn, info.id, terms.partner_codes)
        ]
    investments = investment_rows(request, limit=SUMMARY_ITEMS + 1, newest_first=True)
    return {
        "fund_code": info.code,
        "fund_name": info.name,
        "start_date": info.start_date,
        "base_currency": base,
        "as_of": today,
        "capital": capital,
        "contributions": contributions(request, base),
        "decisions": decided[:SUMMARY_ITEMS],
        "more_decisions": len(decided) > SUMMARY_ITEMS,
        "investments": investments[:SUMMARY_ITEMS],
        "more_investments": len(investments) > SUMMARY_ITEMS,
        "checkpoints": latest_by_partner(cps),
        "both_signed": both_signed(cps, terms.partner_codes),
        "witnessing": witnessing(request),
    }


def witnessing(request: Request) -> dict | None:
    """The latest head every partner signed as a C2SP note, with its witnesses' cosignatures (issue 18)."""
    from jointfund.ledger import checkpoint_note

    info = deps.fund(request)
    partners = info.base_terms().partner_codes
    with deps.reading(request) as conn:
        head = checkpoint_note.latest(conn, info.id, partners)
    if head is None:
        return None
    required = info.terms().transparency.witnesses_required
    return {
        "tree_size": head.body.size,
        "partners": sorted(set(head.partners)),
        "witnesses": sorted(set(head.witnesses)),
        "required": required,
        "witnessed": head.witnessed(required),
    }


@router.get("/public/summary", response_model=SummaryOut, tags=["public"], summary="Published aggregates")
@cacheable
def public_summary(request: Request, _who=PUBLIC) -> dict:
    return summary(request)


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
    return outlook_document(request, with_tornado=tornado)


def outlook_document(request: Request, with_tornado: bool) -> dict:
    """The forecast document for today's book, cached per book version and day (about a second to compute,
    0.3 s without the tornado); shared between requests and pages, never mutated."""
    info = deps.fund(request)

    def compute() -> dict | JointfundError:
        capital = capital_today(request)  # the summary's, computed once per book version for both
        with deps.reading(request) as conn:
            try:
                return outlook.book_outlook(conn, info, clock.today(), with_tornado, capital)
            except JointfundError as refused:
                # Kept like a result: a book the forecast cannot start from stays so until the next write,
                # and every page that shows the outlook would otherwise read the book again to learn it.
                return refused.with_traceback(None)  # no frames (and their connection) kept in the cache

    doc = deps.cached(request, "forecast.outlook", (with_tornado,), compute)
    if isinstance(doc, JointfundError):
        raise doc.with_traceback(None)  # a fresh traceback each time, never one grown by every raise
    return doc


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
