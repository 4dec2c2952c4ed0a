"""Investments and their money: the commitment, disbursement tranches, income, repayments and exits,
write-offs, and each investment's position as of a date, all read from the journal.

Every movement is a journal entry linked "investment:<id>", built by a pure function here and
posted through `ledger.journal.post` in the caller's transaction:
- commitment: no entry. A promise is not an asset or a liability (terms `accounting.commitments =
  "memo"`): the investment's record is the commitment, and what is undrawn (committed less
  disbursed, nothing once the application reaches a final stage) is read from the memo register
  (portfolio.commitments) and disclosed in the notes;
- disbursement: cost up, cash down;
- income: cash in, interest, dividends or fees (the terms' income roles);
- repayment or exit: cash in, cost down by the part returned, the rest a realised gain or loss, and
  the revaluation of that part released;
- write-off: the remaining cost expensed and its revaluation released (the undrawn commitment ends
  with the final stage, in the memo register).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection, select

from jointfund import bounds
from jointfund.errors import InputError, NotFound, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import book
from jointfund.governance.model import Proposal
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.money import from_minor, quantum, round_minor, to_minor
from jointfund.portfolio.application import history as stage_history
from jointfund.portfolio.application import last_moves
from jointfund.store import tables as t
from jointfund.terms.model import Terms

LINK = "investment:"
RETURN_KINDS = ("repayment", "exit")


class Investment(NamedTuple):
    """A commitment of the fund to an approved application.

    Attributes:
      id: the investment's number (INV-<id> in words).
      application: the application it funds.
      proposal: the executed investment proposal that committed it.
      amount, currency: the commitment.
      committed_on: effective date of the commitment.
      seq: log position of its record.
    """

    id: int
    application: int
    proposal: int
    amount: Decimal
    currency: str
    committed_on: dt.date
    seq: int

    @property
    def link(self) -> str:
        return f"{LINK}{self.id}"

    @property
    def label(self) -> str:
        return f"INV-{self.id}"


class Flow(NamedTuple):
    """Cash between the fund and an investment: negative out (a disbursement), positive in."""

    date: dt.date
    amount: Decimal


class Position(NamedTuple):
    """An investment as of a date, in its currency, from its entries alone.

    Attributes:
      committed: the commitment; undrawn: what of it is still to be disbursed (zero once cancelled).
      disbursed: paid out in tranches; cost: cost not yet returned or written off.
      income: interest, dividends and fees received; returned: repayments and exit proceeds.
      received: income + returned: every dollar back.
      revaluation: unrealised gain (loss negative) on the remaining cost; value: cost + revaluation.
      realised: realised gains less losses and write-offs.
      flows: dated cash flows, for XIRR.
    """

    investment: Investment
    as_of: dt.date
    committed: Decimal
    undrawn: Decimal
    disbursed: Decimal
    cost: Decimal
    income: Decimal
    returned: Decimal
    revaluation: Decimal
    realised: Decimal
    flows: tuple[Flow, ...]

    @property
    def received(self) -> Decimal:
        return self.income + self.returned

    @property
    def value(self) -> Decimal:
        return self.cost + self.revaluation


# -- entries (pure) --


def _legs(*legs: tuple[str, Decimal, str]) -> tuple[Posting, ...]:
    """Postings without the zero legs a split may leave (an exit at exactly cost has no gain)."""
    return tuple(Posting(a, x, c) for a, x, c in legs if x != 0)


def disbursement_entry(terms: Terms, inv: Investment, amount: Decimal, day: dt.date, proposal: int) -> Entry:
    c = inv.currency
    return Entry(
        day,
        f"Disbursement to {inv.label} by proposal {proposal}",
        _legs(
            (terms.account_name("investment_cost"), amount, c),
            (terms.account_name("cash", currency=c), -amount, c),
        ),
        f"{inv.link}:disburse:{proposal}",
        (inv.link, f"proposal:{proposal}"),
    )


def income_entry(
    terms: Terms, inv: Investment, role: str, kind: str, amount: Decimal, day: dt.date, reference: str
) -> Entry:
    c = inv.currency
    return Entry(
        day,
        f"{kind.capitalize()} from {inv.label} ({reference})",
        _legs(
            (terms.account_name("cash", currency=c), amount, c),
            (terms.account_name(role), -amount, c),
        ),
        f"{inv.link}:income:{reference}",
        (inv.link, f"reference:{reference}"),
    )


def return_entry(
    terms: Terms,
    inv: Investment,
    kind: str,
    proceeds: Decimal,
    cost: Decimal,
    release: Decimal,
    day: dt.date,
    reference: str,
) -> Entry:
    """Proceeds returning `cost` of the investment; the rest is a realised gain (or loss); `release` of the
    revaluation that belonged to that cost leaves the books with it."""
    c = inv.currency
    return Entry(
        day,
        f"{kind.capitalize()} from {inv.label} ({reference})",
        _legs(
            (terms.account_name("cash", currency=c), proceeds, c),
            (terms.account_name("investment_cost"), -cost, c),
            (terms.account_name("gains_realised"), cost - proceeds, c),
            (terms.account_name("investment_revaluation"), -release, c),
            (terms.account_name("gains_unrealised"), release, c),
        ),
        f"{inv.link}:{kind}:{reference}",
        (inv.link, f"reference:{reference}"),
    )


def valuation_entry(terms: Terms, inv: Investment, delta: Decimal, day: dt.date, proposal: int) -> Entry:
    c = inv.currency
    return Entry(
        day,
        f"Valuation of {inv.label} by proposal {proposal}",
        _legs(
            (terms.account_name("investment_revaluation"), delta, c),
            (terms.account_name("gains_unrealised"), -delta, c),
        ),
        f"{inv.link}:valuation:{proposal}",
        (inv.link, f"proposal:{proposal}"),
    )


def close_out_entry(terms: Terms, pos: Position, day: dt.date, reason: str, write_off: bool) -> Entry | None:
    """What a write-off books: the cost expensed and its revaluation released (the undrawn commitment is
    memo)."""
    inv, c = pos.investment, pos.investment.currency
    legs: list[tuple[str, Decimal, str]] = []
    if write_off:
        legs += [
            (terms.account_name("write_offs"), pos.cost, c),
            (terms.account_name("investment_cost"), -pos.cost, c),
            (terms.account_name("investment_revaluation"), -pos.revaluation, c),
            (terms.account_name("gains_unrealised"), pos.revaluation, c),
        ]
    postings = _legs(*legs)
    if not postings:
        return None
    return Entry(
        day,
        f"{inv.label} {'written off' if write_off else 'closed'}: {reason}",
        postings,
        f"{inv.link}:close",
        (inv.link,),
    )


def position_of(
    terms: Terms, inv: Investment, entries: Iterable[Entry], as_of: dt.date, closed_on: dt.date | None = None
) -> Position:
    """An investment's figures from its entries (those dated after `as_of` are left out).

    Undrawn is the commitment less what was disbursed, and nothing from `closed_on` (the day its
    application reached a final stage, which cancels what was left undrawn)."""
    c = inv.currency
    names = {
        r: terms.account_name(r)
        for r in ("investment_cost", "investment_revaluation", "gains_realised", "write_offs")
    }
    cash = terms.account_name("cash", currency=c)
    income_accounts = {
        terms.account_name(role) for role in (terms.pipeline.income.values() if terms.pipeline else ())
    }
    sums = {k: Decimal(0) for k in ("disbursed", "cost", "income", "returned", "revaluation", "realised")}
    flows: list[Flow] = []
    for e in entries:
        if e.date > as_of:
            continue
        cash_moved = sum((p.amount for p in e.postings if p.account == cash and p.currency == c), Decimal(0))
        if cash_moved:
            flows.append(Flow(e.date, cash_moved))
        for p in e.postings:
            if p.currency != c:
                continue
            if p.account == names["investment_cost"]:
                sums["cost"] += p.amount
                if p.amount > 0:
                    sums["disbursed"] += p.amount
            elif p.account == names["investment_revaluation"]:
                sums["revaluation"] += p.amount
            elif p.account in income_accounts:
                sums["income"] -= p.amount
            elif p.account in (names["gains_realised"], names["write_offs"]):
                sums["realised"] -= p.amount
        if cash_moved > 0 and not any(p.account in income_accounts for p in e.postings):
            sums["returned"] += cash_moved
    q = quantum(c)  # sums that start from zero print with the currency's decimals
    committed = inv.amount if inv.committed_on <= as_of else Decimal(0)
    undrawn = (
        Decimal(0)
        if closed_on is not None and closed_on <= as_of
        else max(committed - sums["disbursed"], Decimal(0))
    )
    return Position(
        inv,
        as_of,
        committed.quantize(q),
        undrawn.quantize(q),
        disbursed=sums["disbursed"].quantize(q),
        cost=sums["cost"].quantize(q),
        income=sums["income"].quantize(q),
        returned=sums["returned"].quantize(q),
        revaluation=sums["revaluation"].quantize(q),
        realised=sums["realised"].quantize(q),
        flows=tuple(sorted(flows)),
    )


# -- the store --


def _of(r) -> Investment:  # noqa: ANN001 - a result row
    return Investment(
        r.id,
        r.application_id,
        r.proposal_id,
        from_minor(r.amount_minor, r.currency),
        r.currency,
        r.committed_on,
        r.seq,
    )


def investments(conn: Connection, as_of: dt.date | None = None) -> list[Investment]:
    q = select(t.investment).order_by(t.investment.c.id)
    if as_of is not None:
        q = q.where(t.investment.c.committed_on <= as_of)
    return [_of(r) for r in conn.execute(q)]


def page(
    conn: Connection,
    as_of: dt.date | None = None,
    stage: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> list[tuple[Investment, str]]:
    """(investment, the stage its application stands at) by id (descending with `newest_first`), committed on
    or before `as_of`, at `stage`: `limit` of them from `offset` (default: every one). Chosen and paged in SQL
    (issue 13): an application
    stands where its last move (the highest id of application_stage) put it, as application.stages says."""
    moves, last = t.application_stage, last_moves()
    q = (
        select(t.investment, moves.c.to_stage)
        .join(last, last.c.application_id == t.investment.c.application_id)
        .join(moves, moves.c.id == last.c.last_id)
        .order_by(t.investment.c.id.desc() if newest_first else t.investment.c.id)
    )
    if as_of is not None:
        q = q.where(t.investment.c.committed_on <= as_of)
    if stage is not None:
        q = q.where(moves.c.to_stage == stage)
    return [(_of(r), r.to_stage) for r in conn.execute(q.limit(limit).offset(offset))]


def get(conn: Connection, investment_id: int) -> Investment:
    r = conn.execute(select(t.investment).where(t.investment.c.id == investment_id)).first()
    if r is None:
        raise NotFound(f"no investment {investment_id}; see: jointfund portfolio")
    return _of(r)


def of_application(conn: Connection, application_id: int) -> Investment | None:
    r = conn.execute(select(t.investment).where(t.investment.c.application_id == application_id)).first()
    return None if r is None else _of(r)


def by_reference(conn: Connection, about: str | None) -> Investment | None:
    """The investment a proposal's `about` names ("investment:3"), or None."""
    number = bounds.id_in(about[len(LINK) :]) if about and about.startswith(LINK) else None
    if number is None:
        return None
    r = conn.execute(select(t.investment).where(t.investment.c.id == number)).first()
    return None if r is None else _of(r)


