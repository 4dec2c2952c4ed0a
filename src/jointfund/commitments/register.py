"""The register: the agreements' commitments, what has happened to them, and where each stands.

Status is derived where it can be and recorded where only a person can judge:
  derived   open (due later), due soon (within the agreement's due_soon_days), overdue (past due, nothing
            recorded), not triggered (a triggered commitment whose event has not happened), ongoing (no due
            date),
            ended (a standing commitment past its end date)
  recorded  met, late, breached, waived (`commitments record`, with evidence)
A commitment can fall due many times (every year; after every armed attack): each record settles one
occurrence,
named by its due date, and the register shows the first occurrence not settled. A fund-calendar deadline is
also
settled when the calendar shows it done or late (the calendar's own evidence is never recorded twice).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import NamedTuple

from sqlalchemy import Connection, func, insert, select

from jointfund.commitments import due as rules
from jointfund.commitments import evidence
from jointfund.commitments.agreement import Agreement, Commitment, EventKind, shipped
from jointfund.errors import InputError, NotFound, Problem
from jointfund.fund import FundInfo
from jointfund.ledger.log import append_event
from jointfund.store import tables as t
from jointfund.terms.model import Terms

EVENT_ACTION = "commitments.event"
RECORD_ACTION = "commitments.record"
TAG_ACTION = "commitments.tag"
RECORDED = ("met", "late", "breached", "waived")
DERIVED = ("open", "due soon", "overdue", "not triggered", "ongoing", "ended")
STATUSES = RECORDED + DERIVED
MAX_NOTE = 2000


class Happened(NamedTuple):
    """A recorded event: `kind` (an event code) happened on `occurred_on`."""

    id: int
    kind: str
    agreement: str
    occurred_on: dt.date
    note: str
    seq: int


class Record(NamedTuple):
    """A recorded outcome of one occurrence (`due`) of a commitment, with its evidence (SHA-256 of each
    file)."""

    id: int
    commitment: str
    due: dt.date | None
    status: str
    occurred_on: dt.date
    evidence: tuple[str, ...]
    note: str
    seq: int


class Line(NamedTuple):
    """One commitment as the register shows it today."""

    id: str
    agreement: str
    source: str
    obligor: str
    beneficiary: str
    kind: str
    due: dt.date | None
    status: str
    rule: str
    text: str
    text_uk: str
    area: str | None
    records: tuple[Record, ...] = ()
    investments: tuple[int, ...] = ()

    def row(self) -> dict:
        """The fields of `commitments list --format json`."""
        return {
            "id": self.id,
            "agreement": self.agreement,
            "source": self.source,
            "obligor": self.obligor,
            "beneficiary": self.beneficiary,
            "kind": self.kind,
            "due": self.due,
            "status": self.status,
        }


def agreements() -> tuple[Agreement, ...]:
    return shipped()


def find(cid: str) -> tuple[Agreement, Commitment]:
    for a in agreements():
        c = a.commitment(cid)
        if c is not None:
            return a, c
    raise NotFound(f"no commitment {cid}; see: jointfund commitments list")


def event_kinds() -> dict[str, tuple[Agreement, EventKind]]:
    return {e.code: (a, e) for a in agreements() for e in a.events}


def check_terms(terms: Terms) -> list[Problem]:
    """What the register names in the terms but the terms lack (a calendar deadline code)."""
    codes = {d.code for d in terms.calendar.deadlines}
    return [
        Problem(
            f"{a.agreement.code}: {c.id}.due",
            f"the terms' calendar has no deadline {c.due.code!r}; expected one of {', '.join(sorted(codes))}",
        )
        for a in agreements()
        for c in a.commitments
        if isinstance(c.due, rules.CalendarDeadline) and c.due.code not in codes
    ]


# -- reading --


def happened(conn: Connection) -> list[Happened]:
    q = select(t.commitment_event).order_by(t.commitment_event.c.id)
    return [Happened(r.id, r.kind, r.agreement, r.occurred_on, r.note, r.seq) for r in conn.execute(q)]


def records(conn: Connection, cid: str | None = None) -> list[Record]:
    q = select(t.commitment_record).order_by(t.commitment_record.c.id)
    if cid is not None:
        q = q.where(t.commitment_record.c.commitment == cid)
    return [
        Record(
            r.id, r.commitment, r.due, r.status, r.occurred_on, tuple(json.loads(r.evidence)), r.note, r.seq
        )
        for r in conn.execute(q)
    ]


def tags(conn: Connection) -> dict[str, list[int]]:
    """Investment ids by area of cooperation."""
    out: dict[str, list[int]] = {}
    for r in conn.execute(select(t.investment_area).order_by(t.investment_area.c.id)):
        out.setdefault(r.area, []).append(r.investment_id)
    return out


class _State:
    """Everything the statuses are derived from, read once."""

    def __init__(self, conn: Connection, info: FundInfo, today: dt.date) -> None:
        self.info, self.today = info, today
        self.terms = info.terms(today)
        problems = check_terms(self.terms)
        if problems:  # a fund on other terms: the register names deadlines its calendar does not have
            raise InputError(problems, "the register does not fit the fund's terms")
        self.events = happened(conn)
        self.records: dict[str, list[Record]] = {}
        for r in records(conn):
            self.records.setdefault(r.commitment, []).append(r)
        self.tags = tags(conn)
        self._calendar: dict[tuple[str, dt.date], str] | None = None
        self._conn = conn

    def calendar_done(self, code: str, day: dt.date) -> bool:
        """Whether the fund's calendar shows the deadline `code` due on `day` done or late."""
        if self._calendar is None:
            from jointfund.revenue import deadlines  # the calendar's statuses, only when a rule names it

            periods = list(range(self.info.start_date.year, self.today.year + 1))
            self._calendar = {
                (d.code, d.due): d.status
                for d in deadlines.calendar(self._conn, self.info, periods, self.today)
            }
        return self._calendar.get((code, day)) in ("done", "late")

    def occurrences(self, a: Agreement, c: Commitment) -> list[dt.date]:
        """Every date on which `c` falls due, up to a year from today."""
        rule = c.due
        if rule is None:
            return []
        if isinstance(rule, rules.Fixed):
            return [rule.day]
        if isinstance(rule, rules.TermsDate):
            return [rules.terms_date(rule, self.terms)]
        if isinstance(rule, rules.After):
            fixed = next((e.date for e in a.events if e.code == rule.event and e.date is not None), None)
            days = [fixed] if fixed else [e.occurred_on for e in self.events if e.kind == rule.event]
            return sorted(rule.due(d) for d in days)
        start = min([e.date for e in a.events if e.date] or [self.info.start_date])
        until = self.today + dt.timedelta(days=366)
        if isinstance(rule, rules.CalendarDeadline):
            return rules.calendar_occurrences(rule, self.terms, start, until)
        return rules.occurrences(rule, start, until)

    def settled(self, c: Commitment, day: dt.date) -> bool:
        if any(r.due == day for r in self.records.get(c.id, ())):
            return True
        return isinstance(c.due, rules.CalendarDeadline) and self.calendar_done(c.due.code, day)

    def line(self, a: Agreement, c: Commitment) -> Line:
        recs = tuple(self.records.get(c.id, ()))
        days = self.occurrences(a, c)
        open_days = [d for d in days if not self.settled(c, d)]
        standing = c.kind in ("ongoing", "intent", "negative")
        if standing:
            end = days[0] if days else None
            status = recs[-1].status if recs else ("ended" if end and self.today > end else "ongoing")
            day = end
        elif open_days:
            day = open_days[0]
            status = (
                "overdue"
                if self.today > day
                else "due soon"
                if (day - self.today).days <= a.agreement.due_soon_days
                else "open"
            )
        elif days:
            day = days[-1]
            last = next((r for r in reversed(recs) if r.due == day), None)
            status = last.status if last else "met"  # settled by the calendar's own evidence
        else:
            day, status = None, "not triggered"
        investments = tuple(self.tags.get(c.area, ())) if c.area else ()
        return Line(
            c.id,
            a.agreement.code,
            c.source,
            c.obligor,
            c.beneficiary,
            c.kind,
            day,
            status,
            str(c.due) if c.due else "",
            c.text,
            c.text_uk,
            c.area,
            recs,
            investments,
        )


