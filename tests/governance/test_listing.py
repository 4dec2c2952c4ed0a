"""Lists of proposals (issues 12 and 13): filters by state, body, kind, text and "waiting for my vote", the
same as working out every standing and filtering; and a fixed number of queries
per chunk, not per proposal."""

from __future__ import annotations

import datetime as dt
from itertools import islice

import pytest
from sqlalchemy import event

from jointfund.governance import book, listing, member
from jointfund.governance.listing import Filter
from jointfund.governance.proposal import standings
from jointfund.store import db

pytestmark = pytest.mark.storage


@pytest.fixture
def shelf(gov):  # noqa: ANN001, ANN201
    """Proposals in several states: open, approved, rejected, expired (unrecorded), half voted."""
    gov.seat_body("administrative")  # first: once the board sits, a seat is given by its decision
    gov.seat_body("board")
    board = [f"{p}-board-{n}" for p in ("us", "ua") for n in (1, 2, 3)]
    made = {
        "open": gov.propose("budget", "us-board-1", title="Київ office budget"),
        "approved": gov.propose("budget", "ua-board-1", title="Lviv office budget"),
        "rejected": gov.propose("other", "us-board-2", title="A rejected matter"),
        "expired": gov.propose("budget", "us-board-1", title="Too late", deadline=dt.date(2026, 2, 3)),
        "voted": gov.propose("budget", "us-board-3", title="Half voted"),
    }
    gov.votes(made["approved"].id, board, "approve")
    gov.votes(made["rejected"].id, board, "reject")
    gov.vote(made["voted"].id, "us-board-1", "approve")
    return gov, made


def every(gov, on: dt.date, f: Filter) -> list[int]:  # noqa: ANN001
    with db.transaction(gov.engine) as conn:
        return [s.proposal.id for s in listing.listed(conn, gov.fund, on, f)]


def worked_out(gov, on: dt.date) -> list:  # noqa: ANN001
    with db.transaction(gov.engine) as conn:
        return standings(conn, gov.fund, book.proposals(conn), on)


def test_each_filter_gives_what_filtering_every_standing_gives(shelf) -> None:  # noqa: ANN001
    gov, made = shelf
    later = dt.date(2026, 2, 10)
    all_ = worked_out(gov, later)
    assert {s.state for s in all_} >= {"open", "approved", "rejected", "expired"}
    for state in ("open", "approved", "rejected", "expired", "withdrawn", "executed"):
        assert every(gov, later, Filter(state=state)) == [s.proposal.id for s in all_ if s.state == state], (
            state
        )
    assert every(gov, later, Filter(kind="other")) == [made["rejected"].id]
    assert every(gov, later, Filter(body="administrative")) == []
    assert every(gov, later, Filter(newest_first=True)) == sorted((s.proposal.id for s in all_), reverse=True)
    # Search: any case, Cyrillic too, on both backends; a number finds its proposal.
    assert every(gov, later, Filter(text="КИЇВ")) == [made["open"].id]
    assert every(gov, later, Filter(text="office")) == [made["open"].id, made["approved"].id]
    assert every(gov, later, Filter(text="50%_")) == []
    assert every(gov, later, Filter(text=str(made["voted"].id))) == [made["voted"].id]
    # Before its deadline the late one is open.
    assert made["expired"].id in every(gov, dt.date(2026, 2, 2), Filter(state="open"))


def test_waiting_for_my_vote_is_open_proposals_where_my_seat_has_not_voted(shelf) -> None:  # noqa: ANN001
    gov, made = shelf
    with db.transaction(gov.engine) as conn:
        us1 = member.find(conn, "us-board-1", "board").id
        ua2 = member.find(conn, "ua-board-2", "board").id
        admin = member.find(conn, "us-administrative-1", "administrative").id
    later = dt.date(2026, 2, 10)
    assert every(gov, later, Filter(waiting_for=[us1])) == [made["open"].id]  # voted on "Half voted"
    assert every(gov, later, Filter(waiting_for=[ua2])) == [made["open"].id, made["voted"].id]
    assert every(gov, later, Filter(waiting_for=[admin])) == []  # no open proposal of that body
    assert every(gov, later, Filter(waiting_for=[])) == []  # a user linked to no seat waits for nothing


def test_a_page_reads_in_a_fixed_number_of_queries_whatever_the_number_of_proposals(gov) -> None:  # noqa: ANN001
    gov.seat_body("board")
    for n in range(30):
        gov.propose("budget", "us-board-1", title=f"budget {n}")

    def queries(count: int) -> int:
        seen = []
        listener = lambda *a: seen.append(1)  # noqa: E731
        event.listen(gov.engine, "before_cursor_execute", listener)
        try:
            with db.transaction(gov.engine) as conn:
                got = list(islice(listing.listed(conn, gov.fund, gov.day, Filter()), count))
        finally:
            event.remove(gov.engine, "before_cursor_execute", listener)
        assert len(got) == count
        return len(seen)

    assert queries(2) == queries(30)  # one chunk: the same queries for 2 proposals as for 30


def test_chunks_follow_on_without_gaps_or_repeats(gov, monkeypatch) -> None:  # noqa: ANN001
    gov.seat_body("board")
    made = [gov.propose("budget", "us-board-1", title=f"budget {n}").id for n in range(7)]
    monkeypatch.setattr(listing, "CHUNK", 3)
    assert every(gov, gov.day, Filter()) == made
    assert every(gov, gov.day, Filter(newest_first=True)) == made[::-1]
    assert every(gov, gov.day, Filter(text="budget 6")) == [made[6]]
