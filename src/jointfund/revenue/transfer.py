"""Transfers: the contributing partner's money arriving in the fund for a period's obligation.

A transfer of X for period P is one entry of four legs, all X:
- cash in (Assets:Cash:<currency>) and the receivable settled (Assets:Receivable:Contributions:<partner>);
- the obligation met (Equity:Obligations:<partner>) and the partner's capital increased
  (Equity:Capital:<partner>:Revenue).
So the receivable always holds what is accrued and not yet transferred: under-payment is a
debit balance, over-payment a credit one. Per period, the status compares the accruals dated
in the period with the transfers recorded for it (linked "period:P").
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from jointfund.errors import InputError, Problem
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.money import from_minor
from jointfund.revenue.accrual import KEY_PREFIX as ACCRUAL_PREFIX
from jointfund.store import tables as t
from jointfund.terms.model import Terms

KEY_PREFIX = "transfer:"
PERIOD_LINK = "period:"


class Transfer(NamedTuple):
    """A recorded transfer: its reference, date, the period it pays for, amount and log position."""

    reference: str
    date: dt.date
    period: int
    amount: Decimal
    currency: str
    seq: int


class PeriodStatus(NamedTuple):
    """One period's obligation against its transfers, in one currency.

    Attributes:
      obligation: contributions accrued on receipts dated in the period.
      transferred: transfers recorded for the period.
      outstanding: obligation - transferred: positive is under-payment, negative over-payment.
      settled_on: the date the transfers first covered the obligation; None while they do not.
      transfers: how many transfers.
    """

    period: int
    currency: str
    obligation: Decimal
    transferred: Decimal
    outstanding: Decimal
    settled_on: dt.date | None
    transfers: int

    @property
    def state(self) -> str:
        if self.outstanding > 0:
            return "under-paid" if self.transferred else "not transferred"
        return "over-paid" if self.outstanding < 0 else "settled"


def transfer_entry(terms: Terms, partner: str, day: dt.date, amount: Decimal, currency: str,
                   reference: str, period: int) -> Entry:
    return Entry(day, f"Transfer {reference} from {partner}: revenue contribution for {period}", (
        Posting(terms.account_name("cash", currency=currency), amount, currency),
        Posting(terms.account_name("contribution_receivable", partner=partner), -amount, currency),
        Posting(terms.account_name("contribution_obligation", partner=partner), amount, currency),
        Posting(terms.account_name("capital_revenue", partner=partner), -amount, currency),
    ), KEY_PREFIX + reference, (f"transfer:{reference}", f"{PERIOD_LINK}{period}"))


def check(terms: Terms, partner: str, day: dt.date, amount: Decimal, currency: str, period: int,
          fund_start: dt.date) -> list[Problem]:
    problems = []
    if partner != terms.contribution.partner:
        problems.append(Problem("--partner", f"only the contributing partner {terms.contribution.partner} transfers revenue contributions", partner))
    if amount <= 0:
        problems.append(Problem("--amount", "a transfer must be positive", str(amount)))
    if currency not in terms.fund.currencies:
        problems.append(Problem("--currency", f"expected one of the fund's currencies {', '.join(terms.fund.currencies)}", currency))
    if not fund_start.year <= period <= day.year:
        problems.append(Problem("--period", f"expected a year from {fund_start.year} to the transfer's year {day.year}", period))
    return problems


def record(conn: Connection, info: FundInfo, partner: str, day: dt.date, amount: Decimal, currency: str,
           reference: str, period: int) -> int:
    """Post the transfer in the caller's write transaction; the same reference and content again is a no-op."""
    terms = info.terms(day)
    problems = check(terms, partner, day, amount, currency, period, info.start_date)
    if problems:
        raise InputError(problems, "transfer refused; nothing was recorded")
    return journal.post(conn, [transfer_entry(terms, partner, day, amount, currency, reference, period)], info.start_date)[0]


def _receivable_id(conn: Connection, terms: Terms) -> int:
    name = terms.account_name("contribution_receivable", partner=terms.contribution.partner)
    return journal.load_accounts(conn)[name].id


def obligations(conn: Connection, terms: Terms) -> dict[tuple[int, str], Decimal]:
    """Contributions accrued per (period, currency), from the ledger's accrual entries."""
    q = (select(t.entry.c.date, t.posting.c.currency, func.sum(t.posting.c.amount_minor))
         .join(t.posting, t.posting.c.entry_seq == t.entry.c.seq)
         .where(t.posting.c.account_id == _receivable_id(conn, terms), t.entry.c.key.startswith(ACCRUAL_PREFIX))
         .group_by(t.entry.c.date, t.posting.c.currency))
    out: dict[tuple[int, str], int] = defaultdict(int)
    for day, currency, minor in conn.execute(q):
        out[(day.year, currency)] += int(minor)
    return {k: from_minor(v, k[1]) for k, v in out.items()}


def transfers(conn: Connection, terms: Terms, period: int | None = None) -> list[Transfer]:
    q = (select(t.entry.c.seq, t.entry.c.key, t.entry.c.date, t.entry.c.links, t.posting.c.currency, t.posting.c.amount_minor)
         .join(t.posting, t.posting.c.entry_seq == t.entry.c.seq)
         .where(t.posting.c.account_id == _receivable_id(conn, terms), t.entry.c.key.startswith(KEY_PREFIX))
         .order_by(t.entry.c.date, t.entry.c.seq))
    out = []
    for seq, key, day, links, currency, minor in conn.execute(q):
        year = next(int(x[len(PERIOD_LINK):]) for x in json.loads(links) if x.startswith(PERIOD_LINK))
        if period is None or year == period:
            out.append(Transfer(key[len(KEY_PREFIX):], day, year, from_minor(-minor, currency), currency, seq))
    return out


def statuses(conn: Connection, terms: Terms, period: int | None = None) -> list[PeriodStatus]:
    """Each period's obligation against its transfers, per currency, by period."""
    owed = obligations(conn, terms)
    paid: dict[tuple[int, str], list[Transfer]] = defaultdict(list)
    for tr in transfers(conn, terms, period):
        paid[(tr.period, tr.currency)].append(tr)
    out = []
    for key in sorted(set(owed) | set(paid)):
        if period is not None and key[0] != period:
            continue
        obligation = owed.get(key, Decimal(0))
        done = Decimal(0)
        settled_on = None
        for tr in paid.get(key, []):
            done += tr.amount
            if settled_on is None and done >= obligation:
                settled_on = tr.date
        if settled_on is None and obligation <= 0:
            settled_on = dt.date(key[0], 12, 31)  # nothing was owed: settled with the period itself
        out.append(PeriodStatus(key[0], key[1], obligation, done, obligation - done, settled_on, len(paid.get(key, []))))
    return out
