"""Fees the terms charge the fund (budget.fees), accrued by period close, exactly once.

A fee is charged for each span of its frequency (a quarter, a year), at the close of the accounting period
that ends the span: rate_per_year x base x months / 12, rounded once to the functional currency's minor unit
by the terms' accounting.conversion_rounding. The base is read from the book through the one capital
function (capital.accounts): the net assets at the start of the span (the previous period's closing, sealed
before this close can run) or the capital contributed up to the span's last day. The entry debits the
fee's expense account and credits its payable, in the functional currency, dated the span's last day and
keyed `fee:<code>:<span>`: periods close once each, in order, and a key is posted once, so a fee accrues
exactly once per span; `verify` recomputes every accrual of every closed period (budget.checks).

A zero charge (a zero rate, or nothing to charge on) posts nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.accounting import period as calendar
from jointfund.accounting.period import Period
from jointfund.capital.accounts import capital_accounts
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.money import round_minor
from jointfund.terms.model import PERIOD_MONTHS, Fee, Terms

KEY_PREFIX = "fee:"


class Accrual(NamedTuple):
    """One fee charged for one span: the base it was computed on and the amount (functional currency)."""

    fee: Fee
    span: Period
    base: Decimal
    amount: Decimal
    currency: str

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.fee.code}:{self.span.name}"


def charge(fee: Fee, base: Decimal, currency: str, rounding: str) -> Decimal:
    """The fee for one span of its frequency on `base`, rounded once. Pure."""
    return round_minor(fee.rate_per_year * base * PERIOD_MONTHS[fee.frequency] / 12, currency, rounding)


def entry(a: Accrual, links: tuple[str, ...] = ()) -> Entry:
    """The accrual's entry: the expense debited, the payable credited. Pure."""
    f = a.fee
    return Entry(
        a.span.last,
        f"{f.name} for {a.span.name}: {f.rate_per_year} a year on {a.base} {a.currency} "
        f"({f.base.replace('_', ' ')})",
        (Posting(f.account, a.amount, a.currency), Posting(f.payable, -a.amount, a.currency)),
        a.key,
        (f"{KEY_PREFIX}{f.code}", *links),
    )


def _base(conn: Connection, info: FundInfo, fee: Fee, span: Period) -> Decimal:
    if fee.base == "net_assets":
        before = span.first - dt.timedelta(days=1)
        return capital_accounts(conn, info, before).nav if before >= info.start_date else Decimal(0)
    fund = capital_accounts(conn, info, span.last)
    return sum((a.contributed for a in fund.accounts), Decimal(0))


def due(conn: Connection, info: FundInfo, terms: Terms, p: Period) -> list[Accrual]:
    """The fees whose span ends with period `p`, each computed from the book (zero charges included)."""
    out = []
    for fee in terms.budget.fees:
        span = calendar.containing(fee.frequency, p.last)
        if span.last != p.last:
            continue
        base = (
            _base(conn, info, fee, span) if fee.rate_per_year else Decimal(0)
        )  # a zero rate charges nothing
        currency = terms.functional_currency
        out.append(
            Accrual(
                fee, span, base, charge(fee, base, currency, terms.accounting.conversion_rounding), currency
            )
        )
    return out


def accrue(
    conn: Connection, info: FundInfo, terms: Terms, p: Period, actor: str, links: tuple[str, ...]
) -> list[Entry]:
    """The entries of the fees due at the close of `p` (nonzero ones), with their accounts opened if new."""
    entries = [entry(a, links) for a in due(conn, info, terms, p) if a.amount]
    known = journal.load_accounts(conn)
    for account in sorted({x.account for e in entries for x in e.postings} - set(known)):
        journal.open_account(conn, account, info.start_date, None, "a fee of the terms (budget.fees)", actor)
    return entries
