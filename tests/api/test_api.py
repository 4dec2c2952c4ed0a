"""The JSON API over a real fund, on SQLite and PostgreSQL: reads, pages, proofs, signed votes, one error
shape."""

from __future__ import annotations

import base64

import pytest
from support import authorize, pem_text

from jointfund.governance import canonical
from jointfund.ledger.proof import check_inclusion

from .conftest import bearer, sign_in

pytestmark = pytest.mark.storage


def test_terms_and_public_summary_are_open_to_everyone(client, site) -> None:  # noqa: ANN001
    terms = client.get("/api/terms", params={"as_of": "2025-12-31"}).json()
    assert terms["fund"]["code"] == site.fund.code
    summary = client.get("/api/public/summary").json()
    assert {c["partner"] for c in summary["capital"]} == set(site.fund.base_terms().partner_codes)
    assert summary["both_signed"] is not None and len(summary["checkpoints"]) == 2


def test_books_need_a_signed_in_reader(client, site) -> None:  # noqa: ANN001
    r = client.get("/api/ledger/entries")
    assert r.status_code == 401 and r.json()["error"]["message"].startswith("sign in first")
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = client.get("/api/ledger/entries", headers=bearer(site, "applicant"))
    assert r.status_code == 403 and "may not read" in r.json()["error"]["message"]


