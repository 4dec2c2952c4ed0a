"""The register page and /api/commitments: public to read, in English and Ukrainian, with filters and a
timeline;
officers record events and outcomes with evidence, others are refused."""

from __future__ import annotations

import pytest

from .conftest import bearer, csrf_of, sign_in

pytestmark = pytest.mark.storage


def test_the_public_sees_the_register_in_both_languages_with_filters_and_the_alert(client) -> None:  # noqa: ANN001
    page = client.get("/commitments?lang=en")
    assert page.status_code == 200
    assert "security_2024.consultations" in page.text and "urif.data" in page.text
    assert "the security agreement ends 2034-06-13, before the reinvestment lock ends 2035-05-23" in page.text
    assert 'id="event-form"' not in page.text  # the public reads; it records nothing
    uk = client.get("/commitments?lang=uk").text
    assert "Реєстр зобовʼязань за угодами" in uk and "безпекова угода спливає 2034-06-13" in uk
    assert "Сторони співпрацюють" in uk
    # Dates in the Ukrainian form (they were ISO on the Ukrainian page), and no "сторони сторони"
    assert '<time datetime="2034-06-13">13.06.2034</time>' in uk and "сторони сторони" not in uk
    assert '<time datetime="2034-06-13">2034-06-13</time>' in page.text
    # The due rules in words: "signature + 10 years", "calendar:data yearly", "terms:reinvestment_end"
    # read as they were written in the data on both pages.
    assert "через 10 років після події: Підписання" in uk and "через 24 години після події: Збройний" in uk
    assert "щороку, за календарем звітності: Казначейство" in uk
    assert "кінець періоду реінвестування" in uk and "через 6 місяців після події" in uk
    for raw in ("signature + 10 years", "calendar:data", "terms:reinvestment_end", "+ 24 hours", "+ 30 days"):
        assert raw not in uk and raw not in page.text, raw
    assert "10 years after: Signature" in page.text and "30 days after: A licence holder" in page.text
    filtered = client.get("/commitments", params={"status": "not triggered", "lang": "en"}).text
    assert "security_2024.consultations" in filtered and "urif.data" not in filtered
    api = client.get("/api/commitments", params={"agreement": "urif"}).json()
    assert {c["agreement"] for c in api["commitments"]} == {"urif"}
    assert {"id", "agreement", "source", "obligor", "beneficiary", "kind", "due", "status"} <= set(
        api["commitments"][0]
    )
    bad = client.get("/api/commitments", params={"status": "sort of"})
    assert bad.status_code == 422 and "status: expected one of met" in bad.json()["error"]["message"]
    assert bad.json()["error"]["loc"] == ["query", "status"] and "--status" not in bad.text


def test_an_officer_records_an_event_and_an_outcome_and_the_timeline_shows_both(client, site) -> None:  # noqa: ANN001
    sign_in(client, site, "board_manager")
    page = client.get("/commitments")
    assert 'id="event-form"' in page.text and 'id="outcome-form"' in page.text
    r = client.post(
        "/commitments/event",
        data={
            "csrf": csrf_of(page.text),
            "kind": "armed_attack",
            "date": "2026-02-01",
            "note": "strike on Kyiv",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    refused = client.post(
        "/commitments/event", data={"csrf": csrf_of(page.text), "kind": "invasion", "date": "2026-02-01"}
    )
    assert refused.status_code == 422 and "expected one of armed_attack" in refused.text
    r = client.post(
        "/api/commitments/security_2024.consultations/records",
        headers=bearer(site, "board_manager"),
        data={"status": "met", "date": "2026-02-02"},
        files=[("evidence", ("minutes.txt", b"Leaders met.\n", "text/plain"))],
    )
    assert r.status_code == 201, r.text
    assert r.json()["due"] == "2026-02-02" and len(r.json()["evidence"][0]) == 64
    timeline = client.get("/commitments?lang=en").text
    assert "strike on Kyiv" in timeline and "Armed attack, or threat of armed attack" in timeline
    shown = client.get("/api/commitments/security_2024.consultations").json()
    assert shown["status"] == "met" and shown["records"][0]["status"] == "met"


def test_only_officers_record(client, site) -> None:  # noqa: ANN001
    r = client.post(
        "/api/commitments/events",
        headers=bearer(site, "auditor"),
        json={"kind": "armed_attack", "date": "2026-02-01"},
    )
    assert r.status_code == 403 and "may not commitments.event" in r.text
    r = client.post(
        "/api/commitments/events",
        headers=bearer(site, "administrator"),
        json={"kind": "armed_attack", "date": "2026-02-01"},
    )
    assert r.status_code == 201, r.text
