"""The API's hand-made changes to the books (issue 16, joint control): an expense, and a journal entry posted
or reversed by hand, each need a seated member's countersignature; the API gives the bytes to sign, and
refuses the change alone, with a signature over other content, or for a caller without the right. Both
backends."""

from __future__ import annotations

import base64

import pytest
from budget.test_web import _budget

from jointfund.governance import canonical
from jointfund.verify import verify

from .conftest import bearer

pytestmark = pytest.mark.storage
SIGNER = "ua-board-1"


def _signed(site, client, url: str, body: dict, h: dict) -> dict:  # noqa: ANN001
    """`body` with the member's signature over the bytes the API says it will countersign."""
    member = site.members[SIGNER]
    asked = client.post(url, json={**body, "member": member}, headers=h)
    assert asked.status_code == 200, asked.text
    raw = base64.b64decode(asked.json()["message_base64"])
    assert asked.json()["message"].encode() == raw
    return {**body, "member": member, "signature": canonical.sign(site.keys[SIGNER], raw)}


def test_an_expense_through_the_api_takes_a_countersignature(client, site) -> None:  # noqa: ANN001
    _budget(site)
    h = bearer(site, "administrator")
    body = {
        "line": "ADM-2026",
        "amount": "100.00",
        "currency": "USD",
        "date": "2026-01-05",
        "reference": "INV-API-1",
        "evidence_name": "invoice.pdf",
        "evidence_base64": base64.b64encode(b"%PDF-1.4 an invoice").decode(),
    }
    alone = client.post("/api/expenses", json=body, headers=h)
    assert alone.status_code == 403 and "needs a second person" in alone.text
    signed = _signed(site, client, "/api/expenses/countersign-request", body, h)
    other = client.post("/api/expenses", json={**signed, "amount": "99.00"}, headers=h)
    assert other.status_code == 403 and "does not verify with the key of member" in other.text
    bad = client.post("/api/expenses", json={**signed, "evidence_base64": "%%%"}, headers=h)
    assert bad.status_code == 422 and "evidence_base64" in bad.text
    made = client.post("/api/expenses", json=signed, headers=h)
    assert made.status_code == 201, made.text
    assert made.json()["reference"] == "INV-API-1" and made.json()["amount"] == "100.00"
    denied = client.post("/api/expenses", json=signed, headers=bearer(site, "auditor"))
    assert denied.status_code == 403 and "may not" in denied.text
    assert verify(site.engine).ok


def test_an_entry_posted_and_reversed_by_hand_through_the_api_takes_a_countersignature(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "administrator")
    terms = site.fund.base_terms()
    cash, fee = terms.account_name("cash", currency="USD"), "Expenses:Administration"
    body = {
        "date": "2026-01-05",
        "narration": "Bank fee",
        "key": "BANK-API-1",
        "postings": [
            {"account": fee, "amount": "25.00", "currency": "USD"},
            {"account": cash, "amount": "-25.00", "currency": "USD"},
        ],
    }
    alone = client.post("/api/ledger/entries", json=body, headers=h)
    assert alone.status_code == 403 and "entry of entry:manual:BANK-API-1 needs a second person" in alone.text
    signed = _signed(site, client, "/api/ledger/entries/countersign-request", body, h)
    other = client.post("/api/ledger/entries", json={**signed, "narration": "Bank fees"}, headers=h)
    assert other.status_code == 403 and "does not verify" in other.text
    posted = client.post("/api/ledger/entries", json=signed, headers=h)
    assert posted.status_code == 201, posted.text
    entry = posted.json()
    assert entry["key"] == "manual:BANK-API-1" and entry["reverses"] is None
    undo = {"date": "2026-01-06", "key": "BANK-API-1-REV"}
    url = f"/api/ledger/entries/{entry['seq']}/reversal"
    assert client.post(url, json=undo, headers=h).status_code == 403
    reversed_ = client.post(url, json=_signed(site, client, f"{url}/countersign-request", undo, h), headers=h)
    assert reversed_.status_code == 201, reversed_.text
    assert reversed_.json()["reverses"] == entry["seq"]
    assert verify(site.engine).ok
