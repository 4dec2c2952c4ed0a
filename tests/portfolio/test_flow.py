"""One application from submission to disbursements, income, a valuation and a write-off, on both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jointfund.errors import Refused

D = dt.date


def test_an_application_becomes_an_investment_only_by_executed_decisions(folio) -> None:  # noqa: ANN001
    folio.fund_cash()
    app = folio.submit()
    assert folio.stage(app.id) == "submitted"
    inv = folio.invest(app.id, "20000000.00", D(2026, 2, 2))
    assert folio.stage(app.id) == "committed"
    assert folio.balance("commitment_undrawn") == Decimal("-20000000.00")

    folio.decide("disbursement", D(2026, 3, 1), amount="5000000.00", currency="USD", about=inv.link)
    assert folio.stage(app.id) == "disbursing"
    folio.decide("disbursement", D(2026, 4, 1), amount="3000000.00", currency="USD", about=inv.link)
    pos = folio.position(inv, D(2026, 4, 30))
    assert (pos.disbursed, pos.undrawn, pos.cost) == (Decimal("8000000.00"), Decimal("12000000.00"), Decimal("8000000.00"))

    pid = folio.decide("disbursement", D(2026, 5, 1), execute=False, amount="12000000.01", currency="USD", about=inv.link)
    with pytest.raises(Refused, match="only 12000000.00 of INV-1's commitment is undrawn"):
        folio.execute(pid, D(2026, 5, 1))

    folio.decide("valuation", D(2026, 6, 30), amount="9000000.00", currency="USD", about=inv.link)
    pos = folio.position(inv, D(2026, 6, 30))
    assert (pos.value, pos.revaluation) == (Decimal("9000000.00"), Decimal("1000000.00"))

    folio.move(app.id, "written_off", D(2026, 7, 1), "the mine flooded")
    pos = folio.position(inv, D(2026, 7, 1))
    assert (pos.cost, pos.revaluation, pos.undrawn, pos.value) == (0, 0, 0, 0)
    assert folio.balance("write_offs") == Decimal("8000000.00")
