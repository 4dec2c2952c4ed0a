"""Positions in other currencies and their carrying amounts in the functional currency, kept in the book.

The fund measures in its functional currency (the terms' base currency), but holds money in others
(UAH cash, the UAH receivable from Ukraine). Every entry balances in each currency on its own, so an
amount in another currency F enters a monetary account together with two legs on F's trading account
(role `trading`, e.g. Equity:Trading:UAH): the opposite amount in F, and its value in the functional
currency. The trading account of F therefore holds, from the book alone:

- in F: minus the fund's position in F (what its monetary accounts hold in F, net);
- in the functional currency: that position's carrying amount.

Equity, income and expense accounts are booked in the functional currency, so capital and income never
need a rate at the time of asking. At each period end the position is remeasured at the reference rate
of that day (`remeasurement`); the difference is unrealised FX of the period. When part of the position
is settled, it leaves at its carrying amount and the difference to what it settled for is realised FX
(`carrying_of`). The carrying rate is the position's own (carrying amount over amount): all money in
one currency is one pool.

Pure: no database; rates come in as values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

from jointfund.ledger.account import Account
from jointfund.ledger.entry import Entry, Posting
from jointfund.money import convert, from_minor, ratio


class Position(NamedTuple):
    """The fund's net holding of one currency on its monetary accounts, and its carrying amount.

    Attributes:
      currency: the currency held (never the functional one).
      amount: how much of it the fund holds, net (negative: it owes more than it holds).
      carrying: the holding's carrying amount in the functional currency.
      functional: the functional currency.
    """

    currency: str
    amount: Decimal
    carrying: Decimal
    functional: str


def position_of(currency: str, functional: str, trading_balance: Mapping[str, Decimal]) -> Position:
    """The position in `currency` kept by its trading account, from that account's balance per currency."""
    assert currency != functional, "the functional currency has no position to carry"
    zero_f, zero = from_minor(0, currency), from_minor(0, functional)
    return Position(
        currency, -trading_balance.get(currency, zero_f), trading_balance.get(functional, zero), functional
    )


def carrying_of(position: Position, amount: Decimal, value: Decimal) -> Decimal:
    """The carrying amount of `amount` of the position, at the position's own carrying rate.

    `value` is what `amount` is worth today; it stands in when the position holds nothing to take a rate from
    (then nothing is realised). All of the position leaves at exactly its carrying amount.
    """
    if amount == position.amount:
        return position.carrying
    if position.amount == 0 or (position.amount > 0) != (amount > 0):
        return value
    if abs(amount) > abs(position.amount):
        # More leaves than the position holds: it crosses zero, and the part beyond is a new balance the
        # other way (an over-payment owed back), which starts at its worth today.
        beyond = amount - position.amount
        return position.carrying + ratio(value, beyond, amount, position.functional)
    return ratio(amount, position.carrying, position.amount, position.functional)


def remeasurement(
    position: Position,
    value: Decimal,
    trading_account: str,
    fx_account: str,
    day: dt.date,
    key: str,
    links: Iterable[str] = (),
) -> Entry | None:
    """The entry bringing the position's carrying amount to `value` (its worth on `day`); None when equal.

    A gain (value above carrying) debits the trading account and credits the FX account; a loss the reverse.
    """
    delta = value - position.carrying
    if not delta:
        return None
    word = "gain" if delta > 0 else "loss"
    narration = (
        f"Remeasurement of {position.amount} {position.currency} at {day}: carrying "
        f"{position.carrying} {position.functional}, worth {value}; unrealised FX {word} {abs(delta)}"
    )
    return Entry(
        day,
        narration,
        (
            Posting(trading_account, delta, position.functional),
            Posting(fx_account, -delta, position.functional),
        ),
        key,
        tuple(links),
    )


def carried_currencies(
    accounts: Mapping[str, Account], trading: Mapping[str, str], functional: str
) -> frozenset[str]:
    """The currencies whose trading account, as the chart stores it, carries them in the functional one.

    `accounts`: the chart (name -> ledger.account.Account); `trading`: currency -> its trading account name.
    A fund created on terms whose trading accounts hold only their own currency keeps none: its entries
    stay in their own currencies, as they were.
    """
    out = set()
    for currency, name in trading.items():
        account = accounts.get(name)
        if (
            currency != functional
            and account is not None
            and account.allows(currency)
            and account.allows(functional)
        ):
            out.add(currency)
    return frozenset(out)


def netted(postings: Iterable[Posting]) -> tuple[Posting, ...]:
    """Postings with legs on one account and currency added up, zero legs dropped, in first-seen order."""
    sums: dict[tuple[str, str], Decimal] = {}
    for p in postings:
        sums[(p.account, p.currency)] = sums.get((p.account, p.currency), Decimal(0)) + p.amount
    return tuple(Posting(a, x, c) for (a, c), x in sums.items() if x)


__all__ = [
    "Position",
    "carried_currencies",
    "carrying_of",
    "convert",
    "netted",
    "position_of",
    "ratio",
    "remeasurement",
]
