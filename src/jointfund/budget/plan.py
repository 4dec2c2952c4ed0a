"""A proposed budget: its lines as the proposal signs them, parsed from a TOML file. Pure.

A `budget` proposal's `about` is `budget:sha256:<hex>`, the hash of the plan's canonical JSON, so the
proposer and every voter sign exactly these lines (governance.amendment does the same for the terms).
The file:

    reference = "Budget 2026"
    [[lines]]
    code = "ADM-2026"             # the line's name: expenses are recorded --line ADM-2026
    category = "administration"   # one of the terms' budget.categories
    amount = "250000.00"          # text, exactly to the currency's minor unit
    currency = "USD"              # one of fund.currencies
    period = "2026"               # a year, a quarter (2026-Q1) or a month (2026-03)

A line whose code was adopted before amends it: a new version with the new amount (its category,
currency and period stay; budget.book refuses a change of them, and an amount below what was spent).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from typing import NamedTuple

from jointfund.accounting import period as calendar
from jointfund.errors import InputError, Problem
from jointfund.ledger.canonical import BoundContent, data_json
from jointfund.money import format_amount, parse_amount
from jointfund.terms.model import Terms

ABOUT = "budget:sha256:"
PROPOSE = "budget.propose"
MAX_LINES = 500
MAX_CODE_CHARS = 40
MAX_REFERENCE_CHARS = 200
CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
CALENDARS = ("year", "quarter", "month")


class Line(NamedTuple):
    """A budget line as proposed.

    Attributes:
      code: its name (letters, digits, '.', '_', '-'); unique in the plan.
      category: a code of the terms' budget.categories.
      amount, currency: what may be spent on it, in total.
      period: the period its expenses must be dated in, with its first and last days.
    """

    code: str
    category: str
    amount: Decimal
    currency: str
    period: str
    first: dt.date
    last: dt.date

    def content(self) -> dict:
        return {
            "code": self.code,
            "category": self.category,
            "amount": format_amount(self.amount, self.currency),
            "currency": self.currency,
            "period": self.period,
        }


class Plan(BoundContent):
    """A budget as proposed: its canonical JSON text (what the hash covers) and its lines."""

    @property
    def about(self) -> str:
        return f"{ABOUT}{self.sha256}"

    @property
    def lines(self) -> tuple[Line, ...]:
        out = []
        for x in self.content["lines"]:
            p = period_of(x["period"])
            assert p is not None, f"a recorded line has a valid period: {x['period']}"
            out.append(
                Line(x["code"], x["category"], Decimal(x["amount"]), x["currency"], p.name, p.first, p.last)
            )
        return tuple(out)


def period_of(text: str) -> calendar.Period | None:
    """The period named `text` in any calendar (2026, 2026-Q1, 2026-03), or None."""
    for kind in CALENDARS:
        try:
            return calendar.parse(kind, text)
        except InputError:
            continue
    return None


def parse(terms: Terms, text: str, source: str) -> Plan:
    """The plan in `text`, every problem collected and named by file and key (`source` lines[2].amount)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(source, f"not valid TOML: {exc}")], "budget not proposed") from None
    problems: list[Problem] = []
    unknown = sorted(set(doc) - {"reference", "lines"})
    if unknown:
        problems.append(
            Problem(f"{source} ({unknown[0]})", "unknown key; a budget file has reference and [[lines]]")
        )
    reference = doc.get("reference")
    if not isinstance(reference, str) or not reference.strip() or len(reference) > MAX_REFERENCE_CHARS:
        problems.append(
            Problem(
                f"{source} (reference)",
                f"a reference of 1 to {MAX_REFERENCE_CHARS} characters is needed",
                reference,
            )
        )
    rows = doc.get("lines")
    if not isinstance(rows, list) or not rows or len(rows) > MAX_LINES:
        problems.append(Problem(f"{source} (lines)", f"1 to {MAX_LINES} [[lines]] are needed"))
        rows = []
    categories = {c.code for c in terms.budget.categories}
    lines: list[Line] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        where = f"{source} (lines[{i}]"
        if not isinstance(row, dict):
            problems.append(Problem(f"{where})", "expected a table"))
            continue
        extra = sorted(set(row) - {"code", "category", "amount", "currency", "period"})
        if extra:
            problems.append(
                Problem(
                    f"{where}.{extra[0]})", "unknown key; a line has code, category, amount, currency, period"
                )
            )
        code, category, amount, currency, name = (
            row.get(k) for k in ("code", "category", "amount", "currency", "period")
        )
        if not isinstance(code, str) or not 0 < len(code) <= MAX_CODE_CHARS or not set(code) <= CODE_CHARS:
            problems.append(
                Problem(f"{where}.code)", f"1 to {MAX_CODE_CHARS} letters, digits, '.', '_' or '-'", code)
            )
        elif code in seen:
            problems.append(Problem(f"{where}.code)", "appears twice in this budget", code))
        else:
            seen.add(code)
        if category not in categories:
            problems.append(
                Problem(
                    f"{where}.category)",
                    f"expected one of the terms' budget categories: "
                    f"{', '.join(sorted(categories)) or '(the terms define none)'}",
                    category,
                )
            )
        value = None
        if currency not in terms.fund.currencies:
            problems.append(
                Problem(f"{where}.currency)", f"expected one of {', '.join(terms.fund.currencies)}", currency)
            )
        elif not isinstance(amount, str):
            problems.append(Problem(f"{where}.amount)", 'give the amount as text, e.g. "1000.00"', amount))
        else:
            value, problem = parse_amount(amount, currency, f"{where}.amount)")
            if problem:
                problems.append(problem)
            elif value is not None and value <= 0:
                problems.append(Problem(f"{where}.amount)", "must be more than zero", amount))
                value = None
        p = period_of(name) if isinstance(name, str) else None
        if p is None:
            problems.append(
                Problem(
                    f"{where}.period)",
                    "expected a year (2026), a quarter (2026-Q1) or a month (2026-03)",
                    name,
                )
            )
        # Each isinstance only narrows for the type checker: a value of another type is among the problems.
        if (
            not problems
            and value is not None
            and p is not None
            and isinstance(code, str)
            and isinstance(category, str)
            and isinstance(currency, str)
        ):
            lines.append(Line(code, category, value, currency, p.name, p.first, p.last))
    if problems or not isinstance(reference, str):  # a reference that is not text is among the problems
        raise InputError(problems, "budget not proposed")
    return Plan(data_json({"reference": reference.strip(), "lines": [x.content() for x in lines]}))
