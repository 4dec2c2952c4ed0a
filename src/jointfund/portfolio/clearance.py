"""The screening gate: an application enters the terms' screened stages only when cleared against the current
lists.

A person's clearance takes two people (four eyes): one user clears the hits (a `Clearance`, logged), and a
different user confirms it with a seated member's countersignature of that clearance (governance.countersign),
which records the outcome. A second user alone is not a second person (an administrator can add one); a
member's key, seated by a partner's authority, is. One person alone cannot clear a hit; one person may block
(the safe
side). An automatic clearance repeats only hits two people cleared before.

"Current" is by the log's order: the latest imported version of every sanctions list written before the
move. The application's latest screening (before the move) must have matched against each of them, and
its outcome, decided before the move, must be `cleared`. The same rule (`why_not_cleared`) answers the
application's move and `jointfund verify`, which replays it at every recorded move.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any, Final, NamedTuple

from sqlalchemy import Connection, Row, Table, func, select

from jointfund.governance import countersign
from jointfund.store import tables as t
from jointfund.terms.model import Pipeline

CLEARED: Final = "cleared"  # Final: the literal types OutcomeIn's outcome accepts
BLOCKED: Final = "blocked"
OUTCOMES = (CLEARED, BLOCKED)
PENDING = "pending"  # a clearance waiting for a second person's confirmation (not an outcome)


class ListVersion(NamedTuple):
    """One import of a sanctions list.

    Attributes:
      id: import order. name: the fund's name for the list (a newer import of the same name supersedes it).
      format: opensanctions or ofac_sdn. sha256: of the file(s) imported. list_date: the publisher's date.
      source: the file name(s). entries: how many entries it holds. seq: its import's event.
    """

    id: int
    name: str
    format: str
    sha256: str
    list_date: dt.date
    source: str
    entries: int
    seq: int


class Screened(NamedTuple):
    """One screening of an application: the list versions it matched against and its hits (dicts, as
    logged)."""

    id: int
    application: int
    lists: tuple[int, ...]
    hits: tuple[dict, ...]
    screened_on: dt.date
    actor: str
    seq: int


class Outcome(NamedTuple):
    """A screening's outcome: cleared or blocked, why, by whom; `automatic` when no hit was new to decide."""

    screening: int
    outcome: str
    reason: str
    actor: str
    automatic: bool
    decided_on: dt.date
    seq: int


class Clearance(NamedTuple):
    """The first person's clearance of a screening's hits, waiting for a different user to confirm it."""

    screening: int
    reason: str
    actor: str
    cleared_on: dt.date
    seq: int


def request(fund_id: str, first: Clearance) -> countersign.Request:
    """What the confirming member countersigns: the first person's clearance, as they recorded it."""
    return countersign.Request(
        fund_id,
        countersign.CLEARANCE,
        f"screening:{first.screening}",
        {"screening": first.screening, "reason": first.reason, "cleared_on": first.cleared_on.isoformat()},
        first.actor,
    )


def unconfirmed(o: Outcome, first: Clearance | None) -> str | None:
    """Why a person's `cleared` outcome lacks a second person (None: a different user cleared it first)."""
    if o.outcome != CLEARED or o.automatic:
        return None
    if first is None or first.seq > o.seq:
        return (
            f"screening {o.screening} was cleared by {o.actor} alone: "
            "no one cleared it before for them to confirm"
        )
    if first.actor == o.actor:
        return f"screening {o.screening} was cleared and confirmed by the same person, {o.actor}"
    return None


def current(lists: Iterable[ListVersion], before_seq: int | None = None) -> list[ListVersion]:
    """The latest version of each list (imported before `before_seq`), by name."""
    latest: dict[str, ListVersion] = {}
    for v in sorted(lists, key=lambda v: v.seq):
        if before_seq is None or v.seq < before_seq:
            latest[v.name] = v
    return sorted(latest.values(), key=lambda v: v.name)