def lines(
    conn: Connection, info: FundInfo, today: dt.date, agreement: str | None = None, status: str | None = None
) -> list[Line]:
    """The register as of `today`, optionally only one agreement's or one status's commitments."""
    problems = []
    codes = [a.agreement.code for a in agreements()]
    if agreement is not None and agreement not in codes:
        problems.append(Problem.of("agreement", f"expected one of {', '.join(codes)}", agreement))
    if status is not None and status not in STATUSES:
        problems.append(Problem.of("status", f"expected one of {', '.join(STATUSES)}", status))
    if problems:
        raise InputError(problems, "no such register view")
    state = _State(conn, info, today)
    out = [
        state.line(a, c)
        for a in agreements()
        for c in a.commitments
        if agreement is None or a.agreement.code == agreement
    ]
    return [x for x in out if status is None or x.status == status]


def line(conn: Connection, info: FundInfo, today: dt.date, cid: str) -> Line:
    a, c = find(cid)
    return _State(conn, info, today).line(a, c)


def end_of(conn: Connection, info: FundInfo, today: dt.date, code: str) -> dt.date | None:
    """The day agreement `code` ends: the earliest due date of its `ends` commitments (term, or notice)."""
    a = next(x for x in agreements() if x.agreement.code == code)
    state = _State(conn, info, today)
    days = [d for cid in a.agreement.ends for d in state.occurrences(a, a.commitment(cid))]  # type: ignore[arg-type]
    return min(days) if days else None


