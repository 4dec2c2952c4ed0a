"""Issue 13: every list route is paginated with one maximum page size (bounds.MAX_PAGE_ITEMS), and a page out
of
bounds is refused with 422 naming the bound, never clamped. The routes are found in the OpenAPI document, so a
new
list route is covered (or, if it answers a bare list, must be named in UNPAGED with why it is bounded)."""

from __future__ import annotations

import pytest

from jointfund.bounds import MAX_PAGE_ITEMS

from .conftest import bearer

pytestmark = pytest.mark.storage

# GET routes that answer a whole list, and what bounds it (so none can grow without limit unnoticed).
UNPAGED = {
    "/api/members": "the seats of the bodies the terms define",
    "/api/ledger/accounts": "the chart of accounts",
    "/api/checkpoints": "one latest checkpoint per partner and the signed ones",
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
    paged = set(list_routes(client))
    assert {
        "/api/proposals",
        "/api/ledger/entries",
        "/api/applications",
        "/api/audit",
        "/api/revenue/receipts",
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
