"""A partner's capital account statement (ILPA reporting template style), checkable against the ledger.

For a period (a quarter or a year) it has three columns: the period itself, the year to date
and the inception to date. Each column rolls forward: opening; contributions (cash, revenue
share, in-kind credit); the allocated share of income, expenses, realised and unrealised gains
and FX; distributions; closing. Below: the partner's commitment, contributed capital and
unfunded commitment, its ownership share and the fund's net assets, all at the period's end.

Every figure comes from the one capital computation (capital.accounts), which reads journal
entries only, so the closing of one period is the opening of the next to the cent, whatever
window is asked for. A second section lists every entry of the period that moved one of the
partner's own capital accounts, with its log position, so that the partner can ask the fund for
an inclusion proof of each.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.capital.accounts import COLUMNS, CapitalAccount, FundCapital, capital_accounts
from jointfund.capital.calls import partner_capital
from jointfund.errors import InputError, Problem
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.reports.fund_report import Section
from jointfund.share import Share

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")
WINDOWS = ("period", "year_to_date", "inception_to_date")  # the statement's columns
# Each line of the statement: (code, English label; the Ukrainian is in the catalogue).
LINES = (
    ("opening", "Opening capital"),
    ("cash", "Contributions: cash"),
    ("revenue", "Contributions: revenue share"),
    ("in_kind", "Contributions: in-kind credit"),
    ("income", "Allocated income"),
    ("expenses", "Allocated expenses"),
    ("realised", "Allocated realised gains and losses"),
    ("unrealised", "Allocated unrealised gains and losses"),
    ("fx", "Allocated FX gains and losses"),
    ("distributions", "Distributions"),
    ("closing", "Closing capital"),
    ("commitment", "Commitment"),
    ("contributed", "Contributed capital"),
    ("unfunded", "Unfunded commitment"),
    ("share", "Ownership share"),
    ("nav", "Fund net assets"),
)
assert [c for c, _ in LINES[: len(COLUMNS)]] == list(COLUMNS), (
    "the roll-forward lines are the capital columns"
)


def period_bounds(text: str) -> tuple[dt.date, dt.date]:
    """YYYY or YYYY-Qn as (first day, last day)."""
    m = _PERIOD.match(text.strip())
    if not m:
        raise InputError([Problem.of("period", "expected a year (2026) or a quarter (2026-Q1)", text)])
    year = int(m[1])
    if not dt.MINYEAR <= year < dt.MAXYEAR:
        raise InputError(
            [Problem.of("period", f"the year must be from {dt.MINYEAR} to {dt.MAXYEAR - 1}", text)]
        )
    if m[2] is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    q = int(m[2])
    first = dt.date(year, 3 * q - 2, 1)
    last = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    return first, last


class Statement(NamedTuple):
    """One partner's statement: the capital account over each window and the memo figures at the end.

    Attributes:
      windows: the capital account over the period, the year to date and the inception to date.
      commitment, contributed, unfunded: at `end`, in the functional currency.
      nav: the fund's net assets at `end`.
    """

    partner: str
    name: str
    currency: str
    start: dt.date
    end: dt.date
    windows: tuple[CapitalAccount, CapitalAccount, CapitalAccount]
    commitment: Decimal
    contributed: Decimal
    unfunded: Decimal
    nav: Decimal

    def rows(self) -> list[dict]:
        """One row per line, a column per window (point-in-time lines repeat in every column)."""
        out = []
        for code, label in LINES:
            if code == "share":  # a fraction among amounts: a table shows it as a percentage
                values = [None if w.share is None else Share(w.share) for w in self.windows]
            elif code in COLUMNS:
                values = [getattr(w, code) for w in self.windows]
            else:
                values = [getattr(self, code)] * len(WINDOWS)
            out.append({"line": code, "label": label, **dict(zip(WINDOWS, values, strict=True))})
        return out


def compute(conn: Connection, info: FundInfo, partner: str, start: dt.date, end: dt.date) -> Statement:
    terms = info.terms(end)
    if partner not in terms.partner_codes:
        raise InputError(
            [Problem.of("partner", f"expected one of {', '.join(terms.partner_codes)}", partner)]
        )
    if end < info.start_date:
        raise InputError(
            [Problem.of("period", f"ends before the fund began ({info.start_date})", f"{start} to {end}")]
        )
    year_start = dt.date(end.year, 1, 1)
    funds: list[FundCapital] = [
        capital_accounts(conn, info, end, s) for s in (start, year_start, info.start_date)
    ]
    windows = tuple(fc.account(partner) for fc in funds)
    base = funds[0].currency
    promised = next(c for c in partner_capital(conn, terms, end, base) if c.partner == partner)
    return Statement(
        partner,
        terms.partner(partner).name,
        base,
        windows[0].start,
        end,
        windows,  # type: ignore[arg-type]
        promised.committed,
        windows[2].contributed,
        promised.uncalled,
        funds[0].nav,
    )


def entry_rows(conn: Connection, info: FundInfo, s: Statement) -> list[dict]:
    """Every posting of the period to one of the partner's own capital accounts, with its entry's log
    position."""
    root = info.terms(s.end).account_name("capital", partner=s.partner)
    rows = []
    for e in journal.entries(conn, since=s.start, until=s.end, account=root):
        for p in e.postings:
            if p.account.startswith(root + ":") and p.currency == s.currency:
                rows.append(
                    {
                        "seq": e.seq,
                        "date": e.date,
                        "account": p.account,
                        "amount": -p.amount,
                        "narration": e.narration,
                    }
                )
    return rows


def statement(conn: Connection, info: FundInfo, partner: str, start: dt.date, end: dt.date) -> list[Section]:
    s = compute(conn, info, partner, start, end)
    root = info.terms(end).account_name("capital", partner=partner)
    return [
        Section(
            f"Capital account statement of {s.name} ({partner}), {s.start} to {end}, {s.currency}: "
            f"the period, the year to date and the inception to date",
            s.rows(),
        ),
        Section(
            f"Entries moving {partner}'s capital accounts ({root}:*), {s.start} to {end}",
            entry_rows(conn, info, s),
        ),
    ]


def total(sections: list[Section]) -> Decimal:
    """The closing balance of the period a statement shows (for checks)."""
    return next(r["period"] for r in sections[0].rows if r["line"] == "closing")
