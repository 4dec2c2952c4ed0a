"""Capital accounts: allocations sum exactly (Hypothesis, pure), and on a real book every partner's account
reconciles to the ledger to the cent on every month-end, on both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointfund.capital.accounts import COLUMNS, PNL, Move, capital_accounts, period_starts, roll
from jointfund.ledger import journal
from jointfund.ledger.account import in_subtree
from jointfund.ledger.entry import Entry, Posting
from jointfund.portfolio import investment
from jointfund.store import db

D = dt.date
START, END = D(2025, 5, 23), D(2027, 6, 30)
PARTNERS = ("US", "UA")


@st.composite
def books(draw):  # noqa: ANN201
    days = st.integers(min_value=0, max_value=(END - START).days).map(lambda n: START + dt.timedelta(days=n))
    capital = st.builds(
        Move,
        days,
        st.sampled_from(PARTNERS),
        st.sampled_from(("cash", "revenue", "in_kind")),
        st.integers(min_value=1, max_value=10**11),
    )
    pnl = st.builds(
        Move, days, st.none(), st.sampled_from(PNL), st.integers(min_value=-(10**9), max_value=10**9)
    )
    return draw(st.lists(capital, min_size=1, max_size=12)) + draw(st.lists(pnl, max_size=20))


@settings(
    max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)  # a busy machine draws slowly; no timing asserted
@given(
    books(),
    st.sampled_from(("month", "quarter", "year")),
    st.integers(min_value=0, max_value=(END - START).days),
)
def test_allocations_sum_exactly_and_do_not_depend_on_where_a_report_starts(moves, period, offset) -> None:  # noqa: ANN001
    starts = period_starts(period, START, END)
    whole = roll(PARTNERS, starts, START, END, moves, {"US": Decimal("0.5"), "UA": Decimal("0.5")})
    for c in (*PNL, "cash", "revenue", "in_kind"):
        assert sum(whole[p][c] for p in PARTNERS) == sum(m.minor for m in moves if m.category == c)
    for p in PARTNERS:
        assert whole[p]["opening"] + sum(whole[p][c] for c in COLUMNS[1:-1]) == whole[p]["closing"]
    # A report from any later date opens where the whole story stands that day and closes the same.
    later = START + dt.timedelta(days=offset)
    part = roll(PARTNERS, starts, later, END, moves, {"US": Decimal("0.5"), "UA": Decimal("0.5")})
    assert sum(part[p]["closing"] for p in PARTNERS) == sum(whole[p]["closing"] for p in PARTNERS)


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(
    books(),
    st.sampled_from(("month", "quarter", "year")),
    st.lists(st.integers(min_value=1, max_value=(END - START).days), max_size=8, unique=True),
)
def test_windows_cut_anywhere_roll_forward_to_the_cent(moves, period, cuts) -> None:  # noqa: ANN001
    """Any partition of the fund's life, cut inside periods too: each window closes where the next opens,
    and the windows' columns add up to the whole's (the allocation is cumulative within a period)."""
    starts = period_starts(period, START, END)
    shares = {"US": Decimal("0.5"), "UA": Decimal("0.5")}
    bounds = [START, *sorted(START + dt.timedelta(days=c) for c in cuts), END + dt.timedelta(days=1)]
    windows = [
        roll(PARTNERS, starts, a, b - dt.timedelta(days=1), moves, shares) for a, b in pairwise(bounds)
    ]
    whole = roll(PARTNERS, starts, START, END, moves, shares)
    for p in PARTNERS:
        for x, y in pairwise(windows):
            assert x[p]["closing"] == y[p]["opening"], p
        for c in COLUMNS[1:-1]:
            assert sum(w[p][c] for w in windows) == whole[p][c], (p, c)
        assert windows[-1][p]["closing"] == whole[p]["closing"]


def test_a_window_cut_inside_a_quarter_closes_where_the_next_opens() -> None:
    """Three cents of income in a quarter split 1:1 is 2 + 1 (or 1 + 2) once; cut in pieces of one cent each,
    per-piece rounding gave a partner more in the pieces than in the whole."""
    moves = [
        Move(D(2025, 6, 1), "US", "cash", 1000),
        Move(D(2025, 6, 1), "UA", "cash", 1000),
        *(Move(D(2025, 7, d), None, "income", 1) for d in (5, 15, 25)),
    ]
    starts = period_starts("quarter", START, END)
    pieces = [
        roll(PARTNERS, starts, a, b, moves, {})
        for a, b in [
            (START, D(2025, 7, 10)),
            (D(2025, 7, 11), D(2025, 7, 20)),
            (D(2025, 7, 21), D(2025, 9, 30)),
        ]
    ]
    whole = roll(PARTNERS, starts, START, D(2025, 9, 30), moves, {})
    for p in PARTNERS:
        assert [x[p]["closing"] for x in pieces[:-1]] == [x[p]["opening"] for x in pieces[1:]]
        assert sum(x[p]["income"] for x in pieces) == whole[p]["income"]
    assert sorted(whole[p]["income"] for p in PARTNERS) == [1, 2]


def test_income_follows_capital_at_the_start_of_the_period() -> None:
    moves = [
        Move(D(2025, 6, 1), "US", "cash", 300),
        Move(D(2025, 6, 1), "UA", "cash", 100),
        Move(D(2025, 7, 5), "UA", "cash", 400),  # arrives in Q3: earns nothing of Q3
        Move(D(2025, 8, 1), None, "income", 100),
        Move(D(2025, 11, 1), None, "income", 100),
    ]
    cols = roll(PARTNERS, period_starts("quarter", START, END), START, D(2025, 12, 31), moves, {})
    # Q3 by 300:100 -> 75, 25. Q4 by 375:525 -> 41.67, 58.33: floors 41, 58, the spare unit to the larger
    # remainder.
    assert (cols["US"]["income"], cols["UA"]["income"]) == (75 + 42, 25 + 58)


def test_the_odd_cent_of_an_even_split_goes_to_each_partner_in_turn() -> None:
    """Equal capital and an odd cent of income: whose cent it is turns with the period, not always the
    US's."""
    starts = period_starts("quarter", START, END)
    taken = []
    for first in starts[1:5]:
        moves = [
            Move(D(2025, 6, 1), "US", "cash", 1000),
            Move(D(2025, 6, 1), "UA", "cash", 1000),
            Move(first + dt.timedelta(days=14), None, "income", 1),
        ]
        cols = roll(PARTNERS, starts, START, END, moves, {})
        taken.append(next(p for p in PARTNERS if cols[p]["income"] == 1))
        assert sum(cols[p]["income"] for p in PARTNERS) == 1
    assert taken == ["UA", "US", "UA", "US"]  # periods 1 to 4 of the fund; period 0 would start with the US


