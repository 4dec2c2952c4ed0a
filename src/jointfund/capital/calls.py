"""Capital commitments, calls and cash received against them.

A commitment is a promise, not money: it is a logged event. A call makes the promise a
receivable and the partner's capital; cash received settles the receivable.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.capital.allocation import split
from jointfund.errors import ConflictError, InputError, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import countersign, countersigned
from jointfund.ledger import journal, log
from jointfund.ledger.entry import Entry, Posting
from jointfund.money import check_amount, format_amount, round_minor
from jointfund.terms.model import Terms


class PartnerCapital(NamedTuple):
    """One partner's commitments and calls in one currency, as of a date (its capital: capital.accounts).

    Attributes:
      partner: partner code.
      currency: currency of the figures.
      committed: total commitments.
      called: capital called (the partner's cash capital).
      received: cash received against calls.
      outstanding: called but not yet received.
      uncalled: committed but not yet called.
    """

    partner: str
    currency: str
    committed: Decimal
    called: Decimal
    received: Decimal
    outstanding: Decimal
    uncalled: Decimal


CALL_PREFIX = "capital-call:"  # a partner's call line: the receivable and the partner's cash capital
RECEIPT_PREFIX = "capital-receipt:"  # cash received against a call line


def _check_partner(terms: Terms, partner: str) -> None:
    if partner not in terms.partner_codes:
        raise InputError(
            [
                Problem.of(
                    "partner", f"not a partner; expected one of {', '.join(terms.partner_codes)}", partner
                )
            ]
        )


def commit(
    conn: Connection,
    terms: Terms,
    partner: str,
    amount: Decimal,
    currency: str,
    day: dt.date,
    reference: str,
    actor: str = "system",
) -> int:
    """Record a commitment as a logged event; the same reference again is a no-op."""
    _check_partner(terms, partner)
    if currency not in terms.fund.currencies:
        raise InputError(
            [
                Problem.of(
                    "currency",
                    f"not a currency of the fund; expected one of {', '.join(terms.fund.currencies)}",
                    currency,
                )
            ]
        )
    if amount <= 0:
        raise InputError([Problem.of("amount", "a commitment must be positive", str(amount))])
    data = {
        "partner": partner,
        "amount": format_amount(amount, currency),
        "currency": currency,
        "date": day.isoformat(),
        "reference": reference,
    }
    for ev in log.events(conn, action="capital.commit"):
        if ev.data.get("reference") == reference:
            if ev.data != data:
                raise ConflictError(f"commitment {reference!r} was recorded with {ev.data}; offered {data}")
            return ev.seq
    return log.append_event(conn, actor, "capital.commit", f"partner:{partner}", data)


def call_entry(
    terms: Terms, partner: str, amount: Decimal, currency: str, day: dt.date, reference: str
) -> Entry:
    return Entry(
        day,
        f"Capital call {reference} to {partner}",
        (
            Posting(terms.account_name("capital_call_receivable", partner=partner), amount, currency),
            Posting(terms.account_name("capital_cash", partner=partner), -amount, currency),
        ),
        f"{CALL_PREFIX}{reference}",
        (f"call:{reference}",),
    )


def receipt_entry(
    terms: Terms,
    partner: str,
    amount: Decimal,
    currency: str,
    day: dt.date,
    reference: str,
    receipt: str | None = None,
) -> Entry:
    """Cash received against call `reference`; `receipt` (the bank's reference) keys a part payment."""
    key = f"{RECEIPT_PREFIX}{reference}" + (f":{receipt}" if receipt else "")
    return Entry(
        day,
        f"Cash received from {partner} against call {reference}",
        (
            Posting(terms.account_name("cash", currency=currency), amount, currency),
            Posting(terms.account_name("capital_call_receivable", partner=partner), -amount, currency),
        ),
        key,
        (f"call:{reference}",),
    )


def committed(conn: Connection, partner: str, currency: str, as_of: dt.date | None) -> Decimal:
    return commitments(conn, currency, as_of).get(partner, Decimal(0))


def commitments(conn: Connection, currency: str, as_of: dt.date | None) -> dict[str, Decimal]:
    """Each partner's total commitments in `currency` to `as_of` (a partner with none is absent), from one
    read of the commitment events."""
    out: dict[str, Decimal] = {}
    for ev in log.events(conn, action="capital.commit"):
        d = ev.data
        if d["currency"] == currency and (as_of is None or dt.date.fromisoformat(d["date"]) <= as_of):
            out[d["partner"]] = out.get(d["partner"], Decimal(0)) + Decimal(d["amount"])
    return out


def partner_capital(
    conn: Connection, terms: Terms, as_of: dt.date | None = None, currency: str | None = None
) -> list[PartnerCapital]:
    """Each partner's commitments and calls in `currency` (the base currency by default), from the book
    alone: two reads whatever the number of partners (the public page shows it after every write)."""
    cur = currency or terms.fund.base_currency
    partners = terms.partner_codes
    cash = {p: terms.account_name("capital_cash", partner=p) for p in partners}
    receivable = {p: terms.account_name("capital_call_receivable", partner=p) for p in partners}
    # Each partner's two accounts in turn: a missing one is named as reading them one by one named it.
    balances = journal.balance_each(conn, [a for p in partners for a in (cash[p], receivable[p])], as_of, cur)
    promises = commitments(conn, cur, as_of)
    out = []
    for p in partners:
        called = -balances[cash[p]].get(cur, Decimal(0))
        outstanding = balances[receivable[p]].get(cur, Decimal(0))
        promised = promises.get(p, Decimal(0))
        figures = [
            round_minor(x, cur)
            for x in (promised, called, called - outstanding, outstanding, promised - called)
        ]
        out.append(PartnerCapital(p, cur, *figures))
    return out


# -- calls pro rata to commitments, and cash received against them --


class CallLine(NamedTuple):
    """One partner's part of a call: its own reference (the call's, suffixed with the partner), amount and
    state.

    Attributes:
      reference: the partner's call reference, e.g. CALL-2026-3-US.
      partner, currency: who owes it, in which currency.
      called_on: effective date of the call.
      amount: called; received: cash received against it so far; outstanding: amount - received.
    """

    reference: str
    partner: str
    currency: str
    called_on: dt.date
    amount: Decimal
    received: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received


def line_reference(reference: str, partner: str) -> str:
    return f"{reference}-{partner}"


def call_lines(
    terms: Terms,
    amount: Decimal,
    currency: str,
    day: dt.date,
    reference: str,
    commitments: dict[str, Decimal],
    uncalled: dict[str, Decimal],
) -> list[CallLine]:
    """A call of `amount` split pro rata to commitments (largest remainder); refused beyond what is
    uncalled."""
    problems = []
    if amount <= 0:
        problems.append(Problem.of("amount", "a call must be more than zero", str(amount)))
    elif currency in terms.fund.currencies:  # exact in the currency: no more decimals than it has
        problems += [p for p in (check_amount(amount, currency, "amount")[1],) if p is not None]
    if not reference.strip() or len(reference) > 60:
        problems.append(
            Problem.of("reference", "a call reference of 1 to 60 characters is needed", reference)
        )
    if not any(commitments.values()):
        problems.append(
            Problem.of("currency", f"no partner has a commitment in {currency} to call against", currency)
        )
    if problems:
        raise InputError(problems, "call not issued")
    parts = split(amount, currency, {p: commitments.get(p, Decimal(0)) for p in terms.partner_codes})
    over = [
        f"{p} {parts[p]} > {uncalled.get(p, Decimal(0))} uncalled"
        for p in parts
        if parts[p] > uncalled.get(p, Decimal(0))
    ]
    if over:
        raise Refused(f"call {reference} asks more than the partners have left to call: {'; '.join(over)}")
    return [
        CallLine(line_reference(reference, p), p, currency, day, x, Decimal(0)) for p, x in parts.items() if x
    ]


def issue_call(
    conn: Connection,
    info: FundInfo,
    amount: Decimal,
    currency: str,
    day: dt.date,
    reference: str,
    *,
    actor: str,
    countersigner: countersign.Signer | None = None,
) -> list[CallLine]:
    """Post a call to every partner, pro rata to its commitment, in the caller's write transaction: one act,
    countersigned by a seated member other than `actor` over every partner's line."""
    lines, entries = _call(conn, info, amount, currency, day, reference)
    countersigned.post(conn, info, actor, CALL, f"{CALL_PREFIX}{reference}", entries, countersigner)
    return lines


def call_request(
    conn: Connection, info: FundInfo, amount: Decimal, currency: str, day: dt.date, reference: str, actor: str
) -> countersign.Request:
    """What a member countersigns to issue this call (nothing is written): the API's bytes to sign."""
    _lines, entries = _call(conn, info, amount, currency, day, reference)
    return countersigned.request(info.id, actor, CALL, f"{CALL_PREFIX}{reference}", info.terms(day), entries)


def _call(
    conn: Connection, info: FundInfo, amount: Decimal, currency: str, day: dt.date, reference: str
) -> tuple[list[CallLine], list[Entry]]:
    terms = info.terms(day)
    state = {c.partner: c for c in partner_capital(conn, terms, day, currency)}
    lines = call_lines(
        terms,
        amount,
        currency,
        day,
        reference,
        {p: s.committed for p, s in state.items()},
        {p: s.uncalled for p, s in state.items()},
    )
    return lines, [call_entry(terms, x.partner, x.amount, currency, day, x.reference) for x in lines]


def open_calls(conn: Connection, terms: Terms, as_of: dt.date | None = None) -> list[CallLine]:
    """Every call line with what has been received against it, from the journal alone."""
    lines: dict[str, CallLine] = {}
    for e in journal.entries(
        conn, until=as_of, account=terms.account_name("capital_call_receivable", partner="").rstrip(":")
    ):
        refs = [x.removeprefix("call:") for x in e.links if x.startswith("call:")]
        if not refs:
            continue
        for p in e.postings:
            for partner in terms.partner_codes:
                if p.account != terms.account_name("capital_call_receivable", partner=partner):
                    continue
                line = lines.get(refs[0]) or CallLine(
                    refs[0], partner, p.currency, e.date, Decimal(0), Decimal(0)
                )
                if p.amount > 0:
                    line = line._replace(amount=line.amount + p.amount, called_on=e.date)
                else:
                    line = line._replace(received=line.received - p.amount)
                lines[refs[0]] = line
    return sorted(lines.values(), key=lambda x: (x.called_on, x.reference))


def contribute(
    conn: Connection,
    info: FundInfo,
    call_reference: str,
    amount: Decimal,
    day: dt.date,
    receipt: str,
    *,
    actor: str,
    countersigner: countersign.Signer | None = None,
) -> CallLine:
    """Record cash received against a partner's call line, countersigned by a seated member other than
    `actor`; refused beyond what is outstanding."""
    line, entry, again = _contribution(conn, info, call_reference, amount, day, receipt)
    countersigned.post(conn, info, actor, CONTRIBUTION, entry.key, [entry], countersigner)
    return line if again else line._replace(received=line.received + amount)


def contribution_request(
    conn: Connection,
    info: FundInfo,
    call_reference: str,
    amount: Decimal,
    day: dt.date,
    receipt: str,
    actor: str,
) -> countersign.Request:
    """What a member countersigns to record this contribution (nothing is written): the API's bytes to
    sign."""
    _line, entry, _again = _contribution(conn, info, call_reference, amount, day, receipt)
    return countersigned.request(info.id, actor, CONTRIBUTION, entry.key, info.terms(day), [entry])


def _contribution(
    conn: Connection, info: FundInfo, call_reference: str, amount: Decimal, day: dt.date, receipt: str
) -> tuple[CallLine, Entry, bool]:
    """The line, the contribution's entry, and whether it was recorded before (then the line includes it)."""
    terms = info.terms(day)
    found = [x for x in open_calls(conn, terms) if x.reference == call_reference]
    if not found:
        raise InputError(
            [Problem.of("call", "no such call line; see: jointfund capital calls", call_reference)]
        )
    line = found[0]
    problems = []
    if amount <= 0:
        problems.append(Problem.of("amount", "must be more than zero", str(amount)))
    else:  # exact in the line's currency: no more decimals than it has
        problems += [p for p in (check_amount(amount, line.currency, "amount")[1],) if p is not None]
    if day < line.called_on:
        problems.append(Problem.of("date", f"before the call ({line.called_on})", str(day)))
    if not receipt.strip():
        problems.append(Problem.of("receipt", "the bank's reference for the payment is needed", receipt))
    if problems:
        raise InputError(problems, "contribution not recorded")
    earlier = journal.entries(conn, link=f"call:{call_reference}")
    entry = receipt_entry(terms, line.partner, amount, line.currency, day, call_reference, receipt)
    again = any(e.key == entry.key for e in earlier)
    if amount > line.outstanding and not again:
        raise Refused(
            f"call {call_reference} has {line.outstanding} {line.currency} outstanding; {amount} is more "
            "than that"
        )
    return line, entry, again


# -- what a member countersigns of a call and of a contribution (governance.countersigned) --


def call_line(terms: Terms, e: Entry) -> dict:
    """A partner's call line as the member countersigns it."""
    partner, leg = countersigned.partner_leg(terms, e, "capital_call_receivable")
    return {
        "reference": e.key[len(CALL_PREFIX) :],
        "partner": partner,
        "date": e.date.isoformat(),
        **countersigned.money(leg),
    }


def contribution_line(terms: Terms, e: Entry) -> dict:
    """Cash received against a call line as the member countersigns it."""
    partner, _ = countersigned.partner_leg(terms, e, "capital_call_receivable")
    return {
        "reference": e.key[len(RECEIPT_PREFIX) :],
        "call": next(x.removeprefix("call:") for x in e.links if x.startswith("call:")),
        "partner": partner,
        "date": e.date.isoformat(),
        **countersigned.money(countersigned.cash_leg(terms, e)),
    }


CALL = countersigned.Kind("capital.call", CALL_PREFIX, call_line, lines=True)
CONTRIBUTION = countersigned.Kind("capital.contribution", RECEIPT_PREFIX, contribution_line)
