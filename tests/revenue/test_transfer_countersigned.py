"""A transfer credits the contributing partner's capital, so one person cannot record it alone (issue 16,
joint control): it needs a seated member's countersignature of exactly its amount, currency, date, partner,
reference and period; the database refuses a transfer entry without one, and verify rebuilds the request from
the stored entry. Both backends."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from support import authorize, cli_countersign, countersigner, seated_member

from jointfund.errors import InputError, Refused
from jointfund.governance import countersign, user
from jointfund.ledger import journal
from jointfund.revenue import transfer
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify

from .conftest import write
from .test_settlement import _book

D = Decimal
DAY = dt.date(2026, 3, 20)
CHECK = "countersigned money"


def leaves(engine) -> int:
    with db.transaction(engine) as conn:
        return conn.execute(select(func.count()).select_from(t.leaf)).scalar_one()


def failures(engine, check: str = CHECK) -> list[str]:
    return [f.detail for r in verify(engine).results if r.check == check for f in r.failures]


def record(engine, info, by, amount: str = "4000.00", reference: str = "T-1", actor: str = "treasury") -> int:
    with db.write(engine) as conn:
        return transfer.record(
            conn, info, "UA", DAY, D(amount), "USD", reference, 2025, actor=actor, countersigner=by
        )


def test_one_person_cannot_record_a_transfer_and_verify_rebuilds_its_countersignature(
    fund_engine, tmp_path, backend
):
    info = _book(fund_engine, tmp_path)
    mine, other = seated_member(fund_engine), seated_member(fund_engine, "ua-board-2")
    before = leaves(fund_engine)
    with pytest.raises(Refused, match="transfer of transfer:T-1 needs a second person"):
        record(fund_engine, info, None)
    with pytest.raises(InputError) as inexact:  # the domain checks the amount is exact in its currency
        record(fund_engine, info, None, "4000.001")
    assert [(p.field, p.message) for p in inexact.value.problems] == [
        ("amount", "USD has 2 decimal place(s); amount has more")
    ]
    with db.write(fund_engine) as conn:  # the seat of ua-board-1 is linked to the asker: the same person
        user.add(conn, "test", "treasury", "treasury_officer", "long enough pw")
        user.link_member(
            conn,
            info.id,
            "test",
            "treasury",
            mine.id,
            authorize(info.id, "UA", "user.member", user="treasury", member=mine.id),
        )
    linked = leaves(fund_engine)
    assert linked == before + 3  # the user, enabled, and the link: nothing of the refused transfers
    with pytest.raises(Refused, match="is linked to user treasury, who asked for it"):
        record(fund_engine, info, countersigner(fund_engine))
    forged = countersign.Countersignature(other.id, "ab" * 64)
    with pytest.raises(Refused, match="does not verify with the key of member"):
        record(fund_engine, info, lambda _request: forged)
    # A signature of another amount does not countersign this one.
    signer = countersigner(fund_engine, "ua-board-2")
    with db.transaction(fund_engine) as conn:
        other_amount = transfer.request(conn, info, "UA", DAY, D("4000.01"), "USD", "T-1", 2025, "treasury")
        asked = transfer.request(conn, info, "UA", DAY, D("4000.00"), "USD", "T-1", 2025, "treasury")
    with pytest.raises(Refused, match="does not verify"):
        record(fund_engine, info, lambda _request: signer(other_amount))
    assert leaves(fund_engine) == linked
    # Another seat's holder countersigns: one event with the countersignature, its row, then the entry.
    seq = record(fund_engine, info, signer)
    assert leaves(fund_engine) == linked + 2
    assert record(fund_engine, info, None) == seq  # the same transfer again is a no-op: nothing to sign
    with db.transaction(fund_engine) as conn:
        event = conn.execute(select(t.event).where(t.event.c.seq == seq - 1)).one()
        [row] = countersign.of(conn, [seq - 1]).values()
    assert (event.action, event.subject, event.actor) == (
        "transfer.countersigned",
        "transfer:T-1",
        "treasury",
    )
    assert (row["kind"], row["member"], row["requested_by"]) == ("transfer", other.id, "treasury")
    assert json.loads(event.data)["countersignature"]["signature"] == row["signature"]
    assert (asked.kind, asked.subject, dict(asked.fields)) == (
        "transfer",
        "transfer:T-1",
        {
            "reference": "T-1",
            "partner": "UA",
            "date": "2026-03-20",
            "amount": "4000.00",
            "currency": "USD",
            "period": 2025,
        },
    )
    report = verify(fund_engine)
    assert report.ok, report.first_failure
    assert next(r for r in report.results if r.check == CHECK).checked == 1


def test_the_database_refuses_a_transfer_entry_without_a_countersignature(fund_engine, tmp_path):
    info = _book(fund_engine, tmp_path)
    terms = info.base_terms()
    entry = transfer.transfer_entry(terms, "UA", DAY, D("500000.00"), "UAH", "T-X", 2025)
    with pytest.raises(
        Exception, match="entry refused: money credited to a partner needs the countersignature"
    ):
        with db.write(fund_engine) as conn:  # past the domain: straight into the journal
            journal.post(conn, [entry], info.start_date)
    # A countersignature of another transfer does not let this one in.
    record(fund_engine, info, countersigner(fund_engine, "ua-board-2"))
    with pytest.raises(
        Exception, match="entry refused: money credited to a partner needs the countersignature"
    ):
        with db.write(fund_engine) as conn:
            journal.post(conn, [entry], info.start_date)
    # Entries of other kinds are not held up.
    with db.transaction(fund_engine) as conn:
        assert transfer.transfers(conn, terms) and len(transfer.transfers(conn, terms)) == 1


def test_verify_names_a_transfer_whose_amount_or_countersignature_was_changed(fund_engine, tmp_path, backend):
    info = _book(fund_engine, tmp_path)
    seq = record(fund_engine, info, countersigner(fund_engine, "ua-board-2"))
    assert failures(fund_engine) == []
    terms = info.base_terms()
    cash = terms.account_name("cash", currency="USD")
    with db.write(fund_engine) as conn:  # an operator with database rights raises the cash that arrived
        for statement in drop_guard_statements(backend, "posting"):
            conn.execute(text(statement))
        account = journal.load_accounts(conn)[cash].id
        conn.execute(
            text("UPDATE posting SET amount_minor = 5000000 WHERE entry_seq = :s AND account_id = :a"),
            {"s": seq, "a": account},
        )
    found = failures(fund_engine)
    assert any(
        f"transfer transfer:T-1 (entry {seq}): the countersignature does not verify with the key of member"
        in f
        for f in found
    ), found
    with db.write(fund_engine) as conn:  # and the countersignature row is made to say another member signed
        for statement in drop_guard_statements(backend, "countersignature"):
            conn.execute(text(statement))
        conn.execute(text("UPDATE countersignature SET signature = :s"), {"s": "cd" * 64})
    assert (
        f"transfer transfer:T-1 (entry {seq}): its countersignature row differs from its event's"
        in failures(fund_engine)
    )


def test_an_insider_alone_cannot_credit_capital_with_a_transfer_from_the_command_line(
    cli, tmp_path, monkeypatch
):
    """The insider test of the issue: a treasury officer alone records 50,000,000 UAH crediting UA capital in
    an open period. Refused, naming what is needed; nothing is written and verify still passes."""
    monkeypatch.setenv("JOINTFUND_TODAY", "2026-04-15")
    cli("fx", "import", str(write(tmp_path, "fx.csv", "date,currency,rate\n2026-04-01,USD,41.5000\n")))
    cli("users", "add", "admin", "--role", "administrator", "--password", "long enough pw")
    cli(
        "--user",
        "admin",
        "users",
        "add",
        "cash",
        "--role",
        "treasury_officer",
        "--password",
        "long enough pw",
    )
    args = (
        "--user", "cash", "transfers", "record", "--partner", "UA", "--date", "2026-04-01", "--amount",
        "50000000.00", "--currency", "UAH", "--reference", "T-BIG", "--period", "2025",
    )  # fmt: skip
    alone = cli(*args, ok=False)
    assert alone.exit_code == 1 and "Traceback" not in alone.stderr
    assert "needs a second person" in alone.stderr and "--countersign-as" in alone.stderr, alone.stderr
    half = cli(*args, "--countersign-as", "ua-board-1", ok=False)
    assert half.exit_code == 1 and "give both" in half.stderr
    assert json.loads(cli("transfers", "list", "-f", "json").stdout) == []
    assert cli("verify").exit_code == 0
    done = cli(*args, *cli_countersign(cli, tmp_path, "ua-board-2"), "-f", "json")
    assert json.loads(done.stdout)[0]["transferred"] == "50000000.00"
    assert cli("verify").exit_code == 0
