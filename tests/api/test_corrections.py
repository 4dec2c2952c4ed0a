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
        done = corrections.correct_rate(conn, site.fund, "test", "USD", dt.date(2025, 10, 1), "41.2000", "NBU revised it")
    assert done.rebookings >= 1
    rates = client.get("/api/revenue/fx", params={"currency": "USD"}, headers=h).json()["items"]
    assert [r["rate"] for r in rates] == ["41.2000", "42.0000"]
    after = client.get("/api/revenue/contributions", params={"year": 2025}, headers=h).json()["items"]
    assert [a["contribution"] for a in after] == [b["contribution"] for b in before]  # in UAH, as before
    assert [a["contribution_base"] for a in after] != [b["contribution_base"] for b in before]  # in USD, at the new rate
