"""The applicant portal on SQLite and PostgreSQL: problems beside their fields in the applicant's language,
regions from the list, withdrawing one's own application with a confirmation, and no staff user names."""

from __future__ import annotations

import hashlib
import re

import pytest

from jointfund.ledger import log

from .conftest import bearer, csrf_of, sign_in
from .test_workspace import APPLICATION

pytestmark = pytest.mark.storage


def field_error(html: str, field: str) -> str:
    found = re.findall(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert len(found) == 1, f"{field}: {found}"  # once, beside the field
    return found[0]


def test_problems_are_shown_once_beside_their_fields_in_the_applicants_language(client, site) -> None:  # noqa: ANN001
    sign_in(client, site, "applicant")
    token = csrf_of(client.get("/portal?lang=uk").text)
    bad = client.post(
        "/portal", data=dict(APPLICATION, csrf=token, applicant_code="1234", amount="-5", region="Atlantis")
    )
    assert bad.status_code == 422
    html = bad.text
    assert field_error(html, "applicant_code") == "код ЄДРПОУ складається з 8 цифр"
    assert "Atlantis" not in field_error(html, "region") or "регіон" in field_error(html, "region")
    assert "portal:" not in html and "applicant_code:" not in html and "String should" not in html
    assert html.count("складається з 8 цифр") == 1  # not a second time in the summary
    assert 'aria-describedby="applicant_code-error"' in html and 'aria-invalid="true"' in html
    assert 'value="Acme Lithium"' in html  # nothing typed is lost
    long = client.post(
        "/portal", data=dict(APPLICATION, csrf=token, title="x" * 301)
    )  # the form's bound, in words
    assert long.status_code == 422 and field_error(long.text, "title") == "довше за 300 символів"
    again = client.post("/portal", data=dict(APPLICATION, csrf=token, applicant_code="1234"))
    assert field_error(again.text, "applicant_code") == "код ЄДРПОУ складається з 8 цифр"
    assert 'id="amount-error"' not in again.text and 'id="region-error"' not in again.text


def test_the_region_is_chosen_from_the_list_and_checked_by_the_server(client, site) -> None:  # noqa: ANN001
    sign_in(client, site, "applicant")
    page = client.get("/portal?lang=uk").text
    regions = re.search(r'<select id="region".*?</select>', page, flags=re.S).group(0)
    assert '<option value="Kirovohrad">Кіровоградська область</option>' in regions
    assert '<option value="Kyiv City">місто Київ</option>' in regions and regions.count("<option") == 28
    h = bearer(site, "applicant")
    free = client.post(
        "/api/portal/applications", headers=h, json=dict(APPLICATION, region="Kirovohradska obl.")
    )
    assert free.status_code == 422
    assert [p["field"] for p in free.json()["error"]["problems"]] == ["api:region"]
    assert client.post("/api/portal/applications", headers=h, json=APPLICATION).status_code == 201


def test_an_applicant_withdraws_their_own_application_after_confirming(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "applicant")
    mine = client.post("/api/portal/applications", headers=h, json=APPLICATION).json()["application"]["id"]
    other = client.post(
        "/api/applications", headers=bearer(site, "administrator"), json=dict(APPLICATION, reference="ADM-1")
    ).json()["application"]["id"]
    sign_in(client, site, "applicant")
    page = client.get(f"/portal/{mine}?lang=en")
    assert 'id="withdraw-form"' in page.text
    token = csrf_of(page.text)
    unconfirmed = client.post(f"/portal/{mine}/withdraw", data={"csrf": token, "reason": "changed plans"})
    assert unconfirmed.status_code == 422 and 'id="confirm-error"' in unconfirmed.text
    assert (
        client.get(f"/api/portal/applications/{mine}", headers=h).json()["stage"] == "submitted"
    )  # nothing moved
    assert client.post(f"/portal/{other}/withdraw", data={"csrf": token, "confirm": "yes"}).status_code == 404
    assert (
        client.post(
            f"/api/portal/applications/{other}/withdrawal", headers=h, json={"confirm": True}
        ).status_code
        == 404
    )  # not theirs: not even said to exist
    assert (
        client.post(f"/portal/{mine}/withdraw", data={"confirm": "yes"}).status_code == 403
    )  # no CSRF token
    done = client.post(
        f"/portal/{mine}/withdraw",
        data={"csrf": token, "confirm": "yes", "reason": "changed plans"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = client.get(f"/api/portal/applications/{mine}", headers=h).json()
    assert after["stage"] == "withdrawn" and after["history"][-1]["reason"] == "changed plans"
    assert after["history"][-1]["actor"] == site.name("applicant")
    with site.engine.connect() as conn:  # logged like every move, by the applicant
        moves = [e for e in log.events(conn, "application.move") if e.subject == f"application:{mine}"]
    assert moves[-1].actor == site.name("applicant") and moves[-1].data["after"] == "withdrawn"
    shown = client.get(f"/portal/{mine}?lang=en").text
    assert (
        'data-stage="withdrawn"' in shown and 'id="withdraw-form"' not in shown
    )  # nothing leaves a terminal stage
    twice = client.post(f"/api/portal/applications/{mine}/withdrawal", headers=h, json={"confirm": True})
    assert twice.status_code == 403
    assert (
        client.post(
            f"/api/portal/applications/{mine}/withdrawal",
            headers=bearer(site, "auditor"),
            json={"confirm": True},
        ).status_code
        == 403
    )


def test_applicants_see_neither_staff_user_names_nor_internal_records(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "applicant")
    aid = client.post("/api/portal/applications", headers=h, json=APPLICATION).json()["application"]["id"]
    moved = client.post(
        f"/api/applications/{aid}/moves",
        headers=bearer(site, "administrator"),
        json={"to": "declined", "reason": "outside the fund's mandate"},
    )
    assert moved.status_code == 201, moved.text
    staff = site.name("administrator")
    api = client.get(f"/api/portal/applications/{aid}", headers=h).json()
    assert staff not in str(api) and api["history"][-1]["actor"] == "fund"
    assert staff in str(client.get(f"/api/applications/{aid}", headers=bearer(site, "administrator")).json())
    sign_in(client, site, "applicant")
    page = client.get(f"/portal/{aid}?lang=en").text
    assert staff not in page and "outside the fund" in page
    assert "submitted from" not in page and "only by executing an approved proposal" not in page
    assert ">Who<" not in page and ">Proposal<" not in page


def test_an_applicant_uploads_documents_kept_by_their_sha256(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "applicant")
    mine = client.post("/api/portal/applications", headers=h, json=APPLICATION).json()["application"]["id"]
    other = client.post(
        "/api/applications", headers=bearer(site, "administrator"), json=dict(APPLICATION, reference="ADM-1")
    ).json()["application"]["id"]
    sign_in(client, site, "applicant")
    page = client.get(f"/portal/{mine}?lang=en").text
    assert "No documents uploaded yet." in page and 'id="upload-form"' in page
    token = csrf_of(page)
    content = b"%PDF-1.4 business plan"
    up = client.post(
        f"/portal/{mine}/documents",
        data={"csrf": token},
        files={"file": ("plan.pdf", content)},
        follow_redirects=False,
    )
    assert up.status_code == 303
    again = client.post(
        f"/portal/{mine}/documents",
        data={"csrf": token},
        files={"file": ("copy.pdf", content)},
        follow_redirects=False,
    )
    assert again.status_code == 303  # the same bytes attach nothing new
    shown = client.get(f"/portal/{mine}?lang=uk").text
    assert (
        "plan.pdf" in shown and "copy.pdf" not in shown and hashlib.sha256(content).hexdigest()[:16] in shown
    )
    empty = client.post(f"/portal/{mine}/documents", data={"csrf": token}, files={"file": ("empty.pdf", b"")})
    assert empty.status_code == 422 and 'id="file-error"' in empty.text
    api_big = client.post(
        f"/api/portal/applications/{mine}/documents",
        headers=h,
        files={"file": ("big.bin", b"x" * 10_000_001)},
    )
    assert api_big.status_code in (
        413,
        422,
    )  # over the server's (or the terms') bound: refused, nothing stored
    assert (
        client.post(
            f"/portal/{other}/documents", data={"csrf": token}, files={"file": ("x.pdf", b"x")}
        ).status_code
        == 404
    )  # not theirs
    assert (
        client.post(f"/portal/{mine}/documents", files={"file": ("x.pdf", b"x")}).status_code == 403
    )  # no CSRF
    with site.engine.connect() as conn:
        kept = [e for e in log.events(conn, "application.document") if e.subject == f"application:{mine}"]
    assert [e.data["name"] for e in kept] == ["plan.pdf"] and kept[0].actor == site.name("applicant")
    client.post(f"/portal/{mine}/withdraw", data={"csrf": token, "confirm": "yes"})
    closed = client.post(
        f"/api/portal/applications/{mine}/documents", headers=h, files={"file": ("late.pdf", b"late")}
    )
    assert closed.status_code == 403  # a withdrawn application takes no more documents


def test_the_applicants_page_speaks_their_language_and_hides_the_funds_keys(client, site) -> None:  # noqa: ANN001
    """Tried in Chromium: the Ukrainian page said "(EDRPOU 41234567)", and an application sent without a
    reference of the applicant's own showed the fund's idempotency key "sha256:73a7…" as "Номер заявника"."""
    h = bearer(site, "applicant")
    keyed = dict(APPLICATION)
    del keyed["reference"]
    mine = client.post("/api/portal/applications", headers=h, json=keyed).json()["application"]
    assert mine["reference"].startswith("sha256:")
    own = client.post("/api/portal/applications", headers=h, json=dict(APPLICATION, title="Mine, referenced"))
    sign_in(client, site, "applicant")
    uk = client.get(f"/portal/{mine['id']}?lang=uk").text
    assert "код ЄДРПОУ 12345678" in uk and "EDRPOU" not in uk
    assert "sha256:" not in uk and mine["reference"] not in uk
    assert "ACME-1" in client.get(f"/portal/{own.json()['application']['id']}?lang=en").text  # their own
    assert "EDRPOU code 12345678" in client.get(f"/portal/{mine['id']}?lang=en").text
