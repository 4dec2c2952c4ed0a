"""The API reads corrected reference data at its effective value (issue 19 §4), both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from jointfund.governance import book, canonical, countersign
from jointfund.revenue import corrections
from jointfund.store import db

from .conftest import bearer
from .test_workspace import revenue  # noqa: F401 - the fixture: licences, rates, receipts and payments uploaded

pytestmark = pytest.mark.storage
SIGNER = "ua-board-1"
REGION = "Kirovohrad"  # SP-1's region as uploaded


def _countersigned(site, actor: str, kind: str, subject: str, changes: list, reason: str) -> dict:  # noqa: ANN001
    """The `member` and `signature` of a seated member's countersignature of the correction, as a client
    makes them: the request's canonical bytes, signed with the member's key."""
    member = site.members[SIGNER]
    asked = corrections.request(site.fund.id, actor, kind, subject, changes, reason)
    return {"member": member, "signature": canonical.sign(site.keys[SIGNER], asked.message(member))}


def test_a_corrected_rate_is_listed_and_used_at_its_effective_value(client, site, revenue) -> None:  # noqa: ANN001, F811
    h = bearer(site, "auditor")
    before = client.get("/api/revenue/contributions", params={"year": 2025}, headers=h).json()["items"]
    with db.write(site.engine) as conn:
        m = next(m for m in book.members(conn) if m.name == SIGNER)
        done = corrections.correct_rate(
            conn,
            site.fund,
            "test",
            "USD",
            dt.date(2025, 10, 1),
            "41.2000",
            "NBU revised it",
            countersigner=lambda request: countersign.sign(request, m, site.keys[SIGNER]),
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
    alone = client.post("/api/revenue/fx/corrections", json=body, headers=h)
    assert alone.status_code == 403 and "a seated member's countersignature" in alone.text
    who = site.name("treasury_officer")
    signed = _countersigned(
        site, who, "rate", "USD 2025-10-01", [("rate", "41.5000", "41.3000")], body["reason"]
    )
    other_value = client.post(
        "/api/revenue/fx/corrections", json={**body, **signed, "rate": "41.3100"}, headers=h
    )
    assert other_value.status_code == 403 and "does not verify" in other_value.text  # signed for 41.3000 only
    r = client.post("/api/revenue/fx/corrections", json={**body, **signed}, headers=h)
    assert r.status_code == 201, r.text
    [made] = r.json()
    assert (made["previous"], made["value"], made["supersedes"], made["actor"]) == (
        "41.5000",
        "41.3000",
        None,
        site.name("treasury_officer"),
    )
    changes = [("rate", "41.3000", "41.2000")]
    signed = _countersigned(site, who, "rate", "USD 2025-10-01", changes, body["reason"])
    again = client.post(
        "/api/revenue/fx/corrections", json={**body, **signed, "rate": "41.2000"}, headers=h
    ).json()[0]
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
    assert (
        field.status_code == 422
        and field.json()["error"]["loc"] == ["body", "field"]
        and "--field" not in field.text
    )
    fixed = client.post(
        "/api/revenue/licences/SP-1/corrections",
        headers=h,
        json={
            "field": "region",
            "value": "Kyiv",
            "reason": "renamed",
            **_countersigned(site, who, "licence", "SP-1", [("region", REGION, "Kyiv")], "renamed"),
        },
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
