"""Capital calls, cash received against them and in-kind reports credit a partner's capital, so one person
cannot record them alone (issue 16, joint control): each needs a seated member's countersignature (a call to
every partner is one request over all its lines), the database refuses one without it, and verify rebuilds
each request from the stored rows. A book from before the rule keeps passing verify. Both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic import command
from portfolio.conftest import Folio
from sqlalchemy import select, text

from jointfund.capital import calls, in_kind
from jointfund.errors import Refused
from jointfund.governance import countersign, countersigned
from jointfund.ledger import journal
from jointfund.revenue import transfer
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify

D = dt.date
CHECK = "countersigned money"
BEFORE = "0026_two_person_books"  # the head before transfers, calls and contributions were countersigned


def failures(engine) -> list[str]:
    return [f.detail for r in verify(engine).results if r.check == CHECK for f in r.failures]


def checked(engine) -> int:
    return next(r.checked for r in verify(engine).results if r.check == CHECK)


def _commit(folio: Folio) -> None:
    terms = folio.fund.base_terms()
    with db.write(folio.engine) as conn:
        calls.commit(conn, terms, "US", Decimal("300.00"), "USD", D(2025, 9, 17), "C-US")
        calls.commit(conn, terms, "UA", Decimal("100.00"), "USD", D(2025, 9, 17), "C-UA")


def _call(folio: Folio, by, reference: str = "CALL-1", amount: str = "100.01") -> list[calls.CallLine]:  # noqa: ANN001
    with db.write(folio.engine) as conn:
        return calls.issue_call(
            conn,
            folio.fund,
            Decimal(amount),
            "USD",
            D(2025, 10, 1),
            reference,
            actor="admin",
            countersigner=by,
        )


def _pay(folio: Folio, by, amount: str = "75.01", receipt: str = "BANK-1") -> calls.CallLine:  # noqa: ANN001
    with db.write(folio.engine) as conn:
        return calls.contribute(
            conn,
            folio.fund,
            "CALL-1-US",
            Decimal(amount),
            D(2025, 10, 5),
            receipt,
            actor="admin",
            countersigner=by,
        )


def _report(folio: Folio, by, reference: str = "MOD-1"):  # noqa: ANN001, ANN202
    proposer = folio.names["board"][0]
    with db.write(folio.engine) as conn:
        return in_kind.report(
            conn,
            folio.fund,
            "admin",
            "US",
            "Interceptors",
            Decimal("1000.00"),
            "USD",
            D(2025, 11, 20),
            reference,
            proposer,
            folio.keys[proposer],
            D(2026, 1, 12),
            funded_by="us_funded",
            countersigner=by,
        )


def test_calls_contributions_and_in_kind_reports_need_a_second_person(fund_engine) -> None:  # noqa: ANN001
    folio = Folio(fund_engine)
    _commit(folio)
    by = folio.countersigned()["countersigner"]
    with pytest.raises(Refused, match="capital.call of capital-call:CALL-1 needs a second person"):
        _call(folio, None)
    forged = countersign.Countersignature(2, "ab" * 64)
    with pytest.raises(Refused, match="does not verify with the key of member 2"):
        _call(folio, lambda _request: forged)
    lines = _call(folio, by)
    assert {x.partner: x.amount for x in lines} == {"US": Decimal("75.01"), "UA": Decimal("25.00")}
    # One request over every partner's line, signed once; each line's entry stands beside its own event.
    with db.transaction(fund_engine) as conn:
        asked = calls.call_request(
            conn, folio.fund, Decimal("100.01"), "USD", D(2025, 10, 1), "CALL-9", "admin"
        )
        events = [
            e for e in conn.execute(select(t.event).where(t.event.c.action == "capital.call.countersigned"))
        ]
        rows = countersign.of(conn, [e.seq for e in events])
    assert (asked.kind, asked.subject) == ("capital.call", "capital-call:CALL-9")
    assert [(x["partner"], x["amount"], x["reference"]) for x in asked.fields["lines"]] == [
        ("US", "75.01", "CALL-9-US"),
        ("UA", "25.00", "CALL-9-UA"),
    ]
    assert sorted(e.subject for e in events) == ["capital-call:CALL-1-UA", "capital-call:CALL-1-US"]
    assert len({r["signature"] for r in rows.values()}) == 1 and {r["kind"] for r in rows.values()} == {
        "capital.call"
    }
    with pytest.raises(
        Refused, match="capital.contribution of capital-receipt:CALL-1-US:BANK-1 needs a second"
    ):
        _pay(folio, None)
    assert _pay(folio, by).outstanding == Decimal("0.00")
    assert _pay(folio, None).outstanding == Decimal("0.00")  # the same again: a no-op, nothing to sign
    with pytest.raises(Refused, match="capital.in_kind of in-kind:MOD-1 needs a second person"):
        _report(folio, None)
    with db.transaction(fund_engine) as conn:
        assert (
            in_kind.items(conn, folio.fund) == []
        )  # nothing of the refused report, not even its proposal row
    item, _p = _report(folio, by)
    assert item.reference == "MOD-1"
    assert (
        failures(fund_engine) == [] and checked(fund_engine) == 4
    )  # two call lines, a contribution, a report


def test_the_database_refuses_calls_contributions_and_in_kind_rows_without_a_countersignature(
    fund_engine,  # noqa: ANN001
) -> None:
    folio = Folio(fund_engine)
    _commit(folio)
    terms = folio.fund.base_terms()
    for entry in (
        calls.call_entry(terms, "US", Decimal("10.00"), "USD", D(2025, 10, 1), "RAW-US"),
        calls.receipt_entry(terms, "US", Decimal("10.00"), "USD", D(2025, 10, 2), "RAW-US", "B"),
    ):
        with pytest.raises(
            Exception, match="entry refused: money credited to a partner needs the countersignature"
        ):
            with db.write(fund_engine) as conn:
                journal.post(conn, [entry], folio.fund.start_date)
    _report(folio, folio.countersigned()["countersigner"])
    with db.transaction(fund_engine) as conn:
        row = dict(conn.execute(select(t.in_kind)).one()._mapping)
        at = conn.execute(select(t.event.c.recorded_at).where(t.event.c.seq == row["seq"])).scalar_one()
    with pytest.raises(Exception, match="in-kind contribution refused: it needs the countersignature"):
        with db.write(fund_engine) as conn:
            conn.execute(
                t.event.insert().values(
                    seq=9_000, recorded_at=at, actor="admin", action="capital.in_kind", subject="x", data="{}"
                )
            )
            conn.execute(t.in_kind.insert().values(**{**row, "reference": "MOD-RAW", "seq": 9_000}))


def test_verify_names_a_call_line_changed_after_it_was_countersigned(fund_engine, backend) -> None:  # noqa: ANN001
    folio = Folio(fund_engine)
    _commit(folio)
    _call(folio, folio.countersigned()["countersigner"])
    assert failures(fund_engine) == []
    terms = folio.fund.base_terms()
    with db.write(fund_engine) as conn:  # an operator with database rights shifts a cent between the partners
        for statement in drop_guard_statements(backend, "posting"):
            conn.execute(text(statement))
        accounts = journal.load_accounts(conn)
        for partner, minor in (("US", 7500), ("UA", 2501)):
            conn.execute(
                text("UPDATE posting SET amount_minor = :m WHERE account_id = :a"),
                {
                    "m": minor,
                    "a": accounts[terms.account_name("capital_call_receivable", partner=partner)].id,
                },
            )
    found = failures(fund_engine)
    assert sum("the countersignature does not verify with the key of member" in f for f in found) == 2, found
    assert any("capital.call capital-call:CALL-1-US (entry" in f for f in found), found


def test_the_domain_kinds_are_those_the_migration_guards() -> None:
    """The migration's frozen table of guarded key prefixes says what the domain posts."""
    import importlib

    from jointfund.capital.checks import ENTRY_KINDS
    from jointfund.store.triggers import COUNTERSIGNED_ENTRIES, COUNTERSIGNED_KINDS

    migration = importlib.import_module("jointfund.store.migrations.versions.0027_money_countersigned")
    assert COUNTERSIGNED_ENTRIES == {k.prefix: k.name for k in ENTRY_KINDS}
    assert migration.ENTRY_KINDS == tuple(k.name for k in ENTRY_KINDS)
    assert {*migration.ENTRY_KINDS, migration.IN_KIND} <= set(COUNTERSIGNED_KINDS)
    assert migration.IN_KIND == in_kind.IN_KIND
    assert {k.name for k in ENTRY_KINDS} == {
        transfer.COUNTERSIGNED.name,
        calls.CALL.name,
        calls.CONTRIBUTION.name,
    }
    assert all(isinstance(k, countersigned.Kind) for k in ENTRY_KINDS)


