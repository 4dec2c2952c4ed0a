"""Budget lines as adopted: stored versions, the current one of each code, and adoption by an executed
proposal.

Executing an approved `budget` proposal whose `about` is a plan's hash (budget.plan) re-reads the plan logged
with the proposal, checks it again against the terms and the book of that day, and appends one version per
line, each with its `budget.line` event. A line adopted earlier is amended by a new version: it keeps its
category, currency and period, and its amount may not fall below what was already spent on it (the database
refuses that too, store/triggers.py).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from jointfund.budget.plan import PROPOSE, Plan
from jointfund.errors import IntegrityError, Refused
from jointfund.fund import FundInfo
from jointfund.governance import book
from jointfund.governance.model import Proposal
from jointfund.ledger import journal
from jointfund.ledger.log import append_event, first_event_data
from jointfund.money import format_amount, from_minor, to_minor
from jointfund.store import tables as t

ADOPT = "budget.line"


class BudgetLine(NamedTuple):
    """One adopted version of a budget line (the current one of a code has the highest version)."""

    id: int
    code: str
    version: int
    category: str
    period: str
    first: dt.date
    last: dt.date
    amount: Decimal
    currency: str
    proposal: int
    seq: int


def _of(r) -> BudgetLine:  # noqa: ANN001 - a result row
    return BudgetLine(
        r.id,
        r.code,
        r.version,
        r.category,
        r.period,
        r.first_day,
        r.last_day,
        from_minor(r.amount_minor, r.currency),
        r.currency,
        r.proposal_id,
        r.seq,
    )


def versions(conn: Connection) -> list[BudgetLine]:
    """Every adopted version, in adoption order."""
    return [_of(r) for r in conn.execute(select(t.budget_line).order_by(t.budget_line.c.id))]


def current(conn: Connection) -> dict[str, BudgetLine]:
    """code -> the line as it stands (its latest version), in the order lines were first adopted."""
    out: dict[str, BudgetLine] = {}
    for v in versions(conn):
        out[v.code] = v
    return out


def spent_minor(conn: Connection, code: str | None = None) -> dict[str, int]:
    """code -> what the expenses charged to it total, in its currency's minor units."""
    e = t.expense.c
    q = select(e.line_code, func.sum(e.amount_minor)).group_by(e.line_code)
    if code is not None:
        q = q.where(e.line_code == code)
    return {c: int(s) for c, s in conn.execute(q)}


def record_plan(conn: Connection, actor: str, plan: Plan) -> int:
    """Log the lines a budget proposal's hash stands for, in the proposal's own transaction."""
    return append_event(conn, actor, PROPOSE, plan.about, json.loads(plan.content_json))


def recorded_plan(conn: Connection, about: str) -> Plan | None:
    content = first_event_data(conn, PROPOSE, about)
    return None if content is None else Plan(content)


def adopt(
    conn: Connection, info: FundInfo, actor: str, p: Proposal, on: dt.date, execution_seq: int
) -> list[BudgetLine]:
    """Adopt the plan an approved budget proposal signed: a new version of each of its lines."""
    plan = recorded_plan(conn, p.about or "")
    if plan is None or plan.about != p.about:
        raise IntegrityError(
            f"proposal {p.id} signs {p.about}, but no budget with that hash was recorded; run "
            "jointfund verify"
        )
    terms = info.terms(on)
    categories = {c.code: c for c in terms.budget.categories}
    now = current(conn)
    spent = spent_minor(conn)
    adopted = []
    for line in plan.lines:
        if line.category not in categories:
            raise Refused(
                f"budget line {line.code} of proposal {p.id}: the terms in force on {on} have no budget "
                f"category {line.category!r}"
            )
        before = now.get(line.code)
        if before is not None and (before.category, before.currency, before.period) != (
            line.category,
            line.currency,
            line.period,
        ):
            raise Refused(
                f"budget line {line.code} of proposal {p.id} changes its category, currency or period "
                f"({before.category}, {before.currency}, {before.period}); an amendment changes only the "
                "amount: give the new spending another code"
            )
        used = spent.get(line.code, 0)
        if to_minor(line.amount, line.currency) < used:
            raise Refused(
                f"budget line {line.code} of proposal {p.id} would be {line.amount} "
                f"{line.currency}, below the "
                f"{from_minor(used, line.currency)} {line.currency} already spent on it"
            )
        account = categories[line.category].account
        if account not in journal.load_accounts(conn):
            journal.open_account(conn, account, info.start_date, None, categories[line.category].name, actor)
        version = 1 if before is None else before.version + 1
        row_id = book.next_id(conn, t.budget_line.c.id)
        row = {
            "id": row_id,
            "code": line.code,
            "version": version,
            "category": line.category,
            "period": line.period,
            "first_day": line.first,
            "last_day": line.last,
            "amount_minor": to_minor(line.amount, line.currency),
            "currency": line.currency,
            "proposal_id": p.id,
        }
        data = {
            **line.content(),
            "version": version,
            "proposal": p.id,
            "execution": execution_seq,
            "before": None if before is None else format_amount(before.amount, before.currency),
            "after": format_amount(line.amount, line.currency),
        }
        seq = book.record(conn, actor, ADOPT, f"budget-line:{line.code}", data, t.budget_line, row)
        adopted.append(
            BudgetLine(
                row_id,
                line.code,
                version,
                line.category,
                line.period,
                line.first,
                line.last,
                line.amount,
                line.currency,
                p.id,
                seq,
            )
        )
    return adopted
