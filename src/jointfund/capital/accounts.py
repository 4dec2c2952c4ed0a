"""Partners' capital accounts and ownership: the ONE computation every page, report and API uses.

A partner's account over a period: opening balance; contributions (cash, revenue share, in-kind
credit); its allocated share of income, expenses, realised and unrealised gains and FX;
distributions; closing balance; and its ownership share (its closing over all partners' closings).

Everything is read from the journal's postings in the functional currency (the terms'
`fund.base_currency`) and nothing else: no exchange rate is looked up here. A position held in
another currency is carried in the functional currency by the functional legs of the FX trading
accounts (`Equity:Trading:{currency}`), and its remeasurement at each period end is a journal
entry whose result is the FX line (`Income:FX:*`). So any window over the same periods gives the
same figures, and a period's closing is the next period's opening, to the cent.

Allocation follows the terms (`capital.allocation`, `capital.allocation_period`): each period's
result is split pro rata to the partners' capital at the start of that period, each category on
its own with largest-remainder rounding, so the parts sum exactly to what the ledger holds; ties
of remainders go round the partners period by period (the odd cent does not always go to the same
partner). A period that starts with no capital at all (the fund's first) is split by what the
partners contribute during it, and, failing that, by the terms' ownership shares.

Net assets (`nav`) are the functional-currency balances of assets and liabilities plus the
functional legs of the trading accounts. The partners' closing balances plus the other equity
(obligations accrued, not yet capital) equal them to the cent. `roll` is the pure core;
`capital_accounts` the shell.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Connection, Select, and_, case, cast, func, or_, select

from jointfund.capital.allocation import split_minor, whole_numbers
from jointfund.errors import InputError, JointfundError, Problem
from jointfund.fund import FundInfo
from jointfund.ledger.account import in_subtree
from jointfund.money import from_minor
from jointfund.store import entries as entries_store
from jointfund.store import tables as t
from jointfund.terms.model import Terms

CONTRIBUTIONS = ("cash", "revenue", "in_kind")  # the partner's own capital accounts, by the terms' roles
PNL = ("income", "expenses", "realised", "unrealised", "fx")
COLUMNS = ("opening", *CONTRIBUTIONS, *PNL, "distributions", "closing")
# The partner's own capital accounts by role -> the statement line they move.
CAPITAL_ROLES = {
    "capital_cash": "cash",
    "capital_revenue": "revenue",
    "capital_in_kind": "in_kind",
    "capital_in_kind_offset": "in_kind",
    "capital_distributions": "distributions",
}
# Result accounts by role -> the statement line (any other Income is income, any other Expenses expenses).
RESULT_ROLES = {
    "gains_realised": "realised",
    "write_offs": "realised",
    "gains_unrealised": "unrealised",
    "fx_realised": "fx",
    "fx_unrealised": "fx",
}


class CapitalAccount(NamedTuple):
    """One partner's capital account over [start, end], in the functional currency (see COLUMNS).

    `in_kind` is the net capital credit of in-kind contributions: the approved values of the
    partner's own, less its part of every partner's credits (which add no assets; see in_kind.py).
    `contributed` is what the partner has put in to `end`: cash, revenue share and the approved
    value of its in-kind contributions (the base of its ownership).
    """

    partner: str
    currency: str
    start: dt.date
    end: dt.date
    opening: Decimal
    cash: Decimal
    revenue: Decimal
    in_kind: Decimal
    income: Decimal
    expenses: Decimal
    realised: Decimal
    unrealised: Decimal
    fx: Decimal
    distributions: Decimal
    closing: Decimal
    share: Decimal
    contributed: Decimal


class FundCapital(NamedTuple):
    """Every partner's account, the fund's net assets and the equity that belongs to no partner yet.

    Attributes:
      nav: net assets on `end`: assets less liabilities, foreign positions at their carrying value.
      other_equity: obligations accrued and not yet transferred (capital only once the money arrives).
    """

    accounts: tuple[CapitalAccount, ...]
    currency: str
    start: dt.date
    end: dt.date
    nav: Decimal
    other_equity: Decimal

    def account(self, partner: str) -> CapitalAccount:
        return next(a for a in self.accounts if a.partner == partner)

    @property
    def capital(self) -> Decimal:
        """The partners' capital together."""
        return sum((a.closing for a in self.accounts), Decimal(0))


