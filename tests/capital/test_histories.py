"""Hypothesis over random fund histories, on a real book (both backends).

A history mixes cash contributions in USD, revenue contributions in UAH (carried in USD by the trading
account's functional leg at a moving rate), revenue owed and not yet transferred (other equity), income,
expenses, valuations up and down, realised gains, period-end FX remeasurements, and in-kind credits. Then:
- the capital statements roll forward for ANY partition of the fund's life into windows, cut anywhere: for
every partner,
  one period's closing is the next one's opening to the cent, and the periods' movements add up to the whole;
- at every cut date the partners' capital plus the other equity equals the net assets, and both tie to the
  trial balance (assets and liabilities, the trading accounts' functional legs; capital accounts and results);
- approving an in-kind credit never changes the net assets, to the cent, on any date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointfund import fund as fund_mod
from jointfund.capital import in_kind
from jointfund.capital.accounts import COLUMNS, PNL, capital_accounts, closing_by_partner
from jointfund.ledger import journal
from jointfund.ledger.account import in_subtree
from jointfund.ledger.entry import Entry, Posting
from jointfund.reports import statement
from jointfund.store import db

D = dt.date
START = D(2025, 5, 23)
DAYS = 700
KINDS = ("cash", "revenue", "owed", "income", "expense", "valuation", "realised", "remeasure", "in_kind")


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


events = st.tuples(
    st.sampled_from(KINDS),
    st.integers(min_value=0, max_value=DAYS),
    st.integers(min_value=1, max_value=10**9),
    st.sampled_from(("US", "UA")),
    st.integers(min_value=3800, max_value=4600),
)  # the rate, UAH per 100 USD


def _entries(terms, kind: str, day: dt.date, minor: int, partner: str, rate: int, n: int) -> list[Entry]:  # noqa: ANN001
    usd = Decimal(minor).scaleb(-2)
    uah = (usd * rate / 100).quantize(Decimal("0.01"))
    a = terms.account_name
    trading = a("trading", currency="UAH")

    def entry(*legs: tuple[str, Decimal, str]) -> list[Entry]:
        return [Entry(day, f"{kind} {n}", tuple(Posting(x, v, c) for x, v, c in legs), f"h-{n}")]

    if kind == "cash":
        return entry(
            (a("cash", currency="USD"), usd, "USD"), (a("capital_cash", partner=partner), -usd, "USD")
        )
    if kind == "revenue":  # UAH in, its USD amount at the day's rate carried by the trading leg
        return entry(
            (a("cash", currency="UAH"), uah, "UAH"),
            (trading, -uah, "UAH"),
            (trading, usd, "USD"),
            (a("capital_revenue", partner="UA"), -usd, "USD"),
        )
    if kind == "owed":  # accrued, not yet capital: other equity
        return entry(
            (a("contribution_receivable", partner="UA"), uah, "UAH"),
            (trading, -uah, "UAH"),
            (trading, usd, "USD"),
            (a("contribution_obligation", partner="UA"), -usd, "USD"),
        )
    if kind == "income":
        return entry((a("cash", currency="USD"), usd, "USD"), (a("income_interest"), -usd, "USD"))
    if kind == "expense":
        return entry(("Expenses:Administration", usd, "USD"), (a("cash", currency="USD"), -usd, "USD"))
    if kind == "valuation":
        sign = 1 if minor % 2 else -1
        return entry(
            (a("investment_revaluation"), sign * usd, "USD"), (a("gains_unrealised"), -sign * usd, "USD")
        )
    if kind == "realised":
        return entry((a("cash", currency="USD"), usd, "USD"), (a("gains_realised"), -usd, "USD"))
    if kind == "remeasure":  # a period-end remeasurement of the UAH positions: the FX line
        sign = 1 if minor % 2 else -1
        return entry((trading, sign * usd, "USD"), (a("fx_unrealised"), -sign * usd, "USD"))
    raise AssertionError(kind)


def _nav_from_trial_balance(conn, terms, day: dt.date) -> Decimal:  # noqa: ANN001
    trading = terms.account_name("trading", currency="X").rsplit(":", 1)[0]
    return sum(
        (
            v
            for acc, c, v in journal.trial_balance(conn, day)
            if c == terms.fund.base_currency
            and (acc.split(":")[0] in ("Assets", "Liabilities") or in_subtree(acc, trading))
        ),
        Decimal(0),
    )


@pytest.mark.storage
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_random_histories_roll_forward_tie_to_the_book_and_in_kind_keeps_the_net_assets(
    backend, fresh_fund_url
) -> None:  # noqa: ANN001
    @settings(
        max_examples=12 if backend == "sqlite" else 5,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        st.lists(events, min_size=1, max_size=10),
        st.lists(st.integers(min_value=1, max_value=DAYS - 1), max_size=4, unique=True),
    )
    def run(history, cuts) -> None:  # noqa: ANN001
        url = fresh_fund_url(backend)
        engine = db.make_engine(url)
        try:
            check(engine, history, sorted(cuts))
        finally:
            engine.dispose()
            fresh_fund_url.drop(url)

    run()


def check(engine, history, cuts) -> None:  # noqa: ANN001
    with db.transaction(engine) as conn:
        info = fund_mod.load(conn)
    terms = info.base_terms()
    base = terms.fund.base_currency
    for n, (kind, offset, minor, partner, rate) in enumerate(sorted(history, key=lambda e: e[1])):
        day = _day(offset)
        with db.write(engine) as conn:
            if kind != "in_kind":
                journal.post(conn, _entries(terms, kind, day, minor, partner, rate, n), info.start_date)
                continue
            # An in-kind credit as the executed valuation books it: the net assets stay where they were.
            before = capital_accounts(conn, info, day).nav
            item = in_kind.InKind(
                f"IK-{n}", "US", "assistance", Decimal(minor).scaleb(-2), base, day, n, None
            )
            journal.post(
                conn,
                [
                    in_kind.credit_entry(
                        terms, item, item.reported, day, n, closing_by_partner(conn, info, day)
                    )
                ],
                info.start_date,
            )
            after = capital_accounts(conn, info, day)
            assert after.nav == before, (before, after.nav)
            assert after.capital + after.other_equity == after.nav
    last = _day(DAYS)
    # Any partition, cut anywhere (inside a quarter too): the allocation is cumulative within each period.
    bounds = [START, *(_day(c) for c in cuts), last + dt.timedelta(days=1)]
    with db.transaction(engine) as conn:
        whole = capital_accounts(conn, info, last)
        periods = [capital_accounts(conn, info, b - dt.timedelta(days=1), a) for a, b in pairwise(bounds)]
        for p in terms.partner_codes:
            accounts = [fc.account(p) for fc in periods]
            assert accounts[0].opening == 0
            for k, (x, y) in enumerate(pairwise(accounts)):
                assert x.closing == y.opening, (p, k, x, y)  # closing(k) = opening(k + 1), to the cent
            for col in COLUMNS[1:-1]:
                assert sum(getattr(a, col) for a in accounts) == getattr(whole.account(p), col), (p, col)
            assert accounts[-1].closing == whole.account(p).closing
        for fc in [*periods, whole]:
            tb = journal.trial_balance(conn, fc.end)
            assert fc.capital + fc.other_equity == fc.nav == _nav_from_trial_balance(conn, terms, fc.end)
            # Contributions tie to the partners' capital accounts; results to the income and expense accounts.
            itd = capital_accounts(conn, info, fc.end)
            for p in terms.partner_codes:
                root = terms.account_name("capital", partner=p)
                own = -sum((v for acc, c, v in tb if c == base and in_subtree(acc, root)), Decimal(0))
                a = itd.account(p)
                assert a.cash + a.revenue + a.in_kind + a.distributions == own
            results = -sum(
                (v for acc, c, v in tb if c == base and acc.split(":")[0] in ("Income", "Expenses")),
                Decimal(0),
            )
            assert sum(getattr(a, col) for a in itd.accounts for col in PNL) == results
        # The statement reads the same function: its three windows tie to the periods and the whole.
        if len(periods) > 1:
            s = statement.compute(conn, info, "UA", periods[1].start, periods[1].end)
            assert s.windows[0] == periods[1].account("UA")
            assert s.windows[2].closing == periods[1].account("UA").closing
