"""Closing an accounting period: remeasure the positions in other currencies, then seal the period.

`close` needs an executed proposal of the terms' close kind (`accounting.close_decision`) about the
period (`--about period:2026-Q1`), closes periods in order, and only once they have ended. It posts the fees
of the terms whose span ends with the period (budget.fees, so each accrues exactly once), then one
remeasurement entry per currency the fund carries (ledger/functional.py), dated the period's last day at
that day's reference rate, appends the close event, and writes the period_close row; from then on the
database refuses any entry dated in the period (store/triggers.py), so a correction goes into an open
period, linked to the closed one. `verify` checks that no entry was written into a closed period after its
close, and that each close rests on its executed proposal.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import Connection, func, insert, select

from jointfund.accounting import period as calendar
from jointfund.accounting.period import Period
from jointfund.budget import fees
from jointfund.errors import InputError, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry
from jointfund.ledger.functional import carried_currencies, convert, position_of, remeasurement
from jointfund.ledger.log import append_event
from jointfund.revenue import book
from jointfund.store import tables as t
from jointfund.terms.model import Terms

ABOUT = "period:"
KEY_PREFIX = "close:"
LINK = "closes:"


class Closed(NamedTuple):
    """A closed period: its name and days, the proposal that decided it and the close's log position."""

    period: str
    first: dt.date
    last: dt.date
    proposal_id: int
    seq: int


class Closing(NamedTuple):
    """What `close` did: the period, its deciding proposal, its remeasurement entries and its event."""

    period: Period
    proposal_id: int
    entries: tuple[Entry, ...]
    seq: int


def closes(conn: Connection) -> list[Closed]:
    c = t.period_close.c
    return [
        Closed(r.period, r.first_day, r.last_day, r.proposal_id, r.seq)
        for r in conn.execute(select(t.period_close).order_by(c.id))
    ]


def closed_containing(conn: Connection, day: dt.date) -> Closed | None:
    """The closed period that holds `day`, if any: an entry dated then would be refused."""
    return next((x for x in closes(conn) if x.first <= day <= x.last), None)


def decision(conn: Connection, terms: Terms, name: str) -> tuple[int, int] | None:
    """(proposal id, execution seq) of the executed proposal of the close kind about period `name`, if any."""
    kind = terms.accounting.close_decision
    if kind is None:
        return None
    p, s = t.proposal.c, t.proposal_status.c
    row = conn.execute(
        select(p.id, s.seq)
        .join(t.proposal_status, s.proposal_id == p.id)
        .where(p.kind == kind, p.about == ABOUT + name, s.status == "executed")
        .order_by(p.id)
    ).first()
    return None if row is None else (row[0], row[1])


def remeasurements(conn: Connection, info: FundInfo, terms: Terms, p: Period) -> list[Entry]:
    """The period-end entries: each carried position brought to its worth on the period's last day."""
    base = terms.functional_currency
    trading = {c: terms.account_name("trading", currency=c) for c in terms.fund.currencies}
    carried = sorted(carried_currencies(journal.load_accounts(conn), trading, base))
    if not carried:
        return []
    rates = book.rates(conn, terms.fx.domestic_currency, terms.fx.max_age_days)
    out = []
    for currency in carried:
        position = position_of(
            currency, base, journal.balance(conn, trading[currency], as_of=p.last, subtree=False)
        )
        own, quote = rates.rate(currency, p.last), rates.rate(base, p.last)
        if own is None or quote is None:
            missing = currency if own is None else base
            raise InputError(
                [
                    Problem(
                        "PERIOD",
                        f"remeasuring {currency} needs the {missing} reference rate on or "
                        f"before {p.last}; import it with: jointfund fx import FILE",
                        p.name,
                    )
                ],
                "period not closed; nothing was posted",
            )
        value = convert(position.amount, own, quote, base)
        entry = remeasurement(
            position,
            value,
            trading[currency],
            terms.account_name("fx_unrealised"),
            p.last,
            f"{KEY_PREFIX}{p.name}:remeasure:{currency}",
            (f"{LINK}{p.name}",),
        )
        if entry is not None:
            out.append(entry)
    return out


