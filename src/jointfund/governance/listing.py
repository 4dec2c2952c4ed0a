"""Lists of proposals (issue 12's filters, issue 13's bounds): chosen in SQL as far as the stored rows can
say, then stood a chunk at a time, so a page reads a bounded number of rows in a fixed number of
queries per chunk.

A proposal's state is worked out (proposal.standings), not stored: a closing row says approved, rejected,
withdrawn, expired or executed, and a proposal without one is open, or expired once past its deadline, unless
its votes already decide it (a seat change can, between the vote and the next settle). So SQL keeps every row
that may have the state asked for, and the standing of each decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from typing import NamedTuple

from sqlalchemy import Connection, and_, exists, not_, or_, select

from jointfund import bounds, paging
from jointfund.fund import FundInfo
from jointfund.governance import book
from jointfund.governance.model import APPROVED, EXECUTED, EXPIRED, OPEN, REJECTED
from jointfund.governance.proposal import Standing, shown, standings
from jointfund.store import search
from jointfund.store import tables as t

CHUNK = 100  # proposals stood at once: 6 queries each, whatever the book's size
MAX_SEARCH_CHARS = 200
VOTED_STATES = (OPEN, APPROVED, REJECTED)  # what an unclosed proposal's votes may say before it is settled


class Filter(NamedTuple):
    """Which proposals a list shows.

    Attributes:
      state: open, approved, rejected, expired, withdrawn or executed; None: any.
      body: code of the deciding body; None: any.
      kind: a decision kind of the terms; None: any.
      text: words the title contains (any case), or the proposal's number; None or "": any.
      waiting_for: member ids: only open proposals on which one of these members holds a seat and has not
        voted ("waiting for my vote"); None: no such condition.
      newest_first: the order, by number.
      with_amount: only proposals that name an amount (the public summary's decisions).
    """

    state: str | None = None
    body: str | None = None
    kind: str | None = None
    text: str | None = None
    waiting_for: Collection[int] | None = None
    newest_first: bool = False
    with_amount: bool = False


def listed(conn: Connection, fund: FundInfo, on: dt.date, f: Filter) -> Iterator[Standing]:
    """The standings of the proposals `f` chooses, on `on`, in order; read lazily a chunk at a time (take a
    page with Paging.take, and no more is read than the page needs)."""
    p = t.proposal.c
    q = select(t.proposal)
    if f.body:
        q = q.where(p.body == f.body)
    if f.kind:
        q = q.where(p.kind == f.kind)
    if f.with_amount:
        q = q.where(p.amount_minor.is_not(None))
    text = (f.text or "").strip()[:MAX_SEARCH_CHARS]
    # Where the database cannot fold the title's case (search.contains_folded), it is matched below in Python.
    titled = search.contains_folded(conn, p.title, text) if text else None
    if titled is not None:
        number = bounds.id_in(text)
        q = q.where(titled if number is None else or_(titled, p.id == number))
    state = OPEN if f.waiting_for is not None else f.state
    if state is not None:
        q = q.where(may_be(state, on))
    if f.waiting_for is not None:
        bodies = {m.body for m in book.members(conn, f.waiting_for)}
        q = q.where(p.body.in_(sorted(bodies)))
    order = p.id.desc() if f.newest_first else p.id
    after: int | None = None
    while True:
        page = q if after is None else q.where(p.id < after if f.newest_first else p.id > after)
        rows = [book.proposal_of(r) for r in conn.execute(page.order_by(order).limit(CHUNK))]
        if not rows:
            return
        for s in standings(conn, fund, rows, on):
            if chosen(s, f, state, text):
                yield s
        after = rows[-1].id


def page(conn: Connection, fund: FundInfo, on: dt.date, f: Filter, limit: int, offset: int) -> dict:
    """A page of the proposals `f` chooses, as they stand on `on`: only as many read as the page needs."""
    rows = paging.take(listed(conn, fund, on, f), limit, offset)
    return paging.page([shown(s) for s in rows], limit, offset)


def chosen(s: Standing, f: Filter, state: str | None, text: str) -> bool:
    """Whether a standing SQL kept is one `f` asks for (its worked-out state, the title in any case, my
    seats)."""
    if state is not None and s.state != state:
        return False
    if text and text.casefold() not in s.proposal.title.casefold() and bounds.id_in(text) != s.proposal.id:
        return False
    if f.waiting_for is not None:
        return any(seat.member in f.waiting_for and seat.choice is None for seat in s.seats)
    return True


def may_be(state: str, on: dt.date):  # noqa: ANN201 - an SQL condition
    """The rows that may stand in `state` on `on`: by their closings, or, unclosed, by what their votes may
    say."""
    p, c = t.proposal.c, t.proposal_status.c

    def closed(status: str | None = None):  # noqa: ANN202
        cond = c.proposal_id == p.id
        return exists().where(cond if status is None else and_(cond, c.status == status))

    live = or_(p.deadline.is_(None), p.deadline >= on)
    unclosed = not_(closed())
    if state == EXPIRED:
        return or_(closed(EXPIRED), and_(unclosed, not_(live)))
    if state == EXECUTED:
        return closed(EXECUTED)
    recorded = and_(closed(APPROVED), not_(closed(EXECUTED))) if state == APPROVED else closed(state)
    if state in VOTED_STATES:
        return or_(recorded, and_(unclosed, live)) if state != OPEN else and_(unclosed, live)
    return recorded
