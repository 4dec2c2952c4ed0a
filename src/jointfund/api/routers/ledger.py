"""/api/ledger and /api/checkpoints: accounts, balances as of a date, entries, proofs and signed
checkpoints."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query, Request

from jointfund.api import deps
from jointfund.api.errors import RESPONSES
from jointfund.api.response_cache import cacheable
from jointfund.api.schemas import AccountOut, BalanceOut, CheckpointOut, EntryOut, Page, Paging, RowId
from jointfund.errors import InputError, Problem
from jointfund.ledger import canonical, journal, log
from jointfund.ledger import entries as entries_mod
from jointfund.ledger.proof import checkpoint_json, consistency_bundle

router = APIRouter(tags=["ledger"], responses=RESPONSES)
READ = Depends(deps.allow("books.read"))
PUBLIC = Depends(deps.allow("public.read"))

AsOf = Query(None, description="Effective date (YYYY-MM-DD): balances count postings dated on or before it.")


def accounts_as_of(request: Request, as_of: dt.date | None) -> list[dict]:
    """Every account with its own balances (not its subtree's) as of `as_of`."""
    with deps.reading(request) as conn:
        balances: dict[str, dict[str, str]] = {}
        for name, cur, amount in deps.cached_read(request, entries_mod.trial_balance, as_of):
            balances.setdefault(name, {})[cur] = canonical.format_amount(amount, cur)
        found = journal.load_accounts(conn)
    return [
        {
            "name": a.name,
            "type": a.type,
            "currencies": list(a.currencies) if a.currencies else None,
            "opened": a.opened,
            "closed": a.closed,
            "balances": balances.get(a.name, {}),
        }
        for a in sorted(found.values(), key=lambda a: a.name)
    ]


@router.get("/ledger/accounts", response_model=list[AccountOut], summary="Chart of accounts with balances")
@cacheable
def accounts(request: Request, as_of: dt.date | None = AsOf, _who=READ) -> list[dict]:
    return accounts_as_of(request, as_of)


@router.get("/ledger/balances", response_model=Page[BalanceOut], summary="Balances as of a date")
@cacheable
def balances(
    request: Request,
    as_of: dt.date | None = AsOf,
    account: str | None = Query(None, max_length=300, description="Only this account and those below it."),
    currency: str | None = Query(None, max_length=3),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    with deps.reading(request) as conn:
        rows = journal.balances(conn, as_of, account, currency, paging.limit + 1, paging.offset)
    page = paging.page(rows)
    return {
        **page,
        "items": [
            {"account": a, "currency": c, "balance": canonical.format_amount(v, c)}
            for a, c, v in page["items"]
        ],
    }


@router.get("/ledger/entries", response_model=Page[EntryOut], summary="Journal entries, filtered")
def entries(
    request: Request,
    since: dt.date | None = Query(None),
    until: dt.date | None = Query(None),
    account: str | None = Query(
        None, max_length=300, description="Entries touching this account or below it."
    ),
    link: str | None = Query(None, max_length=200),
    paging: Paging = Depends(),
    _who=READ,
) -> dict:
    with deps.reading(request) as conn:
        return entries_mod.page(conn, since, until, account, link, paging.limit, paging.offset)


@router.get("/ledger/entries/{seq}", response_model=EntryOut, summary="One entry")
def entry(request: Request, seq: RowId, _who=READ) -> dict:
    with deps.reading(request) as conn:
        return entries_mod.one(conn, seq)


def signed_checkpoints(request: Request, limit: int | None = None, offset: int = 0) -> list[dict]:
    """The signed checkpoints in the order they were signed: `limit` of them from `offset` (default: every
    one)."""
    fund = deps.fund(request)
    with deps.reading(request) as conn:
        keys = log.partner_keys(conn)
        return [
            {"id": i, **checkpoint_json(cp, keys[cp.key_id][1])}
            for i, cp in log.checkpoints(conn, fund.id, limit, offset)
        ]


@router.get("/checkpoints", response_model=Page[CheckpointOut], tags=["proofs"], summary="Signed checkpoints")
def checkpoints(request: Request, paging: Paging = Depends(), _who=PUBLIC) -> dict:
    """Every checkpoint a partner signed, oldest first, a page at a time (one is signed per checkpoint run,
    so the list only grows)."""
    return paging.page(signed_checkpoints(request, paging.limit + 1, paging.offset))


@router.get(
    "/ledger/records/{seq}/proof",
    tags=["proofs"],
    summary="Inclusion proof of a log record",
    response_model=dict,
)
def proof(
    request: Request,
    seq: RowId,
    checkpoint: int | None = Query(
        None, ge=1, le=2**31, description="Checkpoint id [default: the newest that covers the record]."
    ),
    _who=READ,
) -> dict:
    """A self-contained bundle (docs/auditing.md): the record's canonical bytes, its audit path, and a
    checkpoint signed by a partner with that partner's public key. The public page checks one in the
    browser."""
    with deps.reading(request) as conn:
        return entries_mod.proof_bundle(conn, deps.fund(request), seq, checkpoint)


@router.get(
    "/checkpoints/consistency",
    tags=["proofs"],
    summary="Consistency proof between two checkpoints",
    response_model=dict,
)
def consistency(
    request: Request,
    old: int = Query(..., alias="from", ge=1, le=2**31, description="Older checkpoint id."),
    new: int = Query(..., alias="to", ge=1, le=2**31, description="Newer checkpoint id."),
    _who=PUBLIC,
) -> dict:
    """A self-contained bundle showing the older signed log is a prefix of the newer (`jointfund ledger
    consistency`): anyone holding the older checkpoint can check that nothing in it was changed since."""
    fund = deps.fund(request)
    with deps.reading(request) as conn:
        keys = log.partner_keys(conn)
        found = dict(log.checkpoints(conn, fund.id))
        missing = [
            Problem(name, f"no checkpoint {i}", str(i))
            for name, i in (("from", old), ("to", new))
            if i not in found
        ]
        if missing:
            raise InputError(missing, "no consistency proof")
        a, b = found[old], found[new]
        if a.tree_size > b.tree_size:
            raise InputError(
                [
                    Problem(
                        "from",
                        f"checkpoint {old} ({a.tree_size} records) is newer than {new} ({b.tree_size})",
                        str(old),
                    )
                ],
                "no consistency proof",
            )
        return consistency_bundle(
            (a, keys[a.key_id][1]),
            (b, keys[b.key_id][1]),
            log.tree(conn, b.tree_size),
            log.key_registrations(conn),
        )