class Move(NamedTuple):
    """A day's net movement of one category, in functional minor units, signed as the partner sees it (+ is
    capital)."""

    date: dt.date
    partner: str | None  # None for results, which belong to the fund until allocated
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


def window_cuts(starts: Sequence[dt.date], start: dt.date, end: dt.date) -> list[dt.date]:
    """The days a window over [start, end] is cut at: the periods' starts, the window's start, and the day
    after its end. Moves between two cuts are allocated together, so their days within it do not matter."""
    return sorted({d for d in starts if d <= end} | {start, end + dt.timedelta(days=1)} | {starts[0]})


def roll(
    partners: Sequence[str],
    starts: Sequence[dt.date],
    start: dt.date,
    end: dt.date,
    moves: Iterable[Move],
    fallback: Mapping[str, Decimal],
) -> dict[str, dict[str, int]]:
    """Each partner's columns (minor units) over [start, end], allocating results as the module says.

    `starts` are the allocation periods' starts (the first at or before every move). A period's
    number (its index in `starts`) decides whose turn it is to take a tied odd cent.

    A window may start or end inside a period, which cuts it into pieces. The allocation is cumulative
    within the period: after each piece, each category's result of the period so far is split as a whole
    and the piece takes what that split adds to the earlier pieces'. So a partner's balance on any day
    does not depend on where windows are cut (a window's closing is the next one's opening, to the cent),
    and a period's pieces add up to the period's split.
    """
    assert starts and all(a < b for a, b in pairwise(starts)), "period starts must increase"
    by_day: dict[dt.date, list[Move]] = defaultdict(list)
    for m in moves:
        assert m.date >= starts[0], f"a move of {m.date} precedes the first period {starts[0]}"
        if m.date <= end:
            by_day[m.date].append(m)
    number = {d: i for i, d in enumerate(starts)}
    # The terms' shares as whole numbers once, not at each split (every period of a fund without capital).
    shares = whole_numbers({p: fallback.get(p, Decimal(0)) for p in partners})
    cuts = window_cuts(starts, start, end)
    balance = {p: 0 for p in partners}
    cols = {p: dict.fromkeys(COLUMNS, 0) for p in partners}
    weights: dict[str, int] = {}
    turn = 0
    result = dict.fromkeys(PNL, 0)  # the period's result so far, per category
    allocated = {c: dict.fromkeys(partners, 0) for c in PNL}  # its split so far
    days = sorted(by_day)
    i = 0
    for a, b in pairwise(cuts):
        if a in number or not weights:
            weights = {p: max(balance[p], 0) for p in partners}
            turn = number.get(a, turn)
            result = dict.fromkeys(PNL, 0)
            allocated = {c: dict.fromkeys(partners, 0) for c in PNL}
        if a == start:
            for p in partners:
                cols[p]["opening"] = balance[p]
        inside = a >= start
        while i < len(days) and days[i] < b:
            for m in by_day[days[i]]:
                if m.partner is None:
                    result[m.category] += m.minor
                    continue
                balance[m.partner] += m.minor
                if inside:
                    cols[m.partner][m.category] += m.minor
            i += 1
        if not any(result.values()) and not any(v for parts in allocated.values() for v in parts.values()):
            continue
        # Capital before this period's results: what the first period's split goes by, whatever the pieces.
        own = {p: balance[p] - sum(allocated[c][p] for c in PNL) for p in partners}
        w: Mapping[str, int] | None = weights if any(weights.values()) else None
        for c in PNL:
            if result[c]:
                w = w or _first_period_weights(partners, own, shares)
                target = split_minor(result[c], w, turn)
            else:
                target = dict.fromkeys(partners, 0)
            for p in partners:
                part = target[p] - allocated[c][p]
                allocated[c][p] = target[p]
                balance[p] += part
                if inside:
                    cols[p][c] += part
    for p in partners:
        cols[p]["closing"] = balance[p]
        assert cols[p]["opening"] + sum(cols[p][c] for c in COLUMNS[1:-1]) == balance[p]
    return cols


