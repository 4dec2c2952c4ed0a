"""The list of proposals (issue 12): search, "waiting for my vote" and paging, in the API and on the web
page."""

from __future__ import annotations

import re

import pytest
from support import authority_key

from jointfund.governance import book, canonical, proposal, user
from jointfund.ledger import authority
from jointfund.store import db
from jointfund.web import pages

from .conftest import bearer, sign_in
from .site import DAY

pytestmark = pytest.mark.storage


def propose(site, title: str, kind: str = "budget", proposer: str = "us-board-2") -> int:  # noqa: ANN001
    with db.write(site.engine) as conn:
        d = proposal.draft(conn, site.fund, kind, title, proposer, DAY)
        signed = canonical.sign(site.keys[proposer], canonical.proposal_bytes(site.fund.id, d))
        return proposal.submit(conn, site.fund, "test", d, signed).id


def link(site, role: str, member_name: str) -> None:  # noqa: ANN001
    with db.write(site.engine) as conn:
        m = book.members(conn, [site.members[member_name]])[0]
        st = authority.statement(site.fund.id, m.partner, "user.member", user=site.name(role), member=m.id)
        user.link_member(
            conn, site.fund.id, "admin", site.name(role), m.id, st.signed(authority_key(m.partner))
        )


def ids(page: dict) -> list[int]:
    return [p["id"] for p in page["items"]]


def test_the_api_searches_and_says_what_waits_for_my_vote(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "board_manager")
    other = propose(site, "Ремонт мосту в Києві", kind="other")
    assert ids(client.get("/api/proposals", params={"q": "МОСТУ"}, headers=h).json()) == [other]
    assert ids(client.get("/api/proposals", params={"q": str(other)}, headers=h).json()) == [other]
    assert ids(client.get("/api/proposals", params={"kind": "other"}, headers=h).json()) == [other]
    assert (
        ids(client.get("/api/proposals", params={"mine": True}, headers=h).json()) == []
    )  # linked to no seat
    link(site, "board_manager", "ua-board-1")
    assert ids(client.get("/api/proposals", params={"mine": True}, headers=h).json()) == [
        site.proposal.id,
        other,
    ]
    r = client.get("/api/proposals", params={"q": "x" * 201}, headers=h)
    assert r.status_code == 422


def test_the_page_filters_searches_and_pages(client, site, monkeypatch) -> None:  # noqa: ANN001
    made = [propose(site, f"Office lease {n}") for n in range(4)]
    monkeypatch.setattr(pages, "PROPOSALS_PER_PAGE", 2)
    sign_in(client, site, "board_manager")

    def shown(**params: str) -> tuple[list[int], str]:
        html = client.get("/proposals", params=params).text
        return [int(x) for x in re.findall(r'<a href="/proposals/(\d+)">', html)], html

    first, html = shown(q="office lease")
    assert first == made[::-1][:2]  # newest first, two a page
    assert "Previous" not in html and "Next" in html
    following = re.search(r'href="\?([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    html = client.get(f"/proposals?{following}").text
    second = [int(x) for x in re.findall(r'<a href="/proposals/(\d+)">', html)]
    assert second == made[::-1][2:] and "Previous" in html and 'rel="next"' not in html
    assert shown(state="approved")[0] == []
    assert "No proposal matches." in shown(state="approved")[1]
    assert shown(kind="other")[0] == []
    assert "Waiting for my vote" not in html  # no seat is linked to this user: the filter is not offered
    link(site, "board_manager", "us-board-3")
    mine, html = shown(mine="yes", q="lease")
    assert mine == made[::-1][:2] and "Waiting for my vote" in html
    uk = client.get("/proposals", params={"lang": "uk", "state": "open"}).text
    assert "Чекають на мій голос" in uk and "Пошук" in uk
