"""Signed votes: forged, misattributed, replayed and edited-after-signing votes are all refused."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, update

from jointfund.errors import InputError, IntegrityError, NotFound, Refused
from jointfund.governance import canonical, member, vote
from jointfund.ledger import log
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify


@pytest.fixture
def board(gov):  # noqa: ANN001, ANN201
    gov.seat_body("board")
    return gov


def cast(gov, pid: int, name: str, choice: str, signature: str, round_: int = 1):  # noqa: ANN001, ANN201
    with db.write(gov.engine) as conn:
        return vote.cast(conn, gov.fund, "t", pid, name, choice, round_, signature, gov.day)


def message(gov, pid: int, name: str, choice: str) -> bytes:  # noqa: ANN001
    with db.transaction(gov.engine) as conn:
        return vote.prepare(conn, gov.fund, pid, name, choice, gov.day).message


def test_forged_signature_is_refused(board) -> None:
    p = board.propose("budget", "us-board-1")
    forger = Ed25519PrivateKey.generate()
    with pytest.raises(Refused, match="does not verify with the key .* of member 4 \\(ua-board-1\\)"):
        cast(
            board,
            p.id,
            "ua-board-1",
            "approve",
            canonical.sign(forger, message(board, p.id, "ua-board-1", "approve")),
        )
    with pytest.raises(Refused, match="signature refused"):
        cast(board, p.id, "ua-board-1", "approve", "00" * 64)


def test_misattributed_vote_is_refused(board) -> None:
    p = board.propose("budget", "us-board-1")
    # us-board-2 signs a vote that claims to be ua-board-1's.
    signed = canonical.sign(board.keys["us-board-2"], message(board, p.id, "ua-board-1", "approve"))
    with pytest.raises(Refused, match="ua-board-1"):
        cast(board, p.id, "ua-board-1", "approve", signed)


def test_replays_on_another_proposal_or_round_or_choice_are_refused(board) -> None:
    p1 = board.propose("budget", "us-board-1", title="one")
    p2 = board.propose("budget", "us-board-1", title="two")
    signed = canonical.sign(board.keys["ua-board-1"], message(board, p1.id, "ua-board-1", "approve"))
    with pytest.raises(Refused, match="signature refused"):
        cast(board, p2.id, "ua-board-1", "approve", signed)  # another proposal
    with pytest.raises(Refused, match="signature refused"):
        cast(board, p1.id, "ua-board-1", "reject", signed)  # another choice
    cast(board, p1.id, "ua-board-1", "approve", signed)
    board.vote(p1.id, "ua-board-1", "abstain")  # round 2; the proposal closes (unanimity)
    board_p3 = board.propose("other", "us-board-1")
    first = canonical.sign(board.keys["ua-board-1"], message(board, board_p3.id, "ua-board-1", "approve"))
    cast(board, board_p3.id, "ua-board-1", "approve", first)
    board.vote(board_p3.id, "ua-board-1", "reject")
    with pytest.raises(Refused, match="signed for round 1, but .* is round 3; a replayed or stale vote"):
        cast(board, board_p3.id, "ua-board-1", "approve", first)  # replaying round 1 after a change


def test_vote_signed_before_an_edit_of_the_proposal_is_refused_and_verify_names_the_edit(board) -> None:
    p = board.propose("budget", "us-board-1", title="Budget", amount="100.00", currency="USD")
    signed = canonical.sign(board.keys["ua-board-1"], message(board, p.id, "ua-board-1", "approve"))
    with db.write(board.engine) as conn:
        for s in drop_guard_statements(board.engine.dialect.name, "proposal"):
            conn.exec_driver_sql(s)
        conn.execute(update(t.proposal).where(t.proposal.c.id == p.id).values(amount_minor=10_000_000))
    with pytest.raises(IntegrityError, match="edited after it was signed"):
        cast(board, p.id, "ua-board-1", "approve", signed)
    report = verify(board.engine)
    failed = {r.check for r in report.results if not r.ok}
    assert {"proposals", "governance records"} <= failed


def test_non_members_other_bodies_and_closed_proposals_are_refused(board) -> None:
    board.seat_body("audit")
    p = board.propose("budget", "us-board-1")
    board.keys["nobody"] = Ed25519PrivateKey.generate()
    with pytest.raises(NotFound, match="no seated member 'nobody'"):
        board.vote(p.id, "nobody", "approve")
    with pytest.raises(Refused, match="sits on audit, not on board"):
        board.vote(p.id, "us-audit-1", "approve")
    board.vote(p.id, "ua-board-1", "reject")
    board.votes(
        p.id,
        [
            n
            for n in ["us-board-1", "us-board-2", "us-board-3", "ua-board-1", "ua-board-2", "ua-board-3"]
            if n not in ("ua-board-1", "us-board-2")
        ],
        "approve",
    )
    board.vote(p.id, "us-board-2", "abstain")
    with pytest.raises(
        Refused,
        match=(
            "is closed \\(rejected: US seat 2 \\(us-board-2\\) abstained and UA seat 1 \\(ua-board-1\\) "
            "rejected"
        ),
    ):
        board.vote(p.id, "us-board-2", "approve")
    with pytest.raises(InputError, match="CHOICE: expected one of approve, reject, abstain"):
        board.vote(p.id, "us-board-2", "maybe")


def test_changing_a_vote_is_recorded_and_the_last_vote_counts(board) -> None:
    p = board.propose("other", "us-board-1")  # majority of each partner
    board.votes(p.id, ["us-board-1", "us-board-2", "ua-board-1"], "approve")
    board.vote(p.id, "ua-board-1", "abstain")
    s = board.vote(p.id, "ua-board-1", "approve")
    assert s.state == "open"
    s = board.vote(p.id, "ua-board-2", "approve")
    assert s.words.startswith("approved: 4 of 6 board seats approved")
    with db.transaction(board.engine) as conn:
        changes = [
            (e.data["before"], e.data["after"])
            for e in log.events(conn, action="proposal.vote")
            if e.data["member"] == 4
        ]
    assert changes == [(None, "approve"), ("approve", "abstain"), ("abstain", "approve")]
    assert verify(board.engine).ok


def test_a_superseded_vote_stands_only_superseded_by_the_same_members_later_vote(board) -> None:
    """Tampering: the later vote that superseded a reject is given to another member, or removed, so that the
    reject would count again; verify names it."""
    p = board.propose("budget", "us-board-1")
    board.vote(p.id, "ua-board-1", "reject")
    board.vote(p.id, "ua-board-1", "approve")  # round 2 supersedes the reject
    assert verify(board.engine).ok
    with db.transaction(board.engine) as conn:
        ua1 = member.find(conn, "ua-board-1").id
        us2 = member.find(conn, "us-board-2").id
    with db.write(board.engine) as conn:
        for s in drop_guard_statements(board.engine.dialect.name, "vote"):
            conn.exec_driver_sql(s)
        conn.execute(
            update(t.vote).where(t.vote.c.member_id == ua1, t.vote.c.round == 2).values(member_id=us2)
        )
    report = verify(board.engine)
    failed = {r.check: r for r in report.results if not r.ok}
    assert {"vote signatures", "governance records"} <= set(failed)
    with db.write(board.engine) as conn:
        conn.execute(delete(t.vote).where(t.vote.c.member_id == us2))
    failed = {r.check for r in verify(board.engine).results if not r.ok}
    assert "governance records" in failed
