"""Distributions: locked through the reinvestment period, then allocated to partners by their capital.

`lock_refusal` is the one rule of the lock (pure): a distribution dated before the terms'
`distributions.lock_ends` is refused, saying until when and why. It is asked when a
distribution is proposed through jointfund (`propose`), again when one is executed, and
`jointfund verify` flags any distribution entry dated inside the lock. After the lock the
terms' decision rule for the distribution kind applies (the governance services enforce it),
and the amount is split by the partners' capital on the day, with largest-remainder rounding.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection

from jointfund.capital.accounts import closing_by_partner
from jointfund.capital.allocation import split
from jointfund.capital.proposing import open_proposal
from jointfund.errors import InputError, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance.model import Proposal
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.terms.model import Terms

LINK = "distribution:"


def lock_refusal(terms: Terms, day: dt.date) -> str | None:
    """Why no distribution may be made on `day`, or None once the reinvestment period has ended."""
    d = terms.distributions
    if day >= d.lock_ends:
        return None
    return (
        f"distributions are locked until {d.lock_ends}: the reinvestment period of "
        f"{d.reinvestment_period_years} "
        f"years from {d.lock_starts} runs until then, and during it the fund's profits and "
        "income are reinvested, "
        "not distributed (the terms' distributions section); a distribution may be proposed "
        f"from {d.lock_ends}"
    )


def allocation(amount: Decimal, currency: str, capital: dict[str, Decimal]) -> dict[str, Decimal]:
    """`amount` split by the partners' (positive) capital, summing exactly to it."""
    weights = {p: max(c, Decimal(0)) for p, c in capital.items()}
    if not any(weights.values()):
        raise Refused("no partner has capital to distribute by")
    return split(amount, currency, weights)


def entry(terms: Terms, parts: dict[str, Decimal], currency: str, day: dt.date, proposal: int) -> Entry:
    legs = [
        Posting(terms.account_name("capital_distributions", partner=p), x, currency)
        for p, x in parts.items()
        if x
    ]
    legs.append(
        Posting(terms.account_name("cash", currency=currency), -sum(parts.values(), Decimal(0)), currency)
    )
    return Entry(
        day,
        f"Distribution to partners by proposal {proposal}",
        tuple(legs),
        f"{LINK}{proposal}",
        (f"{LINK}{proposal}", f"proposal:{proposal}"),
    )


def _refuse_locked(terms: Terms, day: dt.date) -> None:
    why = lock_refusal(terms, day)
    if why:
        raise Refused(f"distribution refused: {why}")


def propose(
    conn: Connection,
    info: FundInfo,
    actor: str,
    amount: Decimal,
    currency: str,
    proposer: str,
    private,  # noqa: ANN001
    on: dt.date,
) -> Proposal:
    """Open a distribution proposal, unless the reinvestment lock still runs on `on`."""
    terms = info.terms(on)
    _refuse_locked(terms, on)
    problems = []
    if amount <= 0:
        problems.append(Problem.of("amount", "must be more than zero", str(amount)))
    if currency != terms.fund.base_currency:
        problems.append(
            Problem.of(
                "currency",
                f"distributions are made in the base currency {terms.fund.base_currency}",
                currency,
            )
        )
    if problems:
        raise InputError(problems, "distribution not proposed")
    return open_proposal(
        conn,
        info,
        actor,
        terms.distributions.decision_kind,
        f"Distribution of {amount} {currency} to the partners, by capital",
        proposer,
        private,
        on,
        amount,
        currency,
        f"{LINK}{on.isoformat()}",
    )


def distribute(conn: Connection, info: FundInfo, p: Proposal, on: dt.date) -> dict[str, Decimal]:
    """The effect of an executed distribution proposal: the lock checked again, then the split posted."""
    terms = info.terms(on)
    _refuse_locked(terms, on)
    if p.amount is None or p.currency is None:
        raise Refused(f"proposal {p.id} names no amount to distribute")
    cash = journal.balance(conn, terms.account_name("cash", currency=p.currency), on, p.currency).get(
        p.currency, Decimal(0)
    )
    if p.amount > cash:
        raise Refused(
            f"proposal {p.id} distributes {p.amount} {p.currency}, but the fund holds {cash} "
            f"{p.currency} in cash on {on}"
        )
    parts = allocation(p.amount, p.currency, closing_by_partner(conn, info, on))
    journal.post(conn, [entry(terms, parts, p.currency, on, p.id)], info.start_date)
    return parts