# -- writing (each in the caller's write transaction, event first, then the row that names it) --


def _next_id(conn: Connection, column) -> int:  # noqa: ANN001 - a table column
    return int(conn.execute(select(func.coalesce(func.max(column), 0))).scalar_one()) + 1


def _note(note: str, problems: list[Problem]) -> str:
    if len(note) > MAX_NOTE:
        problems.append(Problem.of("note", f"at most {MAX_NOTE} characters", note))
    return note.strip()


def record_event(
    conn: Connection, info: FundInfo, actor: str, kind: str, day: dt.date, note: str, today: dt.date
) -> Happened:
    """Record that an event happened; the commitments it triggers fall due from it."""
    kinds = event_kinds()
    problems: list[Problem] = []
    found = kinds.get(kind)
    recordable = [k for k, (_a, e) in kinds.items() if e.date is None]
    if found is None or found[1].date is not None:
        problems.append(
            Problem.of(
                "kind",
                f"expected one of {', '.join(recordable)}"
                + ("" if found is None else f"; {kind} is fixed by the text ({found[1].date})"),
                kind,
            )
        )
    else:
        start = min([e.date for e in found[0].events if e.date] or [info.start_date])
        if day < start:
            problems.append(
                Problem.of("date", f"before {found[0].agreement.short} began ({start})", str(day))
            )
    if day > today:
        problems.append(Problem.of("date", f"after today ({today}): record what has happened", str(day)))
    note = _note(note, problems)
    if problems:
        raise InputError(problems, "event not recorded")
    assert found is not None
    a = found[0].agreement.code
    eid = _next_id(conn, t.commitment_event.c.id)
    data = {"id": eid, "kind": kind, "agreement": a, "occurred_on": day.isoformat(), "note": note}
    seq = append_event(conn, actor, EVENT_ACTION, f"commitment-event:{eid}", data)
    conn.execute(
        insert(t.commitment_event).values(id=eid, kind=kind, agreement=a, occurred_on=day, note=note, seq=seq)
    )
    return Happened(eid, kind, a, day, note, seq)


