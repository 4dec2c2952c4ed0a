"""Execution: only of approved proposals, in the same transaction as its state change, exactly once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, insert, select

from jointfund import decisions
from jointfund.errors import Refused
from jointfund.governance import effects, execution
from jointfund.ledger import log
from jointfund.store import db
from jointfund.store import tables as t


@pytest.fixture
def approved(gov):  # noqa: ANN001, ANN201
    """A board, and a budget proposal it approved unanimously."""
    names = gov.seat_body("board")
    p = gov.propose("budget", names[0], amount="1200000.00", currency="USD", about="budget:2026")
    assert gov.votes(p.id, names, "approve").state == "approved"
    return gov, p


def effect_events(gov, action: str) -> list:  # noqa: ANN001
    with db.transaction(gov.engine) as conn:
        return list(log.events(conn, action=action))


def test_execute_once_then_refuse(approved) -> None:
    gov, p = approved
    done = gov.execute(p.id)
    assert done.effect == "budget adopted: budget:2026"
    with pytest.raises(
        Refused, match=f"proposal {p.id} was already executed on .* a decision takes effect once"
    ):
        gov.execute(p.id)
    assert len(effect_events(gov, "budget.adopt")) == 1
    assert gov.standing(p.id).state == "executed"


def test_refusals_say_why(gov) -> None:
    names = gov.seat_body("board")
    p = gov.propose("budget", names[0])
    with pytest.raises(
        Refused, match=f"proposal {p.id} is open: waiting for .*; only an approved proposal can be executed"
    ):
        gov.execute(p.id)
    gov.vote(p.id, names[-1], "reject")
    with pytest.raises(Refused, match="is open: blocked by UA seat 3; .* only an approved proposal"):
        gov.execute(p.id)
    gov.votes(p.id, names[:-1], "approve")
    with pytest.raises(Refused, match="is rejected: UA seat 3 .* only an approved proposal"):
        gov.execute(p.id)


def _with_effects(monkeypatch, **changed) -> None:  # noqa: ANN001
    """The decision table with some kinds' effects replaced (None: the kind has no effect)."""
    table = decisions.table()
    effects_now = {k: v for k, v in {**table.effects, **changed}.items() if v is not None}
    monkeypatch.setattr(decisions, "table", lambda: decisions.Table(effects_now, table.preconditions))


def test_a_failing_effect_leaves_no_execution(approved, monkeypatch) -> None:
    gov, p = approved
    calls = []

    def broken(conn, fund, proposal, run):  # noqa: ANN001, ANN202
        calls.append(run.seq)
        raise RuntimeError("effect failed")

    with monkeypatch.context() as m:
        _with_effects(m, budget=broken)
        with pytest.raises(RuntimeError):
            gov.execute(p.id)
    assert (
        calls and gov.standing(p.id).state == "approved"
    )  # the execution row was rolled back with the effect
    gov.execute(p.id)


def _rows(gov) -> tuple[int, int]:  # noqa: ANN001
    with db.transaction(gov.engine) as conn:
        return (
            conn.execute(select(func.count()).select_from(t.leaf)).scalar_one(),
            conn.execute(select(func.count()).select_from(t.proposal_status)).scalar_one(),
        )


def test_a_kind_without_an_effect_is_refused_at_execution_and_nothing_is_written(gov, monkeypatch) -> None:
    names = gov.seat_body("board")
    p = gov.propose("in_kind_valuation", names[0], amount="1000.00", currency="USD")
    gov.votes(p.id, names, "approve")
    before = _rows(gov)
    _with_effects(monkeypatch, in_kind_valuation=None)
    with pytest.raises(Refused, match="no effect is defined for in_kind_valuation decisions"):
        gov.execute(p.id)
    assert _rows(gov) == before
    assert gov.standing(p.id).state == "approved"


def test_a_kind_without_an_effect_cannot_even_be_proposed(gov, monkeypatch) -> None:
    names = gov.seat_body("board")
    _with_effects(monkeypatch, other=None)
    before = _rows(gov)
    with pytest.raises(Refused, match="a other proposal cannot be opened .* no effect is defined"):
        gov.propose("other", names[0])
    assert _rows(gov) == before


def test_each_kind_executes_the_effect_the_table_names() -> None:
    table = decisions.table()
    assert effects.handler_for("budget") is table.effects["budget"]
    assert effects.handler_for("no-such-kind") is None
    with pytest.raises(TypeError):
        table.effects["budget"] = table.effects["other"]  # type: ignore[index]  # read-only


def test_the_database_refuses_a_second_execution_and_an_unapproved_one(approved) -> None:
    gov, p = approved
    gov.execute(p.id)
    row = {
        "proposal_id": p.id,
        "status": "executed",
        "step": "execute",
        "effective": gov.day,
        "reason": "again",
    }
    with pytest.raises(Exception, match="(?i)unique|once"):
        with db.write(gov.engine) as conn:
            conn.execute(
                insert(t.proposal_status).values(
                    **row, seq=log.append_event(conn, "x", "proposal.executed", "p", {})
                )
            )
    other = gov.propose("budget", "us-board-1", title="not approved")
    with pytest.raises(Exception, match="execution refused: the proposal is not approved"):
        with db.write(gov.engine) as conn:
            conn.execute(
                insert(t.proposal_status).values(
                    **{**row, "proposal_id": other.id},
                    seq=log.append_event(conn, "x", "proposal.executed", "p", {}),
                )
            )


def test_two_postgresql_connections_executing_at_once_yield_one_effect(approved, backend) -> None:
    if backend != "postgresql":
        pytest.skip("the concurrency of two server connections is PostgreSQL's; SQLite serialises in-process")
    gov, p = approved
    first_in = threading.Event()
    release = threading.Event()
    outcomes: dict[str, object] = {}

    def holder() -> None:
        # Executes inside its transaction, then holds it open until the other connection is waiting.
        try:
            with db.write(gov.engine) as conn:
                outcomes["first"] = execution.execute(conn, gov.fund, "first", p.id, gov.day)
                first_in.set()
                assert release.wait(30), "the second connection never queued"
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion below
            outcomes["first"] = exc
            first_in.set()

    def second() -> None:
        try:
            with db.write(gov.engine) as conn:
                outcomes["second"] = execution.execute(conn, gov.fund, "second", p.id, gov.day)
        except Exception as exc:  # noqa: BLE001
            outcomes["second"] = exc

    a = threading.Thread(target=holder)
    a.start()
    assert first_in.wait(30)
    b = threading.Thread(target=second)
    b.start()
    _wait_for_lock_waiter(gov.engine)
    release.set()
    a.join(30)
    b.join(30)
    assert isinstance(outcomes["first"], execution.Execution), outcomes
    assert isinstance(outcomes["second"], Refused) and "already executed" in str(outcomes["second"])
    assert len(effect_events(gov, "budget.adopt")) == 1
    assert len(effect_events(gov, "proposal.executed")) == 1


def _wait_for_lock_waiter(engine) -> None:  # noqa: ANN001
    """Return once a backend of this database waits on a lock (the second writer), polling the server."""
    with engine.connect() as conn:
        for _ in range(10_000):
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                "wait_event_type = 'Lock'"
            ).scalar_one()
            conn.rollback()
            if waiting:
                return
    raise AssertionError("the second connection never waited for the first")
