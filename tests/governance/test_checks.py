"""`jointfund verify` re-checks governance from stored rows: forged approvals, edited or deleted votes are
caught."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, update

from jointfund.governance import proposal
from jointfund.ledger import log
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify


@pytest.fixture
def board(gov):  # noqa: ANN001, ANN201
    gov.names = gov.seat_body("board")
    return gov


def failed(engine) -> dict[str, list[str]]:  # noqa: ANN001
    return {r.check: [f.detail for f in r.failures] for r in verify(engine).results if not r.ok}


def test_a_real_history_verifies(board) -> None:
    p = board.propose("budget", board.names[0])
    board.votes(p.id, board.names, "approve")
    board.execute(p.id)
    q = board.propose("other", board.names[1])
    board.vote(q.id, board.names[2], "abstain")
    assert failed(board.engine) == {}


def test_an_approval_inserted_by_editing_the_database_is_caught(board) -> None:
    p = board.propose("budget", board.names[0])
    board.votes(p.id, board.names[:2], "approve")
    with db.write(board.engine) as conn:  # the attacker even logs an event, so the log itself looks whole
        proposal.close(conn, "attacker", p, "approved", board.day, "6 of 6 board seats approved")
    found = failed(board.engine)
    assert list(found) == ["decisions"]
    assert "the votes before it do not make it approved under unanimous" in found["decisions"][0]


def test_an_approval_row_without_its_event_is_caught(board) -> None:
    p = board.propose("budget", board.names[0])
    with db.write(board.engine) as conn:  # a row pointing at some unrelated event of the log
        conn.execute(
            insert(t.proposal_status).values(
                proposal_id=p.id, status="approved", step="close", effective=board.day, reason="forged", seq=1
            )
        )
    found = failed(board.engine)
    assert {"decisions", "governance records"} <= set(found)


def test_a_deleted_or_edited_vote_is_caught(board) -> None:
    p = board.propose("other", board.names[0])
    board.vote(p.id, board.names[3], "reject")
    board.vote(p.id, board.names[4], "approve")
    with db.write(board.engine) as conn:
        for s in drop_guard_statements(board.engine.dialect.name, "vote"):
            conn.exec_driver_sql(s)
        conn.execute(update(t.vote).where(t.vote.c.member_id == 4).values(choice="approve"))
    found = failed(board.engine)
    assert any("signature does not verify" in d for d in found["vote signatures"])
    assert any("differs from the signed log (fields choice)" in d for d in found["governance records"])
    with db.write(board.engine) as conn:
        conn.execute(delete(t.vote).where(t.vote.c.member_id == 5))
    assert any("its row is missing" in d for d in failed(board.engine)["governance records"])


def test_a_vote_row_copied_onto_another_proposal_is_caught(board) -> None:
    p = board.propose("other", board.names[0], title="one")
    q = board.propose("other", board.names[0], title="two")
    board.vote(p.id, board.names[3], "approve")
    with db.write(board.engine) as conn:
        v = conn.execute(t.vote.select().where(t.vote.c.proposal_id == p.id)).one()
        seq = log.append_event(
            conn,
            "attacker",
            "proposal.vote",
            f"proposal:{q.id}",
            {
                "proposal": q.id,
                "member": v.member_id,
                "choice": v.choice,
                "round": 1,
                "cast_on": v.cast_on.isoformat(),
                "signature": v.signature,
            },
        )
        conn.execute(
            insert(t.vote).values(
                proposal_id=q.id,
                member_id=v.member_id,
                choice=v.choice,
                round=1,
                cast_on=v.cast_on,
                signature=v.signature,
                seq=seq,
            )
        )
    assert list(failed(board.engine)) == ["vote signatures"]


def test_overfilled_seats_are_caught(board) -> None:
    with db.write(board.engine) as conn:
        for s in (
            "DROP TRIGGER IF EXISTS member_seat_free"
            + (" ON member" if board.engine.dialect.name == "postgresql" else ""),
        ):
            conn.exec_driver_sql(s)
        m = conn.execute(t.member.select().where(t.member.c.id == 1)).one()
        seq = log.append_event(conn, "attacker", "member.appoint", "member:99", {})
        conn.execute(
            insert(t.member).values(
                id=99,
                body="board",
                partner="US",
                seat=1,
                name="extra",
                key_id=m.key_id,
                public_pem=m.public_pem,
                appointed_on=board.day,
                seq=seq,
            )
        )
    found = failed(board.engine)
    assert any("US holds 4 seat(s) on board, the terms give it 3" in d for d in found["seats"])
