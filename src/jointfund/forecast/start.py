"""The fund's actual state on the start date, read from its book, in the forecast's currency.

The forecast runs in the fund's base currency; balances held in the domestic currency are
converted at the scenario's starting rate (the forecast's own rate, so the two agree). Each
partner's capital is the one figure every surface shows (capital.accounts), in the functional
currency.

Investments are taken at their latest valuations (cost plus the unrealised gain of the last
executed valuation), position by position, not at the investments account's balance. Undrawn
commitments to investees are promises the fund will keep: the forecast sets that cash aside on the
start date and carries it with the investments at cost. Partners' uncalled commitments arrive as
their contributions in the first year (plan.compile_plan adds them to the cash schedule).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection

from jointfund.capital.accounts import FundCapital, capital_accounts
from jointfund.capital.calls import partner_capital
from jointfund.errors import ConflictError, JointfundError, NotFound
from jointfund.forecast.plan import StartState
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.terms.model import Terms


class NegativeCapital(ConflictError):
    """A partner's capital is below zero on the start day: the model shares distributions and losses by
    capital, so it has no meaningful start (it would pay a negative distribution). The book is not wrong
    for that; the forecast refuses to start from it, and pages show why instead of the outlook."""

    def __init__(self, partner: str, capital: float, day: dt.date, currency: str) -> None:
        self.partner, self.capital, self.day = partner, capital, day
        super().__init__(
            f"the forecast cannot start from the book on {day}: partner {partner}'s capital is negative "
            f"({capital:,.2f} {currency}), and the forecast shares distributions by capital"
        )


def refuse_negative(info: FundInfo, fc: FundCapital, day: dt.date) -> tuple[float, ...]:
    """Each partner's capital on `day` (from `fc`, the capital accounts of that day), in the terms' order;
    NegativeCapital when one is below zero. It needs no other read, so a caller holding the capital refuses
    before reading (or parsing) anything else: the web pages, after every write (issue 13)."""
    terms = info.terms(day)
    assert fc.end == day and fc.start == info.start_date, "the capital accounts of another day"
    capital = tuple(float(fc.account(p).closing) for p in terms.partner_codes)
    for partner, amount in zip(terms.partner_codes, capital, strict=True):
        if amount < 0:
            raise NegativeCapital(partner, amount, day, terms.fund.base_currency)
    return capital


def from_book(
    conn: Connection,
    info: FundInfo,
    day: dt.date,
    domestic_per_base: float,
    exit_years: int,
    accounts: FundCapital | None = None,
) -> StartState:
    """Cash, investments, receivable contributions and each partner's capital as of `day`.

    `accounts`: the partners' capital accounts on `day` when the caller already holds them (the web pages
    compute them once per book version for the summary and the outlook alike); else read here."""
    terms = info.terms(day)

    def total(account: str) -> float:
        try:
            balances = journal.balance(conn, account, as_of=day)
        except NotFound:
            return 0.0
        return sum(
            _convert(amount, currency, terms, domestic_per_base) for currency, amount in balances.items()
        )

    from jointfund.portfolio import investment

    def usd(amount: Decimal, currency: str) -> float:
        return _convert(amount, currency, terms, domestic_per_base)

    fc = accounts if accounts is not None else capital_accounts(conn, info, day)
    capital = refuse_negative(info, fc, day)
    cash = sum(total(terms.account_name("cash", currency=c)) for c in terms.fund.currencies)
    receivable = sum(
        total(terms.account_name("contribution_receivable", partner=p)) for p in terms.partner_codes
    )
    positions = [investment.position(conn, info, inv, day) for inv in investment.investments(conn, day)]
    valued = sum(usd(p.value, p.investment.currency) for p in positions)
    undrawn = sum(usd(p.undrawn, p.investment.currency) for p in positions)
    # A partner may have paid in more than it committed (capital received without a commitment): nothing
    # is then owed, never a negative contribution.
    uncalled = tuple(
        max(
            sum(
                usd(c.uncalled, cur)
                for cur in terms.fund.currencies
                for c in partner_capital(conn, terms, day, cur)
                if c.partner == p
            ),
            0.0,
        )
        for p in terms.partner_codes
    )
    set_aside = min(undrawn, max(cash, 0.0))
    return StartState(
        cash=max(cash, 0.0) - set_aside,
        investments=max(valued, 0.0) + set_aside,
        investments_exit_years=exit_years,
        receivable=max(receivable, 0.0),
        capital=capital,
        source="book",
        undrawn_commitments=undrawn,
        uncalled=uncalled,
    )


def _convert(amount: Decimal, currency: str, terms: Terms, domestic_per_base: float) -> float:
    if currency == terms.fund.base_currency:
        return float(amount)
    if currency == terms.fx.domestic_currency:
        return float(amount) / domestic_per_base
    raise JointfundError(
        f"the forecast cannot convert a {currency} balance; it knows "
        f"{terms.fund.base_currency} and {terms.fx.domestic_currency}"
    )
