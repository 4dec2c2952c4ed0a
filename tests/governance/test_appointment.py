"""Appointments by decision (issue 16): once the board exists, a board seat changes only by an executed
appointment proposal countersigned by the partner's authority key; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert
from support import authority_key, authorize, pem_text

from jointfund.errors import Refused
from jointfund.governance import appointment, book, execution, member
from jointfund.ledger import authority, log
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.verify import verify

from .conftest import public_pem


def failed(engine) -> dict[str, list[str]]:  # noqa: ANN001
    return {r.check: [f.detail for f in r.failures] for r in verify(engine).results if not r.ok}


@pytest.fixture
def board(gov):  # noqa: ANN001, ANN201
    gov.names = gov.seat_body("board")
    return gov


def test_the_authority_alone_seats_only_until_the_board_exists(gov) -> None:
    for name in ["us-1", "us-2", "us-3", "ua-1", "ua-2"]:
        gov.appoint(name, name[:2].upper())  # founding: five of six seats, by authority statements
    with db.write(gov.engine) as conn:
        gov.remove(conn, member.find(conn, "ua-2").id)  # still founding: the board was never complete
    gov.appoint("ua-2b", "UA")
    gov.appoint("ua-3", "UA")  # the sixth seat: the board exists from now on
    with pytest.raises(
        Refused, match="the Board of managers exists .* only by an executed appointment decision"
    ):
        with db.write(gov.engine) as conn:
            gov.remove(conn, member.find(conn, "ua-3").id)
    gov.appoint("olena", "UA", "audit")  # committees are not in the rule of the shipped terms
    assert failed(gov.engine) == {}


def test_an_executed_decision_seats_and_unseats_and_verify_follows_it(board) -> None:
    ua1 = next(m for m in _seated(board) if m.name == "ua-board-1")
    done = board.remove_by_decision(ua1.id)
    assert "no longer holds UA seat 1 on board" in done.effect
    m = board.seat_by_decision("olena", "UA")  # 5 seats held, the vacancy left out: 5 approvals
    assert (m.partner, m.seat) == ("UA", 1)
    with db.transaction(board.engine) as conn:
        events = [e for e in log.events(conn, prefix="member.") if "decision" in e.data]
        proposals = book.proposals(conn)
    assert [(e.action, e.data["decision"]) for e in events] == [
        ("member.remove", proposals[0].id),
        ("member.appoint", proposals[1].id),
    ]
    assert [p.kind for p in proposals] == ["appointment", "appointment"]
    assert failed(board.engine) == {}
    # Other decisions still count the vacancy; only appointments leave it out (the terms' vacant_seats).
    board.remove_by_decision(m.id)
    p = board.propose("budget", "us-board-1")
    s = board.votes(p.id, ["us-board-1", "us-board-2", "us-board-3", "ua-board-2", "ua-board-3"], "approve")
    assert s.state == "open" and "UA seat 1 (vacant)" in s.reason


def test_no_seat_without_the_decision_or_the_countersignature(board) -> None:
    key = Ed25519PrivateKey.generate()
    st = authority.statement(
        board.fund.id, "UA", "member.appoint", body="board", name="x", public_pem=pem_text(public_pem(key))
    )
    with db.write(board.engine) as conn, pytest.raises(Refused, match="no appointment proposal decides"):
        appointment.countersign(conn, board.fund, "admin", st.signed(authority_key("UA")))
    p = board.propose("appointment", "us-board-1", about=appointment.about(st))
    board.votes(
        p.id,
        ["us-board-1", "us-board-2", "us-board-3", "ua-board-1", "ua-board-2", "ua-board-3"][:5],
        "approve",
    )
    with db.write(board.engine) as conn:  # the other partner's authority cannot countersign UA's seat
        with pytest.raises(Refused, match="not signed by UA's authority key"):
            appointment.countersign(conn, board.fund, "admin", st.signed(authority_key("US")))
        other = st._replace(partner="US").signed(authority_key("US"))
        with pytest.raises(Refused, match="no appointment proposal decides"):
            appointment.countersign(conn, board.fund, "admin", other)  # a changed statement is another hash
    board.vote(
        p.id,
        ["us-board-1", "us-board-2", "us-board-3", "ua-board-1", "ua-board-2", "ua-board-3"][5],
        "approve",
    )
    with pytest.raises(Refused, match="countersigned by the partner's authority key"):
        board.execute(p.id)  # approved, but not countersigned: nothing is executed
    assert board.standing(p.id).state == "approved"
    with db.write(board.engine) as conn:
        appointment.countersign(conn, board.fund, "admin", st.signed(authority_key("UA")))
        with pytest.raises(Refused, match="already countersigned"):
            appointment.countersign(conn, board.fund, "admin", st.signed(authority_key("UA")))
    with pytest.raises(Refused, match="UA has 3 seat"):
        board.execute(p.id)  # the board is full: the effect refuses, nothing is executed
    assert board.standing(p.id).state == "approved" and failed(board.engine) == {}


def test_a_rejected_decision_seats_no_one(board) -> None:
    st = authority.statement(board.fund.id, "US", "member.remove", member=1, key_id=_seated(board)[0].key_id)
    p = board.propose("appointment", "ua-board-1", about=appointment.about(st))
    assert board.vote(p.id, "ua-board-1", "reject").state == "open"  # blocked until every seat votes
    assert (
        board.votes(
            p.id,
            [
                n
                for n in ["us-board-1", "us-board-2", "us-board-3", "ua-board-1", "ua-board-2", "ua-board-3"]
                if n != "ua-board-1"
            ],
            "approve",
        ).state
        == "rejected"
    )
    with db.write(board.engine) as conn, pytest.raises(Refused, match="is rejected"):
        appointment.countersign(conn, board.fund, "admin", st.signed(authority_key("US")))


def test_verify_names_a_seat_given_without_the_decision_the_terms_need(board) -> None:
    """An operator who writes the member row and its event with a genuine authority statement, but no board
    decision (the founding is over), is named by the authority chain check."""
    key = Ed25519PrivateKey.generate()
    pem = pem_text(public_pem(key))
    with db.write(board.engine) as conn:
        ua1 = member.find(conn, "ua-board-1")
        removal = authorize(board.fund.id, "UA", "member.remove", member=ua1.id, key_id=ua1.key_id)
        book.record(
            conn,
            "admin",
            "member.remove",
            f"member:{ua1.id}",
            {
                "member": ua1.id,
                "body": "board",
                "partner": "UA",
                "seat": 1,
                "name": ua1.name,
                "removed_on": board.day.isoformat(),
                "reason": "",
                authority.FIELD: removal.to_json(),
            },
            t.member_removal,
            {"member_id": ua1.id, "removed_on": board.day, "reason": ""},
        )
        st = authorize(board.fund.id, "UA", "member.appoint", body="board", name="mallory", public_pem=pem)
        seq = log.append_event(
            conn,
            "admin",
            "member.appoint",
            "member:99",
            {
                "member": 99,
                "body": "board",
                "partner": "UA",
                "seat": 1,
                "name": "mallory",
                "key_id": "k" * 16,
                "public_pem": pem,
                "appointed_on": board.day.isoformat(),
                authority.FIELD: st.to_json(),
            },
        )
        conn.execute(
            insert(t.member).values(
                id=99,
                body="board",
                partner="UA",
                seat=1,
                name="mallory",
                key_id="k" * 16,
                public_pem=pem,
                appointed_on=board.day,
                seq=seq,
            )
        )
    report = failed(board.engine)
    found = report.get("authority chain", [])
    assert found, report
    assert any("removal of member" in f and "needed an executed appointment decision" in f for f in found)
    assert any("member 99 (mallory" in f and "needed an executed appointment decision" in f for f in found)


def _seated(board) -> list:  # noqa: ANN001
    with db.transaction(board.engine) as conn:
        return member.seated(conn, "board")


def test_execution_is_the_only_way_in(board) -> None:
    """A decision that names a statement of another fund, or none, executes nothing."""
    p = board.propose("appointment", "us-board-1", about="appointment:" + "0" * 64)
    board.votes(
        p.id, ["us-board-1", "us-board-2", "us-board-3", "ua-board-1", "ua-board-2", "ua-board-3"], "approve"
    )
    with pytest.raises(Refused, match="take effect only with the statement"):
        board.execute(p.id)
    with db.transaction(board.engine) as conn:
        assert execution.handler_for("appointment") is appointment.execute
        assert len(member.seated(conn, "board")) == 6
