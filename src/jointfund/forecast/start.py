"""The fund's actual state on the start date, read from its book, in the forecast's currency.

The forecast runs in the fund's base currency; balances held in the domestic currency are
converted at the scenario's starting rate (the forecast's own rate, so the two agree). Each
partner's capital is the one figure every surface shows (capital.accounts), in the functional
currency.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection

from jointfund.capital.accounts import capital_accounts
from jointfund.errors import JointfundError, NotFound
from jointfund.forecast.plan import StartState
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.terms.model import Terms


def from_book(conn: Connection, info: FundInfo, day: dt.date, domestic_per_base: float, exit_years: int) -> StartState:
    """Cash, investments, receivable contributions and each partner's capital as of `day`."""
    terms = info.terms(day)

    def total(account: str) -> float:
        try:
            balances = journal.balance(conn, account, as_of=day)
        except NotFound:
            return 0.0
        return sum(_convert(amount, currency, terms, domestic_per_base) for currency, amount in balances.items())

    cash = sum(total(terms.account_name("cash", currency=c)) for c in terms.fund.currencies)
    receivable = sum(total(terms.account_name("contribution_receivable", partner=p)) for p in terms.partner_codes)
    fc = capital_accounts(conn, info, day)
    capital = tuple(float(fc.account(p).closing) for p in terms.partner_codes)
    return StartState(cash=max(cash, 0.0), investments=max(total(terms.account_name("investments")), 0.0), investments_exit_years=exit_years,
                      receivable=max(receivable, 0.0), capital=capital, source="book")


def _convert(amount: Decimal, currency: str, terms: Terms, domestic_per_base: float) -> float:
    if currency == terms.fund.base_currency:
        return float(amount)
    if currency == terms.fx.domestic_currency:
        return float(amount) / domestic_per_base
    raise JointfundError(f"the forecast cannot convert a {currency} balance; it knows "
                         f"{terms.fund.base_currency} and {terms.fx.domestic_currency}")