def _first_period_weights(
    partners: Sequence[str], balance: Mapping[str, int], fallback: Mapping[str, int]
) -> Mapping[str, int]:
    """No capital at the period's start: split by what has come in since, else by the terms' shares."""
    contributed = {p: max(balance[p], 0) for p in partners}
    if any(contributed.values()):
        return contributed
    if fallback and any(fallback.get(p, 0) for p in partners):
        return {p: fallback.get(p, 0) for p in partners}
    raise JointfundError(
        "income or expenses arose before any partner had capital, and the terms give no "
        "ownership shares to allocate them by: set partners[].ownership_share in the terms"
    )


def share_of(closing: int, total: int, places: int = 6) -> Decimal:
    """A partner's ownership share: its capital over all partners' capital, to `places` decimals (half up)."""
    if total <= 0:
        return Decimal(0)
    return (Decimal(closing) / Decimal(total)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# -- the shell --


class Chart(NamedTuple):
    """How the capital computation reads each account of the terms' chart."""

    mine: dict[str, tuple[str, str]]  # a partner's own capital account -> (partner, category)
    results: dict[str, str]  # a result account of a named role -> category
    trading: str  # the trading accounts' parent: their functional legs carry foreign positions
    in_kind: frozenset[str]  # the accounts holding approved in-kind values (contributed capital)

    def category(self, name: str) -> tuple[str | None, str] | None:
        """(partner or None, category) of a capital or result account; None for any other equity."""
        if name in self.mine:
            return self.mine[name]
        if name in self.results:
            return None, self.results[name]
        root = name.split(":", 1)[0]
        if root == "Income":
            return None, "income"
        if root == "Expenses":
            return None, "expenses"
        return None


def chart(terms: Terms) -> Chart:
    roles = terms.ledger.roles
    mine = {
        terms.account_name(role, partner=p): (p, cat)
        for p in terms.partner_codes
        for role, cat in CAPITAL_ROLES.items()
        if role in roles
    }
    results = {terms.account_name(role): cat for role, cat in RESULT_ROLES.items() if role in roles}
    trading = terms.account_name("trading", currency="X").rsplit(":", 1)[0]
    # A fund whose terms take no in-kind contributions names no such account: nothing is in kind there.
    in_kind = frozenset(
        terms.account_name("capital_in_kind", partner=p)
        for p in terms.partner_codes
        if "capital_in_kind" in roles
    )
    return Chart(mine, results, trading, in_kind)


def _by_piece(
    conn: Connection, cuts: Sequence[dt.date], currency: str, since: dt.date | None = None
) -> list[tuple[str, str, dt.date, int, int]]:
    """(account name, type, first day of the piece, net minor, credits minor) of every account and piece of
    the window, in `currency`: a piece runs from one of `cuts` to the next (the last cut is the day after the
    window). Summed per piece rather than per day, because `roll` allocates a piece's moves together.

    Read from posting_total, not the postings: whole months from its month rows, and the months a cut falls
    inside (a window starting or ending within a month) from its day rows. So the rows read stay at accounts
    x (months + the days of those few months) however many postings the book has, and a write only adds to
    one day's and one month's row in its transaction (store.entries.add_totals): summing the postings took
    about 1 s at 1M postings on PostgreSQL, paid by the first read after every write (issue 13).

    `since`, one of `cuts`: only the pieces from it on (what a write may have changed, see `Pieces`)."""
    rows = []
    for n, ty, i, net, neg in conn.execute(_piece_sums(tuple(cuts), currency, since or cuts[0])).all():
        if i < 0:  # before the first period: roll refuses it, naming the day
            raise JointfundError(f"{n} has a posting before the fund's first period starts ({cuts[0]})")
        if net or neg:
            rows.append((n, ty, cuts[i], int(net), int(neg)))
    return rows


# Built once per window and first piece read: building the statement cost about a quarter of reading a piece
# after a write (0.6 of 2.4 ms CPU on the bench's book), and the next write asks for the same one.
@functools.lru_cache(maxsize=32)
def _piece_sums(cuts: tuple[dt.date, ...], currency: str, since: dt.date) -> Select[Any]:
    """`_by_piece`'s statement: (account name, type, piece's index in `cuts`, net minor, credits minor)."""
    s = t.posting_total.c
    split = sorted({c.replace(day=1) for c in cuts if c.day != 1})
    # Latest cut first: the first WHEN a row's first day passes names the piece it lies in. A month row lies
    # wholly in one piece, since no cut falls inside its month.
    piece = case(*((s.first_day >= c, i) for i, c in reversed(list(enumerate(cuts[:-1])))), else_=-1)
    # Each branch bounded on the primary key's columns in order (span, currency, first day), so each is one
    # index range: a day branch reads its month's days alone, not every day of the book.
    whole = and_(
        s.span == entries_store.MONTH,
        s.currency == currency,
        s.first_day >= since,
        s.first_day < cuts[-1],
        s.first_day.not_in(split),
    )
    days = [
        and_(
            s.span == entries_store.DAY,
            s.currency == currency,
            s.first_day >= max(m, since),
            s.first_day < min(_next_month(m), cuts[-1]),
        )
        for m in split
        if _next_month(m) > since
    ]
    # Summed per account id before the names are joined: grouping by the name sorted its text (by collation
    # on PostgreSQL), which cost more than the sums.
    sums = (
        select(
            s.account_id,
            piece.label("piece"),
            # As whole numbers: PostgreSQL sums a bigint as numeric, which the driver made a Decimal per row.
            cast(func.sum(s.net_minor), BigInteger).label("net"),
            cast(func.sum(s.credits_minor), BigInteger).label("credits"),
        )
        .where(or_(whole, *days))
        .group_by(s.account_id, piece)
        .subquery()
    )
    return select(t.account.c.name, t.account.c.type, sums.c.piece, sums.c.net, sums.c.credits).join(
        sums, t.account.c.id == sums.c.account_id
    )


def _next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=31)).replace(day=1)


