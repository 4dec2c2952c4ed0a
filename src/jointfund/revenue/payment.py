"""Payments the companies report having made, for reconciliation against Treasury receipts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from jointfund.revenue import cell_rules, receipt
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


def rules(terms: Terms) -> cell_rules.Rules:
    """A payment's columns and their rules, in the order a row is read."""
    return {
        "payment_id": cell_rules.Ident(),
        "date": cell_rules.Date(terms.fund.entry_into_force),
        "holder_code": cell_rules.Ident(),
        "licence_id": cell_rules.Ident(),
        **receipt.paid(terms),
    }


def parse(cells: Cells, terms: Terms) -> Payment | None:
    return read(cells, rules(terms))


def read(cells: Cells, declared: cell_rules.Rules) -> Payment | None:
    """A payment from its cells by the `rules` declared (built once for a file)."""
    got = cell_rules.read(declared, cells)
    return None if got is None else Payment(**got)
