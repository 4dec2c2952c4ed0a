"""posting_total (issue 13, reads under writes): the capital accounts read sums per account, currency and
month (and day, for the months a window cuts inside) that each post adds to in its transaction, instead of
summing the book. They must give exactly what summing the postings gives, for any window; verify must name a
sum that does not match the postings."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from sqlalchemy import case, func, select
from support import Book

from capital.test_histories import KINDS, _entries
from jointfund.capital import accounts
from jointfund.capital.accounts import capital_accounts
from jointfund.ledger import checks
from jointfund.store import db
from jointfund.store import entries as entries_store
from jointfund.store import tables as t
from jointfund.verify import verify


def _by_piece_from_postings(conn, cuts, currency):  # noqa: ANN001, ANN202 - the oracle: every posting summed
    amount, day = t.posting.c.amount_minor, t.posting.c.date
    piece = case(*((day >= c, i) for i, c in reversed(list(enumerate(cuts[:-1])))), else_=-1)
    q = (
        select(
            t.account.c.name,
            t.account.c.type,
            piece,
            func.sum(amount),
            func.sum(case((amount < 0, amount), else_=0)),
        )
        .join(t.account, t.account.c.id == t.posting.c.account_id)
        .where(day < cuts[-1], t.posting.c.currency == currency)
        .group_by(t.account.c.name, t.account.c.type, piece)
    )
    return [(n, ty, cuts[i], int(s), int(neg)) for n, ty, i, s, neg in conn.execute(q) if s or neg]


def _history(book: Book, seed: int) -> None:
    """Three posts of random events over about two years, many sharing a day and an account (so a post adds
    to sums an earlier one made), some dated on the first or last day of a month."""
    rng = random.Random(seed)
    n = 0
    for batch in range(3):
        entries = []
        for _ in range(40):
            offset = rng.choice([rng.randrange(700), 8, 9, 39, 40, 699])  # START + 8 is 05-31, + 9 is 06-01
            day = book.start + dt.timedelta(days=offset)
            kind = rng.choice([k for k in KINDS if k not in ("in_kind", "owed")])
            n += 1
            minor = rng.randrange(1, 10**9)
            entries += _entries(book.terms, kind, day, minor, rng.choice(("US", "UA")), 4100, n)
        if batch == 0:  # the fund's first capital comes first, so the first period's results have a base
            entries.insert(0, book.contribution("seed", "1000000.00", 0))
        book.post(*entries)


def _totals_findings(engine) -> list[str]:  # noqa: ANN001
    """What `jointfund verify` says of the posting totals (its other checks are not this test's)."""
    return [f.detail for r in verify(engine).results if r.check == checks.TOTALS for f in r.failures]


WINDOWS = [(None, 0), (None, 8), (None, 9), (None, 38), (None, 39), (None, 40), (None, 365), (None, 700)]
WINDOWS += [(9, 39), (10, 38), (40, 400), (100, 101), (8, 9), (39, 699), (200, 730)]


@pytest.mark.storage
def test_capital_accounts_from_the_totals_equal_summing_every_posting(
    fund_engine, backend, monkeypatch
) -> None:  # noqa: ANN001
    book = Book(fund_engine)
    _history(book, seed=13)
    with db.transaction(fund_engine) as conn:
        shown = {}
        for first, last in WINDOWS:
            start = None if first is None else book.day(first)
            shown[(first, last)] = capital_accounts(conn, book.fund, book.day(last), start)
        monkeypatch.setattr(accounts, "_by_piece", _by_piece_from_postings)
        for (first, last), fc in shown.items():
            start = None if first is None else book.day(first)
            assert fc == capital_accounts(conn, book.fund, book.day(last), start), (first, last)
        assert any(a.closing for a in fc.accounts) and fc.nav
        name, checked, findings = checks.check_posting_totals(conn, book.fund)
    assert findings == [] and checked > 100


@pytest.mark.storage
def test_verify_names_a_posting_total_that_does_not_match_the_postings(fund_engine, backend) -> None:  # noqa: ANN001
    """A sum moved by a cent changes the capital shown (the accounts read the totals, not the postings), and
    verify names it; so does a missing sum and a stray one."""
    book = Book(fund_engine)
    _history(book, seed=7)
    book.post(book.contribution("in-august", "10.00", 100, partner="US"))  # 2025-08-31: a month inside
    assert _totals_findings(fund_engine) == []
    s = t.posting_total.c
    capital, cash = book.capital("US"), book.cash()
    with db.transaction(fund_engine) as conn:
        ids = dict(
            conn.execute(
                select(t.account.c.name, t.account.c.id).where(t.account.c.name.in_([capital, cash]))
            ).all()
        )
        before = capital_accounts(conn, book.fund, book.day(700)).account("US").closing
    account_id = ids[capital]
    mine = (s.account_id == account_id, s.currency == book.base)

    def tampered(statement, findings: int = 1) -> list[str]:  # noqa: ANN001
        with db.transaction(fund_engine) as conn:
            conn.execute(statement)
        found = _totals_findings(fund_engine)
        assert len(found) == findings, found
        return found

    # A whole month inside the window (the window's first and last months are read from the day rows): a
    # cent more paid in, on both sides, so the book still balances.
    inside = (s.span == entries_store.MONTH, s.currency == book.base, s.first_day == dt.date(2025, 8, 1))
    with db.transaction(fund_engine) as conn:
        conn.execute(
            t.posting_total.update()
            .where(*inside, s.account_id == ids[cash])
            .values(net_minor=s.net_minor + 1)
        )
    detail = tampered(
        t.posting_total.update().where(*inside, s.account_id == account_id).values(net_minor=s.net_minor - 1),
        2,
    )
    assert any(capital in d and "the month of 2025-08-01" in d for d in detail), detail
    assert any(cash in d for d in detail), detail
    with db.transaction(fund_engine) as conn:
        after = capital_accounts(conn, book.fund, book.day(700)).account("US").closing
        assert after - before == Decimal("0.01")  # the accounts read the totals, not the postings
        for who, cent in ((capital, 1), (cash, -1)):
            conn.execute(
                t.posting_total.update()
                .where(*inside, s.account_id == ids[who])
                .values(net_minor=s.net_minor + cent)
            )
    assert _totals_findings(fund_engine) == []

    day = select(s.first_day).where(*mine, s.span == entries_store.DAY).limit(1).scalar_subquery()
    (detail,) = tampered(
        t.posting_total.delete().where(*mine, s.span == entries_store.DAY, s.first_day == day)
    )
    assert capital in detail and "the totals say nothing" in detail

    with db.transaction(fund_engine) as conn:
        other = conn.execute(
            select(t.account.c.id).where(t.account.c.name == book.capital("UA"))
        ).scalar_one()
        conn.execute(
            t.posting_total.insert().values(
                span=entries_store.DAY,
                currency=book.other,
                first_day=book.day(3),
                account_id=other,
                net_minor=5,
                credits_minor=0,
            )
        )
    found = _totals_findings(fund_engine)  # the missing day's row, and now the stray one
    assert len(found) == 2 and any(book.capital("UA") in d and "the postings say nothing" in d for d in found)


@pytest.mark.storage
def test_capital_carried_from_an_earlier_read_equals_a_fresh_one_after_each_write(
    fund_engine, backend, monkeypatch
) -> None:  # noqa: ANN001
    """After a write only the pieces its entries fall in are read again (the pages' capital after an upload,
    issue 13), and the figures are those of a fresh computation whether the write lands in the last piece, in
    an early one, after the window or nowhere; a write is never missed (no stale capital)."""
    book = Book(fund_engine)
    _history(book, seed=21)
    end = book.day(700)
    asked: list[dt.date | None] = []
    by_piece = accounts._by_piece

    def recorded(conn, cuts, currency, since=None):  # noqa: ANN001, ANN202
        asked.append(since)
        return by_piece(conn, cuts, currency, since)

    monkeypatch.setattr(accounts, "_by_piece", recorded)
    with db.transaction(fund_engine) as conn:
        fc, pieces = accounts.carried_capital(conn, book.fund, end)
    cuts = pieces.cuts
    writes = [
        ("late", 690, "US"),  # the last piece: only it is read again
        ("early", 20, "UA"),  # the first months: every piece from there on
        ("future", 900, "US"),  # after the window: nothing read, nothing changes
        (None, 0, ""),  # no write at all
    ]
    for key, offset, partner in writes:
        if key is not None:
            book.post(book.contribution(f"carried-{key}", "12.34", offset, partner=partner))
        asked.clear()
        with db.transaction(fund_engine) as conn:
            carried, pieces = accounts.carried_capital(conn, book.fund, end, earlier=pieces)
            read = list(asked)
            fresh = capital_accounts(conn, book.fund, end)
        assert carried == fresh, key
        day = book.day(offset)
        if key == "future" or key is None:
            assert read == [] and carried == fc, key
        else:
            assert read == [max(c for c in cuts[:-1] if c <= day)], (key, read)
            changed = carried.account(partner).closing - fc.account(partner).closing
            assert changed >= Decimal("12.34") - Decimal("0.01") or key == "early", (key, changed)
            assert carried != fc, key
        fc = carried
    # Another day (other cuts), or a log shorter than the one carried (a restored copy), reads everything.
    with db.transaction(fund_engine) as conn:
        asked.clear()
        other = accounts.carried_capital(conn, book.fund, book.day(699), earlier=pieces)[0]
        assert asked == [None] and other == capital_accounts(conn, book.fund, book.day(699))
        asked.clear()
        ahead = pieces._replace(seq=pieces.seq + 1, folds=())
        assert accounts.carried_capital(conn, book.fund, end, earlier=ahead)[0] == fc and asked == [None]
        # Sums folded under another chart (other terms) are never added: every piece is read and folded again.
        asked.clear()
        elsewhere = pieces._replace(chart=pieces.chart._replace(trading="Equity:Elsewhere"), folds=())
        assert accounts.carried_capital(conn, book.fund, end, earlier=elsewhere)[0] == fc and asked == [None]
        asked.clear()
        same = pieces._replace(chart=accounts.chart(book.fund.terms(end)))  # an equal chart, built again
        assert accounts.carried_capital(conn, book.fund, end, earlier=same)[0] == fc and asked == []


@pytest.mark.storage
def test_capital_depends_on_each_pieces_sums_alone_not_on_how_its_rows_are_split(
    fund_engine, backend, monkeypatch
) -> None:  # noqa: ANN001
    """carried_capital sums a piece's moves per partner and line before allocating them (issue 13: one move
    per line and piece, not per account): rows split in two, or doubled with their negation, give the very
    same figures for every window, since roll allocates a piece's moves together."""
    book = Book(fund_engine)
    _history(book, seed=5)
    by_piece = accounts._by_piece

    def split(conn, cuts, currency, since=None):  # noqa: ANN001, ANN202
        out = []
        for n, ty, day, net, credits in by_piece(conn, cuts, currency, since):
            half, part = net // 3, credits // 2
            out += [(n, ty, day, half, part), (n, ty, day, net - half, credits - part)]
            out += [(n, ty, day, 7, 0), (n, ty, day, -7, 0)]  # nets to nothing: moves nothing
        return out

    with db.transaction(fund_engine) as conn:
        shown = {w: capital_accounts(conn, book.fund, book.day(w[1]), _start(book, w[0])) for w in WINDOWS}
        monkeypatch.setattr(accounts, "_by_piece", split)
        for w, fc in shown.items():
            assert capital_accounts(conn, book.fund, book.day(w[1]), _start(book, w[0])) == fc, w
    assert any(a.income or a.expenses for a in fc.accounts) and fc.nav


def _start(book: Book, first: int | None) -> dt.date | None:
    return None if first is None else book.day(first)
