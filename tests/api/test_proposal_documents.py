"""Proposing with supporting documents over HTTP (issue 12): draft with their hashes, sign, post the signed
proposal with the files in one request; the documents are listed on the proposal's page and download with the
same SHA-256; an over-large or substituted file is refused with a clear error and nothing is written."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from sqlalchemy import func, select

from jointfund.governance import canonical
from jointfund.store import db
from jointfund.store import tables as t

from .conftest import bearer, sign_in
from .site import DAY

pytestmark = pytest.mark.storage

MEMO = "Меморандум про оренду офісу у Львові\n".encode() * 20


def described(name: str, content: bytes) -> dict:
    return {"name": name, "sha256": hashlib.sha256(content).hexdigest(), "size_bytes": len(content)}


def signed_proposal(client, site, docs: list[dict], h: dict) -> dict:  # noqa: ANN001
    fields = {
        "kind": "budget",
        "title": "Office lease",
        "member": site.members["us-board-2"],
        "documents": docs,
    }
    r = client.post("/api/proposals/draft", json=fields, headers=h)
    assert r.status_code == 200, r.text
    draft = r.json()
    assert json.loads(draft["message"]).get("documents", []) == docs  # the hashes are in the bytes to sign
    signature = canonical.sign(site.keys["us-board-2"], base64.b64decode(draft["message_base64"]))
    return fields | {"id": draft["id"], "signature": signature}


def post(client, h: dict, p: dict, files: list[tuple[str, bytes]]):  # noqa: ANN001, ANN201
    return client.post(
        "/api/proposals/signed",
        data={"proposal": json.dumps(p)},
        files=[("documents", (name, content, "application/octet-stream")) for name, content in files],
        headers=h,
    )


def count(site, table) -> int:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_board_manager_proposes_with_a_document_that_is_listed_and_downloads_the_same(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "board_manager")
    site.link("board_manager", "us-board-2")
    doc = described("меморандум.txt", MEMO)
    r = post(client, h, signed_proposal(client, site, [doc], h), [("меморандум.txt", MEMO)])
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["documents"] == [doc]
    got = client.get(f"/api/proposals/{p['id']}/documents/{doc['sha256']}", headers=h)
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == doc["sha256"]
    assert "UTF-8''%D0%BC" in got.headers["content-disposition"]
    sign_in(client, site, "auditor")  # anyone who reads the books sees and downloads it on the page
    page = client.get(f"/proposals/{p['id']}").text
    link = f"/proposals/{p['id']}/documents/{doc['sha256']}"
    assert link in page and "меморандум.txt" in page and doc["sha256"] in page
    assert hashlib.sha256(client.get(link).content).hexdigest() == doc["sha256"]
    # Only a document the proposal lists is served, even if the store holds the bytes.
    assert client.get(f"/proposals/{site.proposal.id}/documents/{doc['sha256']}").status_code == 404
    assert client.get(f"/api/proposals/{p['id']}/documents/{'0' * 64}", headers=h).status_code == 404
    assert client.get(f"/api/proposals/{p['id']}/documents/NOTAHASH", headers=h).status_code == 422


def test_over_large_substituted_or_unsent_files_are_refused_and_nothing_is_written(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "board_manager")
    site.link("board_manager", "us-board-2")
    before = (count(site, t.proposal), count(site, t.document), count(site, t.event))
    big = b"x" * (48 * 1024 + 1)  # the test server takes 64 KiB a request: 48 KiB of documents
    fields = {"kind": "budget", "title": "t", "member": site.members["us-board-2"]}
    r = client.post(
        "/api/proposals/draft", json=fields | {"documents": [described("big.bin", big)]}, headers=h
    )
    assert r.status_code == 422 and "a document of 1 to 49,152 bytes is needed" in r.text, r.text
    doc = described("memo.txt", MEMO)
    p = signed_proposal(client, site, [doc], h)
    r = post(client, h, p, [("memo.txt", MEMO + b"changed")])
    assert r.status_code == 422 and "does not list" in r.text, r.text
    r = post(client, h, p, [])
    assert r.status_code == 422 and "its bytes were not sent" in r.text, r.text
    r = post(client, h, p, [("big.bin", big)])
    assert r.status_code == 422 and "49,152 bytes" in r.text, r.text
    r = post(client, h, p | {"signature": "00" * 64}, [("memo.txt", MEMO)])
    assert r.status_code in (403, 409, 422), r.text
    assert (count(site, t.proposal), count(site, t.document), count(site, t.event)) == before
    assert post(client, bearer(site, "auditor"), p, [("memo.txt", MEMO)]).status_code == 403


def test_the_new_proposal_page_offers_only_linked_seats(client, site) -> None:  # noqa: ANN001
    sign_in(client, site, "board_manager")
    page = client.get("/proposals/new").text
    assert 'id="no-seat"' in page and 'id="propose-form"' not in page
    site.link("board_manager", "us-board-2")
    page = client.get("/proposals/new").text
    assert 'id="propose-form"' in page and f'<option value="{site.members["us-board-2"]}">' in page
    assert f'<option value="{site.members["us-board-1"]}">' not in page
    assert 'value="amendment"' not in page  # an amendment carries its file: the CLI or the API
    assert "Підписати й внести пропозицію" in client.get("/proposals/new", params={"lang": "uk"}).text
    sign_in(client, site, "auditor")
    assert client.get("/proposals/new").status_code == 403


def test_a_user_proposes_only_for_a_seat_linked_to_them(client, site) -> None:  # noqa: ANN001
    """As a vote is (issue 12): the member's key signs, and the user posting it must be linked to that member,
    so a user who came by another member's key cannot propose in that member's name. Refused at the draft
    and at the signed proposal alike, on each backend, and nothing is written."""
    h = bearer(site, "board_manager")
    site.link("board_manager", "us-board-2")
    p = signed_proposal(client, site, [], h)  # linked: the draft is offered for signing
    fields = {"kind": "budget", "title": "Office lease", "member": site.members["us-board-1"]}
    r = client.post("/api/proposals/draft", json=fields, headers=h)
    assert r.status_code == 403, r.text
    message = r.json()["error"]["message"]
    assert f"is not linked to member {site.members['us-board-1']}" in message
    assert "proposes only for the seats linked to them" in message
    before = (count(site, t.proposal), count(site, t.event))
    # us-board-1's own signature over its own draft, posted by a user not linked to it
    draft = canonical.proposal_bytes(site.fund.id, _draft(site, "us-board-1"))
    forged = fields | {"id": p["id"], "signature": canonical.sign(site.keys["us-board-1"], draft)}
    for r in (
        client.post("/api/proposals", json=forged, headers=h),
        post(client, h, forged, []),
    ):
        assert r.status_code == 403 and "is not linked to member" in r.json()["error"]["message"], r.text
    assert (count(site, t.proposal), count(site, t.event)) == before
    made = client.post("/api/proposals", json=p, headers=h)  # the linked seat's proposal still goes through
    assert made.status_code == 201, made.text


def _draft(site, member_name: str):  # noqa: ANN001, ANN202 - a governance Proposal draft
    from jointfund.governance import proposal

    with db.transaction(site.engine) as conn:
        return proposal.draft(conn, site.fund, "budget", "Office lease", str(site.members[member_name]), DAY)
