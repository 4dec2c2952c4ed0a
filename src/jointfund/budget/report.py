"""Budget against actual, by line, for a period: what each line allows, what was spent, what is left.

A line is shown when its period meets the period asked for. `actual` is what its expenses dated in the
period total; `actual_to_date` what they total up to the period's last day; `remaining` the line's amount
(its current version) less `actual_to_date`. The fees of the terms accrued in the period follow, one row per
fee, with no budget of their own (the terms set them, not a budget decision). Amounts are in each line's
currency, read from the expense rows and the journal.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from jointfund.accounting.period import Period
from jointfund.budget import fees
from jointfund.budget.expense import expenses
from jointfund.budget.lines import current
from jointfund.budget.plan import period_of
from jointfund.errors import InputError, Problem
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.money import from_minor

COLUMNS = (
    "line",
    "category",
    "line_period",
    "currency",
    "budget",
    "actual",
    "actual_to_date",
    "remaining",
    "used_percent",
)


def parse_period(text: str, where: str = "period") -> Period:
    p = period_of(text)
    if p is None:
        raise InputError(
            [Problem.of(where, "expected a year (2026), a quarter (2026-Q1) or a month (2026-03)", text)]
        )
    return p


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else (part * 100 / whole).quantize(Decimal("0.1"))


def rows(conn: Connection, info: FundInfo, p: Period) -> list[dict]:
    out = []
    spent = expenses(conn)
    for line in current(conn).values():
        if line.last < p.first or line.first > p.last:
            continue
        mine = [x for x in spent if x.line == line.code and x.date <= p.last]
        zero = from_minor(0, line.currency)
        actual = sum((x.amount for x in mine if x.date >= p.first), zero)
        to_date = sum((x.amount for x in mine), zero)
        out.append(
            {
                "line": line.code,
                "category": line.category,
                "line_period": line.period,
                "currency": line.currency,
                "budget": line.amount,
                "actual": actual,
                "actual_to_date": to_date,
                "remaining": line.amount - to_date,
                "used_percent": _percent(to_date, line.amount),
            }
        )
    terms = info.terms(max(p.last, info.start_date))
    base = terms.functional_currency
    zero = from_minor(0, base)
    for fee in terms.budget.fees:
        accrued = list(journal.entries(conn, until=p.last, link=f"{fees.KEY_PREFIX}{fee.code}"))

        def charged(entries: list, account: str = fee.account) -> Decimal:
            return sum((q.amount for x in entries for q in x.postings if q.account == account), zero)

        actual, to_date = charged([x for x in accrued if x.date >= p.first]), charged(accrued)
        out.append(
            {
                "line": f"{fees.KEY_PREFIX}{fee.code}",
                "category": fee.name,
                "line_period": fee.frequency,
                "currency": base,
                "budget": None,
                "actual": actual,
                "actual_to_date": to_date,
                "remaining": None,
                "used_percent": None,
            }
        )
    return out
