"""Property: whatever is posted after a close, the closed periods' figures never change, and nothing dated in
them gets in (both backends). The random histories of tests/capital/test_histories.py check the roll-forward;
this one closes quarters through the board and then throws random later activity at them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointfund.capital.accounts import capital_accounts
from jointfund.errors import Refused
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db

from .test_close import _close, _decide, _fund

CLOSED = (
    (dt.date(2025, 5, 23), dt.date(2025, 6, 30)),  # 2025-Q2 from the fund's start
    (dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
)
OPEN = (dt.date(2025, 10, 1), dt.date(2026, 2, 10))
LEGS = (
    ("Expenses:Administration", "Assets:Cash:USD"),
    ("Assets:Cash:USD", "Income:Investment:Interest"),
    ("Assets:Cash:USD", "Equity:Capital:US:Cash"),
)


def _figures(engine, fund) -> tuple:  # noqa: ANN001
    with db.transaction(engine) as conn:
        quarters = tuple(capital_accounts(conn, fund, end, start) for start, end in CLOSED)
        balances = tuple(tuple(journal.trial_balance(conn, end)) for _start, end in CLOSED)
    return quarters, balances


moves = st.lists(
    st.tuples(st.booleans(), st.integers(0, 10_000), st.integers(1, 5_000_000), st.sampled_from(LEGS)),
    min_size=1,
    max_size=6,
)


@pytest.mark.storage
def test_closed_periods_never_change_whatever_is_posted_after(fund_engine, tmp_path):
    gov = _fund(fund_engine, tmp_path)
    names = gov.seat_body("board")
    for period in ("2025-Q2", "2025-Q3"):
        _decide(gov, names, period)
        _close(gov, period)
    frozen = _figures(fund_engine, gov.fund)
    counter = iter(range(10**6))

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(moves)
    def later_activity(history):
        for in_closed, day, minor, (debit, credit) in history:
            first, last = CLOSED[day % 2] if in_closed else OPEN
            date = first + dt.timedelta(days=day % ((last - first).days + 1))
            amount = Decimal(minor).scaleb(-2)
            entry = Entry(
                date,
                "random later activity",
                (Posting(debit, amount, "USD"), Posting(credit, -amount, "USD")),
                f"P-{next(counter)}",
            )
            if in_closed:
                with pytest.raises(Refused, match="which is closed"), db.write(fund_engine) as conn:
                    journal.post(conn, [entry], gov.fund.start_date)
            else:
                with db.write(fund_engine) as conn:
                    journal.post(conn, [entry], gov.fund.start_date)
        assert _figures(fund_engine, gov.fund) == frozen

    later_activity()
