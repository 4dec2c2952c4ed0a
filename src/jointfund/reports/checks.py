"""`jointfund verify`, for the financial statements: every year's statements tie to the book.

Listed in `jointfund.verify.registry`. For each calendar year from the fund's first to the
year of its last entry, the statements are drawn as `report financials` draws them, and each tie
(net assets to the capital function's NAV and to capital plus other equity, operations to the
income and expenses moved, allocated results to operations, cash to the cash accounts, the schedule
of investments and the Level 3 roll-forward to the investments held) is checked.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select

from jointfund.errors import JointfundError
from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.reports.financials import financials
from jointfund.store import tables as t

NAME = "financials.ties"


def check_financials(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Each year's statements agree with the book; a year that cannot be drawn is a finding too."""
    last = conn.execute(select(func.max(t.posting.c.date))).scalar()
    if last is None:
        return NAME, 0, []
    findings, checked = [], 0
    years = range(fund.start_date.year, last.year + 1)
    # Every year's opening and closing trial balance from one pass over the postings, not two per year.
    days = {max(dt.date(y, 1, 1), fund.start_date) - dt.timedelta(days=1) for y in years}
    trial = journal.trial_balances(conn, days | {dt.date(y, 12, 31) for y in years})
    for year in years:
        try:
            fin = financials(conn, fund, dt.date(year, 1, 1), dt.date(year, 12, 31), trial)
        except (JointfundError, AssertionError) as exc:
            # A book that fails the ledger's own checks (an entry that does not balance, say) breaks the
            # invariants the statements assert; verify names the ledger's failure first, and this one after
            # it.
            findings.append(Finding(NAME, None, f"{year}: the statements cannot be drawn: {exc!r}"))
            continue
        for tie in fin.ties:
            checked += 1
            if not tie.ok:
                findings.append(
                    Finding(NAME, None, f"{year}: {tie.name}: statements {tie.statement}, book {tie.book}")
                )
    return NAME, checked, findings
