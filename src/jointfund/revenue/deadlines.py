"""The compliance calendar: the terms' statutory deadlines for each year's revenue, and their status.

A deadline of the terms is met by evidence of one of two kinds (the terms say which):
- "transfer": the period's obligation is settled by transfers (from the ledger);
- "filing": a filing recorded with `calendar file` (data submitted, report published, audit done),
  which is an event of the log.
Status: done (met by the due date), late (met after it), open (not met, not yet due) or
overdue (not met and past due).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.carry import Carry
from jointfund.errors import ConflictError, InputError, Problem
from jointfund.fund import FundInfo
from jointfund.i18n import N_
from jointfund.ledger import log
from jointfund.money import format_amount
from jointfund.revenue import transfer
from jointfund.terms.model import Deadline, Terms

FILE_ACTION = "calendar.file"
# What is outstanding, as gettext templates (the pages show it in the reader's language: i18n.recognise).
# No command to run in it: the same text reaches the web pages (issue 12), where no one runs a command.
NOT_FILED = N_("not filed yet")
NO_CONTRIBUTIONS = N_("no contributions recorded for the period")
TO_TRANSFER = N_("%(amount)s %(currency)s to transfer")
OUTSTANDING = (NOT_FILED, NO_CONTRIBUTIONS, TO_TRANSFER)


class DeadlineStatus(NamedTuple):
    """One deadline for one period.

    Attributes:
      period: the revenue year the deadline is about.
      code, name, responsible: from the terms.
      due: the date it falls due (in the following year).
      status: done, late, open or overdue.
      met_on: when it was met, or None.
      outstanding: what is still to do, in words; empty when met.
    """

    period: int
    code: str
    name: str
    responsible: str
    due: dt.date
    status: str
    met_on: dt.date | None
    outstanding: str


def status_of(due: dt.date, met_on: dt.date | None, today: dt.date) -> str:
    if met_on is not None:
        return "done" if met_on <= due else "late"
    return "open" if today <= due else "overdue"


def filings(conn: Connection) -> dict[tuple[int, str], dict]:
    return {(ev.data["period"], ev.data["deadline"]): ev.data for ev in log.events(conn, action=FILE_ACTION)}


def file(
    conn: Connection, terms: Terms, period: int, code: str, day: dt.date, reference: str, actor: str
) -> int | None:
    """Record that a filing deadline was met; the same filing again is a no-op (returns None)."""
    deadline = next((d for d in terms.calendar.deadlines if d.code == code), None)
    problems = []
    if deadline is None:
        problems.append(
            Problem.of(
                "deadline", f"expected one of {', '.join(d.code for d in terms.calendar.deadlines)}", code
            )
        )
    elif deadline.evidence != "filing":
        problems.append(
            Problem.of(
                "deadline",
                f"{code} is met by {deadline.evidence}s recorded in the ledger, not by a filing",
                code,
            )
        )
    if day.year <= period:
        problems.append(Problem.of("date", f"deadlines for {period} fall in {period + 1} or later", str(day)))
    if problems:
        raise InputError(problems, "filing refused")
    data = {"period": period, "deadline": code, "date": day.isoformat(), "reference": reference}
    earlier = filings(conn).get((period, code))
    if earlier is not None:
        if earlier != data:
            raise ConflictError(f"{code} for {period} was already filed: {earlier}; offered {data}")
        return None
    return log.append_event(conn, actor, FILE_ACTION, f"deadline:{period}:{code}", data)


def calendar(
    conn: Connection, info: FundInfo, periods: list[int], today: dt.date, carry: Carry | None = None
) -> list[DeadlineStatus]:
    """Each deadline of `periods` and its status `today`; `carry`: where the receivable's postings read so far
    are kept for the next computation (transfer.statuses)."""
    terms = info.base_terms()
    filed = filings(conn)
    # Every period's transfer statuses in one read of the receivable, not one read per period (issue 13: the
    # dashboard recomputes the calendar after every write).
    settled: dict[int, list[transfer.PeriodStatus]] | None = None
    out = []
    for period in periods:
        for d in info.terms(dt.date(period + 1, 1, 1)).calendar.deadlines:
            if d.evidence == "transfer" and settled is None:
                settled = {}
                for row in transfer.statuses(conn, terms, carry=carry):
                    settled.setdefault(row.period, []).append(row)
            met_on, outstanding = (
                _transfer_evidence((settled or {}).get(period, []))
                if d.evidence == "transfer"
                else _filing_evidence(filed.get((period, d.code)), d)
            )
            due = d.due(period)
            out.append(
                DeadlineStatus(
                    period,
                    d.code,
                    d.name,
                    d.responsible,
                    due,
                    status_of(due, met_on, today),
                    met_on,
                    "" if met_on else outstanding,
                )
            )
    return out


def _filing_evidence(filing: dict | None, d: Deadline) -> tuple[dt.date | None, str]:
    if filing is None:
        return None, NOT_FILED
    return dt.date.fromisoformat(filing["date"]), ""


def _transfer_evidence(rows: list[transfer.PeriodStatus]) -> tuple[dt.date | None, str]:
    """A period's transfer deadline from its statuses (transfer.statuses), one per currency."""
    if not rows:
        return None, NO_CONTRIBUTIONS
    owing = [r for r in rows if r.settled_on is None]
    if owing:
        return None, "; ".join(
            TO_TRANSFER % {"amount": format_amount(r.outstanding, r.currency), "currency": r.currency}
            for r in owing
        )
    return max(r.settled_on for r in rows if r.settled_on), ""


def calendar_rows(
    conn: Connection, info: FundInfo, year: int | None, today: dt.date, carry: Carry | None = None
) -> list[dict]:
    """The compliance calendar (`jointfund calendar`): each deadline of `year` (default: every year of the
    fund) and its status `today`, as every surface shows it (`carry` as `calendar` says)."""
    periods = [year] if year else list(range(info.start_date.year, today.year + 1))
    return [
        {
            "period": d.period,
            "deadline": d.code,
            "what": d.name,
            "responsible": d.responsible,
            "due": d.due,
            "status": d.status,
            "met_on": d.met_on,
            "outstanding": d.outstanding,
        }
        for d in calendar(conn, info, periods, today, carry)
    ]
