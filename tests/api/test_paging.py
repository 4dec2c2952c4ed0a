"""Issue 13: every list route is paginated with one maximum page size (bounds.MAX_PAGE_ITEMS), and a page out
of
bounds is refused with 422 naming the bound, never clamped. The routes are found in the OpenAPI document, so a
new
list route is covered (or, if it answers a bare list, must be named in UNPAGED with why it is bounded)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jointfund.bounds import MAX_PAGE_ITEMS
from jointfund.capital import calls
from jointfund.governance import book, countersign
from jointfund.store import db

from .conftest import bearer
from .site import DAY
from .test_corrections import SIGNER, _countersigned
from .test_uploads import licences
from .test_workspace import upload

pytestmark = pytest.mark.storage

# GET routes that answer a whole list, and what bounds it (so none can grow without limit unnoticed).
UNPAGED = {
    "/api/members": "the seats of the bodies the terms define",
    "/api/ledger/accounts": "the chart of accounts",
    "/api/revenue/calendar": "one year's deadlines",
    "/api/reports/eiti": "one year's report rows",
}


def list_routes(client) -> list[str]:  # noqa: ANN001
    spec = client.get("/api/openapi.json").json()
    return sorted(
        path
        for path, ops in spec["paths"].items()
        if "get" in ops and any(p["name"] == "limit" for p in ops["get"].get("parameters", []))
    )


def test_every_list_route_is_paged_or_named(client) -> None:  # noqa: ANN001
    spec = client.get("/api/openapi.json").json()
    rule = spec["info"]["description"]
    assert f"1 to {MAX_PAGE_ITEMS}" in rule and "refused with 422" in rule and "next_offset" in rule
    paged = set(list_routes(client))
    assert {
        "/api/proposals",
        "/api/ledger/entries",
        "/api/applications",
        "/api/audit",
        "/api/revenue/receipts",
        "/api/revenue/licences",
        "/api/revenue/contributions/totals",
        "/api/ledger/balances",
        "/api/investments",
        "/api/checkpoints",
    } <= paged
    for path, ops in spec["paths"].items():
        get = ops.get("get")
        if get is None or path in paged:
            continue
        schema = (
            get["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        )
        if schema.get("type") == "array":
            assert path in UNPAGED, (
                f"{path} answers a whole list: page it (Paging) or say in UNPAGED what bounds it"
            )
    for path in paged:
        limit = next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == "limit")
        assert limit["schema"]["maximum"] == MAX_PAGE_ITEMS and limit["schema"]["minimum"] == 1
        assert f"from 1 to {MAX_PAGE_ITEMS}" in limit["description"] and "refused" in limit["description"]


def test_limits_are_refused_and_pages_follow_on(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "administrator")
    routes = list_routes(client)
    assert len(routes) >= 10
    for path in routes:
        for bad in (MAX_PAGE_ITEMS + 1, 10**9, 0, -1):
            r = client.get(path, params={"limit": bad}, headers=h)
            assert r.status_code == 422, (path, bad, r.status_code)
            error = r.json()["error"]
            assert error["field"] == "limit", (path, error)
            assert str(MAX_PAGE_ITEMS if bad > 0 else 1) in error["message"], (path, error)
        assert client.get(path, params={"offset": -1}, headers=h).status_code == 422, path
        whole = client.get(path, params={"limit": MAX_PAGE_ITEMS}, headers=h)
        assert whole.status_code == 200, (path, whole.text)
        everything = whole.json()
        assert len(everything["items"]) <= MAX_PAGE_ITEMS and everything["limit"] == MAX_PAGE_ITEMS
        # Paging by 2 gives the same rows in the same order, each page at most 2, the last one saying so.
        walked, offset, pages = [], 0, 0
        while offset is not None and pages < 6:
            page = client.get(path, params={"limit": 2, "offset": offset}, headers=h).json()
            assert len(page["items"]) <= 2 and page["offset"] == offset, (path, page)
            assert (page["next_offset"] is None) == (offset + 2 >= len(everything["items"])), (path, page)
            walked += page["items"]
            offset, pages = page["next_offset"], pages + 1
        assert walked == everything["items"][: len(walked)], path
        if offset is None:
            assert len(walked) == len(everything["items"]), path
        beyond = client.get(path, params={"limit": 2, "offset": 10**6}, headers=h).json()
        assert beyond["items"] == [] and beyond["next_offset"] is None, path


def test_audit_since_is_chosen_in_sql_and_paged(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "administrator")
    every = client.get("/api/audit", params={"limit": MAX_PAGE_ITEMS}, headers=h).json()["items"]
    assert len(every) >= 3
    assert client.get("/api/audit", params={"since": "2099-01-01"}, headers=h).json()["items"] == []
    assert (
        client.get("/api/audit", params={"since": "2000-01-01", "limit": MAX_PAGE_ITEMS}, headers=h).json()[
            "items"
        ]
        == every
    )
    day = every[-1]["recorded_at"][:10]
    later = [e for e in every if e["recorded_at"][:10] >= day]
    page = client.get("/api/audit", params={"since": day, "limit": 1, "offset": 1}, headers=h).json()
    assert page["items"] == later[1:2]


def walk(client, path: str, params: dict, h: dict, size: int = 2) -> list:  # noqa: ANN001
    """Every item of `path` with `params`, fetched `size` at a time; each page but the last says where the
    next is."""
    items, offset = [], 0
    while offset is not None:
        page = client.get(path, params={**params, "limit": size, "offset": offset}, headers=h).json()
        assert len(page["items"]) <= size and page["offset"] == offset, page
        items += page["items"]
        offset = page["next_offset"]
    return items


def test_licences_are_chosen_in_sql_by_their_corrected_values(client, site) -> None:  # noqa: ANN001
    upload(client, site, "licences", licences(5).decode())
    officer = bearer(site, "treasury_officer")
    fixed = client.post(
        "/api/revenue/licences/SP-2/corrections",
        json={
            "field": "region",
            "value": "Lviv",
            "reason": "the registry's typo",
            # A correction needs a seated member's countersignature (issue 16, four eyes).
            **_countersigned(
                site,
                site.name("treasury_officer"),
                "licence",
                "SP-2",
                [("region", "Kirovohrad", "Lviv")],
                "the registry's typo",
            ),
        },
        headers=officer,
    )
    assert fixed.status_code == 201, fixed.text
    every = walk(client, "/api/revenue/licences", {}, officer)
    assert [x["licence_id"] for x in every] == [f"SP-{i}" for i in range(5)]
    assert [x["region"] for x in every] == ["Kirovohrad"] * 2 + ["Lviv"] + ["Kirovohrad"] * 2
    kirovohrad = walk(client, "/api/revenue/licences", {"region": "Kirovohrad"}, officer)
    assert [x["licence_id"] for x in kirovohrad] == ["SP-0", "SP-1", "SP-3", "SP-4"]
    lviv = walk(client, "/api/revenue/licences", {"region": "Lviv", "resource": "lithium"}, officer)
    assert [x["licence_id"] for x in lviv] == ["SP-2"]
    assert walk(client, "/api/revenue/licences", {"region": "Lviv", "resource": "gold"}, officer) == []
    page = client.get("/api/revenue/licences", params={"limit": 1, "offset": 3}, headers=officer).json()
    assert [x["licence_id"] for x in page["items"]] == ["SP-3"] and page["next_offset"] == 4


def test_balances_are_filtered_summed_and_paged_in_sql(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "auditor")
    terms = site.fund.base_terms()
    with db.transaction(site.engine) as conn:
        m = next(m for m in book.members(conn) if m.name == SIGNER)
    cs = {"actor": "test", "countersigner": lambda request: countersign.sign(request, m, site.keys[SIGNER])}
    with db.write(site.engine) as conn:  # capital called and paid: balances over parents and their children
        for p in terms.partner_codes:
            calls.commit(conn, terms, p, Decimal("1000000.00"), "USD", DAY, f"C-{p}")
        calls.issue_call(conn, site.fund, Decimal("1000000.00"), "USD", DAY, "CALL-1", **cs)
        for line in calls.open_calls(conn, terms):
            calls.contribute(conn, site.fund, line.reference, line.amount, DAY, f"BANK-{line.partner}", **cs)
    accounts = client.get("/api/ledger/accounts", headers=h).json()
    assert len([a for a in accounts if a["balances"]]) >= 3, accounts
    every = [
        {"account": a["name"], "currency": c, "balance": v}
        for a in accounts
        for c, v in sorted(a["balances"].items())
        if v.strip("0.-")
    ]
    assert walk(client, "/api/ledger/balances", {}, h) == sorted(
        every, key=lambda b: (b["account"], b["currency"])
    )
    for account in {a["account"].split(":")[0] for a in every}:
        below = [b for b in every if b["account"] == account or b["account"].startswith(account + ":")]
        assert sorted(walk(client, "/api/ledger/balances", {"account": account}, h), key=str) == sorted(
            below, key=str
        )
    # As of a date they are summed from the postings; with none, read from account_head: the same balances.
    assert walk(client, "/api/ledger/balances", {"as_of": DAY.isoformat()}, h) == walk(
        client, "/api/ledger/balances", {}, h
    )
    before = (DAY - dt.timedelta(days=1)).isoformat()
    assert walk(client, "/api/ledger/balances", {"as_of": before}, h) == []
    usd = walk(client, "/api/ledger/balances", {"currency": "USD"}, h)
    assert usd == [b for b in walk(client, "/api/ledger/balances", {}, h) if b["currency"] == "USD"]
    # "Assets:Cash:U" is no account: "Assets:Cash:USD" is not below it (a name, not a prefix of text).
    assert walk(client, "/api/ledger/balances", {"account": "Assets:Cash:U"}, h) == []


def test_checkpoints_are_paged_oldest_first(client, site) -> None:  # noqa: ANN001
    site.sign_checkpoints()
    site.sign_checkpoints()
    every = client.get("/api/checkpoints", params={"limit": MAX_PAGE_ITEMS}).json()["items"]
    assert len(every) >= 4 and [c["id"] for c in every] == sorted(c["id"] for c in every)
    assert walk(client, "/api/checkpoints", {}, {}, size=3) == every
    refused = client.get("/api/checkpoints", params={"limit": MAX_PAGE_ITEMS + 1})
    assert refused.status_code == 422 and str(MAX_PAGE_ITEMS) in refused.json()["error"]["message"]
