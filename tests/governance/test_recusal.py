"""Declared interests and recusal (issue 16): a recusal matrix over the rules, the signed steps on SQLite and
PostgreSQL, and what verify says of them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert
from support import APPLICATION

from jointfund.errors import Refused
from jointfund.governance import canonical, interest, recusal
from jointfund.governance.model import RECUSE
from jointfund.governance.rule import Seat, evaluate
from jointfund.ledger import log
from jointfund.portfolio import application
from jointfund.revenue.reader import Row
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.verify import verify

FIELDS = APPLICATION
BOARD = ["us-board-1", "us-board-2", "us-board-3", "ua-board-1", "ua-board-2", "ua-board-3"]


# -- the matrix: every rule, with recused seats left out and one seat of each partner needed --


def _ballot(choices: dict[str, str | None], recused: set[str]) -> list[Seat]:
    seats = []
    for i, name in enumerate(BOARD):
        partner, number = name[:2].upper(), int(name[-1])
        seats.append(
            Seat(partner, number, i + 1, name, choices.get(name), "recused" if name in recused else None)
        )
    return seats


MATRIX = [
    # rule, recused, approvers, expected
    ("unanimous", set(), BOARD[:5], "open"),  # no recusal: all six needed
    ("unanimous", {"ua-board-1"}, BOARD[:3] + BOARD[4:], "approved"),  # unanimity of the five not recused
    ("unanimous", {"ua-board-1"}, BOARD[:3] + BOARD[4:5], "open"),
    ("unanimous", {"ua-board-1", "ua-board-2"}, BOARD[:3] + BOARD[5:], "approved"),  # one UA seat still votes
    ("unanimous", {"ua-board-1", "ua-board-2", "ua-board-3"}, BOARD[:3], "rejected"),  # UA has no seat left
    ("unanimous", set(BOARD), [], "rejected"),
    (
        "majority",
        {"us-board-1", "us-board-2"},
        ["us-board-3", "ua-board-1", "ua-board-2"],
        "approved",
    ),  # 3 of 4
    (
        "majority",
        {"us-board-1", "us-board-2"},
        ["ua-board-1", "ua-board-2", "ua-board-3"],
        "open",
    ),  # no US vote
    (
        "majority_of_each_partner",
        {"ua-board-1"},
        ["us-board-1", "us-board-2", "ua-board-2", "ua-board-3"],
        "approved",
    ),
    (
        "majority_of_each_partner",
        {"ua-board-1"},
        ["us-board-1", "us-board-2", "ua-board-2"],
        "open",
    ),  # 1 of 2: not more than half
    (
        "supermajority:2/3",
        {"us-board-1"},
        ["us-board-2", "us-board-3", "ua-board-1", "ua-board-2"],
        "approved",
    ),  # 4 of 5
    ("supermajority:2/3", {"us-board-1"}, ["us-board-2", "ua-board-1", "ua-board-2"], "open"),
    ("supermajority:2/3", {"us-board-1", "us-board-2", "us-board-3"}, BOARD[3:], "rejected"),
]


@pytest.mark.parametrize(("rule", "recused", "approvers", "expected"), MATRIX)
def test_recusal_matrix(rule: str, recused: set[str], approvers: list[str], expected: str) -> None:
    verdict = evaluate(rule, "board", _ballot(dict.fromkeys(approvers, "approve"), recused), per_partner=1)
    assert verdict.outcome == expected, verdict.reason
    if expected == "rejected":
        gone = {name[:2].upper() for name in recused} if len(recused) < len(BOARD) else set()
        assert verdict.reason.startswith(
            f"it cannot pass: {gone.pop()} has fewer than 1 seat(s) left to vote"
            if gone
            else "it cannot pass: no seat is left to vote"
        ), verdict.reason
    elif recused:
        assert "; not counted: " in verdict.reason and "recused" in verdict.reason


def test_a_recused_seat_without_the_terms_rule_counts_as_not_voting() -> None:
    ballot = [s._replace(excluded=None) for s in _ballot(dict.fromkeys(BOARD[1:], "approve"), set())]
    assert evaluate("unanimous", "board", ballot).outcome == "open"


# -- the signed steps on a fund --


@pytest.fixture
def case(gov):  # noqa: ANN001, ANN201
    gov.seat_body("board")
    with db.write(gov.engine) as conn:
        app = application.submit(conn, gov.fund, "test", [Row(0, "--field", FIELDS)], dt.date(2026, 1, 5))[0][
            0
        ]
    gov.app = app
    return gov


def declare(gov, name: str, party: str, nature: str = "holds shares") -> interest.Interest:  # noqa: ANN001
    with db.write(gov.engine) as conn:
        m, party, nature, message = interest.prepare(conn, gov.fund, name, party, nature, gov.day)
        return interest.declare(
            conn, gov.fund, "test", name, party, nature, canonical.sign(gov.keys[name], message), gov.day
        )


def recuse(gov, pid: int, name: str, key: str | None = None):  # noqa: ANN001, ANN201
    with db.write(gov.engine) as conn:
        m, message = recusal.prepare(conn, gov.fund, pid, name, gov.day)
        return recusal.recuse(
            conn, gov.fund, "test", pid, name, canonical.sign(gov.keys[key or name], message), gov.day
        )


def test_a_declared_interest_asks_to_recuse_and_the_rest_decide(case) -> None:
    declare(case, "ua-board-1", "тов добра літій")  # the company's name, however written
    declare(case, "us-board-2", "45123456", "an adviser of it")  # its code
    declare(case, "us-board-3", "TechMet")  # another company: no conflict
    p = case.propose("valuation", "us-board-1", about=f"application:{case.app.id}")
    with db.transaction(case.engine) as conn:
        assert sorted(c.member.name for c in interest.conflicts(conn, p)) == ["ua-board-1", "us-board-2"]
    with pytest.raises(Refused, match="declared an interest in тов добра літій .* recuse instead of voting"):
        case.vote(p.id, "ua-board-1", "approve")
    with pytest.raises(Refused, match="signature refused"):
        recuse(case, p.id, "ua-board-1", key="ua-board-2")  # signed with another member's key
    recuse(case, p.id, "ua-board-1")
    with pytest.raises(Refused, match="already recused"):
        recuse(case, p.id, "ua-board-1")
    recuse(case, p.id, "us-board-2")
    s = case.votes(p.id, ["us-board-1", "us-board-3", "ua-board-2"], "approve")
    assert s.state == "open"
    s = case.vote(p.id, "ua-board-3", "approve")  # unanimity of the four not recused
    assert s.state == "approved" and "not counted: US seat 2 recused and UA seat 1 recused" in s.reason
    assert verify(case.engine).ok


def test_a_partner_left_without_a_seat_cannot_pass_and_says_so(case) -> None:
    p = case.propose("valuation", "us-board-1", about=f"application:{case.app.id}")
    recuse(case, p.id, "ua-board-1")
    recuse(case, p.id, "ua-board-2")
    s = recuse(case, p.id, "ua-board-3")
    assert s.state == "rejected" and "it cannot pass: UA has fewer than 1 seat(s) left to vote" in s.reason
    with pytest.raises(Refused, match="closed"):
        recuse(case, p.id, "us-board-1")
    assert verify(case.engine).ok


def test_a_recusal_can_complete_a_unanimous_decision(case) -> None:
    p = case.propose("budget", "us-board-1")
    case.votes(p.id, BOARD[:5], "approve")
    s = recuse(case, p.id, "ua-board-3")  # the last seat steps aside: the rest were unanimous
    assert s.state == "approved"
    assert verify(case.engine).ok


def test_verify_names_a_forged_recusal_and_a_conflicted_vote(case) -> None:
    p = case.propose("valuation", "us-board-1", about=f"application:{case.app.id}")
    with db.write(case.engine) as conn:
        seq = log.append_event(
            conn,
            "admin",
            "proposal.recuse",
            f"proposal:{p.id}",
            {"proposal": p.id, "member": 4, "recused_on": case.day.isoformat(), "signature": "00" * 64},
        )
        conn.execute(
            insert(t.recusal).values(
                proposal_id=p.id, member_id=4, recused_on=case.day, signature="00" * 64, seq=seq
            )
        )
    case.vote(p.id, "us-board-2", "approve")  # before any declaration: fine
    declare(case, "us-board-2", "45123456")
    with db.write(case.engine) as conn:  # the operator writes a vote the domain refuses
        message = canonical.vote_bytes(case.fund.id, p.id, p.content_sha256, 2, "approve", 2)
        seq = log.append_event(
            conn,
            "admin",
            "proposal.vote",
            f"proposal:{p.id}",
            {
                "proposal": p.id,
                "member": 2,
                "choice": "approve",
                "round": 2,
                "cast_on": case.day.isoformat(),
                "signature": canonical.sign(case.keys["us-board-2"], message),
            },
        )
        conn.execute(
            insert(t.vote).values(
                proposal_id=p.id,
                member_id=2,
                choice="approve",
                round=2,
                cast_on=case.day,
                signature=canonical.sign(case.keys["us-board-2"], message),
                seq=seq,
            )
        )
    found = {r.check: [f.detail for f in r.failures] for r in verify(case.engine).results if not r.ok}[
        "recusals"
    ]
    assert any("recusal of member 4" in f and "does not verify" in f for f in found)
    assert any("member 2 voted although they had declared an interest in 45123456" in f for f in found)
    assert RECUSE == "recuse"


def test_the_database_refuses_a_recusal_from_another_body_or_twice(case) -> None:
    case.seat_body("audit")
    p = case.propose("valuation", "us-board-1")
    recuse(case, p.id, "us-board-1")
    with pytest.raises(Exception, match="recusal_once|UNIQUE|unique|duplicate"):
        with db.write(case.engine) as conn:
            seq = log.append_event(conn, "admin", "proposal.recuse", f"proposal:{p.id}", {})
            conn.execute(
                insert(t.recusal).values(
                    proposal_id=p.id, member_id=1, recused_on=case.day, signature="", seq=seq
                )
            )
    with pytest.raises(Exception, match="does not sit on the deciding body"):
        with db.write(case.engine) as conn:
            seq = log.append_event(conn, "admin", "proposal.recuse", f"proposal:{p.id}", {})
            conn.execute(
                insert(t.recusal).values(
                    proposal_id=p.id, member_id=7, recused_on=case.day, signature="", seq=seq
                )
            )


@pytest.mark.parametrize("rule", ["unanimous", "majority", "majority_of_each_partner", "supermajority:2/3"])
def test_every_recusal_verdict_reads_in_ukrainian(rule: str) -> None:
    """The web shows each text the recusal counting writes in Ukrainian (web.texts, the uk catalogue)."""
    from jointfund import i18n
    from jointfund.terms.loader import load_shipped
    from jointfund.web import names, texts

    tr = i18n.translations("uk").gettext
    said = texts.words(names.namer(load_shipped(), tr), tr, "uk")
    for recused, approvers in [
        ({"ua-board-1"}, BOARD),
        (set(BOARD[3:]), BOARD[:3]),
        (set(BOARD), []),
        ({"us-board-1"}, []),
    ]:
        text = evaluate(
            rule, "board", _ballot(dict.fromkeys(approvers, "approve"), recused), per_partner=1
        ).reason
        if text.count("; ") > 1:  # several requirements joined: web.texts reads those part by part already
            continue
        out = said(text)
        assert not any(w in out for w in ("recused", "cannot pass", "not counted", "seat", "waiting")), (
            text,
            out,
        )
