"""The published aggregates: the partners' capital, contributions grouped by resource, region and year, the
decisions taken, the investments and their stage, and the latest checkpoint of each partner.

The API's /api/public/summary, the public page, the dashboard and the record verifier all show this one
summary (issue 17: the pages call it, never the route).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Hashable
from decimal import Decimal
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, select

from jointfund.capital.accounts import FundCapital
from jointfund.capital.calls import partner_capital
from jointfund.carry import Carry
from jointfund.fund import FundInfo
from jointfund.governance import listing, proposal
from jointfund.ledger import log
from jointfund.ledger.proof import checkpoint_json
from jointfund.money import format_amount
from jointfund.portfolio import dossier
from jointfund.revenue import book as revenue_book
from jointfund.revenue.contribution import Tally
from jointfund.store import tables as t

GROUPINGS = ("resource", "region", "year")
# A year of at least this many receipts is judged column-wise (bulk.py: the same rules, tested equal); a
# smaller one receipt by receipt, cheaper than the frames' fixed cost.
COLUMN_WISE_FROM = 5_000
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


Memo = Callable[
    [Hashable, Callable[[], Any]], Any
]  # (key, compute) -> the result, perhaps kept (ReadCache.get)


def _computed(_key: Hashable, compute: Callable[[], Any]) -> Any:
    return compute()


def receipt_years(conn: Connection) -> list[tuple[int, int]]:
    """(year, receipts dated in it) of every year that has receipts, in order: index reads on the date.

    Receipts are never updated nor deleted (the database refuses it), so a year's count says whether its
    receipts are the same as when it was last counted."""
    c = t.receipt.c
    first, last = conn.execute(select(func.min(c.date), func.max(c.date))).one()
    if first is None:
        return []
    out = []
    for year in range(first.year, last.year + 1):
        span = c.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))
        n = conn.execute(select(func.count()).select_from(t.receipt).where(span)).scalar_one()
        if n:
            out.append((year, n))
    return out


def judging_inputs(conn: Connection, info: FundInfo) -> tuple:
    """What judges every receipt beside the receipt itself: the terms and their adopted amendments, the
    licences and the rates (both append-only: counted), and the corrections of any of them (by last
    position in the log). Any write that changes how some receipt is judged changes it."""
    counts = [
        select(func.count()).select_from(t.licence).scalar_subquery(),
        select(func.count()).select_from(t.fx_rate).scalar_subquery(),
        select(func.max(t.correction.c.seq)).scalar_subquery(),
    ]
    return (info.id, info.terms_sha256(), *conn.execute(select(*counts)).one())


class YearTallies(NamedTuple):
    """A year's contribution tallies, what judged its receipts, and how many receipts they count as of which
    log position: what the next computation after an upload starts from (`year_tallies`). Never mutated:
    extending copies the tallies.

    Attributes:
      year: the receipts' year; inputs: `judging_inputs` when they were judged.
      receipts: how many receipts the tallies count.
      seen: the log's size when they were read: receipts imported after it are not in them.
      tallies: one per grouping of GROUPINGS.
      judge: what judged them (the whole book's licences, rates and rules under `inputs`), so that the next
        upload's receipts are judged without reading those again.
    """

    year: int
    inputs: tuple
    receipts: int
    seen: int
    tallies: tuple[Tally, ...]
    judge: revenue_book.Assessor | None = None


CARRIED_YEAR = "summary.contributions.year"  # the name of the year's tallies in a Carry


def imported_since(conn: Connection, seen: int, size: int) -> list[str] | None:
    """The ids of the receipts imported after log position `seen` up to `size`, as the imports list them in
    receipt_import; None when more than revenue.book.JUDGED_TOGETHER, which are tallied with their whole
    year. An index range over what is new, not every receipt's id."""
    c = t.receipt_import.c
    q = (
        select(c.receipt_id)
        .where(c.event_seq > seen, c.event_seq <= size)
        .order_by(c.receipt_id)
        .limit(revenue_book.JUDGED_TOGETHER + 1)
    )
    ids = list(conn.execute(q).scalars())
    return None if len(ids) > revenue_book.JUDGED_TOGETHER else ids


def year_tallies(
    conn: Connection,
    info: FundInfo,
    year: int,
    inputs: tuple,
    count: int,
    size: int,
    earlier: YearTallies | None = None,
) -> YearTallies:
    """The contribution tallies of `year`'s `count` receipts, counted after the log's size was `size`.

    Given the tallies of an earlier computation of the same year and judging inputs, only the receipts
    imported since are judged and added (at most revenue.book.JUDGED_TOGETHER of them: an upload), as the
    imports list them (`imported_since`): after an upload the next page judges its receipts, and reads neither
    the year's receipts nor their ids (issue 13: reading the ids alone took 80 ms at 140,000 receipts a year).
    Receipts are never updated nor deleted and their ids are unique, so when the earlier count plus the
    receipts added is the year's count, the tallies count exactly the year's receipts. It is not when a
    receipt came some other way than a listed import (a large file, or none), or an import committed between
    this computation's reads: then the year is tallied whole, as it is without an earlier computation.

    The reads are ordered so that a race can only leave receipts out, never count one twice, and so can never
    cancel a receipt left out: `size` is read before `count` (an import up to `size` is in `count`), and a
    whole tally reads the log's size after its receipts (an import in the tallies is up to that size)."""
    if earlier is not None and (earlier.year, earlier.inputs) == (year, inputs):
        new = imported_since(conn, earlier.seen, size)
        if new is not None:
            extended = tuple(x.copy() for x in earlier.tallies)
            added = 0
            for e in revenue_book.evaluations_of(conn, info, new, earlier.judge) if new else ():
                if e.receipt.date.year == year:  # an upload may hold receipts of several years
                    added += 1
                    for tally in extended:
                        tally.add(e)
            if earlier.receipts + added == count:
                return earlier._replace(receipts=count, seen=size, tallies=extended)
    judge = revenue_book.Assessor(conn, info)
    if count >= COLUMN_WISE_FROM:
        tallies, _missing = revenue_book.frame_tallies(conn, info, GROUPINGS, year, judge)
    else:
        tallies = [Tally(by) for by in GROUPINGS]
        for e in revenue_book.evaluations(conn, info, year, judge):
            for tally in tallies:
                tally.add(e)
    counted = sum(r.receipts for r in tallies[GROUPINGS.index("year")].rows())
    return YearTallies(year, inputs, counted, log.size(conn), tuple(tallies), judge)


def contributions(
    conn: Connection, info: FundInfo, base: str, memo: Memo = _computed, carry: Carry | None = None
) -> dict[str, list[dict]]:
    """Contributions owed to the fund grouped by resource, region and year, in the base currency (None
    where a rate is missing).

    Tallied a year of receipts at a time (column-wise, revenue.book.frame_tallies), each year's tallies kept
    by `memo` under what they depend on: the year's receipts (`receipt_years`) and what judges them
    (`judging_inputs`). So after an upload only the year of the new receipts is tallied again, not every
    receipt of the book (issue 13); a change to a licence, a rate, a correction or the terms judges every
    year again. `carry` keeps the last year tallied, so tallying it again after an upload judges only the
    receipts the upload added (`year_tallies`)."""
    terms = info.terms()
    names = {r.code: r.name for r in terms.resources}
    inputs = judging_inputs(conn, info)

    size = log.size(conn)  # before the years' counts (see year_tallies)

    def year_rows(year: int, count: int) -> dict[str, tuple]:
        earlier = carry.get(CARRIED_YEAR) if carry is not None else None
        done = year_tallies(conn, info, year, inputs, count, size, earlier)
        if carry is not None:
            carry.put(CARRIED_YEAR, done)
        return {x.by: tuple(x.rows(names if x.by == "resource" else None)) for x in done.tallies}

    years = [
        memo(("summary.contributions", year, n, inputs), functools.partial(year_rows, year, n))
        for year, n in receipt_years(conn)
    ]
    out: dict[str, list[dict]] = {}
    for by in GROUPINGS:
        merged: dict[str, dict] = {}
        # Years in order: a group first met in an earlier year is named by that year's (earliest) receipt.
        for row in (r for rows in years for r in rows[by]):
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


def summary(
    conn: Connection,
    info: FundInfo,
    today: dt.date,
    fc: FundCapital,
    memo: Memo = _computed,
    carry: Carry | None = None,
) -> dict:
    """The published aggregates on `today` (role-independent: the public sees them); `fc`, the partners'
    capital accounts today, is the one capital figure every surface shows (api.reads computes it once);
    `memo` keeps each year's contributions and `carry` the last year's tallies (see `contributions`)."""
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
    signed = memo(
        ("summary.signed", info.id, info.terms_sha256(), today, signed_version(conn)),
        lambda: signed_heads(conn, info, terms.partner_codes),
    )
    investments = dossier.investments(conn, info, limit=SUMMARY_ITEMS + 1, newest_first=True)
    return {
        "fund_code": info.code,
        "fund_name": info.name,
        "start_date": info.start_date,
        "base_currency": base,
        "as_of": today,
        "capital": capital,
        "contributions": contributions(conn, info, base, memo, carry),
        "decisions": decided[:SUMMARY_ITEMS],
        "more_decisions": len(decided) > SUMMARY_ITEMS,
        "investments": investments[:SUMMARY_ITEMS],
        "more_investments": len(investments) > SUMMARY_ITEMS,
        **signed,
    }


def signed_version(conn: Connection) -> tuple[int, int]:
    """(last checkpoint id, last witness cosignature id): what the signed heads a summary shows depend on,
    beside the terms. Both tables are append-only, so an upload, a vote or any other record leaves them as
    they were and the page after it reuses its signed heads (index reads; issue 13)."""
    cp, cosigned = conn.execute(
        select(
            select(func.max(t.checkpoint.c.id)).scalar_subquery(),
            select(func.max(t.cosignature.c.id)).scalar_subquery(),
        )
    ).one()
    return cp or 0, cosigned or 0


def signed_heads(conn: Connection, info: FundInfo, partners: tuple[str, ...]) -> dict:
    """The summary's checkpoints: each partner's latest, the largest head they all signed and its witnessing.
    Read from the checkpoints, their keys (append-only) and the terms alone: `signed_version` keys it."""
    keys = log.partner_keys(conn)
    cps = [
        {"id": i, **checkpoint_json(cp, keys[cp.key_id][1])}
        for i, cp in log.summary_checkpoints(conn, info.id, partners)
    ]
    return {
        "checkpoints": latest_by_partner(cps),
        "both_signed": both_signed(cps, partners),
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
