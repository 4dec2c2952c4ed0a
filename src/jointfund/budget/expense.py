"""Expenses charged to a budget line: evidence kept by its hash, a journal entry, a row and its event.

An expense is refused when it would take its line beyond the amount adopted (the line needs a budget
amendment: a budget proposal with a new version of the line), when its currency is not the line's, or when it
is dated outside the line's period. The same three refusals are the database's (store/triggers.py) and
`verify`'s (budget.checks).

Recording one takes two people: a seated member who is not the recording user countersigns its request
(`request`: line, amount, currency, date, reference and the evidence's hash; governance.countersign), which
travels in its event; the database refuses the row without the countersignature beside it, and verify checks
the signature.

The entry books the expense in the functional currency, as every expense account is carried
(ledger/functional):
- in the functional currency: the category's account debited, cash credited;
- in another currency: the cash leaves its position at its carrying amount (the trading account's two legs),
  the expense is worth the amount at the reference rate of its date, and the difference is realised FX.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection, insert, select

from jointfund.budget.lines import BudgetLine, current, spent_minor
from jointfund.errors import ConflictError, InputError, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import book, countersign
from jointfund.ledger import document, journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.ledger.functional import carrying_of, convert, netted, position_of
from jointfund.ledger.log import append_event
from jointfund.money import check_amount, format_amount, from_minor, to_minor
from jointfund.revenue import book as revenue_book
from jointfund.store import tables as t
from jointfund.terms.model import Terms

RECORD = "expense.record"
COUNTERSIGNED = "expense"  # the countersignature's kind
KEY_PREFIX = "expense:"
LINE_LINK = "budget-line:"
MAX_REFERENCE_CHARS = 100


class Expense(NamedTuple):
    """An expense as recorded: its line, amount (in the line's currency), date, the invoice's reference (the
    key), the evidence's hash, its journal entry and its event."""

    id: int
    line: str
    amount: Decimal
    currency: str
    date: dt.date
    reference: str
    document_sha256: str
    entry_seq: int
    seq: int


def _of(r) -> Expense:  # noqa: ANN001 - a result row
    return Expense(
        r.id,
        r.line_code,
        from_minor(r.amount_minor, r.currency),
        r.currency,
        r.date,
        r.reference,
        r.document_sha256,
        r.entry_seq,
        r.seq,
    )


def expenses(
    conn: Connection, line: str | None = None, limit: int | None = None, offset: int = 0
) -> list[Expense]:
    """The expenses (of a budget line) in order: `limit` of them from `offset` (default: every one)."""
    q = select(t.expense).order_by(t.expense.c.id)
    if line is not None:
        q = q.where(t.expense.c.line_code == line)
    return [_of(r) for r in conn.execute(q.limit(limit).offset(offset))]


def refusal(line: BudgetLine, spent: Decimal, amount: Decimal, currency: str, day: dt.date) -> str | None:
    """Why an expense may not be charged to `line`, which has `spent` already; None: it may. Pure."""
    if currency != line.currency:
        return f"budget line {line.code} is in {line.currency}, not {currency}"
    if not line.first <= day <= line.last:
        return (
            f"budget line {line.code} is for {line.period} ({line.first} to {line.last}); the "
            f"expense is dated {day}"
        )
    if spent + amount > line.amount:
        return (
            f"the expense of {amount} {currency} would take budget line {line.code} to {spent + amount} "
            f"{currency}, beyond the {line.amount} {currency} adopted ({line.amount - spent} left); "
            f"it needs a budget amendment: a budget proposal with a new version of line {line.code}"
        )
    return None


def entry(
    terms: Terms,
    account: str,
    line: BudgetLine,
    amount: Decimal,
    day: dt.date,
    reference: str,
    value: Decimal,
    carrying: Decimal,
) -> Entry:
    """The expense's entry (see the module docstring); `value` and `carrying` are in the functional
    currency. Pure."""
    base, c = terms.functional_currency, line.currency
    legs = [Posting(account, value, base), Posting(terms.account_name("cash", currency=c), -amount, c)]
    if c != base:
        trading = terms.account_name("trading", currency=c)
        legs += [
            Posting(trading, amount, c),
            Posting(trading, -carrying, base),
            Posting(terms.account_name("fx_realised"), carrying - value, base),
        ]
    else:
        assert value == amount == carrying, "an expense in the functional currency is worth its amount"
    worth = "" if c == base else f" (worth {value} {base})"
    return Entry(
        day,
        f"Expense {reference}: {amount} {c}{worth} charged to budget line {line.code}",
        netted(legs),
        KEY_PREFIX + reference,
        (KEY_PREFIX + reference, LINE_LINK + line.code),
    )


def _worth(
    conn: Connection, terms: Terms, amount: Decimal, currency: str, day: dt.date
) -> tuple[Decimal, Decimal]:
    """(value, carrying) in the functional currency of `amount` of cash in `currency` leaving on `day`."""
    base = terms.functional_currency
    if currency == base:
        return amount, amount
    rates = revenue_book.rates(conn, terms.fx.domestic_currency, terms.fx.max_age_days)
    own, quote = rates.rate(currency, day), rates.rate(base, day)
    if own is None or quote is None:
        missing = currency if own is None else base
        raise InputError(
            [
                Problem.of(
                    "date",
                    f"an expense in {currency} needs the {missing} reference rate on or before "
                    f"{day}; import it with: jointfund fx import FILE",
                    str(day),
                )
            ],
            "expense not recorded",
        )
    value = convert(amount, own, quote, base)
    trading = terms.account_name("trading", currency=currency)
    position = position_of(currency, base, journal.balance(conn, trading, as_of=day, subtree=False))
    return value, carrying_of(position, amount, value)


def request(
    fund_id: str,
    actor: str,
    line_code: str,
    amount: Decimal,
    currency: str,
    day: dt.date,
    reference: str,
    evidence_sha256: str,
) -> countersign.Request:
    """What a member countersigns for an expense `actor` records: exactly what it charges, and the evidence by
    its hash. Pure; verify rebuilds it from the row."""
    return countersign.Request(
        fund_id,
        COUNTERSIGNED,
        f"{KEY_PREFIX}{reference}",
        {
            "line": line_code,
            "amount": format_amount(amount, currency),
            "currency": currency,
            "date": day.isoformat(),
            "reference": reference,
            "evidence_sha256": evidence_sha256,
        },
        actor,
    )


def record(
    conn: Connection,
    info: FundInfo,
    actor: str,
    line_code: str,
    amount: Decimal,
    currency: str,
    day: dt.date,
    reference: str,
    evidence_name: str,
    evidence: bytes,
    countersigner: countersign.Signer | None = None,
) -> tuple[Expense, bool]:
    """Charge an expense to its line in the caller's write transaction; (the expense, whether it is new).

    The same reference with the same content again returns the recorded expense; with other content it is a
    conflict. Every problem with the input is reported together.
    """
    terms = info.terms(day)
    line = current(conn).get(line_code)
    problems: list[Problem] = []
    if line is None:
        problems.append(
            Problem.of(
                "line", "no adopted budget line has this code; see: jointfund expenses lines", line_code
            )
        )
    checked, problem = (
        check_amount(amount, currency, "amount") if currency in terms.fund.currencies else (None, None)
    )
    if currency not in terms.fund.currencies:
        problems.append(
            Problem.of("currency", f"expected one of {', '.join(terms.fund.currencies)}", currency)
        )
    elif problem:
        problems.append(problem)
    elif checked is not None and checked <= 0:
        problems.append(Problem.of("amount", "must be more than zero", str(amount)))
    reference = reference.strip()
    if not 0 < len(reference) <= MAX_REFERENCE_CHARS:
        problems.append(
            Problem.of(
                "reference",
                f"the invoice's reference, 1 to {MAX_REFERENCE_CHARS} characters, is "
                "needed (it keys the expense)",
                reference,
            )
        )
    if day < info.start_date:
        problems.append(Problem.of("date", f"before the fund exists (it starts {info.start_date})", str(day)))
    if problems:
        raise InputError(problems, "expense not recorded")
    assert line is not None and checked is not None
    amount = checked
    sha = document.digest(evidence)
    found = conn.execute(select(t.expense).where(t.expense.c.reference == reference)).first()
    earlier = None if found is None else _of(found)
    if earlier is not None:
        same = (earlier.line, earlier.amount, earlier.currency, earlier.date, earlier.document_sha256) == (
            line.code,
            amount,
            currency,
            day,
            sha,
        )
        if same:
            return earlier, False
        raise ConflictError(
            f"expense {reference} was recorded on {earlier.date}: {earlier.amount} {earlier.currency} "
            f"to line {earlier.line}, evidence {earlier.document_sha256[:16]}…; a correction is a new "
            "expense with its own reference"
        )
    spent = from_minor(spent_minor(conn, line.code).get(line.code, 0), line.currency)
    why = refusal(line, spent, amount, currency, day)
    if why:
        raise Refused(f"expense {reference} refused: {why}")
    asked = request(info.id, actor, line.code, amount, currency, day, reference, sha)
    carried = countersign.require(conn, asked, countersigner)
    account = next(c.account for c in terms.budget.categories if c.code == line.category)
    doc = document.store(conn, actor, evidence_name, evidence, terms.budget.evidence_max_bytes)
    value, carrying = _worth(conn, terms, amount, currency, day)
    (entry_seq,) = journal.post(
        conn, [entry(terms, account, line, amount, day, reference, value, carrying)], info.start_date
    )
    row_id = book.next_id(conn, t.expense.c.id)
    row = {
        "id": row_id,
        "line_code": line.code,
        "amount_minor": to_minor(amount, currency),
        "currency": currency,
        "date": day,
        "reference": reference,
        "document_sha256": doc.sha256,
        "entry_seq": entry_seq,
    }
    data = {
        "line": line.code,
        "line_version": line.version,
        "amount": format_amount(amount, currency),
        "currency": currency,
        "date": day.isoformat(),
        "reference": reference,
        "evidence": doc.reference,
        "entry": entry_seq,
        "before": format_amount(spent, currency),
        "after": format_amount(spent + amount, currency),
        countersign.FIELD: carried,
    }
    seq = append_event(conn, actor, RECORD, f"{KEY_PREFIX}{reference}", data)
    countersign.record(
        conn, seq, COUNTERSIGNED, carried
    )  # before the row, which the database refuses without
    conn.execute(insert(t.expense).values(**row, seq=seq))
    return Expense(row_id, line.code, amount, currency, day, reference, doc.sha256, entry_seq, seq), True
