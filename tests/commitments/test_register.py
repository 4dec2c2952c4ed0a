"""The register on a real fund, on both backends: derived and recorded statuses, every event kind, the alert
firing and clearing, evidence kept by content, and verify naming an edited row."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select, update

from jointfund import fund as fund_mod
from jointfund.commitments import alert, evidence, register
from jointfund.errors import InputError, NotFound
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify

D = dt.date
TODAY = D(2026, 6, 1)
MINUTES = [("minutes.txt", b"Leaders met in Kyiv.\n")]


class Reg:
    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine = engine
        with db.transaction(engine) as conn:
            self.info = fund_mod.load(conn)

    def event(self, kind: str, day: dt.date, today: dt.date = TODAY, note: str = "") -> register.Happened:
        with db.write(self.engine) as conn:
            return register.record_event(conn, self.info, "officer", kind, day, note, today)

    def record(self, cid: str, status: str, day: dt.date, files=MINUTES, today: dt.date = TODAY):  # noqa: ANN001, ANN201
        with db.write(self.engine) as conn:
            return register.record_outcome(
                conn, self.info, "officer", cid, status, day, list(files), "", today
            )

    def line(self, cid: str, today: dt.date = TODAY) -> register.Line:
        with db.transaction(self.engine) as conn:
            return register.line(conn, self.info, today, cid)

    def alerts(self, today: dt.date = TODAY) -> list[alert.Alert]:
        with db.transaction(self.engine) as conn:
            return alert.alerts(conn, self.info, today)

    def count(self, table) -> int:  # noqa: ANN001
        with db.transaction(self.engine) as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def reg(fund_engine) -> Reg:  # noqa: ANN001
    return Reg(fund_engine)


def failed(engine) -> dict[str, list[str]]:  # noqa: ANN001
    return {r.check: [f.detail for f in r.failures] for r in verify(engine).results if not r.ok}


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2026, 1, 1), "open"),
        (D(2026, 2, 13), "due soon"),
        (D(2026, 3, 15), "due soon"),
        (D(2026, 3, 16), "overdue"),
    ],
)
def test_a_recurring_commitment_is_open_due_soon_then_overdue(reg: Reg, today: dt.date, status: str) -> None:
    line = reg.line("urif.data", today)
    assert (line.due, line.status) == (D(2026, 3, 15), status)  # the terms' calendar: 15 March, for 2025


def test_the_register_lists_both_agreements_with_derived_statuses(reg: Reg) -> None:
    with db.transaction(reg.engine) as conn:
        rows = {x.id: x for x in register.lines(conn, reg.info, TODAY)}
        assert [x.id for x in register.lines(conn, reg.info, TODAY, agreement="urif", status="overdue")] == [
            "urif.data",
            "urif.transfer",
            "urif.report",
        ]
        with pytest.raises(InputError, match="status: expected one of"):
            register.lines(conn, reg.info, TODAY, status="late-ish")
        with pytest.raises(InputError, match="agreement: expected one of security_2024, urif"):
            register.lines(conn, reg.info, TODAY, agreement="nato")
    assert (rows["security_2024.term_end"].due, rows["security_2024.term_end"].status) == (
        D(2034, 6, 13),
        "open",
    )
    assert rows["security_2024.consultations"].status == "not triggered"
    assert rows["security_2024.no_forces"].status == "ongoing"
    assert (rows["urif.reinvestment"].due, rows["urif.reinvestment"].status) == (D(2035, 5, 23), "ongoing")
    assert set(rows["urif.audit"].row()) == {
        "id",
        "agreement",
        "source",
        "obligor",
        "beneficiary",
        "kind",
        "due",
        "status",
    }


def test_an_armed_attack_makes_the_consultation_due_the_next_day_and_it_is_recorded_met(reg: Reg) -> None:
    reg.event("armed_attack", D(2026, 2, 10), note="massive missile strike")
    line = reg.line("security_2024.consultations", D(2026, 2, 10))
    assert (line.due, line.status) == (D(2026, 2, 11), "due soon")
    assert reg.line("security_2024.consultations", D(2026, 2, 12)).status == "overdue"
    with pytest.raises(InputError, match="after it was due .2026-02-11.: record it as late"):
        reg.record("security_2024.consultations", "met", D(2026, 2, 12))
    r = reg.record("security_2024.consultations", "met", D(2026, 2, 11))
    assert (r.due, r.status, r.evidence) == (D(2026, 2, 11), "met", (evidence.digest(MINUTES[0][1]),))
    assert reg.line("security_2024.consultations").status == "met"
    # A second attack is a second occurrence: due again, and late when held after a day.
    reg.event("armed_attack", D(2026, 5, 1))
    assert (reg.line("security_2024.consultations").due, reg.line("security_2024.consultations").status) == (
        D(2026, 5, 2),
        "overdue",
    )
    with pytest.raises(InputError, match="by its due date .2026-05-02.: record it as met"):
        reg.record("security_2024.consultations", "late", D(2026, 5, 2))
    reg.record("security_2024.consultations", "late", D(2026, 5, 4))
    assert reg.line("security_2024.consultations").status == "late"
    with pytest.raises(InputError, match="every occurrence due so far is recorded"):
        reg.record("security_2024.consultations", "met", D(2026, 5, 4))
    assert reg.count(t.document) == 1  # the same minutes twice: stored once, by content
    assert failed(reg.engine) == {}


def test_a_termination_notice_ends_the_agreement_six_months_later(reg: Reg) -> None:
    assert reg.line("security_2024.termination_effective").status == "not triggered"
    reg.event("termination_notice", D(2025, 8, 31))
    line = reg.line("security_2024.termination_effective", D(2025, 9, 1))
    assert (line.due, line.status) == (D(2026, 2, 28), "open")  # month end: 31 August + 6 months
    with db.transaction(reg.engine) as conn:
        assert register.end_of(conn, reg.info, TODAY, "security_2024") == D(2026, 2, 28)


def test_a_capital_raise_makes_the_licence_holder_s_duty_to_inform_due(reg: Reg) -> None:
    reg.event("capital_raise", D(2026, 5, 20), note="Dobra Lithium raises equity")
    assert (reg.line("urif.inform").due, reg.line("urif.inform").status) == (D(2026, 6, 19), "due soon")


def test_the_alert_fires_and_clears(reg: Reg) -> None:
    (fired,) = reg.alerts()
    assert (fired.ends, fired.before, fired.decide_by) == (D(2034, 6, 13), D(2035, 5, 23), D(2033, 6, 13))
    assert fired.message.startswith(
        "the security agreement ends 2034-06-13, before the reinvestment lock ends "
        "2035-05-23: an extension decision is due before then"
    )
    assert "2034-06-13" in fired.message_uk and "безпекова угода" in fired.message_uk
    reg.event("extension_agreed", D(2026, 5, 1), note="extended by exchange of notes")
    assert reg.alerts() == []
    # A later termination notice sets an earlier end, which the extension did not decide: it fires again.
    reg.event("termination_notice", D(2026, 5, 15))
    (again,) = reg.alerts()
    assert again.ends == D(2026, 11, 15)


@pytest.mark.parametrize(
    ("kind", "day", "says"),
    [
        ("signature", D(2026, 1, 1), "signature is fixed by the text"),
        (
            "invasion",
            D(2026, 1, 1),
            "kind: expected one of armed_attack, termination_notice, extension_agreed",
        ),
        ("armed_attack", D(2026, 6, 2), "after today"),
        ("armed_attack", D(2024, 6, 12), "before the security agreement began .2024-06-13."),
    ],
)
def test_a_bad_event_is_refused_and_nothing_is_written(reg: Reg, kind: str, day: dt.date, says: str) -> None:
    before = reg.count(t.event)
    with pytest.raises(InputError, match=says):
        reg.event(kind, day)
    assert reg.count(t.event) == before and reg.count(t.commitment_event) == 0


def test_a_bad_outcome_is_refused_and_nothing_is_written(reg: Reg) -> None:
    before = reg.count(t.event)
    cases = [
        (("security_2024.consultations", "met", D(2026, 1, 1)), "not triggered yet"),
        (("security_2024.no_forces", "late", D(2026, 1, 1)), "no due date to be late for"),
        (("urif.data", "fine", D(2026, 1, 1)), "status: expected one of met, late, breached, waived"),
        (("urif.data", "met", D(2026, 7, 1)), "after today"),
    ]
    for args, says in cases:
        with pytest.raises(InputError, match=says):
            reg.record(*args)
    with pytest.raises(InputError, match="at least one evidence file"):
        reg.record("urif.data", "met", D(2026, 3, 1), files=[])
    with pytest.raises(NotFound, match="no commitment urif.nothing"):
        reg.record("urif.nothing", "met", D(2026, 3, 1))
    assert reg.count(t.event) == before and reg.count(t.document) == 0


def test_a_standing_commitment_can_be_recorded_breached_or_waived(reg: Reg) -> None:
    reg.record(
        "urif.no_better_terms", "breached", D(2026, 4, 1), files=[("letter.pdf", b"%PDF-1.4 better terms")]
    )
    assert reg.line("urif.no_better_terms").status == "breached"


def test_verify_names_an_edited_outcome_and_an_edited_evidence_file(reg: Reg) -> None:
    reg.record("urif.no_better_terms", "breached", D(2026, 4, 1))
    reg.event("armed_attack", D(2026, 2, 10))
    assert failed(reg.engine) == {}
    dialect = reg.engine.dialect.name
    with db.write(reg.engine) as conn:
        for table in ("commitment_record", "document", "commitment_event"):
            for s in drop_guard_statements(dialect, table):
                conn.exec_driver_sql(s)
        conn.execute(update(t.commitment_record).values(status="met"))
        conn.execute(update(t.document).values(content=b"Nothing happened.\n"))
    found = failed(reg.engine)["commitments register"]
    assert any(
        "commitment record 1 (urif.no_better_terms): the stored row differs from the signed log "
        "(fields status)" in d
        for d in found
    ), found
    assert any("its evidence" in d and "is missing or no longer has that hash" in d for d in found), found
    assert any(x.check == "database guards" for x in verify(reg.engine).results if not x.ok)
    with db.write(reg.engine) as conn:
        conn.execute(delete(t.commitment_event))
    assert any(
        "commitments.event, but its row is missing" in d for d in failed(reg.engine)["commitments register"]
    )


def test_tags_name_an_area_and_an_investment(reg: Reg) -> None:
    with db.write(reg.engine) as conn, pytest.raises(InputError) as caught:
        register.tag(conn, "officer", 99, "space_race")
    text = caught.value.render()
    assert "area: expected one of defence_deterrence" in text and "INVESTMENT: no such investment" in text
