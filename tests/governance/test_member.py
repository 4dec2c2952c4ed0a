"""Seating members within the seats the terms give each partner, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from jointfund.errors import InputError, NotFound, Refused
from jointfund.governance import member
from jointfund.ledger import log
from jointfund.store import db
from jointfund.store import tables as t


def test_partners_fill_their_own_seats_and_no_more(gov) -> None:
    names = gov.seat_body("investment")  # 3 US : 2 UA in the shipped terms
    assert len(names) == 5
    with pytest.raises(Refused, match="UA has 2 seat\\(s\\) on the Investment committee, all filled"):
        gov.appoint("ua-extra", "UA", "investment")
    gov.seat_body("project_search")  # 2 US : 3 UA: UA's third seat here is not US's to take
    with pytest.raises(Refused, match="US has 2 seat"):
        gov.appoint("us-extra", "US", "project_search")


def test_a_partner_cannot_take_the_other_partners_vacant_seats(gov) -> None:
    for n in range(1, 4):
        gov.appoint(f"us-{n}", "US", "board")
    with pytest.raises(Refused, match="US has 3 seat"):
        gov.appoint("us-4", "US", "board")  # UA's three board seats are all vacant, and stay UA's


def test_bad_input_is_collected_and_named(gov) -> None:
    with pytest.raises(InputError) as exc:
        with db.write(gov.engine) as conn:
            member.appoint(conn, gov.fund, "t", "XX", " ", "senate", b"not a key", gov.day)
    text = str(exc.value)
    for where in ("body:", "partner:", "name:", "public_key:"):
        assert where in text


def test_one_key_per_person_and_unique_names_on_a_body(gov) -> None:
    gov.appoint("olena", "UA", "board")
    with pytest.raises(Refused, match="already holds UA seat 1"):
        gov.appoint("olena", "UA", "board")
    gov.keys["impostor"] = gov.keys["olena"]
    with pytest.raises(Refused, match="each member signs with their own key"):
        gov.appoint("impostor", "US", "board")
    gov.appoint("olena", "UA", "audit")  # the same person on a committee, with her own key


def test_removal_vacates_the_seat_and_both_are_logged(gov) -> None:
    a = gov.appoint("a", "US")
    b = gov.appoint("b", "US")
    with db.write(gov.engine) as conn:
        gov.remove(conn, a.id, gov.day, "resigned", actor="admin")
        with pytest.raises(Refused, match="already removed"):
            gov.remove(conn, a.id, gov.day, actor="admin")
        with pytest.raises(NotFound):
            gov.remove(conn, 99, gov.day, actor="admin")
    c = gov.appoint("c", "US")
    assert (a.seat, b.seat, c.seat) == (1, 2, 1)
    with db.transaction(gov.engine) as conn:
        seated = {m.name for m in member.seated(conn, "board")}
        events = [
            (e.actor, e.action, e.data["before"], e.data["after"]) for e in log.events(conn, prefix="member.")
        ]
    assert seated == {"b", "c"}
    assert events[2] == ("admin", "member.remove", "held by a", "US seat 1 on board vacant")
    assert [e[1] for e in events] == ["member.appoint"] * 2 + ["member.remove", "member.appoint"]


def test_the_database_refuses_a_second_holder_of_a_seat(gov) -> None:
    m = gov.appoint("a", "US")
    with pytest.raises(Exception, match="seat is already held"):
        with db.write(gov.engine) as conn:
            seq = log.append_event(conn, "attacker", "member.appoint", "member:2", {})
            conn.execute(
                insert(t.member).values(
                    id=2,
                    body="board",
                    partner="US",
                    seat=m.seat,
                    name="x",
                    key_id="k",
                    public_pem="p",
                    appointed_on=gov.day,
                    seq=seq,
                )
            )


def test_a_list_of_members_filters_by_body_and_seat_and_shows_no_key(gov) -> None:
    """One rule for the CLI's `members list` and the API's /api/members (they each had their own copy)."""
    from jointfund.governance import book

    a = gov.appoint("a", "US")
    gov.appoint("b", "UA")
    with db.write(gov.engine) as conn:
        gov.remove(conn, a.id, gov.day, "resigned", actor="admin")
    with db.transaction(gov.engine) as conn:
        assert [m.name for m in book.members_of(conn)] == ["b"]
        assert [m.name for m in book.members_of(conn, seated_only=False)] == ["a", "b"]
        assert [m.name for m in book.members_of(conn, "board", seated_only=False)] == ["a", "b"]
        assert book.members_of(conn, "no such body", seated_only=False) == []
        listed = book.members_of(conn, seated_only=False)[0].listed()
    assert listed["name"] == "a" and listed["removed_on"] == gov.day and listed["partner"] == "US"
    assert "public_pem" not in listed and "keys" not in listed and "seq" not in listed
