"""Receipts and licences as every surface lists them: the API's /api/revenue lists and the web's revenue page
both call these (issue 17), with typed values (a connection, the fund, a year, ids, limit and offset).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import Connection

from jointfund import paging
from jointfund.fund import FundInfo
from jointfund.money import format_amount
from jointfund.revenue import book
from jointfund.revenue.contribution import Evaluation


def money_or_none(value: Decimal | None, currency: str) -> str | None:
    return None if value is None else format_amount(value, currency)


def receipt_shown(e: Evaluation, base: str) -> dict:
    """A receipt judged: its amount, eligibility and reason, and what it owes the fund."""
    r = e.receipt
    return {
        "receipt_id": r.receipt_id,
        "date": r.date.isoformat(),
        "licence_id": r.licence_id,
        "stream": r.stream,
        "amount": format_amount(r.amount, r.currency),
        "currency": r.currency,
        "eligible": e.eligible,
        "reason": e.reason,
        "contribution": format_amount(e.contribution, r.currency),
        "contribution_base": money_or_none(e.contribution_base, base),
        "base_currency": base,
    }


def evaluated(
    conn: Connection,
    info: FundInfo,
    year: int | None,
    keep: Callable[[Evaluation], bool],
    limit: int,
    offset: int,
) -> dict:
    """One page of the receipts of `year` that `keep` keeps, each judged by the terms in force on its date."""
    base = info.base_terms().fund.base_currency
    # A batch of receipts at a time, each reading only its licences and rates: the page stops the stream.
    kept = paging.take((e for e in book.evaluations_in_batches(conn, info, year) if keep(e)), limit, offset)
    return paging.page([receipt_shown(e, base) for e in kept], limit, offset)


def receipts(
    conn: Connection,
    info: FundInfo,
    year: int | None,
    licence: str | None,
    stream: str | None,
    eligible: bool | None,
    limit: int,
    offset: int,
) -> dict:
    """A page of the receipts of `year`, of one licence, stream or eligibility when given."""

    def keep(e: Evaluation) -> bool:
        r = e.receipt
        return not (
            (licence and r.licence_id != licence)
            or (stream and r.stream != stream)
            or (eligible is not None and e.eligible != eligible)
        )

    return evaluated(conn, info, year, keep, limit, offset)


def licences(conn: Connection, resource: str | None, region: str | None, limit: int, offset: int) -> dict:
    """Licences by id, with their corrected fields; `resource` and `region` match the corrected values."""
    found = book.licence_page(conn, resource, region, limit + 1, offset)
    return paging.page([{**lic._asdict(), "issued": lic.issued.isoformat()} for lic in found], limit, offset)
