"""The journal's entries as every surface shows them, the trial balance they sum to, and a record's proof.

The API's /api/ledger routes and the web's ledger pages both call these (issue 17): typed values in (a
connection, the fund, dates, ids), the shown dicts out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from jointfund import paging
from jointfund.errors import JointfundError
from jointfund.fund import FundInfo
from jointfund.ledger import canonical, journal, log
from jointfund.ledger.entry import Entry
from jointfund.ledger.proof import inclusion_bundle
from jointfund.ledger.records import record_bytes


def shown(e: Entry) -> dict[str, Any]:
    """An entry with its postings, amounts as exact text."""
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


def page(
    conn: Connection,
    since: dt.date | None,
    until: dt.date | None,
    account: str | None,
    link: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """A page of the entries in their log order, filtered by dates, an account's subtree and a link."""
    found = list(journal.entries(conn, since, until, account, link, limit + 1, offset))
    return paging.page([shown(e) for e in found], limit, offset)


def one(conn: Connection, seq: int) -> dict[str, Any]:
    return shown(journal.get_entry(conn, seq))


def trial_balance(
    conn: Connection, fund: FundInfo, as_of: dt.date | None
) -> tuple[tuple[str, str, Decimal], ...]:
    """Every (account, currency, balance) as of `as_of` (it sums every posting: callers cache it)."""
    return tuple(journal.trial_balance(conn, as_of))


def proof_bundle(conn: Connection, fund: FundInfo, seq: int, checkpoint: int | None) -> dict[str, Any]:
    """Inclusion proof of record `seq` against checkpoint `checkpoint` (default: the newest covering it)."""
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