def position(conn: Connection, info: FundInfo, inv: Investment, as_of: dt.date) -> Position:
    return position_of(
        info.terms(as_of),
        inv,
        journal.entries(conn, link=inv.link, until=as_of),
        as_of,
        closed_on(conn, info, inv, as_of),
    )


def closed_on(conn: Connection, info: FundInfo, inv: Investment, as_of: dt.date) -> dt.date | None:
    """The day the investment's application reached a final stage (its undrawn commitment cancelled), if it
    has."""
    pipeline = info.terms(as_of).pipeline
    if pipeline is None:
        return None
    final = {s.code for s in pipeline.stages if s.terminal}
    return next(
        (c.effective for c in stage_history(conn, inv.application, as_of) if c.to_stage in final), None
    )


def commit(
    conn: Connection, info: FundInfo, actor: str, p: Proposal, application_id: int, on: dt.date
) -> Investment:
    """Record the investment an executed proposal decides, and post its commitment."""
    if p.amount is None or p.currency is None:
        raise Refused(
            f"proposal {p.id} names no amount: an investment proposal commits an amount in a currency"
        )
    if of_application(conn, application_id) is not None:
        raise Refused(
            f"application {application_id} already has an investment; a second commitment needs "
            "a new application"
        )
    inv = Investment(book.next_id(conn, t.investment.c.id), application_id, p.id, p.amount, p.currency, on, 0)
    seq = book.record(
        conn,
        actor,
        "investment.commit",
        f"investment:{inv.id}",
        {
            "investment": inv.id,
            "application": application_id,
            "proposal": p.id,
            "amount": str(p.amount),
            "currency": p.currency,
            "committed_on": on.isoformat(),
            "before": None,
            "after": "committed",
        },
        t.investment,
        {
            "id": inv.id,
            "application_id": application_id,
            "proposal_id": p.id,
            "amount_minor": to_minor(p.amount, p.currency),
            "currency": p.currency,
            "committed_on": on,
        },
    )
    return inv._replace(seq=seq)


