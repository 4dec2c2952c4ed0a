"""Income, repayments and exits from the command line, and what they do to the investment's position."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

D = dt.date


def test_income_repayment_and_exit_from_the_command_line(folio, cli, tmp_path: Path) -> None:  # noqa: ANN001
    folio.fund_cash()
    loan = folio.invest(folio.submit(instrument="loan").id, "5000000.00", D(2026, 2, 2))
    stake = folio.invest(folio.submit(reference="E", title="Equity").id, "4000000.00", D(2026, 2, 3))
    folio.decide("disbursement", D(2026, 3, 1), amount="5000000.00", currency="USD", about=loan.link)
    folio.decide("disbursement", D(2026, 3, 1), amount="4000000.00", currency="USD", about=stake.link)
    folio.decide("valuation", D(2026, 6, 30), amount="5000000.00", currency="USD", about=stake.link)
    cli(
        "portfolio",
        "income",
        "1",
        "--kind",
        "interest",
        "--amount",
        "225000.00",
        "--currency",
        "USD",
        "--date",
        "2026-09-01",
        "--reference",
        "INT-1",
    )
    bad = cli(
        "portfolio",
        "income",
        "1",
        "--kind",
        "royalty",
        "--amount",
        "-1.00",
        "--currency",
        "EUR",
        "--reference",
        "X",
        ok=False,
    )
    assert bad.exit_code == 1 and all(w in bad.stderr for w in ("--kind", "--amount", "--currency"))
    cli(
        "portfolio",
        "repay",
        "1",
        "--amount",
        "5000000.00",
        "--currency",
        "USD",
        "--date",
        "2026-09-09",
        "--reference",
        "R-1",
    )
    again = cli(
        "portfolio", "repay", "1", "--amount", "1.00", "--currency", "USD", "--reference", "R-2", ok=False
    )
    assert again.exit_code == 1 and "no cost left" in again.stderr
    cli(
        "portfolio",
        "exit",
        "2",
        "--amount",
        "3000000.00",
        "--currency",
        "USD",
        "--cost",
        "2000000.00",
        "--date",
        "2026-10-01",
        "--reference",
        "S-1",
    )  # half the stake, valued at 2.5m, sold for 3m
    rows = {
        r["investment"]: r
        for r in json.loads(cli("portfolio", "--as-of", "2026-10-31", "--format", "json").stdout)
    }
    assert (rows["INV-1"]["received"], rows["INV-1"]["value"], rows["INV-1"]["moic"]) == (
        "5225000.00",
        "0.00",
        "1.0450",
    )
    assert (rows["INV-2"]["received"], rows["INV-2"]["value"], rows["INV-2"]["moic"]) == (
        "3000000.00",
        "2500000.00",
        "1.3750",
    )
    assert folio.balance("gains_realised") == Decimal("-1000000.00")  # 3m for a cost of 2m
    assert folio.balance("investment_revaluation") == Decimal(
        "500000.00"
    )  # half the 1m mark released with the sale
    folio.move(1, "repaid", D(2026, 10, 2), "repaid at maturity")
    early = cli("applications", "move", "2", "--to", "exited", "--reason", "sold", ok=False)
    assert early.exit_code == 1 and "still holds 2000000.00 USD at cost" in early.stderr
    cli("report", "html", "-o", str(tmp_path / "r.html"), "--as-of", "2026-10-31")
    assert "INV-2" in (tmp_path / "r.html").read_text()
