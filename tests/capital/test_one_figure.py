"""One capital figure everywhere: on the demo fund, every surface shows each partner's capital and ownership
share as the one function computes them (capital.accounts): the public page, the dashboard, /capital, the API,
`capital accounts`, the capital statement, `report financials`, the HTML fund report and the forecast's start
state.
Before, the public page and the dashboard showed the partners' cash capital only, without Ukraine's revenue
contributions, and the other surfaces each their own sum; on both backends."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from api.conftest import csrf_of
from conftest import Cli
from fastapi.testclient import TestClient

from jointfund import fund as fund_mod
from jointfund.app import create_app
from jointfund.capital.accounts import capital_accounts
from jointfund.forecast import start
from jointfund.governance import user
from jointfund.store import db

TODAY = dt.date(2026, 12, 1)


def _money(x: Decimal) -> str:
    return f"{x:,f}"


@pytest.mark.storage
def test_every_surface_shows_the_same_capital_and_shares_on_the_demo_fund(
    db_url, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setenv("JOINTFUND_TODAY", TODAY.isoformat())
    cli = Cli(db_url)
    cli("demo", "--dir", str(tmp_path / "demo"))
    engine = db.make_engine(db_url)
    try:
        with db.transaction(engine) as conn:
            info = fund_mod.load(conn)
            fc = capital_accounts(conn, info, TODAY)
            state = start.from_book(conn, info, TODAY, 41.5, 5)
        with db.write(engine) as conn:
            user.add(conn, "test", "surface.auditor", "auditor", "a long enough password 1")
        expected = {a.partner: (a.closing, a.share) for a in fc.accounts}
        assert len(expected) == 2 and all(c > 0 for c, _s in expected.values())
        assert fc.capital + fc.other_equity == fc.nav

        # The forecast starts from the same capital.
        assert dict(zip(info.terms(TODAY).partner_codes, state.capital, strict=True)) == {
            p: float(c) for p, (c, _s) in expected.items()
        }

        # The CLI: capital accounts, the statement of the quarter that holds today, the financial statements.
        doc = json.loads(cli("capital", "accounts", "--format", "json").stdout)
        assert {
            a["partner"]: (Decimal(a["closing"]), Decimal(a["share"])) for a in doc["accounts"]
        } == expected
        for p, (closing, share) in expected.items():
            rows = json.loads(
                cli("report", "statement", "--partner", p, "--period", "2026-Q4", "--format", "json").stdout
            )["sections"][0]["rows"]
            line = {r["line"]: r for r in rows}
            assert (Decimal(line["closing"]["inception_to_date"]), Decimal(line["share"]["period"])) == (
                closing,
                share,
            )
        fin = json.loads(cli("report", "financials", "--period", "2026", "--format", "json").stdout)
        assert {
            r["partner"]: (Decimal(r["capital"]), Decimal(r["share"])) for r in fin["partners"]
        } == expected

        with TestClient(create_app(engine)) as client:
            # The public page and its API, before signing in.
            summary = client.get("/api/public/summary").json()
            assert {
                c["partner"]: (Decimal(c["capital"]), Decimal(c["share"])) for c in summary["capital"]
            } == expected
            public = client.get("/").text
            token = csrf_of(client.get("/login").text)
            signed = client.post(
                "/login",
                data={"name": "surface.auditor", "password": "a long enough password 1", "csrf": token},
                follow_redirects=False,
            )
            assert signed.status_code == 303, signed.text
            api = client.get("/api/capital/accounts").json()
            assert {
                a["partner"]: (Decimal(a["closing"]), Decimal(a["share"])) for a in api["accounts"]
            } == expected
            pages = {
                "public": public,
                "dashboard": client.get("/dashboard").text,
                "capital": client.get("/capital").text,
                "fund report": client.get("/api/reports/fund.html").text,
            }
        for name, html in pages.items():
            for p, (closing, _share) in expected.items():
                assert _money(closing) in html or f"{closing:,.2f}" in html, (name, p, closing)
    finally:
        engine.dispose()
