"""A revenue year's reports read from the book: the EITI-style report and the reconciliation of company
payments against Treasury receipts.

The API's /api/reports routes and the web's reports page both call these (issue 17); eiti.py and
reconcile.py stay pure rules, and this module only reads the book for them.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from jointfund.errors import JointfundError
from jointfund.fund import FundInfo
from jointfund.revenue import book, eiti
from jointfund.revenue.contribution import MissingRates, missing_rates
from jointfund.revenue.reconcile import Finding, bounds, reconcile


def eiti_report(
    conn: Connection, info: FundInfo, year: int, materiality: Decimal | None
) -> tuple[list[eiti.EitiRow], str]:
    """The EITI-style rows of `year` and the report's title; refused, naming them, when rates are missing."""
    terms = info.base_terms()
    evaluations = MissingRates(book.evaluations(conn, info, year))
    rows = eiti.report(evaluations, terms, materiality)
    if evaluations.missing:
        raise JointfundError(missing_rates(evaluations.missing))
    return rows, eiti.TITLE % {"fund": terms.fund.name, "year": year}


def reconciliation(
    conn: Connection, info: FundInfo, year: int, tolerance: Decimal
) -> tuple[int, list[Finding]]:
    """(items compared, findings) of `year`: company payments against Treasury receipts, within the terms'
    window, differences up to `tolerance` being no discrepancy."""
    window = info.base_terms().reconciliation.window_days
    span = bounds(year, window)
    return reconcile(
        book.receipts(conn, span), book.licences(conn), book.payments(conn, span), tolerance, year, window
    )
