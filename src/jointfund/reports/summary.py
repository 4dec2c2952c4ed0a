"""The published aggregates: the partners' capital, contributions grouped by resource, region and year, the
decisions taken, the investments and their stage, and the latest checkpoint of each partner.

The API's /api/public/summary, the public page, the dashboard and the record verifier all show this one
summary (issue 17: the pages call it, never the route).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import islice

from sqlalchemy import Connection

from jointfund.capital.accounts import FundCapital
from jointfund.capital.calls import partner_capital
from jointfund.fund import FundInfo
from jointfund.governance import listing, proposal
from jointfund.ledger import log
from jointfund.ledger.proof import checkpoint_json
from jointfund.money import format_amount
from jointfund.portfolio import dossier
from jointfund.revenue import book as revenue_book
from jointfund.revenue.contribution import Tally

GROUPINGS = ("resource", "region", "year")
SUMMARY_ITEMS = 20  # decisions and investments the summary lists, newest first (the page shows them all)


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


def contributions(conn: Connection, info: FundInfo, base: str) -> dict[str, list[dict]]:
    """Contributions owed to the fund grouped by resource, region and year, in the base currency (None
    where a rate is missing)."""
    tallies = {by: Tally(by) for by in GROUPINGS}
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


def summary(conn: Connection, info: FundInfo, today: dt.date, fc: FundCapital) -> dict:
    """The published aggregates on `today` (role-independent: the public sees them); `fc`, the partners'
    capital accounts today, is the one capital figure every surface shows (api.reads computes it once)."""
    terms = info.terms(today)
    base = terms.fund.base_currency
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
    investments = dossier.investments(conn, info, limit=SUMMARY_ITEMS + 1, newest_first=True)
    return {
        "fund_code": info.code,
        "fund_name": info.name,
        "start_date": info.start_date,
        "base_currency": base,
        "as_of": today,
        "capital": capital,
        "contributions": contributions(conn, info, base),
        "decisions": decided[:SUMMARY_ITEMS],
        "more_decisions": len(decided) > SUMMARY_ITEMS,
        "investments": investments[:SUMMARY_ITEMS],
        "more_investments": len(investments) > SUMMARY_ITEMS,
        "checkpoints": latest_by_partner(cps),
        "both_signed": both_signed(cps, terms.partner_codes),
        "witnessing": witnessing(conn, info),
    }


def witnessing(conn: Connection, info: FundInfo) -> dict | None:
    """The latest head every partner signed as a C2SP note, with its witnesses' cosignatures (issue 18)."""
    from jointfund.ledger import checkpoint_note  # as the API had it: not loaded until a summary is made

    partners = info.base_terms().partner_codes
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
