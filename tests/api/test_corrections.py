"""The API reads corrected reference data at its effective value (issue 19 §4), both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from jointfund.revenue import corrections
from jointfund.store import db

from .conftest import bearer
from .test_workspace import revenue  # noqa: F401 - the fixture: licences, rates, receipts and payments uploaded

pytestmark = pytest.mark.storage


def test_a_corrected_rate_is_listed_and_used_at_its_effective_value(client, site, revenue) -> None:  # noqa: ANN001, F811
    h = bearer(site, "auditor")
    before = client.get("/api/revenue/contributions", params={"year": 2025}, headers=h).json()["items"]
    with db.write(site.engine) as conn:
        done = corrections.correct_rate(
            conn, site.fund, "test", "USD", dt.date(2025, 10, 1), "41.2000", "NBU revised it"
        )
    assert done.rebookings >= 1
    rates = client.get("/api/revenue/fx", params={"currency": "USD"}, headers=h).json()["items"]
    assert [r["rate"] for r in rates] == ["41.2000", "42.0000"]
    after = client.get("/api/revenue/contributions", params={"year": 2025}, headers=h).json()["items"]
    assert [a["contribution"] for a in after] == [b["contribution"] for b in before]  # in UAH, as before
    assert [a["contribution_base"] for a in after] != [
        b["contribution_base"] for b in before
    ]  # in USD, at the new rate


def test_corrections_through_the_api_as_the_cli_makes_them(client, site, revenue) -> None:  # noqa: ANN001, F811
    h = bearer(site, "treasury_officer")
    body = {"date": "2025-10-01", "currency": "USD", "rate": "41.3000", "reason": "NBU revised it"}
    r = client.post("/api/revenue/fx/corrections", json=body, headers=h)
    assert r.status_code == 201, r.text
    [made] = r.json()
    assert (made["previous"], made["value"], made["supersedes"], made["actor"]) == (
        "41.5000",
        "41.3000",
        None,
        site.name("treasury_officer"),
    )
    again = client.post("/api/revenue/fx/corrections", json={**body, "rate": "41.2000"}, headers=h).json()[0]
    assert again["supersedes"] == made["correction"]
    tiny = client.post(
        "/api/revenue/fx/corrections", json={**body, "rate": "0.000000000000000000000000000001"}, headers=h
    )
    assert tiny.status_code == 422 and "outside the terms' plausible range" in tiny.text
    assert (
        client.post("/api/revenue/fx/corrections", json={**body, "reason": ""}, headers=h).status_code == 422
    )
    field = client.post(
        "/api/revenue/receipts/R-1/corrections",
        headers=h,
        json={"field": "date", "value": "2025-10-02", "reason": "wrong day"},
    )
    assert field.status_code == 422 and "--field" in field.text
    fixed = client.post(
        "/api/revenue/licences/SP-1/corrections",
        headers=h,
        json={"field": "region", "value": "Kyiv", "reason": "renamed"},
    )
    assert fixed.status_code == 201 and fixed.json()[0]["field"] == "region"
    assert (
        client.post(
            "/api/revenue/receipts/R-404/corrections",
            headers=h,
            json={"field": "amount", "value": "1.00", "reason": "x"},
        ).status_code
        == 404
    )
    denied = client.post("/api/revenue/fx/corrections", json=body, headers=bearer(site, "auditor"))
    assert denied.status_code == 403
