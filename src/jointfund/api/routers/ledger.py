"""/api/ledger and /api/checkpoints: accounts, balances as of a date, entries, proofs and signed
checkpoints."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query, Request

from jointfund.api import deps
from jointfund.api.errors import RESPONSES
from jointfund.api.response_cache import cacheable
from jointfund.api.schemas import AccountOut, BalanceOut, CheckpointOut, EntryOut, Page, Paging, RowId
from jointfund.errors import InputError, JointfundError, Problem
from jointfund.ledger import canonical, journal, log
from jointfund.ledger.entry import Entry
from jointfund.ledger.proof import checkpoint_json, consistency_bundle, inclusion_bundle
from jointfund.ledger.records import record_bytes

router = APIRouter(tags=["ledger"], responses=RESPONSES)
READ = Depends(deps.allow("books.read"))
PUBLIC = Depends(deps.allow("public.read"))

AsOf = Query(None, description="Effective date (YYYY-MM-DD): balances count postings dated on or before it.")


def entry_out(e: Entry) -> dict:
    return {
        "seq": e.seq,
        "date": e.date,
        "recorded_at": e.recorded_at,
        "key": e.key,
        "narration": e.narration,
        "links": list(e.links),
        "reverses": e.reverses,
        "postings": [
            {
                "account": p.account,
                "amount": canonical.format_amount(p.amount, p.currency),
                "currency": p.currency,
            }
            for p in e.postings
        ],
    }


def trial_balance(request: Request, as_of: dt.date | None) -> tuple:
    """Every (account, currency, balance) as of `as_of`, cached per book version (it sums every posting)."""

    def compute() -> tuple:
        with deps.reading(request) as conn:
            return tuple(journal.trial_balance(conn, as_of))

    return deps.cached(request, "ledger.trial_balance", (as_of,), compute)


def accounts_as_of(request: Request, as_of: dt.date | None) -> list[dict]:
    """Every account with its own balances (not its subtree's) as of `as_of`."""
    with deps.reading(request) as conn:
        balances: dict[str, dict[str, str]] = {}
        for name, cur, amount in trial_balance(request, as_of):
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
        found = list(journal.entries(conn, since, until, account, link, paging.limit + 1, paging.offset))
    return paging.page([entry_out(e) for e in found])


@router.get("/ledger/entries/{seq}", response_model=EntryOut, summary="One entry")
def entry(request: Request, seq: RowId, _who=READ) -> dict:
    with deps.reading(request) as conn:
        return entry_out(journal.get_entry(conn, seq))


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


def proof_bundle(request: Request, seq: int, checkpoint: int | None) -> dict:
    """Inclusion proof of record `seq` against checkpoint `checkpoint` (default: the newest covering it)."""
    fund = deps.fund(request)
    with deps.reading(request) as conn:
        record = record_bytes(conn, seq)
        keys = log.partner_keys(conn)
        if checkpoint is not None:
            chosen = log.checkpoint(conn, fund.id, checkpoint, "checkpoint: ")
            covering = [chosen] if chosen.tree_size >= seq else []
        else:
            covering = [cp for _, cp in log.newest_checkpoints(conn, fund.id, 1)]
        if not covering or covering[0].tree_size < seq:
            raise JointfundError(
                f"no signed checkpoint covers record {seq} yet; the partners sign one with: "
                "jointfund checkpoint --partner P --key FILE"
            )
        cp = covering[0]
        return inclusion_bundle(
            fund.id,
            seq,
            record,
            log.tree(conn, cp.tree_size),
            cp,
            keys[cp.key_id][1],
            log.key_registrations(conn).get(cp.key_id),
        )


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
    return proof_bundle(request, seq, checkpoint)


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