def why_not_cleared(
    application_id: int,
    lists: list[ListVersion],
    screenings: list[Screened],
    outcomes: dict[int, Outcome],
    before_seq: int | None = None,
) -> str | None:
    """Why the application is not cleared against the lists current before `before_seq` (None: it is).

    `screenings` are the application's own, in log order.
    """
    label = f"APP-{application_id}"
    now = current(lists, before_seq)
    if not now:
        return (
            "no sanctions list is imported, so it cannot be screened; import one first "
            "(jointfund sanctions import FILE --list NAME)"
        )
    done = [s for s in screenings if before_seq is None or s.seq < before_seq]
    if not done:
        return (
            f"{label} has not been screened against the sanctions lists; run: jointfund applications "
            f"screen {application_id}"
        )
    last = done[-1]
    stale = [v for v in now if v.id not in last.lists]
    if stale:
        names = ", ".join(f"{v.name} (version of {v.list_date}, import {v.id})" for v in stale)
        return f"screening {last.id} did not match against the current lists: {names}; screen it again"
    decided = outcomes.get(last.id)
    if decided is None or (before_seq is not None and decided.seq > before_seq):
        return (
            f"screening {last.id} has {len(last.hits)} hit(s) that no one has decided; record the outcome: "
            f"jointfund applications clear {application_id} --reason TEXT (or block)"
        )
    if decided.outcome != CLEARED:
        return f"screening {last.id} was blocked by {decided.actor}: {decided.reason}"
    return None


# -- reading --


def lists(
    conn: Connection, limit: int | None = None, offset: int = 0, ids: Iterable[int] | None = None
) -> list[ListVersion]:
    """The versions imported, in order (those of `ids`): `limit` of them from `offset` (default: all)."""
    q = select(t.sanctions_list).order_by(t.sanctions_list.c.id)
    if ids is not None:
        q = q.where(t.sanctions_list.c.id.in_(sorted(set(ids))))
    return [
        ListVersion(r.id, r.name, r.format, r.sha256, r.list_date, r.source, r.entries, r.seq)
        for r in conn.execute(q.limit(limit).offset(offset))
    ]


def current_seqs(conn: Connection) -> set[int]:
    """The log positions of the current versions (the latest of each name), as `current` chooses them."""
    c = t.sanctions_list.c
    return {s for (s,) in conn.execute(select(func.max(c.seq)).group_by(c.name))}


def screenings(
    conn: Connection, application_id: int | None = None, limit: int | None = None, offset: int = 0
) -> list[Screened]:
    """The screenings (of an application) in order: `limit` of them from `offset` (default: every one)."""
    q = select(t.screening).order_by(t.screening.c.id).limit(limit).offset(offset)
    if application_id is not None:
        q = q.where(t.screening.c.application_id == application_id)
    return [
        Screened(
            r.id,
            r.application_id,
            tuple(json.loads(r.lists)),
            tuple(json.loads(r.hits)),
            r.screened_on,
            r.actor,
            r.seq,
        )
        for r in conn.execute(q)
    ]


def outcomes(conn: Connection, screening_ids: list[int] | None = None) -> dict[int, Outcome]:
    return {
        r.screening_id: Outcome(
            r.screening_id, r.outcome, r.reason, r.actor, bool(r.automatic), r.decided_on, r.seq
        )
        for r in _of_screenings(conn, t.screening_outcome, screening_ids)
    }


def clearances(conn: Connection, screening_ids: list[int] | None = None) -> dict[int, Clearance]:
    return {
        r.screening_id: Clearance(r.screening_id, r.reason, r.actor, r.cleared_on, r.seq)
        for r in _of_screenings(conn, t.screening_clearance, screening_ids)
    }


def _of_screenings(conn: Connection, table: Table, screening_ids: list[int] | None) -> Sequence[Row[Any]]:
    """`table`'s rows of these screenings: None is all of them, an empty list none (no query is made)."""
    if screening_ids is None:
        return conn.execute(select(table)).all()
    if not screening_ids:
        return []
    return conn.execute(select(table).where(table.c.screening_id.in_(screening_ids))).all()


def refusal(conn: Connection, pipeline: Pipeline, application_id: int, target: str) -> str | None:
    """Why the application may not move to `target` for want of a cleared screening (None: it may)."""
    if target not in pipeline.screening.stages:
        return None
    mine = screenings(conn, application_id)
    why = why_not_cleared(application_id, lists(conn), mine, outcomes(conn, [s.id for s in mine]))
    return f"{target} needs a cleared sanctions screening: {why}" if why else None
