"""A driver for portfolio tests: the governance driver plus applications, investments and money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from governance.conftest import Gov

from jointfund.capital import calls
from jointfund.ledger import journal
from jointfund.portfolio import application, clearance, investment, lifecycle, sanctions, screening
from jointfund.portfolio import effects as _effects  # noqa: F401 registers the handlers of executed proposals
from jointfund.revenue.reader import Row
from jointfund.store import db

FIELDS = {
    "applicant": "Dobra Lithium Holdings",
    "applicant_code": "45123456",
    "title": "Dobra lithium mine",
    "sector": "mining",
    "region": "Kirovohrad",
    "resource": "lithium",
    "amount": "20000000.00",
    "currency": "USD",
    "instrument": "equity",
}


class Folio(Gov):
    """Seats every body once, and acts on applications and investments as the CLI's services do."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        super().__init__(engine)
        self.names = {b.code: self.seat_body(b.code) for b in self.terms.governance.bodies}

    def fund_cash(self, amount: str = "100000000.00", on: dt.date = dt.date(2025, 10, 1)) -> None:
        """Both partners' capital called and paid, pro rata to equal commitments."""
        terms = self.fund.base_terms()
        cs = self.countersigned()
        with db.write(self.engine) as conn:
            for p in terms.partner_codes:
                calls.commit(conn, terms, p, Decimal(amount), "USD", on, f"C-{p}")
            calls.issue_call(conn, self.fund, Decimal(amount), "USD", on, "CALL-1", **cs)
            for line in calls.open_calls(conn, terms):
                calls.contribute(
                    conn, self.fund, line.reference, line.amount, on, f"BANK-{line.partner}", **cs
                )

    def submit(self, on: dt.date = dt.date(2026, 1, 5), **fields: str) -> application.Application:
        with db.write(self.engine) as conn:
            return application.submit(conn, self.fund, "test", [Row(0, "--field", {**FIELDS, **fields})], on)[
                0
            ][0]

    def move(
        self, app_id: int, target: str, on: dt.date = dt.date(2026, 1, 6), reason: str = "because"
    ) -> None:
        if target in self.terms.pipeline.screening.stages:
            self.screened(app_id, on)
        with db.write(self.engine) as conn:
            lifecycle.move_by_person(conn, self.fund, "test", app_id, target, on, reason)

    def screened(self, app_id: int, on: dt.date) -> None:
        """A cleared sanctions screening, as the screened stages need: against a one-entry list nobody
        matches."""
        with db.write(self.engine) as conn:
            if not clearance.lists(conn):
                nobody = sanctions.Target(
                    "T-1", sanctions.PERSON, "Nobody Atall", (), ("1900",), (), (), "test"
                )
                sanctions.record(
                    conn, "test", "test_list", sanctions.OPENSANCTIONS, [nobody], "0" * 64, "test", on
                )
            mine = clearance.screenings(conn, app_id)
            if not mine or clearance.outcomes(conn, [mine[-1].id]).get(mine[-1].id) is None:
                assert screening.screen(conn, self.fund, "test", app_id, on).outcome is not None

    def decide(self, kind: str, on: dt.date, execute: bool = True, **kw) -> int:  # noqa: ANN003
        """A proposal of `kind`, approved by every seat of its body (recommended first when needed)."""
        body = self.terms.decision(kind).body
        p = self.propose(kind, self.names[body][0], on, **kw)
        if p.requires_recommendation:
            rec = self.propose(
                next(d.kind for d in self.terms.governance.decisions if d.body == p.requires_recommendation),
                self.names[p.requires_recommendation][0],
                on,
                about=f"proposal:{p.id}",
            )
            self.approve(rec.id, on)
            self.execute(rec.id, on)
        self.approve(p.id, on)
        if execute:
            self.execute(p.id, on)
        return p.id

    def approve(self, pid: int, on: dt.date) -> None:
        with db.transaction(self.engine) as conn:
            from jointfund.governance import proposal

            body = proposal.get(conn, pid).body
        for n in self.names[body]:
            if self.vote(pid, n, "approve", on).state != "open":
                return

    def to_due_diligence(self, app_id: int, on: dt.date = dt.date(2026, 1, 10)) -> None:
        self.move(app_id, "screening", on)
        self.decide("screening", on, about=f"application:{app_id}")

    def invest(
        self, app_id: int, amount: str = "20000000.00", on: dt.date = dt.date(2026, 2, 2), signed: bool = True
    ) -> investment.Investment:
        """The board's executed investment proposal (approved, commitment booked), then, when `signed`, the
        administrator's record of the signed agreement (committed): tranches may be paid from there."""
        self.to_due_diligence(app_id, on)
        self.decide("investment", on, amount=amount, currency="USD", about=f"application:{app_id}")
        if signed:
            self.move(app_id, "committed", on, "investment agreement signed")
        with db.transaction(self.engine) as conn:
            inv = investment.of_application(conn, app_id)
        assert inv is not None
        return inv

    def stage(self, app_id: int) -> str:
        with db.transaction(self.engine) as conn:
            return application.stage_of(conn, app_id).to_stage

    def position(self, inv: investment.Investment, on: dt.date) -> investment.Position:
        with db.transaction(self.engine) as conn:
            return investment.position(conn, self.fund, inv, on)

    def balance(self, role: str, on: dt.date | None = None, **names: str) -> Decimal:
        with db.transaction(self.engine) as conn:
            return journal.balance(conn, self.terms.account_name(role, **names), on).get("USD", Decimal(0))


@pytest.fixture
def folio(fund_engine) -> Folio:  # noqa: ANN001
    return Folio(fund_engine)
