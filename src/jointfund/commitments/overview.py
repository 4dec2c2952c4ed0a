"""The register of the agreements' commitments as every surface shows it, and the two ways to add to it.

The API's /api/commitments and the web's register page both call these (issue 17): they take typed values (a
connection, the fund, dates, ids) and name problems by domain field, and the caller's transaction decides
when a record is written.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from jointfund.commitments import alert, register
from jointfund.errors import InputError, Problem
from jointfund.fund import FundInfo

MAX_FILES = 10  # evidence files of one outcome


def record_out(r: register.Record) -> dict:
    return {
        "due": r.due,
        "status": r.status,
        "date": r.occurred_on,
        "evidence": list(r.evidence),
        "note": r.note,
        "record": r.seq,
    }


def line_out(x: register.Line) -> dict:
    return {
        **x.row(),
        "rule": x.rule,
        "text": x.text,
        "text_uk": x.text_uk,
        "area": x.area,
        "investments": list(x.investments),
        "records": [record_out(r) for r in x.records],
    }


def alert_out(a: alert.Alert) -> dict:
    return {
        "alert": a.code,
        "agreement": a.agreement,
        "ends": a.ends,
        "before": a.before,
        "decide_by": a.decide_by,
        "message": a.message,
        "message_uk": a.message_uk,
    }


def overview(
    conn: Connection, info: FundInfo, today: dt.date, agreement: str | None, status: str | None
) -> dict:
    """The register today: its lines (filtered), the alerts, the agreements and a timeline of what
    happened."""
    lines = register.lines(conn, info, today, agreement or None, status or None)
    alerts = alert.alerts(conn, info, today)
    happened = register.happened(conn)
    kinds = register.event_kinds()
    timeline = sorted(
        [
            {
                "date": e.occurred_on,
                "what": "event",
                "kind": e.kind,
                "name": kinds[e.kind][1].name if e.kind in kinds else e.kind,
                "name_uk": kinds[e.kind][1].name_uk if e.kind in kinds else e.kind,
                "note": e.note,
                "record": e.seq,
            }
            for e in happened
        ]
        + [
            {
                "date": r.occurred_on,
                "what": "record",
                "kind": r.status,
                "name": x.id,
                "name_uk": x.id,
                "note": r.note,
                "record": r.seq,
            }
            for x in lines
            for r in x.records
        ],
        key=lambda row: (row["date"], row["record"]),
        reverse=True,
    )
    agreements = [
        {
            "code": a.agreement.code,
            "name": a.agreement.name,
            "name_uk": a.agreement.name_uk,
            "events": [
                {"code": e.code, "name": e.name, "name_uk": e.name_uk} for e in a.events if e.date is None
            ],
        }
        for a in register.agreements()
    ]
    return {
        "as_of": today,
        "commitments": [line_out(x) for x in lines],
        "alerts": [alert_out(a) for a in alerts],
        "timeline": timeline,
        "agreements": agreements,
        "statuses": list(register.STATUSES),
    }


def event(
    conn: Connection, info: FundInfo, actor: str, kind: str, occurred_on: dt.date, note: str, today: dt.date
) -> dict:
    """Record an event of the agreements (armed_attack, termination_notice...)."""
    h = register.record_event(conn, info, actor, kind, occurred_on, note, today)
    return {
        "id": h.id,
        "kind": h.kind,
        "agreement": h.agreement,
        "date": h.occurred_on,
        "note": h.note,
        "record": h.seq,
    }


def outcome(
    conn: Connection,
    info: FundInfo,
    actor: str,
    cid: str,
    status: str,
    date: str,
    note: str,
    files: list[tuple[str, bytes]],
    today: dt.date,
) -> dict:
    """Record an outcome of commitment `cid` (met, late, breached, waived) with its evidence files; `date`
    as the form gave it, checked here with the number of files, every problem named by its field."""
    problems = []
    day = None
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        problems.append(Problem("date", "expected a date as YYYY-MM-DD", date))
    if len(files) > MAX_FILES:
        problems.append(Problem("evidence", f"at most {MAX_FILES} files"))
    if problems or day is None:
        raise InputError(problems, "outcome not recorded")
    r = register.record_outcome(conn, info, actor, cid, status, day, files, note, today)
    return {"commitment": cid, **record_out(r)}
