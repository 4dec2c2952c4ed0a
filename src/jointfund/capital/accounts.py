"""Partners' capital accounts, computed from the book alone.

A partner's account over a period: opening balance; cash, in-kind and revenue-share
contributions; its allocated share of income, expenses and unrealised gains; distributions;
closing balance; and its ownership share (its closing over all partners' closings).

Allocation follows the terms (`capital.allocation`, `capital.allocation_period`): each
period's income, expenses and unrealised gains are split pro rata to the partners' capital at
the start of that period, each category on its own with largest-remainder rounding, so the
parts sum exactly to what the ledger holds. A period that starts with no capital at all (the
fund's first) is split by what the partners contribute during it, and, failing that, by the
terms' ownership shares.

Everything is in the base currency. A movement in another currency counts at the reference
rate of its date; the net assets count at the rate of the closing date, and the difference
(translation) is allocated with the last period's unrealised gains, so that the partners'
closing balances plus the other equity (obligations accrued, FX trading) equal the NAV
(assets less liabilities) to the cent. `roll` is the pure core; `capital_accounts` the shell.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from jointfund.capital.allocation import split_minor
from jointfund.errors import JointfundError
from jointfund.fund import FundInfo
from jointfund.money import exponent, from_minor, to_minor
from jointfund.store import tables as t
from jointfund.terms.model import Terms

CONTRIBUTIONS = ("cash", "in_kind", "revenue")  # the partner's own capital accounts, by the terms' roles
PNL = ("income", "expenses", "unrealised")
COLUMNS = ("opening", *CONTRIBUTIONS, *PNL, "distributions", "closing")
SHARE_PLACES = Decimal("0.000001")


class CapitalAccount(NamedTuple):
    """One partner's capital account over [start, end], in the base currency (see COLUMNS)."""

    partner: str
    currency: str
    start: dt.date
    end: dt.date
    opening: Decimal
    cash: Decimal
    in_kind: Decimal
    revenue: Decimal
    income: Decimal
    expenses: Decimal
    unrealised: Decimal
    distributions: Decimal
    closing: Decimal
    share: Decimal


class FundCapital(NamedTuple):
    """Every partner's account, the fund's NAV and the equity that belongs to no partner yet.

    Attributes:
      nav: assets less liabilities on `end`.
      other_equity: obligations accrued and not yet transferred, and FX trading balances.
      translation: the part of the unrealised column due to exchange rates (zero in one currency).
    """

    accounts: tuple[CapitalAccount, ...]
    currency: str
    start: dt.date
    end: dt.date
    nav: Decimal
    other_equity: Decimal
    translation: Decimal


class Move(NamedTuple):
    """A day's net movement of one category, in base minor units, signed as the partner sees it (+ is capital)."""

    date: dt.date
    partner: str | None  # None for income and expenses, which belong to the fund until allocated
    category: str
    minor: int


# -- the pure core --

