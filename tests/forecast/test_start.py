"""The start state read from a fund's book, converted to the forecast's currency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jointfund import fund as fund_mod
from jointfund.forecast import start
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db


@pytest.mark.storage
def test_balances_become_the_start_state(fund_engine):
    with db.transaction(fund_engine) as conn:
        info = fund_mod.load(conn)
    terms = info.terms(dt.date(2026, 6, 1))
    ua, us = (
        terms.contribution.partner,
        next(p for p in terms.partner_codes if p != terms.contribution.partner),
    )
    entries = [
        # A revenue share in UAH: its capital is carried in USD, the UAH position by the trading account's
        # functional leg (the capital is the one figure every surface shows, capital.accounts).
        Entry(
            dt.date(2026, 4, 1),
            "UA revenue share",
            (
                Posting(terms.account_name("cash", currency="UAH"), Decimal("4150.00"), "UAH"),
                Posting(terms.account_name("trading", currency="UAH"), Decimal("-4150.00"), "UAH"),
                Posting(terms.account_name("trading", currency="UAH"), Decimal("100.00"), "USD"),
                Posting(terms.account_name("capital_revenue", partner=ua), Decimal("-100.00"), "USD"),
            ),
            "t-1",
        ),
        Entry(
            dt.date(2026, 4, 2),
            "US cash",
            (
                Posting(terms.account_name("cash", currency="USD"), Decimal("1000.00"), "USD"),
                Posting(terms.account_name("capital_cash", partner=us), Decimal("-1000.00"), "USD"),
            ),
            "t-2",
        ),
        Entry(
            dt.date(2026, 7, 1),
            "after the start date",
            (
                Posting(terms.account_name("cash", currency="USD"), Decimal("5.00"), "USD"),
                Posting(terms.account_name("capital_cash", partner=us), Decimal("-5.00"), "USD"),
            ),
            "t-3",
        ),
    ]
    with db.write(fund_engine) as conn:
        journal.post(conn, entries, info.start_date)
    with db.transaction(fund_engine) as conn:
        state = start.from_book(conn, info, dt.date(2026, 6, 1), 41.5, 5)
    assert state.source == "book"
    assert state.cash == pytest.approx(
        1100.0
    )  # 1000 USD + 4150 UAH at 41.5; the July entry is after the start
    capital = dict(zip(terms.partner_codes, state.capital, strict=True))
    assert capital == {ua: pytest.approx(100.0), us: pytest.approx(1000.0)}
    assert state.investments == 0 and state.receivable == 0
