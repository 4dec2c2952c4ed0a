"""A partner's capital statement for a period (a year or a quarter), checkable against the ledger.

It shows the partner's capital account over the period (opening, contributions, allocated
income, expenses and unrealised gains, distributions, closing, ownership share), and every
entry of the period that moved one of the partner's own capital accounts, with its log
position, so that the partner can ask the fund for an inclusion proof of each.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import Connection

from jointfund.capital.accounts import COLUMNS, capital_accounts
from jointfund.errors import InputError, Problem
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.reports.fund_report import Section

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


def period_bounds(text: str) -> tuple[dt.date, dt.date]:
    """YYYY or YYYY-Qn as (first day, last day)."""
    m = _PERIOD.match(text.strip())
    if not m:
        raise InputError([Problem("--period", "expected a year (2026) or a quarter (2026-Q1)", text)])
    year = int(m[1])
    if not dt.MINYEAR <= year < dt.MAXYEAR:
        raise InputError([Problem("--period", f"the year must be from {dt.MINYEAR} to {dt.MAXYEAR - 1}", text)])
    if m[2] is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    q = int(m[2])
    first = dt.date(year, 3 * q - 2, 1)
    last = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    return first, last


def statement(conn: Connection, info: FundInfo, partner: str, start: dt.date, end: dt.date) -> list[Section]:
    terms = info.terms(end)
    if partner not in terms.partner_codes:
        raise InputError([Problem("--partner", f"expected one of {', '.join(terms.partner_codes)}", partner)])
    fc = capital_accounts(conn, info, end, start)
    account = next(a for a in fc.accounts if a.partner == partner)
    lines = [{"line": c, "amount": getattr(account, c)} for c in COLUMNS]
    lines.append({"line": "ownership share", "amount": account.share})
    lines.append({"line": "fund NAV", "amount": fc.nav})
    root = terms.account_name("capital", partner=partner)
    entries = []
    for e in journal.entries(conn, since=max(start, info.start_date), until=end, account=root):
        for p in e.postings:
            if p.account.startswith(root + ":") and p.currency == fc.currency:
                entries.append({"seq": e.seq, "date": e.date, "account": p.account, "amount": -p.amount,
                                "narration": e.narration})
    name = terms.partner(partner).name
    return [Section(f"Capital statement of {name} ({partner}), {account.start} to {end}, {fc.currency}", lines),
            Section(f"Entries moving {partner}'s capital accounts ({root}:*), {start} to {end}", entries)]


def total(sections: list[Section]) -> Decimal:
    """The closing balance a statement shows (for checks)."""
    return next(r["amount"] for r in sections[0].rows if r["line"] == "closing")
