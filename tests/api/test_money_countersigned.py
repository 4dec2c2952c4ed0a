"""Transfers, capital calls and contributions over HTTP (issue 16, joint control): the caller gets the bytes a
seated member countersigns from the route's /countersignature (nothing written), the member signs them
elsewhere, and the caller posts the same fields with the member and signature. Without it, or with a
signature of other fields, the change is refused and nothing is written. Both backends."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from jointfund.capital import calls
from jointfund.governance import canonical
from jointfund.store import db
from jointfund.verify import verify

from .conftest import bearer
from .site import DAY
from .test_corrections import SIGNER
from .test_workspace import revenue  # noqa: F401 - the fixture: licences, rates, receipts and payments uploaded

pytestmark = pytest.mark.storage


def signed(client, site, path: str, body: dict, h: dict) -> dict:  # noqa: ANN001
    """The body with member SIGNER's countersignature of the bytes the route's /countersignature gives."""
    member = site.members[SIGNER]
    r = client.post(f"{path}/countersign-request", json={**body, "member": member}, headers=h)
    assert r.status_code == 200, r.text
    message = base64.b64decode(r.json()["message_base64"])
    return {**body, "member": member, "signature": canonical.sign(site.keys[SIGNER], message)}


def test_a_transfer_needs_a_countersignature_over_http(client, site, revenue) -> None:  # noqa: ANN001, F811
    h = bearer(site, "treasury_officer")
    body = {
        "partner": "UA",
        "date": "2025-11-03",
        "amount": "1000.00",
        "currency": "UAH",
        "reference": "T-API",
        "period": 2025,
    }
    alone = client.post("/api/transfers", json=body, headers=h)
    assert alone.status_code == 403 and "needs a second person" in alone.text
    missing = client.post("/api/transfers/countersign-request", json=body, headers=h)
    assert missing.status_code == 422 and "member" in missing.text
    asked = client.post(
        "/api/transfers/countersign-request", json={**body, "member": site.members[SIGNER]}, headers=h
    ).json()
    assert (asked["kind"], asked["subject"]) == ("transfer", "transfer:T-API")
    assert json.loads(asked["message"])["fields"]["amount"] == "1000.00"
    assert asked["message"] == base64.b64decode(asked["message_base64"]).decode()
    good = signed(client, site, "/api/transfers", body, h)
    other = client.post(
        "/api/transfers", json={**good, "amount": "1000.01"}, headers=h
    )  # not what was signed
    assert other.status_code == 403 and "does not verify" in other.text
    done = client.post("/api/transfers", json=good, headers=h)
    assert done.status_code == 201, done.text
    assert (done.json()["paid"], done.json()["paid_currency"]) == ("1000.00", "UAH")
    again = client.post("/api/transfers", json=body, headers=h)  # the same transfer: a no-op, nothing to sign
    assert again.status_code == 201 and again.json()["entry"] == done.json()["entry"]
    report = verify(site.engine)
    assert report.ok, report.first_failure


def test_a_call_and_a_contribution_need_a_countersignature_over_http(client, site) -> None:  # noqa: ANN001
    terms = site.fund.base_terms()
    with db.write(site.engine) as conn:
        for p in terms.partner_codes:
            calls.commit(conn, terms, p, Decimal("1000.00"), "USD", DAY, f"C-{p}")
    h = bearer(site, "administrator")
    call = {"amount": "100.01", "currency": "USD", "date": DAY.isoformat(), "reference": "CALL-API"}
    alone = client.post("/api/capital/calls", json=call, headers=h)
    assert (
        alone.status_code == 403
        and "capital.call of capital-call:CALL-API needs a second person" in alone.text
    )
    bad = client.post("/api/capital/calls", json={**call, "amount": "1,000"}, headers=h)
    assert bad.status_code == 422 and "amount" in bad.text
    inexact = client.post("/api/capital/calls", json={**call, "amount": "100.001"}, headers=h)
    assert inexact.status_code == 422 and "USD has 2 decimal place(s); amount has more" in inexact.text
    lines = client.post(
        "/api/capital/calls", json=signed(client, site, "/api/capital/calls", call, h), headers=h
    )
    assert lines.status_code == 201, lines.text
    assert sorted(x["amount"] for x in lines.json()) == ["50.00", "50.01"]
    line = next(x for x in lines.json() if x["amount"] == "50.01")
    paid = {"call": line["reference"], "amount": "50.01", "date": DAY.isoformat(), "receipt": "BANK-API"}
    alone = client.post("/api/capital/contributions", json=paid, headers=h)
    assert alone.status_code == 403 and "needs a second person" in alone.text
    done = client.post(
        "/api/capital/contributions",
        json=signed(client, site, "/api/capital/contributions", paid, h),
        headers=h,
    )
    assert done.status_code == 201 and done.json()["outstanding"] == "0.00", done.text
    report = verify(site.engine)
    assert report.ok, report.first_failure