def _scenario(folio) -> None:  # noqa: ANN001
    """Calls, an investment with tranches, income, a valuation up, an exit at a gain, fees, a write-off."""
    folio.fund_cash("60000000.01", D(2025, 10, 1))
    a, b = (
        folio.submit(),
        folio.submit(title="Port berth", sector="ports_maritime", instrument="loan", reference="B"),
    )
    inv = folio.invest(a.id, "20000000.00", D(2026, 2, 2))
    other = folio.invest(b.id, "3000000.00", D(2026, 2, 9))
    folio.decide("disbursement", D(2026, 3, 1), amount="7000000.00", currency="USD", about=inv.link)
    folio.decide("disbursement", D(2026, 3, 2), amount="3000000.00", currency="USD", about=other.link)
    folio.decide("valuation", D(2026, 6, 30), amount="9100000.33", currency="USD", about=inv.link)
    with db.write(folio.engine) as conn:
        investment.record_income(
            conn, folio.fund, other, "interest", Decimal("123456.79"), "USD", D(2026, 5, 1), "I-1"
        )
        investment.record_return(
            conn,
            folio.fund,
            inv,
            "exit",
            Decimal("4000000.01"),
            "USD",
            D(2026, 9, 1),
            "X-1",
            Decimal("3500000.00"),
        )
        journal.post(
            conn,
            [
                Entry(
                    D(2026, 4, 15),
                    "Audit fee",
                    (
                        Posting("Expenses:Administration", Decimal("33333.33"), "USD"),
                        Posting("Assets:Cash:USD", Decimal("-33333.33"), "USD"),
                    ),
                    "FEE-1",
                )
            ],
            folio.fund.start_date,
        )
    folio.move(b.id, "written_off", D(2026, 10, 1), "the berth was destroyed")


