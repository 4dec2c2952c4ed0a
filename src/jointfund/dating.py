"""What `jointfund verify` checks of dates: effective dates against the UTC times the records were written.

An effective date says when a thing counts, the recorded time when it was written (DESIGN.md, Time).
A record may be back-dated (a receipt entered a week late), never dated after it was written: a vote cast
"on" a day that had not come, or a distribution posted "in 2035" today, is the trace of a moved clock.
  entries     each journal entry's date is on or before the UTC day it was recorded
  records     each dated governance and portfolio row (a member's appointment or removal, a proposal, a vote,
              a closing or execution, an application, a stage move, an investment, an in-kind delivery) is
              dated on or before the UTC day its event was recorded
  vote order  no vote, closing or execution is dated before its proposal was made
Dates that are about the future by nature are not effective dates and are not checked: a proposal's deadline,
an amendment's date of effect. On a demo or test fund (its clock may be set, see jointfund.clock) only the
order is checked, and the check says so.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.store import tables as t
from jointfund.store import timestamps

# (table, its effective date, what a row is) for every dated row that is an event of the log.
DATED = (
    (t.member, "appointed_on", "member appointment"),
    (t.member_removal, "removed_on", "member removal"),
    (t.proposal, "created_on", "proposal"),
    (t.vote, "cast_on", "vote"),
    (t.proposal_status, "effective", "proposal closing"),
    (t.application, "submitted_on", "application"),
    (t.application_stage, "effective", "application stage move"),
    (t.investment, "committed_on", "investment"),
    (t.in_kind, "delivered_on", "in-kind delivery"),
)
LIMIT = 50  # findings listed per check; a moved clock leaves many, the first ones name it


def _day(value) -> str:  # noqa: ANN001 - a date, or its ISO text on SQLite
    return value if isinstance(value, str) else value.isoformat()


def check_dates(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    found: list[Finding] = []
    checked = 0
    if not fund.settable_clock:
        e = t.entry.c
        late = (
            select(e.seq, e.date, e.recorded_at)
            .where(e.date > timestamps.utc_day(conn, e.recorded_at))
            .order_by(e.seq)
        )
        found += [
            Finding(
                "dates",
                r.seq,
                f"entry {r.seq} is dated {_day(r.date)}, after it was recorded "
                f"({r.recorded_at:%Y-%m-%d %H:%M} UTC)",
            )
            for r in conn.execute(late.limit(LIMIT))
        ]
        checked += conn.execute(select(func.count()).select_from(t.entry)).scalar_one()
        for table, column, what in DATED:
            day = table.c[column]
            ev = t.event.c
            late = (
                select(table.c.seq, day, ev.recorded_at)
                .join(t.event, ev.seq == table.c.seq)
                .where(day > timestamps.utc_day(conn, ev.recorded_at))
                .order_by(table.c.seq)
                .limit(LIMIT)
            )
            found += [
                Finding(
                    "dates",
                    r.seq,
                    f"{what} (record {r.seq}) is dated {_day(r[1])}, after it was recorded "
                    f"({r.recorded_at:%Y-%m-%d %H:%M} UTC)",
                )
                for r in conn.execute(late)
            ]
            checked += conn.execute(select(func.count()).select_from(table)).scalar_one()
    p = t.proposal.c
    for table, column, what in ((t.vote, "cast_on", "vote"), (t.proposal_status, "effective", "closing")):
        day = table.c[column]
        early = (
            select(table.c.seq, table.c.proposal_id, day, p.created_on)
            .join(t.proposal, p.id == table.c.proposal_id)
            .where(day < p.created_on)
            .order_by(table.c.seq)
            .limit(LIMIT)
        )
        found += [
            Finding(
                "dates",
                r.seq,
                f"{what} (record {r.seq}) on proposal {r.proposal_id} is dated {_day(r[2])}, "
                f"before the proposal was made ({_day(r.created_on)})",
            )
            for r in conn.execute(early)
        ]
    name = (
        "dates"
        if not fund.settable_clock
        else "dates (a demo or test fund: its clock may be set; order only)"
    )
    return name, checked, sorted(found, key=lambda f: f.seq or 0)