class Fold(NamedTuple):
    """What one piece's rows (`_by_piece`) come to under a chart: all `carried_capital` needs of them.

    Attributes:
      nav: the net assets' movement; other: the other equity's (obligations accrued), in minor units.
      flows: (partner or None for a result, line, minor units signed as the partner sees it) per line moved.
      contributed: (partner, what it put in: cash, revenue share, in-kind values; not net of what went back).
    """

    nav: int
    other: int
    flows: tuple[tuple[str | None, str, int], ...]
    contributed: tuple[tuple[str, int], ...]


_NAV = (None, "net assets")  # the role of an asset, a liability or a trading account: counted in the NAV


def _fold(rows: Iterable[tuple[str, str, dt.date, int, int]], ch: Chart) -> dict[dt.date, Fold]:
    """Each piece's rows folded (by its first day): every account classified once, its sums added to its
    line's; roll adds a piece's moves together, so one per partner and line gives the same figures."""
    roles: dict[str, tuple[str | None, str] | None] = {}
    nav: dict[dt.date, int] = defaultdict(int)
    other: dict[dt.date, int] = defaultdict(int)
    flows: dict[dt.date, dict[tuple[str | None, str], int]] = defaultdict(lambda: defaultdict(int))
    put_in: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for name, kind, day, minor, credits in rows:
        if name not in roles:
            on_nav = kind in ("asset", "liability") or in_subtree(name, ch.trading)
            roles[name] = _NAV if on_nav else ch.category(name)
        cat = roles[name]
        if cat is _NAV:
            nav[day] += minor
            continue
        if cat is None:  # equity that belongs to no partner yet: obligations accrued
            other[day] -= minor
            continue
        partner, category = cat
        flows[day][partner, category] -= minor
        if partner is not None and (category in ("cash", "revenue") or name in ch.in_kind):
            put_in[day][partner] -= credits  # what was put in, not net of what went back
    return {
        day: Fold(
            nav.get(day, 0),
            other.get(day, 0),
            tuple((p, c, m) for (p, c), m in flows[day].items() if m),
            tuple(put_in[day].items()),
        )
        for day in {*nav, *other, *flows, *put_in}
    }