def disburse(conn: Connection, info: FundInfo, inv: Investment, p: Proposal, on: dt.date) -> Decimal:
    """Post the tranche an executed disbursement proposal decides; refused beyond the undrawn commitment."""
    if p.amount is None or p.currency != inv.currency:
        raise Refused(f"proposal {p.id} must name an amount in {inv.currency}, the currency of {inv.label}")
    pos = position(conn, info, inv, on)
    if p.amount > pos.undrawn:
        raise Refused(
            f"proposal {p.id} disburses {p.amount} {inv.currency}, but only {pos.undrawn} of {inv.label}'s "
            f"commitment is undrawn on {on}"
        )
    journal.post(conn, [disbursement_entry(info.terms(on), inv, p.amount, on, p.id)], info.start_date)
    return pos.undrawn - p.amount


def _check_money(
    amount: Decimal, currency: str, inv: Investment, reference: str, on: dt.date
) -> list[Problem]:
    problems = []
    if currency != inv.currency:
        problems.append(Problem.of("currency", f"{inv.label} is in {inv.currency}", currency))
    if amount <= 0:
        problems.append(Problem.of("amount", "must be more than zero", str(amount)))
    if not reference.strip():
        problems.append(
            Problem.of("reference", "the payer's reference is needed (it keys the entry)", reference)
        )
    if on < inv.committed_on:
        problems.append(Problem.of("date", f"before {inv.label} was committed ({inv.committed_on})", str(on)))
    return problems


