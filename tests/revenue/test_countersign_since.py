"""A book from before countersignatures (issue 16, joint control): a correction made at migration 0022, when
one person could make it, is held to the rule of its time once the database is upgraded; every correction
after the upgrade needs a seated member's countersignature, in the domain, in the database and in verify.
And the recorded start of the rule cannot be moved by an edit verify does not name. Both backends."""

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import select, text
from support import countersigner

from jointfund import fund as fund_mod
from jointfund.errors import Refused
from jointfund.governance import countersign
from jointfund.ledger.log import append_event
from jointfund.revenue import book, corrections
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.store.triggers import drop_guard_statements
from jointfund.terms import shipped_text
from jointfund.verify import verify

from .conftest import write
from .test_corrections import RIGHT, WRONG, failures
from .test_ledger import info_of

BEFORE = "0022_proposal_documents"  # the last revision before countersignatures


def setup(engine, tmp_path) -> None:  # noqa: ANN001
    """The day's rate, imported (no receipts: today's code posts entries through tables 0022 did not have)."""
    from jointfund.revenue import imports

    with db.write(engine) as conn:
        imports.run(
            conn,
            imports.rates_kind(info_of(engine).base_terms()),
            write(tmp_path, "fx.csv", f"date,currency,rate\n2025-06-02,USD,{WRONG}\n"),
            "test",
        )


@pytest.fixture
def old_engine(db_url, monkeypatch):
    """A fund created, and then used, at the revision before countersignatures."""
    eng = db.make_engine(db_url)
    with monkeypatch.context() as m:
        m.setattr(db, "upgrade", lambda e: command.upgrade(db.alembic_config(e), BEFORE))
        fund_mod.create(eng, shipped_text(), "urif.toml", settable_clock=True)
    assert db.current_revision(eng) == BEFORE
    yield eng
    eng.dispose()


def _old_record_correction(conn, actor, kind, subject, field, value, previous, reason, countersigned):  # noqa: ANN001, ANN202
    """book.record_correction as revision 0022's code wrote it: the event and the row, no countersignature
    (there was no table for one)."""
    chain = [c for c in book.corrections(conn, kind, subject) if c.field == field]
    data = {
        "kind": kind,
        "subject": subject,
        "field": field,
        "value": value,
        "previous": previous,
        "supersedes": chain[-1].seq if chain else None,
        "reason": reason,
    }
    seq = append_event(conn, actor, f"{kind}.correct", f"{kind}:{subject}", data)
    at = conn.execute(select(t.event.c.recorded_at).where(t.event.c.seq == seq)).scalar_one()
    made = book.correction.Correction(
        seq, kind, subject, field, value, previous, data["supersedes"], reason, actor, at
    )
    conn.execute(t.correction.insert().values(**made._asdict()))
    return made


def _correct(engine, rate: str, by=None):  # noqa: ANN001, ANN202
    with db.write(engine) as conn:
        return corrections.correct_rate(
            conn,
            info_of(engine),
            "treasury",
            "USD",
            dt.date(2025, 6, 2),
            rate,
            "point misplaced",
            countersigner=by,
        )


def _old_correction(engine, monkeypatch, rate: str = RIGHT) -> int:  # noqa: ANN001
    with monkeypatch.context() as m:
        m.setattr(countersign, "require", lambda conn, request, by: {})
        m.setattr(book, "record_correction", _old_record_correction)
        return _correct(engine, rate).corrections[0].seq


def test_an_old_correction_passes_verify_after_the_upgrade_and_a_new_one_needs_a_countersignature(
    old_engine, tmp_path, monkeypatch
):
    setup(old_engine, tmp_path)
    old = _old_correction(old_engine, monkeypatch)
    db.upgrade(old_engine)
    with db.transaction(old_engine) as conn:
        since = countersign.rules(conn)
        first, second, third = conn.execute(
            select(t.event.c.seq).where(t.event.c.action == countersign.RULE_ACTION).order_by(t.event.c.seq)
        ).scalars()
    # Each rule starts at the upgrade that brings it, which is logged (so the partners' checkpoints cover it).
    assert old < first < second < third
    assert since == {
        countersign.CLEARANCE: first,
        countersign.CORRECTION: first,
        "expense": second,
        "entry": second,
        "transfer": third,
        "capital.call": third,
        "capital.contribution": third,
        "capital.in_kind": third,
    }
    report = verify(old_engine)
    assert report.ok, report.first_failure
    # After the upgrade one person alone is refused by the domain ...
    with pytest.raises(Refused, match="needs a second person"):
        _correct(old_engine, "41.8500")
    # ... and by the database, for a writer that skips the domain as 0022's code did.
    with pytest.raises(Exception, match="correction refused: it needs the countersignature"):
        _old_correction(old_engine, monkeypatch, "41.8500")
    # A countersigned one passes, and so does verify.
    _correct(old_engine, "41.8500", countersigner(old_engine))
    report = verify(old_engine)
    assert report.ok, report.first_failure