@pytest.fixture
def old_engine(db_url, monkeypatch):  # noqa: ANN001, ANN201
    """A fund created, and then used, at the head before this rule."""
    from jointfund import fund as fund_mod
    from jointfund.terms import shipped_text

    eng = db.make_engine(db_url)
    with monkeypatch.context() as m:
        m.setattr(db, "upgrade", lambda e: command.upgrade(db.alembic_config(e), BEFORE))
        fund_mod.create(eng, shipped_text(), "urif.toml", settable_clock=True)
    assert db.current_revision(eng) == BEFORE
    yield eng
    eng.dispose()


def test_a_book_from_before_the_rule_verifies_after_the_upgrade_and_new_money_needs_a_countersignature(
    old_engine,
    monkeypatch,  # noqa: ANN001
) -> None:
    folio = Folio(old_engine)
    _commit(folio)
    by = folio.countersigned()["countersigner"]
    with monkeypatch.context() as m:  # the code of the previous head: one person posts the entries
        m.setattr(
            countersigned,
            "post",
            lambda conn, info, _a, _k, _act, entries, _s: journal.post(conn, entries, info.start_date),
        )
        _call(folio, None)
        _pay(folio, None, "50.00")
    db.upgrade(old_engine)
    with db.transaction(old_engine) as conn:
        since = countersign.rules(conn)
        last = conn.execute(select(t.leaf.c.seq).order_by(t.leaf.c.seq.desc()).limit(1)).scalar_one()
    assert (
        since["capital.call"] == since["transfer"] == since["capital.contribution"] == last
    )  # the rule event
    report = verify(old_engine)
    assert report.ok, report.first_failure
    assert checked(old_engine) == 0  # the old call and contribution were made under the rules of their time
    with pytest.raises(Refused, match="needs a second person"):
        _pay(folio, None, "25.01", "BANK-2")
    with pytest.raises(
        Exception, match="entry refused: money credited to a partner needs the countersignature"
    ):
        with db.write(old_engine) as conn:
            terms = folio.fund.base_terms()
            journal.post(
                conn,
                [
                    calls.receipt_entry(
                        terms, "US", Decimal("25.01"), "USD", D(2025, 10, 6), "CALL-1-US", "B2"
                    )
                ],
                folio.fund.start_date,
            )
    _pay(folio, by, "25.01", "BANK-2")
    report = verify(old_engine)
    assert report.ok, report.first_failure
    assert checked(old_engine) == 1