def period_starts(kind: str, first: dt.date, last: dt.date) -> list[dt.date]:
    """The starts of the allocation periods that meet [first, last]; the first contains `first`."""
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    month = (first.month - 1) // months * months + 1
    day = dt.date(first.year, month, 1)
    out = []
    while day <= last:
        out.append(day)
        n = day.month - 1 + months
        day = dt.date(day.year + n // 12, n % 12 + 1, 1)
    return out


def roll(partners: Sequence[str], starts: Sequence[dt.date], start: dt.date, end: dt.date, moves: Iterable[Move],
         fallback: Mapping[str, Decimal], tail: Mapping[str, int] | None = None) -> dict[str, dict[str, int]]:
    """Each partner's columns (minor units) over [start, end], allocating income as the module says.

    `starts` are the allocation periods' starts (the first at or before every move); `tail` is
    extra unrealised result to allocate in the last period (the FX translation), by category.
    """
    assert starts and all(a < b for a, b in zip(starts, starts[1:])), "period starts must increase"
    by_day: dict[dt.date, list[Move]] = defaultdict(list)
    for m in moves:
        assert m.date >= starts[0], f"a move of {m.date} precedes the first period {starts[0]}"
        if m.date <= end:
            by_day[m.date].append(m)
    period_set = set(starts)
    cuts = sorted({d for d in starts if d <= end} | {start, end + dt.timedelta(days=1)} | {starts[0]})
    balance = {p: 0 for p in partners}
    cols = {p: dict.fromkeys(COLUMNS, 0) for p in partners}
    weights: dict[str, int] = {}
    days = sorted(by_day)
    i = 0
    for a, b in zip(cuts, cuts[1:]):
        if a in period_set or not weights:
            weights = {p: max(balance[p], 0) for p in partners}
        if a == start:
            for p in partners:
                cols[p]["opening"] = balance[p]
        pnl = {c: 0 for c in PNL}
        inside = a >= start
        while i < len(days) and days[i] < b:
            for m in by_day[days[i]]:
                if m.partner is None:
                    pnl[m.category] += m.minor
                    continue
                balance[m.partner] += m.minor
                if inside:
                    cols[m.partner][m.category] += m.minor
            i += 1
        if tail and b == end + dt.timedelta(days=1):
            for c, x in tail.items():
                pnl[c] += x
        if any(pnl.values()):
            w = weights if any(weights.values()) else _first_period_weights(partners, balance, fallback)
            for c, total in pnl.items():
                if total:
                    for p, part in split_minor(total, w).items():
                        balance[p] += part
                        if inside:
                            cols[p][c] += part
    for p in partners:
        cols[p]["closing"] = balance[p]
        assert cols[p]["opening"] + sum(cols[p][c] for c in COLUMNS[1:-1]) == balance[p]
    return cols


def _first_period_weights(partners: Sequence[str], balance: Mapping[str, int],
                          fallback: Mapping[str, Decimal]) -> dict[str, int | Decimal]:
    """No capital at the period's start: split by what has come in since, else by the terms' shares."""
    contributed = {p: max(balance[p], 0) for p in partners}
    if any(contributed.values()):
        return contributed
    if fallback and any(fallback.get(p, 0) for p in partners):
        return {p: fallback.get(p, Decimal(0)) for p in partners}
    raise JointfundError("income or expenses arose before any partner had capital, and the terms give no "
                         "ownership shares to allocate them by: set partners[].ownership_share in the terms")


def share_of(closing: int, total: int) -> Decimal:
    if total <= 0:
        return Decimal(0)
    return (Decimal(closing) / Decimal(total)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


# -- the shell --

def _accounts_of(terms: Terms) -> dict[str, tuple[str, str]]:
    """Each partner's own capital account name -> (partner, category)."""
    roles = {"cash": "capital_cash", "in_kind": "capital_in_kind", "revenue": "capital_revenue",
             "distributions": "capital_distributions"}
    return {terms.account_name(role, partner=p): (p, cat) for p in terms.partner_codes for cat, role in roles.items()}


def _category(name: str, terms: Terms, mine: Mapping[str, tuple[str, str]]) -> tuple[str | None, str] | None:
    if name in mine:
        return mine[name]
    root = name.split(":", 1)[0]
    if name == terms.account_name("gains_unrealised"):
        return None, "unrealised"
    if root == "Income":
        return None, "income"
    if root == "Expenses":
        return None, "expenses"
    return None


class Converter:
    """Base-currency value of an amount on a day, at the fund's reference rates (read once)."""

    def __init__(self, conn: Connection, info: FundInfo, terms: Terms) -> None:
        self.base = terms.fund.base_currency
        self._conn, self._info, self._table = conn, info, None

    def __call__(self, minor: int, currency: str, day: dt.date) -> int:
        if currency == self.base:
            return minor
        if self._table is None:
            from jointfund.revenue.book import rates  # only a fund that books other currencies needs its rates

            terms = self._info.base_terms()
            # The latest rate on or before the day, however old: a balance must be valued even when the
            # reference rates stop (the age limit of the terms is for judging receipts, not for valuing).
            self._table = rates(self._conn, terms.fx.domestic_currency, None)
        own, quote = self._table.rate(currency, day), self._table.rate(self.base, day)
        if own is None or quote is None:
            missing = currency if own is None else self.base
            raise JointfundError(f"capital accounts need the {missing} reference rate on or before {day} to value "
                                 f"{currency} in {self.base}; import it with: jointfund fx import FILE")
        value = from_minor(minor, currency) * own / quote
        return to_minor(value.quantize(Decimal(1).scaleb(-exponent(self.base)), rounding=ROUND_HALF_UP), self.base)


def _daily(conn: Connection, end: dt.date) -> list[tuple[str, str, dt.date, str, int]]:
    """(account name, type, date, currency, net minor) of every account and day up to `end`."""
    q = (select(t.account.c.name, t.account.c.type, t.posting.c.date, t.posting.c.currency, func.sum(t.posting.c.amount_minor))
         .join(t.account, t.account.c.id == t.posting.c.account_id).where(t.posting.c.date <= end)
         .group_by(t.account.c.name, t.account.c.type, t.posting.c.date, t.posting.c.currency))
    return [(n, ty, d, c, int(s)) for n, ty, d, c, s in conn.execute(q) if s]


def capital_accounts(conn: Connection, info: FundInfo, end: dt.date, start: dt.date | None = None) -> FundCapital:
    """Every partner's capital account over [start, end] (start: the fund's first day)."""
    terms = info.terms(end)
    start = max(start or info.start_date, info.start_date)
    if end < start:
        raise JointfundError(f"the period ends ({end}) before it starts ({start})")
    base = terms.fund.base_currency
    convert = Converter(conn, info, terms)
    mine = _accounts_of(terms)
    moves: list[Move] = []
    nav = other = 0
    for name, kind, day, currency, minor in _daily(conn, end):
        if kind in ("asset", "liability"):
            nav += convert(minor, currency, end)
            continue
        cat = _category(name, terms, mine)
        if cat is None:  # equity that belongs to no partner yet: obligations, FX trading
            other -= convert(minor, currency, end)
            continue
        partner, category = cat
        moves.append(Move(day, partner, category, -convert(minor, currency, day)))
    partners = terms.partner_codes
    fallback = {p.code: p.ownership_share for p in terms.partners if p.ownership_share is not None}
    starts = period_starts(terms.capital.allocation_period, info.start_date, end)
    untranslated = roll(partners, starts, start, end, moves, fallback)
    translation = nav - other - sum(c["closing"] for c in untranslated.values())
    cols = roll(partners, starts, start, end, moves, fallback, {"unrealised": translation}) if translation else untranslated
    total = sum(c["closing"] for c in cols.values())
    assert total + other == nav, (total, other, nav)
    accounts = tuple(
        CapitalAccount(p, base, start, end, *(from_minor(cols[p][c], base) for c in COLUMNS), share_of(cols[p]["closing"], total))
        for p in partners)
    return FundCapital(accounts, base, start, end, from_minor(nav, base), from_minor(other, base), from_minor(translation, base))


def closing_by_partner(conn: Connection, info: FundInfo, day: dt.date) -> dict[str, Decimal]:
    """Each partner's capital on `day`: what a distribution is allocated by."""
    return {a.partner: a.closing for a in capital_accounts(conn, info, day).accounts}