def test_an_uncountersigned_correction_slipped_in_after_the_upgrade_is_named(
    old_engine, tmp_path, monkeypatch
):
    setup(old_engine, tmp_path)
    _old_correction(old_engine, monkeypatch)
    db.upgrade(old_engine)
    with db.transaction(old_engine) as conn:
        for statement in drop_guard_statements(old_engine.dialect.name, "correction"):
            conn.execute(text(statement))
        conn.execute(
            text(
                "DROP TRIGGER IF EXISTS correction_countersigned"
                + ("" if old_engine.dialect.name == "sqlite" else " ON correction")
            )
        )
    late = _old_correction(old_engine, monkeypatch, "41.8500")
    assert [
        f for f in failures(old_engine) if f"correction {late} " in f and "carries no countersignature" in f
    ]


def test_moving_the_start_of_the_rule_later_is_named_by_verify(old_engine, tmp_path, monkeypatch):
    setup(old_engine, tmp_path)
    _old_correction(old_engine, monkeypatch)
    db.upgrade(old_engine)
    _correct(old_engine, "41.8500", countersigner(old_engine))
    assert verify(old_engine).ok
    with db.transaction(old_engine) as conn:
        for statement in drop_guard_statements(old_engine.dialect.name, "countersign_rule"):
            conn.execute(text(statement))
        conn.execute(
            text("UPDATE countersign_rule SET since_seq = since_seq + 100 WHERE kind = 'correction'")
        )
    found = failures(old_engine, "countersignature rules")
    assert any("the database says correction needs a countersignature from position" in f for f in found), (
        found
    )
    # A second rule event, logged later to excuse what came before it, is named too.
    with db.write(old_engine) as conn:
        append_event(
            conn,
            countersign.RULE_ACTOR,
            countersign.RULE_ACTION,
            "countersign:rules",
            {"rules": {"correction": 1}},
        )
    found = failures(old_engine, "countersignature rules")
    assert any("the countersignature rule of correction is logged twice" in f for f in found), found


def test_a_fresh_fund_needs_countersignatures_from_the_start(fund_engine, tmp_path):
    """A fund created at the head has nothing to excuse: no rule start is recorded, and the rule applies from
    the first record."""
    with db.transaction(fund_engine) as conn:
        assert countersign.rules(conn) == {}
        assert countersign.applies({}, countersign.CORRECTION, 1)
    setup(fund_engine, tmp_path)
    with pytest.raises(Refused, match="needs a second person"):
        _correct(fund_engine, RIGHT)


def test_an_old_clearance_confirmed_by_a_second_user_alone_passes_verify_after_the_upgrade(
    old_engine, monkeypatch
):
    """A clearance confirmed at 0022 by a second user (the four eyes of 0019, no countersignature yet) is held
    to that rule after the upgrade; a confirmation after it needs a seated member's countersignature."""
    from importlib import resources

    from jointfund.portfolio import application as apps
    from jointfund.portfolio import sanctions, screening

    info = info_of(old_engine)
    lists = resources.files("jointfund.demo").joinpath("sanctions")
    kind, targets, sha256, source = sanctions.load(lists.joinpath("targets.simple.csv"), None)
    fields = {
        "applicant": "Velta Titanium", "applicant_code": "34567890", "title": "Ilmenite sands",
        "sector": "mining", "region": "Dnipropetrovsk", "amount": "12000000.00", "currency": "USD",
        "instrument": "loan",
    }  # fmt: skip
    day = dt.date(2026, 1, 5)

    def screened(reference: str) -> int:
        row = apps.field_row({**fields, "reference": reference, "owners": "Тарас Шевченко|1984-05-17|UA"})
        with db.write(old_engine) as conn:
            [(app, _new)] = apps.submit(conn, info, "test", [row], day)
            assert screening.screen(conn, info, "test", app.id, day).screening.hits
            screening.decide(conn, info.id, "first", app.id, "cleared", "born 1984, not 1961", day)
        return app.id

    with db.write(old_engine) as conn:
        sanctions.record(conn, "test", "ua_nsdc", kind, targets, sha256, source, day)
    old = screened("A")
    with monkeypatch.context() as m:  # 0022's code: a second user confirms, nothing more
        m.setattr(countersign, "require", lambda conn, request, by: None)
        with db.write(old_engine) as conn:
            screening.decide(conn, info.id, "second", old, "cleared", "confirmed", day)
    db.upgrade(old_engine)
    report = verify(old_engine)
    assert report.ok, report.first_failure
    new = screened("B")
    with pytest.raises(Refused, match="needs a second person"), db.write(old_engine) as conn:
        screening.decide(conn, info.id, "second", new, "cleared", "confirmed", day)
    by = countersigner(old_engine)
    with db.write(old_engine) as conn:
        screening.decide(conn, info.id, "second", new, "cleared", "confirmed", day, by)
    report = verify(old_engine)
    assert report.ok, report.first_failure
