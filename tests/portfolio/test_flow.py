"""One application from submission to disbursements, income, a valuation and a write-off, on both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jointfund.errors import Refused
from jointfund.ledger import journal, log
from jointfund.portfolio import application, commitments
from jointfund.store import db

D = dt.date


def _memo(folio, day: dt.date) -> list[tuple]:  # noqa: ANN001
    """The investee lines of the memo register: (investment, committed, drawn, undrawn, cancelled)."""
    with db.transaction(folio.engine) as conn:
        lines = commitments.register(conn, folio.fund, day)
    return [(x.subject, x.committed, x.drawn, x.undrawn, x.cancelled) for x in lines if x.kind == "investee"]


def _balance_sheet(folio) -> dict[str, Decimal]:  # noqa: ANN001
    with db.transaction(folio.engine) as conn:
        return {
            a: v for a, _c, v in journal.trial_balance(conn) if a.split(":")[0] in ("Assets", "Liabilities")
        }


def test_an_application_becomes_an_investment_only_by_executed_decisions(folio) -> None:  # noqa: ANN001
    folio.fund_cash()
    app = folio.submit()
    assert folio.stage(app.id) == "submitted"
    inv = folio.invest(app.id, "20000000.00", D(2026, 2, 2), signed=False)
    assert folio.stage(app.id) == "approved"  # the board's execution approves and records the commitment
    assert _memo(folio, D(2026, 2, 2)) == [("INV-1", Decimal("20000000.00"), 0, Decimal("20000000.00"), 0)]
    assert _balance_sheet(folio) == {"Assets:Cash:USD": Decimal("100000000.00")}  # a promise is not posted
    folio.move(app.id, "committed", D(2026, 2, 20), "investment agreement signed")
    assert folio.stage(app.id) == "committed"

    folio.decide("disbursement", D(2026, 3, 1), amount="5000000.00", currency="USD", about=inv.link)
    assert folio.stage(app.id) == "disbursing"
    folio.decide("disbursement", D(2026, 4, 1), amount="3000000.00", currency="USD", about=inv.link)
    pos = folio.position(inv, D(2026, 4, 30))
    assert (pos.disbursed, pos.undrawn, pos.cost) == (
        Decimal("8000000.00"),
        Decimal("12000000.00"),
        Decimal("8000000.00"),
    )
    assert _memo(folio, D(2026, 4, 30)) == [
        ("INV-1", Decimal("20000000.00"), Decimal("8000000.00"), Decimal("12000000.00"), 0)
    ]

    pid = folio.decide(
        "disbursement", D(2026, 5, 1), execute=False, amount="12000000.01", currency="USD", about=inv.link
    )
    with pytest.raises(Refused, match="only 12000000.00 of INV-1's commitment is undrawn"):
        folio.execute(pid, D(2026, 5, 1))

    folio.decide("valuation", D(2026, 6, 30), amount="9000000.00", currency="USD", about=inv.link)
    pos = folio.position(inv, D(2026, 6, 30))
    assert (pos.value, pos.revaluation) == (Decimal("9000000.00"), Decimal("1000000.00"))

    folio.move(app.id, "written_off", D(2026, 7, 1), "the mine flooded")
    pos = folio.position(inv, D(2026, 7, 1))
    assert (pos.cost, pos.revaluation, pos.undrawn, pos.value) == (0, 0, 0, 0)
    assert folio.balance("write_offs") == Decimal("8000000.00")
    # The write-off cancels what was left undrawn, in the register; before it, the register still shows it.
    assert _memo(folio, D(2026, 7, 1)) == [
        ("INV-1", Decimal("20000000.00"), Decimal("8000000.00"), 0, Decimal("12000000.00"))
    ]
    assert _memo(folio, D(2026, 6, 30))[0][3] == Decimal("12000000.00")


def test_executing_an_investment_proposal_approves_and_books_the_commitment_only(folio) -> None:  # noqa: ANN001
    app = folio.submit()
    folio.to_due_diligence(app.id, D(2026, 2, 2))
    pid = folio.decide(
        "investment",
        D(2026, 2, 2),
        execute=False,
        amount="20000000.00",
        currency="USD",
        about=f"application:{app.id}",
    )
    assert folio.stage(app.id) == "recommended"
    assert folio.execute(pid, D(2026, 2, 2)).effect == "APP-1 is approved: INV-1 committed 20000000.00 USD"
    with db.transaction(folio.engine) as conn:
        moves = application.history(conn, app.id)
        entries = list(journal.entries(conn, link="investment:1"))
    assert [(m.from_stage, m.to_stage, m.proposal) for m in moves[-1:]] == [("recommended", "approved", pid)]
    assert entries == []  # the commitment is the investment's record and the memo register, not an entry
    assert _memo(folio, D(2026, 2, 2)) == [("INV-1", Decimal("20000000.00"), 0, Decimal("20000000.00"), 0)]
    assert _memo(folio, D(2026, 2, 1)) == []  # not yet committed

    with pytest.raises(Refused, match="approved to disbursing"):  # a tranche needs the agreement first
        folio.move(app.id, "disbursing", D(2026, 2, 3))
    folio.move(app.id, "committed", D(2026, 2, 20), "investment agreement signed")
    with db.transaction(folio.engine) as conn:
        signed = application.history(conn, app.id)[-1]
    assert (signed.from_stage, signed.to_stage, signed.proposal, signed.reason) == (
        "approved",
        "committed",
        None,
        "investment agreement signed",
    )


def test_a_tranche_before_the_agreement_is_signed_is_refused_and_writes_nothing(folio, monkeypatch) -> None:  # noqa: ANN001
    folio.fund_cash()
    app = folio.submit()
    inv = folio.invest(app.id, "20000000.00", D(2026, 2, 2), signed=False)
    pid = folio.decide(
        "disbursement", D(2026, 3, 1), execute=False, amount="5000000.00", currency="USD", about=inv.link
    )
    with db.transaction(folio.engine) as conn:
        before = log.size(conn)
    posted = []
    monkeypatch.setattr(
        journal, "post", lambda *a, **k: posted.append(a) or []
    )  # the refusal comes before any post
    with pytest.raises(
        Refused,
        match=r"APP-1 is approved: an executed disbursement proposal acts on an application "
        r"only when it is committed \(Committed: investment agreement signed\) or "
        r"disbursing \(Disbursing\); first a person records its move to committed",
    ):
        folio.execute(pid, D(2026, 3, 1))
    monkeypatch.undo()
    assert posted == []
    with db.transaction(folio.engine) as conn:
        assert log.size(conn) == before
    assert folio.stage(app.id) == "approved"
    assert (
        folio.standing(pid, D(2026, 3, 1)).state == "approved"
    )  # still to be executed once the agreement is signed
    assert folio.position(inv, D(2026, 3, 1)).disbursed == 0

    folio.move(app.id, "committed", D(2026, 3, 2), "investment agreement signed")
    folio.execute(pid, D(2026, 3, 2))
    assert folio.stage(app.id) == "disbursing"
    assert folio.position(inv, D(2026, 3, 2)).disbursed == Decimal("5000000.00")


def test_a_deal_that_falls_through_after_approval_cancels_its_commitment(folio) -> None:  # noqa: ANN001
    app = folio.submit()
    inv = folio.invest(app.id, "20000000.00", D(2026, 2, 2), signed=False)
    with pytest.raises(
        Refused, match="approved to written_off"
    ):  # nothing was paid: there is nothing to write off
        folio.move(app.id, "written_off", D(2026, 3, 1))
    folio.move(app.id, "declined", D(2026, 3, 1), "the sponsor would not sign the agreement")
    pos = folio.position(inv, D(2026, 3, 1))
    assert (pos.committed, pos.undrawn, pos.cost) == (Decimal("20000000.00"), 0, 0)
    assert _memo(folio, D(2026, 3, 1)) == [("INV-1", Decimal("20000000.00"), 0, 0, Decimal("20000000.00"))]
    assert _memo(folio, D(2026, 2, 28)) == [("INV-1", Decimal("20000000.00"), 0, Decimal("20000000.00"), 0)]
