"""Anyone can verify (issue 18): the public browses the log, fetches a public record with its proof against
the
head both partners signed, and a consistency proof; private records are only leaf hashes, never their
content."""

from __future__ import annotations

import base64
import json

import pytest

from jointfund.ledger import log, merkle
from jointfund.ledger.proof import check_consistency, check_inclusion
from jointfund.ledger.records import record_bytes
from jointfund.store import db
from jointfund.terms.model import Transparency

pytestmark = pytest.mark.storage


def every_row(client) -> list[dict]:  # noqa: ANN001
    rows, offset = [], 0
    while offset is not None:
        page = client.get("/api/public/records", params={"limit": 3, "offset": offset}).json()
        assert len(page["items"]) <= 3
        rows += page["items"]
        offset = page["next_offset"]
    return rows


def test_the_public_browses_every_record_and_the_leaf_hashes_give_the_signed_root(client, site) -> None:  # noqa: ANN001
    rows = every_row(client)  # anonymous: no sign-in, no token
    with site.engine.connect() as conn:
        size, root = log.tree_head(conn)
    assert [r["seq"] for r in rows] == list(range(1, size + 1))
    assert merkle.root([bytes.fromhex(r["leaf_hash"]) for r in rows]) == root
    shown = {r["action"] for r in rows if r["public"]}
    assert "proposal.new" in shown  # a decision is public
    private = [r for r in rows if not r["public"]]
    assert private and all(r["kind"] is None and r["action"] is None for r in private)
    too_many = client.get("/api/public/records", params={"limit": 100_000})
    assert too_many.status_code == 422 and too_many.json()["error"]["field"] == "limit"


def test_a_public_record_comes_with_its_proof_against_the_head_both_partners_signed(client, site) -> None:  # noqa: ANN001
    r = client.get(f"/api/public/records/{site.proposal.seq}")
    assert r.status_code == 200, r.text
    bundle = r.json()
    assert check_inclusion(bundle, site.trust()).ok
    assert json.loads(bundle["record"])["action"] == "proposal.new"
    partners = site.fund.base_terms().partner_codes
    assert sorted(s["partner"] for s in bundle["signatures"]) == sorted(partners)
    for s in bundle["signatures"]:  # every partner's signature is of the same head, and checks
        assert (s["tree_size"], s["root"]) == (
            bundle["checkpoint"]["tree_size"],
            bundle["checkpoint"]["root"],
        )
        assert check_inclusion(dict(bundle, checkpoint=s), site.trust()).ok
    assert bundle["unsigned"] == 0
    forged = dict(
        bundle, record_base64=base64.b64encode(base64.b64decode(bundle["record_base64"]) + b" ").decode()
    )
    assert not check_inclusion(forged, site.trust()).ok


def test_newer_records_are_counted_as_not_yet_signed(client, site) -> None:  # noqa: ANN001
    with db.write(site.engine) as conn:
        log.append_event(conn, "test", "decision.record", "proposal:1", {"after": "decision recorded"})
        late = log.size(conn)
    bundle = client.get(f"/api/public/records/{site.proposal.seq}").json()
    assert bundle["unsigned"] == 1 and bundle["log_size"] == bundle["checkpoint"]["tree_size"] + 1
    unsigned = client.get(f"/api/public/records/{late}")  # public, but in no head both partners signed yet
    assert unsigned.status_code >= 400 and "not yet in a tree head both partners signed" in unsigned.text


def test_private_record_content_is_never_served(client, site) -> None:  # noqa: ANN001
    rows = every_row(client)
    private = [r["seq"] for r in rows if not r["public"]]
    with site.engine.connect() as conn:
        secrets = [json.loads(record_bytes(conn, seq)) for seq in private]
    # What private records hold: users' names, tokens' hashes, members' keys; none reaches the public.
    needles = {json.dumps(s["data"], sort_keys=True)[:60] for s in secrets if s["type"] == "event"}
    needles |= {site.name("auditor"), "public_pem", "token_sha256"}
    answers = [client.get("/api/public/records", params={"limit": 500}).text]
    for seq in private:
        r = client.get(f"/api/public/records/{seq}")
        assert r.status_code == 404 and "private" in r.json()["error"]["message"], r.text
        answers.append(r.text)
    for text in answers:
        assert not any(n in text for n in needles), [n for n in needles if n in text]
    assert client.get("/api/public/records/999999").status_code == 404