def test_entries_are_paged_and_filtered(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "auditor")
    first = client.get("/api/ledger/entries", params={"limit": 1}, headers=h).json()
    assert len(first["items"]) <= 1 and first["limit"] == 1 and first["offset"] == 0
    balances = client.get("/api/ledger/balances", params={"as_of": "2025-06-01"}, headers=h).json()
    assert balances["items"] == [] and balances["next_offset"] is None  # a fresh fund holds no money yet
    bad = client.get("/api/ledger/balances", params={"as_of": "2025-13-01"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "as_of"
    too_many = client.get("/api/ledger/entries", params={"limit": 100_000}, headers=h)
    assert too_many.status_code == 422 and too_many.json()["error"]["field"] == "limit"


def test_an_inclusion_proof_from_the_api_checks_offline_and_a_forged_one_does_not(client, site) -> None:  # noqa: ANN001
    bundle = client.get(
        f"/api/ledger/records/{site.proposal.seq}/proof", headers=bearer(site, "auditor")
    ).json()
    assert check_inclusion(bundle, site.trust()).ok
    assert not check_inclusion(bundle).ok  # no trusted key, no OK
    forged = dict(
        bundle, record_base64=base64.b64encode(base64.b64decode(bundle["record_base64"]) + b" ").decode()
    )
    assert not check_inclusion(forged, site.trust()).ok
    missing = client.get("/api/ledger/records/999999/proof", headers=bearer(site, "auditor"))
    assert missing.status_code == 404
    assert set(missing.json()["error"]) == {"field", "loc", "message", "problems", "said"}


def test_a_vote_signed_by_the_member_is_counted_and_a_forged_one_is_refused(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "board_manager")
    pid = site.proposal.id
    name, key = next(iter(site.keys.items()))
    member = site.members[name]
    site.link("board_manager", name)
    b = client.get(
        f"/api/proposals/{pid}/ballot", params={"member": member, "choice": "approve"}, headers=h
    ).json()
    wrong_key = site.keys[list(site.keys)[1]]
    forged = client.post(
        f"/api/proposals/{pid}/votes",
        headers=h,
        json={
            "member": member,
            "choice": "approve",
            "round": b["round"],
            "signature": canonical.sign(wrong_key, base64.b64decode(b["message_base64"])),
        },
    )
    assert forged.status_code == 403 and "signature refused" in forged.json()["error"]["message"]
    ok = client.post(
        f"/api/proposals/{pid}/votes",
        headers=h,
        json={
            "member": member,
            "choice": "approve",
            "round": b["round"],
            "signature": canonical.sign(key, base64.b64decode(b["message_base64"])),
        },
    )
    assert ok.status_code == 201, ok.text
    seat = next(s for s in ok.json()["seats"] if s["member"] == member)
    assert seat["choice"] == "approve"
    # The proposal page lists the signed vote under the member's name, not their id.
    sign_in(client, site, "board_manager")
    votes = client.get(f"/proposals/{pid}?lang=en").text.split("Signed votes", 1)[1].split("</table>", 1)[0]
    cells = votes.split("<tbody><tr>", 1)[1].split("</tr>", 1)[0].split("</td><td>")
    assert cells[1] == name, cells  # (#, member, vote, round, date)
    replay = client.post(
        f"/api/proposals/{pid}/votes",
        headers=h,
        json={
            "member": member,
            "choice": "approve",
            "round": b["round"],
            "signature": canonical.sign(key, base64.b64decode(b["message_base64"])),
        },
    )
    assert replay.status_code == 403 and "round" in replay.json()["error"]["message"]


def test_a_user_votes_only_for_the_seats_linked_to_them_even_with_the_members_own_signature(
    client, site
) -> None:  # noqa: ANN001
    """The member's valid signature is not enough: the caller must be the user linked to that seat."""
    h = bearer(site, "board_manager")
    pid = site.proposal.id
    mine, theirs = list(site.keys)[:2]
    site.link("board_manager", mine)

    def post(name: str, headers: dict) -> object:
        member = site.members[name]
        b = client.get(
            f"/api/proposals/{pid}/ballot", params={"member": member, "choice": "approve"}, headers=headers
        ).json()
        signature = canonical.sign(site.keys[name], base64.b64decode(b["message_base64"]))
        return client.post(
            f"/api/proposals/{pid}/votes",
            headers=headers,
            json={"member": member, "choice": "approve", "round": b["round"], "signature": signature},
        )

    refused = post(theirs, h)  # a valid signature by that member's key, but the seat is not this user's
    assert refused.status_code == 403, refused.text
    message = refused.json()["error"]["message"]
    assert f"not linked to member {site.members[theirs]}" in message and "may not" not in message
    other = bearer(site, "committee_member")  # a decider with no seat linked at all
    assert post(mine, other).status_code == 403
    detail = client.get(f"/api/proposals/{pid}", headers=h).json()
    assert detail["votes"] == []  # nothing was recorded by the refused votes
    assert post(mine, h).status_code == 201


def test_an_auditor_cannot_vote_even_with_a_valid_signature(client, site) -> None:  # noqa: ANN001
    r = client.post(
        f"/api/proposals/{site.proposal.id}/votes",
        headers=bearer(site, "auditor"),
        json={"member": 1, "choice": "approve", "round": 1, "signature": "00"},
    )
    assert r.status_code == 403 and "may not proposals.vote" in r.json()["error"]["message"]


def test_an_upload_with_a_bad_row_lists_it_by_line_and_imports_nothing(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "treasury_officer")
    text = "receipt_id,date,licence_id,stream,amount\nR-1,2026-13-01,NOPE,rent,abc\n"
    r = client.post("/api/revenue/receipts", headers=h, files={"file": ("r.csv", text.encode())})
    assert r.status_code == 422
    fields = [p["field"] for p in r.json()["error"]["problems"]]
    assert "r.csv:2:date" in fields and "r.csv:2:licence_id" in fields
    assert client.get("/api/revenue/receipts", headers=h).json()["items"] == []


def test_the_summary_reads_its_checkpoints_in_sql_and_shows_what_every_checkpoint_would(client, site) -> None:  # noqa: ANN001
    """Several rounds signed by both partners, then one partner alone over a bigger log: the summary's
    checkpoints (each partner's latest) and its both-signed head, chosen in SQL, are those the whole list of
    checkpoints gives (issue 13: the summary reads a few rows, not every checkpoint)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from jointfund.ledger import journal, log
    from jointfund.ledger.checkpoint import key_id, load_public, new_key_pair
    from jointfund.reports.summary import both_signed, latest_by_partner
    from jointfund.store import db

    site.sign_checkpoints()
    site.sign_checkpoints()
    partners = site.fund.base_terms().partner_codes
    with db.write(site.engine) as conn:
        journal.open_account(conn, "Assets:Summary:Test", site.fund.start_date, None, "test", "test")
    alone = partners[0]
    private, public = new_key_pair()
    with db.write(site.engine) as conn:
        kid = key_id(load_public(public, "test"))
        st = authorize(site.fund.id, alone, "key.register", key_id=kid, public_pem=pem_text(public))
        log.register_key(conn, site.fund.id, alone, public, f"{alone}.pub", actor="test", statement=st)
        log.make_checkpoint(conn, site.fund.id, alone, load_pem_private_key(private, None))
    every = client.get("/api/checkpoints", params={"limit": 500}).json()["items"]
    summary = client.get("/api/public/summary").json()
    assert len(every) == 7 and summary["checkpoints"] == latest_by_partner(every)
    latest = {cp["partner"]: cp["tree_size"] for cp in summary["checkpoints"]}
    assert latest[alone] > latest[partners[1]]  # the lone signature is the newest of its partner ...
    both = summary["both_signed"]
    assert both == both_signed(every, partners) and both["tree_size"] == latest[partners[1]]  # ... not both's
    assert summary["more_decisions"] is False and summary["more_investments"] is False
