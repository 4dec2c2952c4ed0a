"""Treasury receipts: money the state received under a licence, in one revenue stream."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from decimal import Decimal
from typing import NamedTuple

from jointfund.revenue.fields import Cells
from jointfund.revenue.reader import Columns
from jointfund.terms.model import Terms

COLUMNS = Columns(("receipt_id", "date", "licence_id", "stream", "amount"), ("currency", "corrects"))


class Receipt(NamedTuple):
    """One receipt of the State Treasury.

    Attributes:
      receipt_id: the Treasury's own reference (the idempotency key of imports and accruals).
      date: the day the money was received; the terms in force on it decide.
      licence_id: the licence the payment was made under.
      stream: revenue stream code (rent, permit_fee, ...), from the terms' stream codes.
      amount: exact amount in `currency`; negative for a refund or correction.
      currency: ISO 4217 code; the terms' domestic currency when the input leaves it out.
      corrects: the receipt this one corrects, when the Treasury says so; None otherwise.
    """

    receipt_id: str
    date: dt.date
    licence_id: str
    stream: str
    amount: Decimal
    currency: str
    corrects: str | None = None


def parse(cells: Cells, terms: Terms, licences: Container[str]) -> Receipt | None:
    receipt_id = cells.ident("receipt_id")
    day = cells.date("date")
    licence_id = cells.ident("licence_id")
    if licence_id and licence_id not in licences:
        cells.fail("licence_id", "unknown licence; import it first with: jointfund licences import FILE", licence_id)
    stream = cells.choice("stream", terms.contribution.stream_codes, "revenue stream")
    currency = cells.choice("currency", terms.fund.currencies, "currency", default=terms.fx.domestic_currency)
    amount = cells.amount("amount", currency)
    corrects = cells.ident("corrects", required=False) or None
    if corrects is not None and corrects == receipt_id:
        cells.fail("corrects", "a receipt cannot correct itself", corrects)
    if not cells.ok:
        return None
    assert receipt_id and day and licence_id and stream and currency and amount is not None
    return Receipt(receipt_id, day, licence_id, stream, amount, currency, corrects)
