"""An expense takes two people (issue 16, joint control): a seated member other than the recording user
countersigns exactly what it charges. Refused in the domain without one, with one by the asker's own seat or
over other content; refused by the database for a writer that skips the domain; and verify names an expense
whose countersignature was forged or whose row was changed. Both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from support import authorize, cli_countersign

from budget.conftest import Ledgerly
from jointfund.budget import expense
from jointfund.errors import Refused
from jointfund.governance import countersign, user
from jointfund.ledger import journal
from jointfund.ledger.log import append_event
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify

Q4 = dt.date(2025, 11, 14)
CHECK = "budget.expense countersignatures"


def _findings(engine) -> list[str]:  # noqa: ANN001
    return [f.detail for r in verify(engine, workers=1).results if r.check == CHECK for f in r.failures]


def _spend(f: Ledgerly, reference: str, by, actor: str = "test", amount: str = "100.00"):  # noqa: ANN001, ANN202
    with db.write(f.engine) as conn:
        return expense.record(
            conn, f.fund, actor, "ADM-2025", D(amount), "USD", Q4, reference, "invoice.pdf", b"%PDF", by
        )[0]


def _count(engine) -> int:  # noqa: ANN001
    with db.transaction(engine) as conn:
        return conn.execute(select(func.count()).select_from(t.leaf)).scalar_one()


@pytest.fixture
def budgeted(ledgerly: Ledgerly) -> Ledgerly:
    ledgerly.fund_cash()
    ledgerly.budget(("ADM-2025", "administration", "1000.00", "USD", "2025"))
    return ledgerly


def test_an_expense_is_recorded_only_with_a_second_persons_countersignature(budgeted):
    f = budgeted
    before = _count(f.engine)
    with pytest.raises(Refused, match="expense of expense:INV-1 needs a second person"):
        _spend(f, "INV-1", None)
    # A signature over other content (another amount) does not countersign this expense.
    m = f.countersigner()
    with pytest.raises(Refused, match="does not verify with the key of member"):
        _spend(f, "INV-1", lambda r: m(r._replace(fields={**r.fields, "amount": "1.00"})))
    # The recording user's own seat is not a second person.
    with db.write(f.engine) as conn:
        user.add(conn, "test", "clerk", "administrator", "long enough pw")
        seat = next(s for s in countersign.book.members(conn) if s.name == "ua-board-1")
    st = authorize(f.fund.id, "UA", "user.member", user="clerk", member=seat.id)
    with db.write(f.engine) as conn:
        user.link_member(conn, f.fund.id, "test", "clerk", seat.id, st)
    after_link = _count(f.engine)
    with pytest.raises(Refused, match="is linked to user clerk, who asked for it"):
        _spend(f, "INV-1", f.countersigner(), actor="clerk")
    assert _count(f.engine) == after_link > before  # refusals write nothing
    x = _spend(f, "INV-1", f.countersigner())
    with db.transaction(f.engine) as conn:
        row = countersign.of(conn, [x.seq])[x.seq]
        event = conn.execute(select(t.event.c.data).where(t.event.c.seq == x.seq)).scalar_one()
    assert row["kind"] == "expense" and row["requested_by"] == "test" and '"countersignature"' in event
    assert _findings(f.engine) == []


def test_the_database_refuses_an_expense_without_its_countersignature(budgeted, monkeypatch):
    """A writer that skips the domain's check (its event carries a made-up countersignature, no row beside
    it) is refused by the database, and so is a row beside the event that names another asker."""
    f = budgeted
    monkeypatch.setattr(
        countersign, "require", lambda *a: {"member": 1, "signature": "0" * 128, "requested_by": "test"}
    )
    monkeypatch.setattr(countersign, "record", lambda *a: None)
    with pytest.raises(DBAPIError, match="expense refused: it needs the countersignature"):
        _spend(f, "INV-1", None)
    monkeypatch.undo()
    seat = f.countersigner()
    carried = {"member": 1, "signature": "0" * 128, "requested_by": "someone else"}
    with (
        pytest.raises(DBAPIError, match="expense refused: it needs the countersignature"),
        db.write(f.engine) as conn,
    ):
        ev = append_event(conn, "test", expense.RECORD, "expense:INV-9", {})
        countersign.record(conn, ev, expense.COUNTERSIGNED, carried)
        conn.execute(
            insert(t.expense).values(
                id=9,
                line_code="ADM-2025",
                amount_minor=100,
                currency="USD",
                date=Q4,
                reference="INV-9",
                document_sha256="0" * 64,
                entry_seq=1,
                seq=ev,
            )
        )
    assert _spend(f, "INV-1", seat).reference == "INV-1"


def test_verify_names_a_forged_countersignature_and_a_changed_row(budgeted, backend):
    f = budgeted
    x = _spend(f, "INV-1", f.countersigner())
    assert _findings(f.engine) == []
    # An insider changes the expense's amount past the guards: the countersignature no longer covers it.
    with db.transaction(f.engine) as conn:
        for statement in drop_guard_statements(backend, "expense"):
            conn.execute(text(statement))
        conn.execute(text(f"UPDATE expense SET amount_minor = 1000 WHERE id = {x.id}"))
    [found] = _findings(f.engine)
    assert found.startswith("expense INV-1: the countersignature does not verify with the key of member")
    # A second expense written past the domain with a made-up signature in its event and row.
    with db.transaction(f.engine) as conn:
        conn.execute(text(f"UPDATE expense SET amount_minor = 10000 WHERE id = {x.id}"))
    with db.write(f.engine) as conn:
        (seq,) = journal.post(
            conn,
            [
                expense.entry(
                    f.terms,
                    "Expenses:Administration",
                    _line(conn),
                    D("5.00"),
                    Q4,
                    "INV-2",
                    D("5.00"),
                    D("5.00"),
                )
            ],
            f.fund.start_date,
        )
        member_id = next(m.id for m in countersign.book.members(conn) if m.name == "us-board-1")
        carried = {"member": member_id, "signature": "ab" * 64, "requested_by": "test"}
        ev = append_event(conn, "test", expense.RECORD, "expense:INV-2", {countersign.FIELD: carried})
        countersign.record(conn, ev, expense.COUNTERSIGNED, carried)
        conn.execute(
            insert(t.expense).values(
                id=2,
                line_code="ADM-2025",
                amount_minor=500,
                currency="USD",
                date=Q4,
                reference="INV-2",
                document_sha256=x.document_sha256,
                entry_seq=seq,
                seq=ev,
            )
        )
    [found] = _findings(f.engine)
    assert found.startswith("expense INV-2: the countersignature does not verify with the key of member")


def _line(conn):  # noqa: ANN001, ANN202
    from jointfund.budget import lines

    return lines.current(conn)["ADM-2025"]


def test_the_cli_records_an_expense_only_when_countersigned(budgeted, cli, tmp_path):
    f = budgeted
    evidence = tmp_path / "invoice.pdf"
    evidence.write_bytes(b"%PDF-1.4 the invoice")
    args = [
        "expenses",
        "record",
        "--line",
        "ADM-2025",
        "--amount",
        "40.00",
        "--currency",
        "USD",
        "--date",
        str(Q4),
    ]
    args += ["--reference", "INV-7", "--evidence", str(evidence)]
    r = cli(*args, ok=False)
    assert r.exit_code == 1 and "needs a second person" in r.stderr and "--countersign-as" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli(*args, "--countersign-as", "ua-board-1", ok=False)
    assert r.exit_code == 1 and "give both" in r.stderr
    cli(*args, *cli_countersign(cli, tmp_path, "ua-board-1", f.keys["ua-board-1"]))
    assert _findings(f.engine) == []