def record_outcome(
    conn: Connection,
    info: FundInfo,
    actor: str,
    cid: str,
    status: str,
    day: dt.date,
    files: list[tuple[str, bytes]],
    note: str,
    today: dt.date,
) -> Record:
    """Record how the first unsettled occurrence of `cid` ended, with its evidence files."""
    a, c = find(cid)
    state = _State(conn, info, today)
    problems: list[Problem] = []
    if status not in RECORDED:
        problems.append(Problem.of("status", f"expected one of {', '.join(RECORDED)}", status))
    if day > today:
        problems.append(Problem.of("date", f"after today ({today})", str(day)))
    if not files:
        problems.append(Problem.of("evidence", "at least one evidence file is needed"))
    note = _note(note, problems)
    days = state.occurrences(a, c)
    pending = [d for d in days if not state.settled(c, d)]
    occurrence: dt.date | None = None
    if c.kind in ("ongoing", "intent", "negative"):
        if status == "late":
            problems.append(
                Problem.of(
                    "status", f"{cid} has no due date to be late for; use met, breached or waived", status
                )
            )
    elif not days:
        problems.append(
            Problem(cid, "not triggered yet: record its event first (jointfund commitments event)")
        )
    elif not pending:
        problems.append(
            Problem(cid, f"every occurrence due so far is recorded (the last was due {days[-1]})")
        )
    else:
        occurrence = pending[0]
        if status == "met" and day > occurrence:
            problems.append(
                Problem.of(
                    "status", f"met on {day}, after it was due ({occurrence}): record it as late", status
                )
            )
        if status == "late" and day <= occurrence:
            problems.append(
                Problem.of(
                    "status", f"done on {day}, by its due date ({occurrence}): record it as met", status
                )
            )
    if problems:
        raise InputError(problems, "outcome not recorded")
    shas = tuple(evidence.store(conn, actor, name, blob).sha256 for name, blob in files)
    rid = _next_id(conn, t.commitment_record.c.id)
    data = {
        "id": rid,
        "commitment": cid,
        "due": occurrence.isoformat() if occurrence else None,
        "status": status,
        "occurred_on": day.isoformat(),
        "evidence": list(shas),
        "note": note,
    }
    seq = append_event(conn, actor, RECORD_ACTION, f"commitment:{cid}", data)
    conn.execute(
        insert(t.commitment_record).values(
            id=rid,
            commitment=cid,
            due=occurrence,
            status=status,
            occurred_on=day,
            evidence=json.dumps(list(shas)),
            note=note,
            seq=seq,
        )
    )
    return Record(rid, cid, occurrence, status, day, shas, note, seq)


def areas() -> dict[str, tuple[Agreement, object]]:
    return {x.code: (a, x) for a in agreements() for x in a.areas}


def tag(conn: Connection, actor: str, investment_id: int, area: str) -> int | None:
    """Tag an investment with an area of cooperation; the same tag again is a no-op (None)."""
    known = areas()
    problems = []
    if area not in known:
        problems.append(Problem.of("area", f"expected one of {', '.join(known)}", area))
    if conn.execute(select(t.investment.c.id).where(t.investment.c.id == investment_id)).first() is None:
        problems.append(
            Problem("INVESTMENT", "no such investment; see: jointfund portfolio list", investment_id)
        )
    if problems:
        raise InputError(problems, "tag not recorded")
    if investment_id in tags(conn).get(area, []):
        return None
    tid = _next_id(conn, t.investment_area.c.id)
    seq = append_event(
        conn,
        actor,
        TAG_ACTION,
        f"investment:{investment_id}",
        {"id": tid, "investment": investment_id, "area": area},
    )
    conn.execute(insert(t.investment_area).values(id=tid, investment_id=investment_id, area=area, seq=seq))
    return tid
