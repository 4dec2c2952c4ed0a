"""Payments the companies report having made, for reconciliation against Treasury receipts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from jointfund.revenue.fields import Cells
from jointfund.revenue.reader import Columns
from jointfund.terms.model import Terms

COLUMNS = Columns(("payment_id", "date", "holder_code", "licence_id", "stream", "amount"), ("currency",))


class Payment(NamedTuple):
    """One payment as a company reports it (EITI-style).

    Attributes:
      payment_id: the company's own reference (the idempotency key of imports).
      date: the day the company paid.
      holder_code: the paying company's registration code.
      licence_id: the licence as the company names it; it may be unknown to the Treasury,
        which reconciliation then shows as a payment without a counterpart.
      stream: revenue stream code.
      amount: exact amount in `currency`.
      currency: ISO 4217 code; the terms' domestic currency by default.
    """

    payment_id: str
    date: dt.date
    holder_code: str
    licence_id: str
    stream: str
    amount: Decimal
    currency: str


def parse(cells: Cells, terms: Terms) -> Payment | None:
    payment_id = cells.ident("payment_id")
    day = cells.date("date", terms.fund.entry_into_force)
    holder_code = cells.ident("holder_code")
    licence_id = cells.ident("licence_id")
    stream = cells.choice("stream", terms.contribution.stream_codes, "revenue stream")
    currency = cells.choice("currency", terms.fund.currencies, "currency", default=terms.fx.domestic_currency)
    amount = cells.amount("amount", currency)
    if not cells.ok:
        return None
    assert payment_id and day and holder_code and licence_id and stream and currency and amount is not None
    return Payment(payment_id, day, holder_code, licence_id, stream, amount, currency)