class Pieces(NamedTuple):
    """The sums a window's accounts are computed from (`_by_piece`'s rows, folded under the terms' chart), and
    how far into the log they are read: what the next computation after a write starts from
    (`carried_capital`). Kept folded, not as rows: after a write only the pieces read again are folded, and
    the others' few sums are added, not their accounts' rows classified again (3,500 rows on the bench book).

    Attributes:
      cuts: the window's cuts (window_cuts); currency: the functional currency summed.
      chart: the chart the rows were folded under.
      seq: every entry up to this log position is in `folds` (a later one may be too).
      folds: (first day of the piece, its Fold) of each piece any account moved in, by day.
    """

    cuts: tuple[dt.date, ...]
    currency: str
    chart: Chart
    seq: int
    folds: tuple[tuple[dt.date, Fold], ...]


NEW_ENTRIES_READ = 10_000  # entries since the carried sums read one by one; past it, every piece is read


def _last_entry(conn: Connection) -> int:
    return conn.execute(select(func.max(t.entry.c.seq))).scalar() or 0


def _pieces(
    conn: Connection, cuts: Sequence[dt.date], currency: str, ch: Chart, earlier: Pieces | None
) -> Pieces:
    """The window's sums, re-reading only the pieces that entries posted since `earlier` fall in.

    A write adds entries at the end of the log, so the pieces before the earliest day they are dated keep
    the sums `earlier` read: after an upload dated yesterday only the last piece (a quarter's months) is read
    again, not the fund's whole life. The log position is read before the sums, so an entry that commits in
    between is counted again next time (its piece re-read), never missed. Pure reuse needs the same cuts,
    currency and chart (the same day and terms) and a log at least as long; anything else reads every
    piece."""
    seq = _last_entry(conn)
    cuts = tuple(cuts)

    def read(*since: dt.date) -> tuple[tuple[dt.date, Fold], ...]:
        return tuple(sorted(_fold(_by_piece(conn, cuts, currency, *since), ch).items()))

    if (
        earlier is None
        or (earlier.cuts, earlier.currency, earlier.chart) != (cuts, currency, ch)
        or earlier.seq > seq
    ):
        return Pieces(cuts, currency, ch, seq, read())
    # The new entries' days, in log order and bounded: an index range on the log position whatever the
    # planner knows of the table (a bare min() over seq > x was read as a scan of every entry without
    # statistics); past the bound, reading every piece is as cheap.
    days = (
        conn.execute(
            select(t.entry.c.date)
            .where(t.entry.c.seq > earlier.seq)
            .order_by(t.entry.c.seq)
            .limit(NEW_ENTRIES_READ + 1)
        )
        .scalars()
        .all()
    )
    if len(days) > NEW_ENTRIES_READ:
        return Pieces(cuts, currency, ch, seq, read())
    first = min(days, default=None)
    if first is None or first >= cuts[-1]:  # nothing new, or dated after the window: no piece changes
        return earlier._replace(seq=seq)
    since = max((c for c in cuts[:-1] if c <= first), default=cuts[0])
    kept = tuple(f for f in earlier.folds if f[0] < since)
    return Pieces(cuts, currency, ch, seq, kept + read(since))


