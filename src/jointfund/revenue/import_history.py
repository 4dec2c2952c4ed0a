"""Every import of a file, newest first: who, when, which file (name and SHA-256), rows, and how it ended.

Two sources, each the record of its own kind of outcome:
- an import that brought anything new is an event of the log (revenue.imports._record: file, digest and
  counts), whoever ran it (the CLI, the API or the web), so the history of what was accepted is the
  signed one;
- an upload that was refused, failed, was cancelled, or brought nothing new leaves no event: its upload
  job's row (api.jobs) tells it. An accepted upload's job is not shown twice: its event stands for it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import NamedTuple

from sqlalchemy import Connection, desc, or_, select

from jointfund.store import tables as t

KINDS = ("licences", "receipts", "rates", "payments")
ACTIONS = tuple(f"{kind}.import" for kind in KINDS)
JOB_KINDS = {"fx": "rates"}  # an upload's route name -> the import's kind


class Import(NamedTuple):
    """One import of a file.

    Attributes:
      at: when (UTC); actor: who; kind: licences, receipts, rates or payments; file: the file's name.
      sha256: its content's digest (None for a job that ended before it was known).
      rows: rows read; new: rows new to the book (None when refused).
      accepted: True when imported (even with nothing new), False when nothing was imported.
      state: imported, refused, failed, cancelled or running; message: the outcome in a sentence, or None.
      seq: the log's record of it, when there is one.
    """

    at: dt.datetime
    actor: str
    kind: str
    file: str
    sha256: str | None
    rows: int
    new: int | None
    accepted: bool
    state: str
    message: str | None
    seq: int | None


def history(conn: Connection, limit: int, offset: int = 0) -> list[Import]:
    """The imports from `offset`, newest first, at most `limit` (each source read only as far as the page)."""
    upto = offset + limit
    events = conn.execute(
        select(t.event).where(t.event.c.action.in_(ACTIONS)).order_by(desc(t.event.c.seq)).limit(upto)
    )
    found = [_of_event(row) for row in events]
    jobs = conn.execute(
        select(t.upload_job)
        # json.dumps of the job's counts writes '"new": 0,' exactly when it brought nothing new (api.jobs).
        .where(or_(t.upload_job.c.state != "done", t.upload_job.c.result_json.like('%"new": 0,%')))
        .order_by(desc(t.upload_job.c.created_ms))
        .limit(upto)
    )
    found += [_of_job(row) for row in jobs]
    found.sort(key=lambda i: i.at, reverse=True)
    return found[offset:upto]


def _utc(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _of_event(row) -> Import:  # noqa: ANN001 - a row of the event table
    data = json.loads(row.data)
    return Import(
        _utc(row.recorded_at),
        row.actor,
        row.action.removesuffix(".import"),
        data.get("file", row.subject.removeprefix("file:")),
        data.get("sha256"),
        data.get("rows", 0),
        data.get("new"),
        True,
        "imported",
        None,
        row.seq,
    )


def _of_job(row) -> Import:  # noqa: ANN001 - a row of the upload_job table
    result = json.loads(row.result_json) if row.result_json else {}
    done = row.state == "done"
    return Import(
        dt.datetime.fromtimestamp(row.created_ms / 1000, dt.UTC),
        row.actor,
        JOB_KINDS.get(row.kind, row.kind),
        row.file,
        result.get("sha256"),
        row.rows,
        result.get("new") if done else None,
        done,
        "imported" if done else row.state,
        row.message,
        None,
    )