def test_capital_accounts_reconcile_to_the_ledger_for_every_partner_and_month_end(folio) -> None:  # noqa: ANN001
    _scenario(folio)
    terms = folio.terms
    realised = {terms.account_name("gains_realised"), terms.account_name("write_offs")}
    unrealised = terms.account_name("gains_unrealised")
    days = [
        D(2025, 9, 30),
        *(
            D(y, m, 1) - dt.timedelta(days=1)
            for y, m in [
                (2025, 11),
                (2026, 1),
                (2026, 3),
                (2026, 4),
                (2026, 7),
                (2026, 10),
                (2026, 11),
                (2027, 1),
            ]
        ),
    ]
    with db.transaction(folio.engine) as conn:
        for end in days:
            fc = capital_accounts(conn, folio.fund, end)
            tb = journal.trial_balance(conn, end)
            nav = sum((v for a, c, v in tb if a.split(":")[0] in ("Assets", "Liabilities")), Decimal(0))
            kind = {
                a: (
                    "realised"
                    if a in realised
                    else "unrealised"
                    if a == unrealised
                    else "income"
                    if in_subtree(a, "Income")
                    else "expenses"
                    if in_subtree(a, "Expenses")
                    else None
                )
                for a, _c, _v in tb
            }
            pnl = {
                k: -sum((v for a, _c, v in tb if kind[a] == k), Decimal(0))
                for k in ("income", "expenses", "realised", "unrealised")
            }
            assert fc.nav == nav, end
            assert sum(a.closing for a in fc.accounts) + fc.other_equity == nav, end
            for col, total in pnl.items():
                assert sum(getattr(a, col) for a in fc.accounts) == total, (end, col)
            for a in fc.accounts:
                for col, role in (
                    ("cash", "capital_cash"),
                    ("in_kind", "capital_in_kind"),
                    ("revenue", "capital_revenue"),
                    ("distributions", "capital_distributions"),
                ):
                    ledger = -journal.balance(
                        conn, terms.account_name(role, partner=a.partner), end, "USD"
                    ).get("USD", Decimal(0))
                    assert getattr(a, col) == ledger, (end, a.partner, col)
                assert a.closing == a.opening + sum(getattr(a, c) for c in COLUMNS[1:-1])
            if nav:
                assert sum(a.share for a in fc.accounts) == Decimal(1)
        # A quarter's statement opens where the year-to-date closes the day before.
        q3 = capital_accounts(conn, folio.fund, D(2026, 9, 30), D(2026, 7, 1))
        h1 = capital_accounts(conn, folio.fund, D(2026, 6, 30))
        assert [a.opening for a in q3.accounts] == [a.closing for a in h1.accounts]


def test_a_fund_without_capital_splits_its_results_by_the_terms_shares_exactly() -> None:
    """Results before any capital go by the terms' ownership shares (Decimals, made whole numbers once per
    roll): 0.7/0.3 splits as 7/3 and as the exact quotas; a partner the terms give no share takes nothing."""
    moves = [Move(D(2025, 6, 1), None, "income", 1001), Move(D(2025, 8, 1), None, "expenses", -333)]
    starts = period_starts("quarter", START, END)
    shares = roll(PARTNERS, starts, START, END, moves, {"US": Decimal("0.7"), "UA": Decimal("0.3")})
    assert shares == roll(PARTNERS, starts, START, END, moves, {"US": Decimal(7), "UA": Decimal(3)})
    assert (shares["US"]["income"], shares["UA"]["income"]) == (701, 300)  # 700.7 and 300.3: the cent to US
    assert (shares["US"]["expenses"], shares["UA"]["expenses"]) == (-233, -100)  # 233.1 and 99.9
    alone = roll(PARTNERS, starts, START, END, moves, {"UA": Decimal("0.25")})
    assert (alone["US"]["income"], alone["UA"]["income"]) == (0, 1001)