def capital_accounts(
    conn: Connection, info: FundInfo, end: dt.date, start: dt.date | None = None
) -> FundCapital:
    """Every partner's capital account over [start, end] (start: the fund's first day), from the journal
    alone."""
    return carried_capital(conn, info, end, start)[0]


def carried_capital(
    conn: Connection,
    info: FundInfo,
    end: dt.date,
    start: dt.date | None = None,
    earlier: Pieces | None = None,
) -> tuple[FundCapital, Pieces]:
    """`capital_accounts`, and the sums it read; given the sums of an earlier computation (`earlier`), only
    the pieces that entries posted since then fall in are read again (`_pieces`): what a page showing today's
    capital pays after a write (issue 13)."""
    terms = info.terms(end)
    start = max(start or info.start_date, info.start_date)
    if end < start:
        raise JointfundError(f"the period ends ({end}) before it starts ({start})")
    base = terms.fund.base_currency
    ch = chart(terms)
    contributed = dict.fromkeys(terms.partner_codes, 0)
    nav = other = 0
    fallback = {p.code: p.ownership_share for p in terms.partners if p.ownership_share is not None}
    starts = period_starts(terms.capital.allocation_period, info.start_date, end)
    pieces = _pieces(conn, window_cuts(starts, start, end), base, ch, earlier)
    moves: list[Move] = []
    for day, fold in pieces.folds:
        nav += fold.nav
        other += fold.other
        moves += [Move(day, partner, category, minor) for partner, category, minor in fold.flows]
        for partner, minor in fold.contributed:
            contributed[partner] += minor
    partners = terms.partner_codes
    cols = roll(partners, starts, start, end, moves, fallback)
    total = sum(c["closing"] for c in cols.values())
    assert total + other == nav, (total, other, nav)
    accounts = tuple(
        _account(p, base, start, end, cols[p], contributed[p], total, terms.accounting.share_places)
        for p in partners
    )
    return FundCapital(accounts, base, start, end, from_minor(nav, base), from_minor(other, base)), pieces


def _account(
    partner: str,
    base: str,
    start: dt.date,
    end: dt.date,
    columns: Mapping[str, int],
    contributed: int,
    total: int,
    places: int,
) -> CapitalAccount:
    """One partner's statement from its columns (minor units of `base`), each column by name."""
    money = {c: from_minor(columns[c], base) for c in COLUMNS}
    return CapitalAccount(
        partner=partner,
        currency=base,
        start=start,
        end=end,
        opening=money["opening"],
        cash=money["cash"],
        revenue=money["revenue"],
        in_kind=money["in_kind"],
        income=money["income"],
        expenses=money["expenses"],
        realised=money["realised"],
        unrealised=money["unrealised"],
        fx=money["fx"],
        distributions=money["distributions"],
        closing=money["closing"],
        share=share_of(columns["closing"], total, places),
        contributed=from_minor(contributed, base),
    )


def closing_by_partner(conn: Connection, info: FundInfo, day: dt.date) -> dict[str, Decimal]:
    """Each partner's capital on `day`: what a distribution and an in-kind credit are allocated by."""
    return {a.partner: a.closing for a in capital_accounts(conn, info, day).accounts}


def accounts_between(conn: Connection, info: FundInfo, end: dt.date, since: dt.date | None) -> FundCapital:
    """`capital_accounts` over [since, end] as a surface asks for them: an opening after the closing date is
    refused, naming the opening ("from", as every surface calls it)."""
    if since is not None and since > end:
        raise InputError([Problem("from", f"after the closing date {end}", since.isoformat())])
    return capital_accounts(conn, info, end, since)
