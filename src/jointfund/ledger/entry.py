"""Journal entries and postings as immutable values, and the pure rules they must satisfy.

An entry balances in each currency on its own. A movement across currencies therefore
goes through the FX trading accounts (`fx_postings`), which keeps exchange gains and
losses visible instead of hiding them in a rate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from jointfund.errors import Problem
from jointfund.ledger.account import Account
from jointfund.money import exponents

MAX_KEY_CHARS = 200
MAX_NARRATION_CHARS = 2000
MAX_POSTINGS = 10_000
MAX_LINKS = 50


class Posting(NamedTuple):
    """One leg of an entry.

    Attributes:
      account: full account name.
      amount: signed Decimal; debits positive, credits negative.
      currency: ISO 4217 code.
    """

    account: str
    amount: Decimal
    currency: str


class Entry(NamedTuple):
    """A balanced journal entry.

    Attributes:
      date: effective date: when the movement counts.
      narration: what happened, in words.
      postings: the legs, in the order given.
      key: idempotency key: the source's own reference (a receipt id, a proposal id...).
        Posting the same key again with the same content returns the original entry.
      links: references to what the entry concerns ("receipt:R-1", "proposal:P-3").
      reverses: seq of the entry this one reverses, for corrections.
      seq: position in the fund's log (1-based), once recorded.
      recorded_at: UTC time it was written, once recorded.
    """

    date: dt.date
    narration: str
    postings: tuple[Posting, ...]
    key: str
    links: tuple[str, ...] = ()
    reverses: int | None = None
    seq: int | None = None
    recorded_at: dt.datetime | None = None

    def content(self) -> tuple[object, ...]:
        """What the idempotency key promises: everything but where and when it was recorded."""
        return (self.date, self.narration, self.postings, self.links, self.reverses)


def check_entry(
    entry: Entry, accounts: Mapping[str, Account], fund_start: dt.date, where: str = "entry"
) -> list[Problem]:
    """Every reason `entry` may not be posted, each naming the field; empty when it may."""
    problems: list[Problem] = []
    if not entry.key or len(entry.key) > MAX_KEY_CHARS:
        problems.append(
            Problem(f"{where}.key", f"idempotency key must be 1 to {MAX_KEY_CHARS} characters", entry.key)
        )
    if len(entry.narration) > MAX_NARRATION_CHARS:
        problems.append(
            Problem(f"{where}.narration", f"narration is longer than {MAX_NARRATION_CHARS} characters")
        )
    if len(entry.links) > MAX_LINKS:
        problems.append(Problem(f"{where}.links", f"at most {MAX_LINKS} links"))
    # PostgreSQL text cannot hold U+0000 while SQLite can: refused on both, so both behave the same.
    for field, value in (
        ("key", entry.key),
        ("narration", entry.narration),
        *((f"links[{i}]", x) for i, x in enumerate(entry.links)),
    ):
        if "\x00" in value:
            problems.append(Problem(f"{where}.{field}", "must not contain the NUL character (U+0000)", value))
    if entry.date < fund_start:
        problems.append(
            Problem(
                f"{where}.date", f"date is before the fund exists (it starts {fund_start})", str(entry.date)
            )
        )
    if len(entry.postings) < 2:
        problems.append(
            Problem(f"{where}.postings", "an entry needs at least two postings", len(entry.postings))
        )
    if len(entry.postings) > MAX_POSTINGS:
        problems.append(Problem(f"{where}.postings", f"at most {MAX_POSTINGS} postings per entry"))
    sums: dict[str, Decimal] = defaultdict(Decimal)
    # The hot loop of bulk posting: field paths are formatted only when a problem is found.
    units = exponents()  # currency -> decimal places, a dict for the hot loop
    for i, p in enumerate(entry.postings):
        currency, amount = p.currency, p.amount
        unit = units.get(currency)
        if unit is None:
            problems.append(Problem(f"{where}.postings[{i}].currency", "unknown currency", currency))
            continue
        if amount == 0:
            problems.append(
                Problem(f"{where}.postings[{i}].amount", "a posting must move a non-zero amount", str(amount))
            )
        else:
            # An exponent of -unit or more cannot hide more decimals; only a longer one needs normalising
            # ("1.000" USD is fine), which costs ten times more.
            exp = amount.as_tuple().exponent
            if not (isinstance(exp, int) and exp >= -unit) and _places(amount) > unit:
                problems.append(
                    Problem(
                        f"{where}.postings[{i}].amount",
                        f"{currency} has {unit} decimal place(s); amount has more",
                        str(amount),
                    )
                )
        sums[currency] += amount
        account = accounts.get(p.account)
        if account is None:
            problems.append(Problem(f"{where}.postings[{i}].account", "unknown account", p.account))
            continue
        if not account.is_open_on(entry.date):
            state = (
                f"closed on {account.closed}"
                if account.closed and entry.date >= account.closed
                else f"opened on {account.opened}"
            )
            problems.append(
                Problem(
                    f"{where}.postings[{i}].account",
                    f"account {p.account} is not open on {entry.date} ({state})",
                    p.account,
                )
            )
        if not account.allows(currency):
            problems.append(
                Problem(
                    f"{where}.postings[{i}].currency",
                    f"account {p.account} allows only {', '.join(account.currencies or ())}",
                    currency,
                )
            )
    for currency, total in sorted(sums.items()):
        if total != 0:
            problems.append(
                Problem(
                    f"{where}.postings",
                    f"entry does not balance in {currency}: postings sum to {total}",
                    str(total),
                )
            )
    return problems


def reversal(original: Entry, date: dt.date, key: str, narration: str | None = None) -> Entry:
    """The entry that undoes `original`: the same legs with opposite signs, pointing back at it."""
    assert original.seq is not None, "only a recorded entry can be reversed"
    return Entry(
        date=date,
        narration=narration or f"Reversal of entry {original.seq}: {original.narration}",
        postings=tuple(Posting(p.account, -p.amount, p.currency) for p in original.postings),
        key=key,
        links=original.links,
        reverses=original.seq,
    )


def fx_postings(
    from_account: str,
    from_amount: Decimal,
    from_currency: str,
    to_account: str,
    to_amount: Decimal,
    to_currency: str,
    trading_account: str,
    functional: str,
) -> tuple[Posting, ...]:
    """Legs of a conversion that balance in each currency through trading accounts.

    `trading_account` is a template with `{currency}`. A foreign currency's trading account holds minus the
    fund's position in it and, in the `functional` currency, that position's carrying amount
    (docs/accounting.md), so a conversion from or to the functional currency books both trading legs there;
    between two foreign currencies each one's trading account carries the opposite of what moved.
    """
    assert from_currency != to_currency, "a conversion needs two currencies"
    foreign = (
        to_currency if from_currency == functional else from_currency if to_currency == functional else None
    )
    first = trading_account.format(currency=foreign or from_currency)
    second = trading_account.format(currency=foreign or to_currency)
    return (
        Posting(from_account, -from_amount, from_currency),
        Posting(first, from_amount, from_currency),
        Posting(second, -to_amount, to_currency),
        Posting(to_account, to_amount, to_currency),
    )


def _places(amount: Decimal) -> int:
    exp = amount.normalize().as_tuple().exponent
    assert isinstance(exp, int)
    return max(0, -exp)
