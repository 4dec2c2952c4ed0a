"""Valuations (marks): an executed valuation proposal sets an investment's current value.

The proposal's amount is the new fair value of what the fund still holds. The difference from
the value on the books (cost not yet returned, plus the revaluation so far) is posted as an
unrealised gain or loss (portfolio.investment.valuation_entry), linked to the investment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection

from jointfund.errors import Refused
from jointfund.fund import FundInfo
from jointfund.governance.model import Proposal
from jointfund.ledger import journal
from jointfund.portfolio.investment import Investment, position, valuation_entry


def mark(conn: Connection, info: FundInfo, inv: Investment, p: Proposal, on: dt.date) -> Decimal:
    """Post the unrealised gain (or loss) that brings `inv` to the proposal's value; returns it."""
    if p.amount is None or p.currency != inv.currency:
        raise Refused(f"proposal {p.id} must value {inv.label} in {inv.currency} (its amount and currency)")
    pos = position(conn, info, inv, on)
    if pos.cost <= 0:
        raise Refused(f"{inv.label} holds nothing at cost on {on}; there is nothing to value")
    delta = p.amount - pos.value
    if delta:
        journal.post(conn, [valuation_entry(info.terms(on), inv, delta, on, p.id)], info.start_date)
    return delta