def record_income(
    conn: Connection,
    info: FundInfo,
    inv: Investment,
    kind: str,
    amount: Decimal,
    currency: str,
    on: dt.date,
    reference: str,
) -> int:
    terms = info.terms(on)
    kinds = terms.pipeline.income if terms.pipeline else {}
    problems = _check_money(amount, currency, inv, reference, on)
    if kind not in kinds:
        problems.append(Problem.of("kind", f"expected one of {', '.join(kinds)}", kind))
    if problems:
        raise InputError(problems, "income not recorded")
    return journal.post(
        conn, [income_entry(terms, inv, kinds[kind], kind, amount, on, reference)], info.start_date
    )[0]


def record_return(
    conn: Connection,
    info: FundInfo,
    inv: Investment,
    kind: str,
    proceeds: Decimal,
    currency: str,
    on: dt.date,
    reference: str,
    cost: Decimal | None = None,
) -> int:
    """A repayment returns cost first (any excess is a gain); an exit returns `cost` (default: all that is
    left)."""
    problems = _check_money(proceeds, currency, inv, reference, on)
    if kind not in RETURN_KINDS:
        problems.append(Problem("kind", f"expected one of {', '.join(RETURN_KINDS)}", kind))
    if problems:
        raise InputError(problems, f"{kind} not recorded")
    pos = position(conn, info, inv, on)
    if pos.cost <= 0:
        raise Refused(f"{inv.label} has no cost left on {on}: nothing to repay or sell")
    if cost is None:
        cost = min(proceeds, pos.cost) if kind == "repayment" else pos.cost
    if not 0 < cost <= pos.cost:
        raise InputError(
            [
                Problem.of(
                    "cost",
                    f"the cost returned must be more than zero and at most the {pos.cost} left",
                    str(cost),
                )
            ]
        )
    release = round_minor(pos.revaluation * cost / pos.cost, inv.currency)
    entry = return_entry(info.terms(on), inv, kind, proceeds, cost, release, on, reference)
    return journal.post(conn, [entry], info.start_date)[0]


def close_out(
    conn: Connection, info: FundInfo, inv: Investment, on: dt.date, reason: str, write_off: bool
) -> int | None:
    pos = position(conn, info, inv, on)
    if not write_off and pos.cost > 0:
        raise Refused(
            f"{inv.label} still holds {pos.cost} {inv.currency} at cost on {on}; record its "
            "repayment or exit "
            "proceeds first (jointfund portfolio repay / exit), or write it off"
        )
    entry = close_out_entry(info.terms(on), pos, on, reason, write_off)
    return None if entry is None else journal.post(conn, [entry], info.start_date)[0]
