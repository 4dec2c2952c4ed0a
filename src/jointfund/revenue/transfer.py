"""Transfers: the contributing partner's money arriving in the fund for a period's obligation.

A transfer settles the period's obligation in the obligation's own currency, whatever currency the money
comes in: an amount in another fund currency counts at the reference rate of the transfer date. So a USD
transfer against a UAH obligation credits the receivable with its UAH worth, and under- or over-payment is
always measured in the obligation's currency (the CLI shows it in both).

One entry per transfer:
- cash in (Assets:Cash:<currency>), the receivable settled (Assets:Receivable:Contributions:<partner>);
- the obligation met (Equity:Obligations:<partner>) and the partner's capital increased
  (Equity:Capital:<partner>:Revenue), in the functional currency: the part that settles the obligation at
  the obligation's carrying amount as accrued, any over-payment at what it is worth on the transfer date;
- for money in another currency, the trading account legs (ledger/functional.py): cash in another currency
  enters the position at its worth, the receivable leaves it at its carrying amount, and the difference
  is realised FX (Income:FX:Realised).
A period whose accruals were posted in their own currency (no reference rate was known, or the fund's chart
keeps no carrying amounts) is settled as it was accrued: in that currency, with no conversion.

So the receivable always holds what is accrued and not yet transferred: under-payment is a debit balance,
over-payment a credit one. Per period, the status compares the accruals dated in the period with the
transfers recorded for it (linked "period:P").
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection, Select, func, select

from jointfund.carry import Carry
from jointfund.errors import ConflictError, InputError, Problem
from jointfund.fund import FundInfo
from jointfund.governance import countersign, countersigned
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.ledger.functional import (
    Position,
    carried_currencies,
    carrying_of,
    convert,
    netted,
    position_of,
    ratio,
)
from jointfund.money import check_amount, from_minor
from jointfund.revenue import book
from jointfund.revenue.accrual import KEY_PREFIX as ACCRUAL_PREFIX
from jointfund.revenue.accrual import ROUNDING_PREFIX
from jointfund.store import tables as t
from jointfund.terms.model import Terms

KEY_PREFIX = "transfer:"
PERIOD_LINK = "period:"
REFUSED = "transfer refused; nothing was recorded"


class Transfer(NamedTuple):
    """A recorded transfer.

    Attributes:
      reference, date, period: its own reference, the day the money arrived, the period it pays for.
      amount, currency: what it settled of the obligation, in the obligation's currency.
      seq: its entry's log position.
      paid, paid_currency: the money that arrived (differs from amount and currency across currencies).
    """

    reference: str
    date: dt.date
    period: int
    amount: Decimal
    currency: str
    seq: int
    paid: Decimal
    paid_currency: str


class PeriodStatus(NamedTuple):
    """One period's obligation against its transfers, in one currency.

    Attributes:
      obligation: contributions accrued on receipts dated in the period.
      transferred: transfers recorded for the period.
      outstanding: obligation - transferred: positive is under-payment, negative over-payment.
      settled_on: the date the transfers first covered the obligation; None while they do not.
      transfers: how many transfers.
    """

    period: int
    currency: str
    obligation: Decimal
    transferred: Decimal
    outstanding: Decimal
    settled_on: dt.date | None
    transfers: int

    @property
    def state(self) -> str:
        if self.outstanding > 0:
            return "under-paid" if self.transferred else "not transferred"
        return "over-paid" if self.outstanding < 0 else "settled"


class Obligation(NamedTuple):
    """A period's obligation in one currency, as accrued in the book.

    Attributes:
      owed: accrued on the receivable, in the obligation's currency.
      carrying: the same in the functional currency, as the accruals booked it; None when some accrual of
        the period was booked in its own currency (no rate was known), so it has no carrying amount.
    """

    owed: Decimal
    carrying: Decimal | None


class Settlement(NamedTuple):
    """What a transfer settles, every figure from the book and the reference rates of its date.

    Attributes:
      owed_currency: the currency of the obligation it settles.
      settled: credited to the receivable, in `owed_currency` (the transfer's worth in it).
      value: the transfer's worth in the functional currency on its date.
      carrying: the carrying amount of `settled` in the fund's position in `owed_currency`.
      applied: the part of `settled` that meets what was still owed; the rest is over-payment.
      capital: credited to the partner's capital in the functional currency: the applied part at the
        obligation's carrying amount as accrued, the over-payment at its worth.
    """

    owed_currency: str
    settled: Decimal
    value: Decimal
    carrying: Decimal
    applied: Decimal
    capital: Decimal

    @property
    def realised(self) -> Decimal:
        """Realised FX: the settled part's worth less its carrying amount (a gain is positive)."""
        return self.value - self.carrying


def transfer_entry(
    terms: Terms, partner: str, day: dt.date, amount: Decimal, currency: str, reference: str, period: int
) -> Entry:
    """The transfer of a period accrued in its own currency: four legs of `amount`, no conversion."""
    return Entry(
        day,
        f"Transfer {reference} from {partner}: revenue contribution for {period}",
        (
            Posting(terms.account_name("cash", currency=currency), amount, currency),
            Posting(terms.account_name("contribution_receivable", partner=partner), -amount, currency),
            Posting(terms.account_name("contribution_obligation", partner=partner), amount, currency),
            Posting(terms.account_name("capital_revenue", partner=partner), -amount, currency),
        ),
        KEY_PREFIX + reference,
        (f"transfer:{reference}", f"{PERIOD_LINK}{period}"),
    )


def settlement_entry(
    terms: Terms,
    partner: str,
    day: dt.date,
    amount: Decimal,
    currency: str,
    reference: str,
    period: int,
    s: Settlement,
) -> Entry:
    """The transfer of a period accrued in the functional currency (see the module docstring)."""
    base = terms.functional_currency
    trading = functools.partial(terms.account_name, "trading")
    legs = [
        Posting(terms.account_name("cash", currency=currency), amount, currency),
        Posting(terms.account_name("contribution_receivable", partner=partner), -s.settled, s.owed_currency),
    ]
    if currency != base:  # foreign cash joins its position at its worth
        legs += [
            Posting(trading(currency=currency), -amount, currency),
            Posting(trading(currency=currency), s.value, base),
        ]
    if s.owed_currency != base:  # the foreign receivable leaves its position at its carrying amount
        legs += [
            Posting(trading(currency=s.owed_currency), s.settled, s.owed_currency),
            Posting(trading(currency=s.owed_currency), -s.carrying, base),
            Posting(terms.account_name("fx_realised"), -s.realised, base),
        ]
    else:
        assert s.settled == s.value and s.carrying == s.value, (
            "an obligation in the functional currency realises no FX"
        )
    legs += [
        Posting(terms.account_name("contribution_obligation", partner=partner), s.capital, base),
        Posting(terms.account_name("capital_revenue", partner=partner), -s.capital, base),
    ]
    paid = f"{amount} {currency}" + (
        f" = {s.settled} {s.owed_currency}" if currency != s.owed_currency else ""
    )
    realised = f"; realised FX {s.realised} {base}" if s.realised else ""
    return Entry(
        day,
        f"Transfer {reference} from {partner}: revenue contribution for {period} ({paid}{realised})",
        netted(legs),
        KEY_PREFIX + reference,
        (f"transfer:{reference}", f"{PERIOD_LINK}{period}"),
    )


def settle(
    owed_currency: str,
    obligation: Obligation,
    applied_before: Decimal,
    settled: Decimal,
    value: Decimal,
    position: Position | None,
    functional: str,
) -> Settlement:
    """The settlement of `settled` (worth `value`) against the obligation, `applied_before` already met. Pure.

    The applied part takes the obligation's carrying amount pro rata, rounded on the running total so the
    last transfer that meets it takes exactly what remains.
    """
    assert obligation.carrying is not None
    owed, accrued = obligation.owed, obligation.carrying
    before = min(max(applied_before, Decimal(0)), max(owed, Decimal(0)))
    applied = min(settled, max(owed - before, Decimal(0))) if settled > 0 else Decimal(0)

    def carried(x: Decimal) -> Decimal:
        return ratio(x, accrued, owed, functional) if owed > 0 else from_minor(0, functional)

    value_applied = ratio(value, applied, settled, functional) if settled else value
    capital = carried(before + applied) - carried(before) + (value - value_applied)
    carrying = value if position is None else carrying_of(position, settled, value)
    return Settlement(owed_currency, settled, value, carrying, applied, capital)


def check(
    terms: Terms, partner: str, day: dt.date, amount: Decimal, currency: str, period: int, fund_start: dt.date
) -> list[Problem]:
    problems = []
    if partner != terms.contribution.partner:
        problems.append(
            Problem.of(
                "partner",
                f"only the contributing partner {terms.contribution.partner} transfers revenue contributions",
                partner,
            )
        )
    if amount <= 0:
        problems.append(Problem.of("amount", "a transfer must be positive", str(amount)))
    elif currency in terms.fund.currencies:  # exact in the currency: no more decimals than it has
        problems += [p for p in (check_amount(amount, currency, "amount")[1],) if p is not None]
    if currency not in terms.fund.currencies:
        problems.append(
            Problem.of(
                "currency",
                f"expected one of the fund's currencies {', '.join(terms.fund.currencies)}",
                currency,
            )
        )
    if not fund_start.year <= period <= day.year:
        problems.append(
            Problem.of(
                "period",
                f"expected a year from {fund_start.year} to the transfer's year {day.year}",
                period,
            )
        )
    return problems


def record(
    conn: Connection,
    info: FundInfo,
    partner: str,
    day: dt.date,
    amount: Decimal,
    currency: str,
    reference: str,
    period: int,
    *,
    actor: str,
    countersigner: countersign.Signer | None = None,
) -> int:
    """Post the transfer in the caller's write transaction, countersigned by a seated member other than
    `actor` (it credits the partner's capital: one person does not do it alone); the same reference and
    content again is a no-op."""
    earlier, entry = _prepared(conn, info, partner, day, amount, currency, reference, period)
    if earlier is not None:
        return earlier
    assert entry is not None
    return countersigned.post(conn, info, actor, COUNTERSIGNED, entry.key, [entry], countersigner)[0]


def request(
    conn: Connection,
    info: FundInfo,
    partner: str,
    day: dt.date,
    amount: Decimal,
    currency: str,
    reference: str,
    period: int,
    actor: str,
) -> countersign.Request:
    """What a member countersigns to record this transfer (nothing is written): the API's bytes to sign."""
    earlier, entry = _prepared(conn, info, partner, day, amount, currency, reference, period)
    if entry is None:
        raise ConflictError(f"transfer {reference} is already recorded (entry {earlier}); nothing to sign")
    return countersigned.request(info.id, actor, COUNTERSIGNED, entry.key, info.terms(day), [entry])


def _prepared(
    conn: Connection,
    info: FundInfo,
    partner: str,
    day: dt.date,
    amount: Decimal,
    currency: str,
    reference: str,
    period: int,
) -> tuple[int | None, Entry | None]:
    """The transfer's entry, checked; or the position of the same transfer recorded before."""
    terms = info.terms(day)
    problems = check(terms, partner, day, amount, currency, period, info.start_date)
    if problems:
        raise InputError(problems, REFUSED)
    earlier = _recorded(conn, terms, reference)
    if earlier is not None:
        if (earlier.date, earlier.period, earlier.paid, earlier.paid_currency) != (
            day,
            period,
            amount,
            currency,
        ):
            raise ConflictError(
                f"transfer {reference} was already recorded as {earlier.paid} {earlier.paid_currency} "
                f"on {earlier.date} for {earlier.period}; offered: {amount} {currency} on {day} "
                f"for {period}"
            )
        return earlier.seq, None
    return None, _entry_for(conn, terms, partner, day, amount, currency, reference, period)


def line(terms: Terms, e: Entry) -> dict:
    """A transfer's entry as the member countersigns it: the money that arrived, from whom, for which
    period."""
    partner, _ = countersigned.partner_leg(terms, e, "contribution_receivable")
    period = next(int(x[len(PERIOD_LINK) :]) for x in e.links if x.startswith(PERIOD_LINK))
    return {
        "reference": e.key[len(KEY_PREFIX) :],
        "partner": partner,
        "date": e.date.isoformat(),
        **countersigned.money(countersigned.cash_leg(terms, e)),
        "period": period,
    }


COUNTERSIGNED = countersigned.Kind("transfer", KEY_PREFIX, line)


def _entry_for(
    conn: Connection,
    terms: Terms,
    partner: str,
    day: dt.date,
    amount: Decimal,
    currency: str,
    reference: str,
    period: int,
) -> Entry:
    owed = obligation_books(conn, terms).get(period, {})
    if currency in owed or not owed:
        owed_currency = currency
    elif len(owed) == 1:
        owed_currency = next(iter(owed))
    else:
        raise _refused(
            "currency",
            f"the obligation for {period} is in {', '.join(sorted(owed))}; transfer in one of them",
            currency,
        )
    obligation = owed.get(owed_currency, Obligation(Decimal(0), Decimal(0)))
    base = terms.functional_currency
    convertible = _keeps_carrying(conn, terms, {currency, owed_currency} - {base})
    if obligation.carrying is None or not convertible:
        if owed_currency != currency:
            why = (
                "some of its accruals were booked without a reference rate"
                if obligation.carrying is None
                else "the fund's chart keeps no carrying amounts for other currencies"
            )
            raise _refused(
                "currency",
                f"the obligation for {period} is in {owed_currency} and {why}; transfer in {owed_currency}",
                currency,
            )
        return transfer_entry(terms, partner, day, amount, currency, reference, period)
    rate = _rates_on(conn, terms, day, {currency, owed_currency, base})
    value = convert(amount, rate[currency], rate[base], base)
    settled = (
        amount
        if owed_currency == currency
        else convert(amount, rate[currency], rate[owed_currency], owed_currency)
    )
    before = sum(
        (tr.amount for tr in transfers(conn, terms, period) if tr.currency == owed_currency), Decimal(0)
    )
    position = None
    if owed_currency != base:
        trading = terms.account_name("trading", currency=owed_currency)
        position = position_of(owed_currency, base, journal.balance(conn, trading, as_of=day, subtree=False))
    s = settle(owed_currency, obligation, before, settled, value, position, base)
    return settlement_entry(terms, partner, day, amount, currency, reference, period, s)


def _refused(field: str, message: str, value: object) -> InputError:
    """A transfer refused for one problem, before anything is written."""
    return InputError([Problem.of(field, message, value)], REFUSED)


def _keeps_carrying(conn: Connection, terms: Terms, currencies: set[str]) -> bool:
    """Whether the fund's chart (as stored) lets each currency's trading account carry it in the functional
    one."""
    trading = {c: terms.account_name("trading", currency=c) for c in currencies}
    return set(currencies) <= carried_currencies(
        journal.load_accounts(conn), trading, terms.functional_currency
    )


def worth(
    conn: Connection, terms: Terms, amount: Decimal, currency: str, to: str, day: dt.date
) -> Decimal | None:
    """`amount` of `currency` in `to` at the reference rates of `day`; None when a rate is missing."""
    if currency == to:
        return amount
    table = book.rates(conn, terms.fx.domestic_currency, terms.fx.max_age_days)
    own, quote = table.rate(currency, day), table.rate(to, day)
    return None if own is None or quote is None else convert(amount, own, quote, to)


def _rates_on(conn: Connection, terms: Terms, day: dt.date, currencies: set[str]) -> dict[str, Decimal]:
    table = book.rates(conn, terms.fx.domestic_currency, terms.fx.max_age_days)
    found = {c: table.rate(c, day) for c in currencies}
    missing = sorted(c for c, r in found.items() if r is None)
    if missing:
        raise _refused(
            "date",
            f"no usable {missing[0]} reference rate on or before {day} to convert "
            "the transfer; import it with: jointfund fx import FILE",
            str(day),
        )
    return {c: r for c, r in found.items() if r is not None}


def _receivable_id(conn: Connection, terms: Terms) -> int:
    return conn.execute(_receivable_query(terms)).scalar_one()


def _receivable_query(terms: Terms) -> Select:
    name = terms.account_name("contribution_receivable", partner=terms.contribution.partner)
    return select(t.account.c.id).where(t.account.c.name == name)


def _receivable_postings(
    conn: Connection,
    terms: Terms,
    prefixes: tuple[str, ...],
    entries: tuple[int, int] | None = None,
    account_id: int | None = None,
) -> list[tuple]:
    """(entry seq, key, date, currency, minor) of the receivable account's postings whose entry's key
    starts with one of `prefixes` (of the entries after `entries[0]` up to `entries[1]` only, if given).
    Read from the account's postings, each entry's key looked up by its seq: a `key LIKE 'prefix%'` on the
    entries is served by no index under a non-C collation, and PostgreSQL scanned every entry of the book
    for it (about 50 ms per query at 200k entries, four per dashboard: issue 13). A range of entries is read
    through the postings' key (entry seq, line): it costs those entries' postings, not the account's."""
    p = t.posting.c
    key = select(t.entry.c.key).where(t.entry.c.seq == p.entry_seq).scalar_subquery()
    q = (
        select(p.entry_seq, key, p.date, p.currency, p.amount_minor)
        .where(p.account_id == (_receivable_id(conn, terms) if account_id is None else account_id))
        .order_by(p.entry_seq, p.line)
    )
    if entries is not None:
        q = q.where(p.entry_seq > entries[0], p.entry_seq <= entries[1])
    return [r for r in conn.execute(q).all() if r[1].startswith(prefixes)]


CARRIED_RECEIVABLE = "transfer.receivable"  # the name of a Receivable in a Carry


class Receivable(NamedTuple):
    """The receivable account's postings read so far, folded for `statuses`: what a computation carries to
    the next (a Carry), so that after a write only the entries the book gained are read.

    Attributes:
      account_id: the receivable account it read.
      through: the last entry seq it read up to: every entry up to it was read, since writers append entries
        one transaction at a time, in seq order (the log's lock), so no entry below a seen one commits later.
      owed: minor units accrued (accruals and roundings) per (period, currency).
      transfers: the transfer postings, as `_receivable_postings` rows (a few a year).
    """

    account_id: int
    through: int
    owed: tuple[tuple[tuple[int, str], int], ...]
    transfers: tuple[tuple, ...]

    def obligations(self) -> dict[tuple[int, str], Decimal]:
        """Contributions accrued per (period, currency), in the currency's units."""
        return {k: from_minor(v, k[1]) for k, v in self.owed}


def receivable(conn: Connection, terms: Terms, earlier: Receivable | None = None) -> Receivable:
    """The receivable's postings up to the book's last entry, folded; from `earlier` when it read the same
    account up to an entry no later than the book's last (then only the entries since are read), else whole.

    The book's last entry is read first, and the postings up to it only: an entry committed between the two
    reads is left to the next computation, never counted twice."""
    account_id, through = conn.execute(
        select(_receivable_query(terms).scalar_subquery(), select(func.max(t.entry.c.seq)).scalar_subquery())
    ).one()
    if account_id is None:  # no such account: refused as a read of it alone refuses
        account_id = _receivable_id(conn, terms)
    through = through or 0
    if earlier is None or earlier.account_id != account_id or earlier.through > through:
        earlier = Receivable(account_id, 0, (), ())  # nothing read yet: the whole account
    start = earlier.through
    owed: dict[tuple[int, str], int] = defaultdict(int, earlier.owed)
    transfers = list(earlier.transfers)
    for row in _receivable_postings(
        conn, terms, (ACCRUAL_PREFIX, ROUNDING_PREFIX, KEY_PREFIX), (start, through), account_id
    ):
        if row[1].startswith(KEY_PREFIX):
            transfers.append(tuple(row))
        else:
            owed[(row[2].year, row[3])] += int(row[4])
    return Receivable(account_id, through, tuple(sorted(owed.items())), tuple(transfers))


def obligation_books(conn: Connection, terms: Terms) -> dict[int, dict[str, Obligation]]:
    """Each period's obligation per currency, with its carrying amount as the accruals booked it.

    Read from the receivable account's postings (an index range on the account) joined to the same entry's
    obligation legs, the accruals told by their entry's key in Python: a `key LIKE 'prefix%'` is served by no
    index under a non-C collation, and PostgreSQL scanned every entry of the book for it (issue 13)."""
    accounts = journal.load_accounts(conn)
    partner = terms.contribution.partner
    receivable = accounts[terms.account_name("contribution_receivable", partner=partner)].id
    # A rounding entry (per day and stream) books its part of the obligation to the rounding account.
    credited = [accounts[name].id for name in _obligation_accounts(terms) if name in accounts]
    r, o = t.posting.alias("r"), t.posting.alias("o")
    # The key looked up by seq for each posting (as `_receivable_postings` does): joined, the planner hashed
    # every entry of the book when it guessed the account had many postings.
    key = select(t.entry.c.key).where(t.entry.c.seq == r.c.entry_seq).scalar_subquery()
    q = (
        select(key, r.c.date, r.c.currency, r.c.amount_minor, o.c.currency, o.c.amount_minor)
        .select_from(r)
        .join(o, (o.c.entry_seq == r.c.entry_seq) & o.c.account_id.in_(credited))
        .where(r.c.account_id == receivable)
    )
    owed: dict[tuple[int, str], int] = defaultdict(int)
    carried: dict[tuple[int, str], int] = defaultdict(int)
    uncarried: set[tuple[int, str]] = set()
    base = terms.functional_currency
    # The join pairs each receivable leg with each obligation leg of its entry: group as the SQL did, by the
    # entry's day, the two legs' currencies and whether it rounds, summing each side once per leg pair.
    groups: dict[tuple[dt.date, str, str, bool], list[int]] = defaultdict(lambda: [0, 0])
    for key, day, currency, minor, booked_in, booked_minor in conn.execute(q):
        if not key.startswith((ACCRUAL_PREFIX, ROUNDING_PREFIX)):
            continue
        sums = groups[(day, currency, booked_in, key.startswith(ROUNDING_PREFIX))]
        sums[0] += int(minor)
        sums[1] += int(booked_minor)
    for (day, currency, booked_in, is_rounding), (owed_minor, booked_minor) in groups.items():
        key_ = (day.year, currency)
        owed[key_] += owed_minor
        if booked_in == base:
            carried[key_] -= booked_minor
        elif not is_rounding:
            uncarried.add(key_)
        # A rounding difference booked in its own currency is worth less than a cent in the functional one
        # (its day's accruals were carried, or they too mark the period): it carries nothing.
    out: dict[int, dict[str, Obligation]] = defaultdict(dict)
    for (year, currency), minor in owed.items():
        out[year][currency] = Obligation(
            from_minor(minor, currency),
            None if (year, currency) in uncarried else from_minor(carried[(year, currency)], base),
        )
    return dict(out)


def _obligation_accounts(terms: Terms) -> list[str]:
    """The accounts an accrual credits: the obligation, and the rounding account when the terms name one."""
    partner = terms.contribution.partner
    roles = ["contribution_obligation"] + (
        ["contribution_rounding"] if "contribution_rounding" in terms.ledger.roles else []
    )
    return [terms.account_name(role, partner=partner) for role in roles]


def _recorded(conn: Connection, terms: Terms, reference: str) -> Transfer | None:
    seq = conn.execute(select(t.entry.c.seq).where(t.entry.c.key == KEY_PREFIX + reference)).scalar()
    return None if seq is None else next(tr for tr in _transfers(conn, terms, None, seq))


def transfers(conn: Connection, terms: Terms, period: int | None = None) -> list[Transfer]:
    return _transfers(conn, terms, period)


def _transfers(
    conn: Connection,
    terms: Terms,
    period: int | None,
    seq: int | None = None,
    postings: list[tuple] | None = None,
) -> list[Transfer]:
    """The transfers (of `period`, or the one at `seq`); `postings`: the receivable's transfer postings when
    the caller has read them already (`_receivable_postings` rows)."""
    if postings is None:
        postings = _receivable_postings(conn, terms, (KEY_PREFIX,))
    seqs = [s for s, *_ in postings if seq is None or s == seq]
    if not seqs:  # no transfer: nothing to join (a fund's first year, and the dashboard after every write)
        return []
    cash_names = {terms.account_name("cash", currency=c) for c in terms.fund.currencies}
    cash_ids = list(conn.execute(select(t.account.c.id).where(t.account.c.name.in_(cash_names))).scalars())
    cash = t.posting.alias("cash")
    q = (
        select(
            t.entry.c.seq,
            t.entry.c.key,
            t.entry.c.date,
            t.entry.c.links,
            t.posting.c.currency,
            t.posting.c.amount_minor,
            cash.c.currency,
            cash.c.amount_minor,
        )
        .join(t.posting, t.posting.c.entry_seq == t.entry.c.seq)
        .join(cash, (cash.c.entry_seq == t.entry.c.seq) & cash.c.account_id.in_(cash_ids))
        .where(t.posting.c.account_id == _receivable_id(conn, terms), t.entry.c.seq.in_(seqs))
        .order_by(t.entry.c.date, t.entry.c.seq)
    )
    out = []
    for seq_, key, day, links, currency, minor, paid_currency, paid_minor in conn.execute(q):
        year = next(int(x[len(PERIOD_LINK) :]) for x in json.loads(links) if x.startswith(PERIOD_LINK))
        if period is None or year == period:
            out.append(
                Transfer(
                    key[len(KEY_PREFIX) :],
                    day,
                    year,
                    from_minor(-minor, currency),
                    currency,
                    seq_,
                    from_minor(paid_minor, paid_currency),
                    paid_currency,
                )
            )
    return out


def statuses(
    conn: Connection, terms: Terms, period: int | None = None, carry: Carry | None = None
) -> list[PeriodStatus]:
    """Each period's obligation against its transfers, per currency, by period.

    One read of the receivable's postings for both sides (`receivable`); with `carry`, from the last
    computation's (issue 13: the dashboard's calendar is computed after every write, and read every accrual
    of the book each time, one per receipt)."""
    earlier = carry.get(CARRIED_RECEIVABLE) if carry is not None else None
    folded = receivable(conn, terms, earlier)
    if carry is not None:
        carry.put(CARRIED_RECEIVABLE, folded)
    owed = folded.obligations()
    paid: dict[tuple[int, str], list[Transfer]] = defaultdict(list)
    for tr in _transfers(conn, terms, period, postings=list(folded.transfers)):
        paid[(tr.period, tr.currency)].append(tr)
    out = []
    for key in sorted(set(owed) | set(paid)):
        if period is not None and key[0] != period:
            continue
        obligation = owed.get(key, Decimal(0))
        done = Decimal(0)
        settled_on = None
        for tr in paid.get(key, []):
            done += tr.amount
            if settled_on is None and done >= obligation:
                settled_on = tr.date
        if settled_on is None and obligation <= 0:
            settled_on = dt.date(key[0], 12, 31)  # nothing was owed: settled with the period itself
        out.append(
            PeriodStatus(
                key[0], key[1], obligation, done, obligation - done, settled_on, len(paid.get(key, []))
            )
        )
    return out
