"""Capital commitments, calls and cash received against them.

A commitment is a promise, not money: it is a logged event. A call makes the promise a
receivable and the partner's capital; cash received settles the receivable.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.errors import ConflictError, InputError, Problem
from jointfund.ledger import journal, log
from jointfund.ledger.entry import Entry, Posting
from jointfund.money import format_amount, round_minor
from jointfund.terms.model import Terms


class PartnerCapital(NamedTuple):
    """One partner's capital in one currency, as of a date.

    Attributes:
      partner: partner code.
      currency: currency of the figures.
      committed: total commitments.
      called: capital called (the partner's cash capital).
      received: cash received against calls.
      outstanding: called but not yet received.
      uncalled: committed but not yet called.
      capital: the partner's whole capital account (cash, in kind, revenue share, less distributions).
    """

    partner: str
    currency: str
    committed: Decimal
    called: Decimal
    received: Decimal
    outstanding: Decimal
    uncalled: Decimal
    capital: Decimal


def _check_partner(terms: Terms, partner: str) -> None:
    if partner not in terms.partner_codes:
        raise InputError([Problem("partner", f"not a partner; expected one of {', '.join(terms.partner_codes)}", partner)])


def commit(conn: Connection, terms: Terms, partner: str, amount: Decimal, currency: str, day: dt.date,
           reference: str, actor: str = "system") -> int:
    """Record a commitment as a logged event; the same reference again is a no-op."""
    _check_partner(terms, partner)
    if amount <= 0:
        raise InputError([Problem("amount", "a commitment must be positive", str(amount))])
    data = {"partner": partner, "amount": format_amount(amount, currency), "currency": currency, "date": day.isoformat(),
            "reference": reference}
    for ev in log.events(conn, action="capital.commit"):
        if ev.data.get("reference") == reference:
            if ev.data != data:
                raise ConflictError(f"commitment {reference!r} was recorded with {ev.data}; offered {data}")
            return ev.seq
    return log.append_event(conn, actor, "capital.commit", f"partner:{partner}", data)


def call_entry(terms: Terms, partner: str, amount: Decimal, currency: str, day: dt.date, reference: str) -> Entry:
    return Entry(day, f"Capital call {reference} to {partner}", (
        Posting(terms.account_name("capital_call_receivable", partner=partner), amount, currency),
        Posting(terms.account_name("capital_cash", partner=partner), -amount, currency),
    ), f"capital-call:{reference}", (f"call:{reference}",))


def receipt_entry(terms: Terms, partner: str, amount: Decimal, currency: str, day: dt.date, reference: str) -> Entry:
    return Entry(day, f"Cash received from {partner} against call {reference}", (
        Posting(terms.account_name("cash", currency=currency), amount, currency),
        Posting(terms.account_name("capital_call_receivable", partner=partner), -amount, currency),
    ), f"capital-receipt:{reference}", (f"call:{reference}",))


def committed(conn: Connection, partner: str, currency: str, as_of: dt.date | None) -> Decimal:
    return sum((Decimal(ev.data["amount"]) for ev in log.events(conn, action="capital.commit")
                if ev.data["partner"] == partner and ev.data["currency"] == currency
                and (as_of is None or dt.date.fromisoformat(ev.data["date"]) <= as_of)), Decimal(0))


def partner_capital(conn: Connection, terms: Terms, as_of: dt.date | None = None) -> list[PartnerCapital]:
    """Each partner's capital in the base currency, computed from the book alone."""
    cur = terms.fund.base_currency
    out = []
    for p in terms.partner_codes:
        called = -journal.balance(conn, terms.account_name("capital_cash", partner=p), as_of, cur).get(cur, Decimal(0))
        outstanding = journal.balance(conn, terms.account_name("capital_call_receivable", partner=p), as_of, cur).get(cur, Decimal(0))
        total = -journal.balance(conn, terms.account_name("capital", partner=p), as_of, cur).get(cur, Decimal(0))
        promised = committed(conn, p, cur, as_of)
        figures = [round_minor(x, cur) for x in (promised, called, called - outstanding, outstanding, promised - called, total)]
        out.append(PartnerCapital(p, cur, *figures))
    return out