def test_a_consistency_proof_between_two_checkpoints_is_open_to_anyone(client, site) -> None:  # noqa: ANN001
    ids = [cp["id"] for cp in client.get("/api/checkpoints").json()["items"]]
    r = client.get("/api/checkpoints/consistency", params={"from": ids[0], "to": ids[-1]})
    assert r.status_code == 200 and check_consistency(r.json(), site.trust()).ok


def test_the_terms_make_decisions_closed_votes_and_import_summaries_public() -> None:
    t = Transparency(public_records=("entry", "proposal.new", "proposal.vote", "*.import"))
    assert t.is_public("event", "receipts.import") and t.is_public("event", "fx.import")
    assert not t.is_public("event", "receipts.imported") and not t.is_public("event", "import")
    assert t.is_public("event", "proposal.vote", {"approved", "executed"})
    assert t.is_public("event", "proposal.vote", {"rejected"})
    assert not t.is_public("event", "proposal.vote", {"approved"}) and not t.is_public(
        "event", "proposal.vote"
    )
    assert not t.is_public("event", "member.appoint")


def test_urif_keeps_applicants_and_people_private() -> None:
    from jointfund.terms.loader import load_shipped

    t = load_shipped().transparency
    for action in (
        "proposal.new",
        "proposal.executed",
        "investment.commit",
        "commitments.record",
        "payments.import",
    ):
        assert t.is_public("event", action), action
    for action in (
        "application.submit",
        "application.screen",
        "member.appoint",
        "member.interest",
        "user.add",
        "token.issue",
        "key.register",
        "proposal.recuse",
    ):
        assert not t.is_public("event", action), action


def test_the_records_page_lists_every_record_to_anyone_and_links_only_public_ones(client, site) -> None:  # noqa: ANN001
    from jointfund.web.records import PER_PAGE

    rows = every_row(client)
    html = client.get("/records").text  # anonymous
    assert "Public records" in html and f"{len(rows)} records" in html
    for r in rows[:PER_PAGE]:
        assert r["leaf_hash"][:16] in html  # every record appears, public or not, by its hash
        link = f'href="/records/{r["seq"]}"'
        assert (link in html) == r["public"], r  # only a public record is offered for verification
    assert "Private record" in html
    page = (site.proposal.seq - 1) // PER_PAGE + 1  # the page with the proposal's record
    html = client.get("/records", params={"page": page}).text
    assert "Proposal made" in html and f'href="/records/{site.proposal.seq}"' in html
    uk = client.get("/records", params={"lang": "uk", "page": page}).text
    assert "Публічні записи" in uk and "Внесено пропозицію" in uk and "Proposal made" not in uk


def test_the_records_page_pages_and_refuses_a_page_out_of_range(client, site) -> None:  # noqa: ANN001
    from jointfund.web import records

    with db.write(site.engine) as conn:
        for i in range(records.PER_PAGE + 1):
            log.append_event(conn, "test", "decision.record", f"proposal:{i}", {"n": i})
        size = log.size(conn)
    first = client.get("/records").text
    assert 'rel="next"' in first and 'rel="prev"' not in first
    last_page = -(-size // records.PER_PAGE)
    last = client.get("/records", params={"page": last_page}).text
    assert 'rel="next"' not in last and f'href="/records/{size}"' in last
    assert client.get("/records", params={"page": 0}).status_code == 422
    assert client.get("/records", params={"page": "x"}).status_code == 422


def test_a_record_page_starts_the_browser_verifier_on_that_record(client, site) -> None:  # noqa: ANN001
    html = client.get(f"/records/{site.proposal.seq}").text
    assert f'data-seq="{site.proposal.seq}"' in html and "/static/verify.js" in html
    assert client.get("/records/0").status_code == 422
