"""A small living fund for report tests: capital, one in-kind, two investments, income, a valuation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jointfund.capital import in_kind
from jointfund.portfolio import investment
from jointfund.store import db

D = dt.date
AS_OF = D(2026, 11, 30)


def build(folio) -> None:  # noqa: ANN001
    folio.fund_cash("75000000.00", D(2025, 10, 1))
    proposer = folio.names["board"][0]
    cs = folio.countersigned()
    with db.write(folio.engine) as conn:
        _item, p = in_kind.report(
            conn,
            folio.fund,
            "test",
            "US",
            "Interceptors",
            Decimal("38500000.00"),
            "USD",
            D(2025, 11, 20),
            "MOD-1",
            proposer,
            folio.keys[proposer],
            D(2026, 1, 12),
            Decimal("36000000.00"),
            funded_by="us_funded",
            countersigner=cs["countersigner"],
        )
    folio.approve(p.id, D(2026, 1, 26))
    folio.execute(p.id, D(2026, 1, 26))
    a = folio.submit(region="Kirovohrad")
    b = folio.submit(
        title="Port berth",
        sector="ports_maritime",
        instrument="loan",
        region="Odesa",
        reference="B",
        amount="5000000.00",
    )
    folio.submit(title="Graphite plant", sector="processing", reference="C", region="Kirovohrad")
    inv = folio.invest(a.id, "20000000.00", D(2026, 2, 2))
    loan = folio.invest(b.id, "5000000.00", D(2026, 2, 9))
    folio.decide("disbursement", D(2026, 3, 1), amount="8000000.00", currency="USD", about=inv.link)
    folio.decide("disbursement", D(2026, 3, 2), amount="5000000.00", currency="USD", about=loan.link)
    folio.decide("valuation", D(2026, 9, 30), amount="9200000.00", currency="USD", about=inv.link)
    with db.write(folio.engine) as conn:
        investment.record_income(
            conn, folio.fund, loan, "interest", Decimal("225000.00"), "USD", D(2026, 9, 2), "INT-1"
        )