def _unconverted(conn: Connection, terms: Terms, p: Period) -> int:
    """Postings of the period in another currency on accounts carried in the functional one (equity, income,
    expenses other than trading): accrued before a rate was known, they have no carrying amount."""
    trading = {terms.account_name("trading", currency=c) for c in terms.fund.currencies}
    a, x = t.account.c, t.posting.c
    q = (
        select(func.count())
        .select_from(t.posting)
        .join(t.account, a.id == x.account_id)
        .where(
            x.date.between(p.first, p.last),
            x.currency != terms.functional_currency,
            a.type.in_(("equity", "income", "expense")),
            a.name.not_in(sorted(trading)),
        )
    )
    return int(conn.execute(q).scalar_one())


def close(conn: Connection, info: FundInfo, actor: str, name: str, today: dt.date) -> Closing:
    """Close period `name` in the caller's write transaction (see the module docstring)."""
    base_terms = info.base_terms()
    kind = base_terms.accounting.period
    p = calendar.parse(kind, name)
    terms = info.terms(p.last)
    if p.last < info.start_date:
        raise InputError(
            [Problem("PERIOD", f"the fund starts on {info.start_date}, after this period", name)]
        )
    if p.last >= today:
        raise Refused(
            f"period {p.name} ends on {p.last}; it can close only once it has ended (today is {today})"
        )
    done = {x.period: x for x in closes(conn)}
    if p.name in done:
        raise Refused(f"period {p.name} was already closed (record {done[p.name].seq})")
    first = calendar.containing(kind, info.start_date)
    if p.first > first.first:
        before = calendar.containing(kind, p.first - dt.timedelta(days=1))
        if before.name not in done:
            raise Refused(f"period {before.name} is still open; periods close in order")
    if terms.accounting.close_decision is None:
        raise Refused("the terms name no decision that closes a period (accounting.close_decision)")
    decided = decision(conn, terms, p.name)
    if decided is None:
        raise Refused(
            f"closing {p.name} needs an executed proposal of kind {terms.accounting.close_decision} about "
            f"it: jointfund proposals new --kind {terms.accounting.close_decision} "
            f"--about {ABOUT}{p.name} ..., then its votes and execution"
        )
    stray = _unconverted(conn, terms, p)
    if stray:
        raise Refused(
            f"{stray} posting(s) of {p.name} book another currency than {terms.functional_currency} on "
            "equity, income or expense accounts (accrued before a reference rate was known); they have "
            "no carrying amount to close on"
        )
    entries = fees.accrue(conn, info, terms, p, actor, (f"{LINK}{p.name}",)) + remeasurements(
        conn, info, terms, p
    )
    journal.post(conn, entries, info.start_date)
    seq = append_event(
        conn,
        actor,
        "period.close",
        f"period:{p.name}",
        {
            "period": p.name,
            "first": p.first.isoformat(),
            "last": p.last.isoformat(),
            "proposal": decided[0],
            "entries": [e.key for e in entries],
        },
    )
    count = int(conn.execute(select(func.count()).select_from(t.period_close)).scalar_one())
    conn.execute(
        insert(t.period_close).values(
            id=count + 1, period=p.name, first_day=p.first, last_day=p.last, proposal_id=decided[0], seq=seq
        )
    )
    return Closing(p, decided[0], tuple(entries), seq)


class PeriodRow(NamedTuple):
    """A period of the calendar and its status: closed (by which proposal, at which record) or open."""

    period: str
    first: dt.date
    last: dt.date
    status: str
    proposal: int | None
    closed_seq: int | None


def periods(conn: Connection, info: FundInfo, today: dt.date) -> list[PeriodRow]:
    """Every period from the fund's first to the one holding `today` (and any closed later one)."""
    kind = info.base_terms().accounting.period
    done = {x.period: x for x in closes(conn)}
    last = max([today, *(x.last for x in done.values())])
    out = []
    for p in calendar.between(kind, info.start_date, max(last, info.start_date)):
        c = done.get(p.name)
        status = "closed" if c else ("open" if p.last >= today else "ended, open")
        out.append(
            PeriodRow(p.name, p.first, p.last, status, c.proposal_id if c else None, c.seq if c else None)
        )
    return out
