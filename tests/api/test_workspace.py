"""The rest of the API on SQLite and PostgreSQL: revenue lists and reports, the calendar, applications and
the portal, investments and the portfolio, capital accounts and statements, the fund report, proposing,
withdrawing, expiring and executing proposals, consistency proofs, and users linked to members."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from support import authorize

from jointfund.governance import canonical, token, user
from jointfund.ledger.proof import check_consistency
from jointfund.portfolio import clearance, sanctions
from jointfund.store import db

from .conftest import bearer, csrf_of, sign_in
from .site import DAY

pytestmark = pytest.mark.storage

LICENCES = (
    "licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa\n"
    "SP-1,Dobra Lithium Holdings,45120011,lithium,Dobra,Kirovohrad,2025-09-15,new,yes\n"
)
RECEIPTS = (
    "receipt_id,date,licence_id,stream,amount,currency\n"
    "R-1,2025-10-01,SP-1,rent,1000000.00,UAH\nR-2,2025-11-03,SP-1,rent,500000.00,UAH\n"
)
RATES = "date,currency,rate\n2025-10-01,USD,41.5000\n2025-11-03,USD,42.0000\n"
PAYMENTS = (
    "payment_id,date,holder_code,licence_id,stream,amount\n"
    "P-1,2025-09-30,45120011,SP-1,rent,1000000.00\nP-2,2025-11-02,45120011,SP-1,rent,400000.00\n"
)
APPLICATION = {
    "applicant": "Acme Lithium",
    "applicant_code": "12345678",
    "title": "Lithium concentrator",
    "sector": "mining",
    "region": "Kirovohrad",
    "amount": "2500000.00",
    "currency": "USD",
    "instrument": "loan",
    "reference": "ACME-1",
    "resource": "lithium",
}


def upload(client, site, what: str, text: str) -> dict:  # noqa: ANN001
    r = client.post(
        f"/api/revenue/{what}",
        headers=bearer(site, "treasury_officer"),
        files={"file": (f"{what}.csv", text.encode())},
    )
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def revenue(client, site) -> None:  # noqa: ANN001
    for what, text in (("licences", LICENCES), ("fx", RATES), ("receipts", RECEIPTS), ("payments", PAYMENTS)):
        upload(client, site, what, text)


def test_rates_payments_and_contributions_are_listed_paged_and_filtered(client, site, revenue) -> None:  # noqa: ANN001
    h = bearer(site, "auditor")
    rates = client.get("/api/revenue/fx", params={"currency": "usd", "limit": 1}, headers=h).json()
    assert (
        rates["items"] == [{"currency": "USD", "date": "2025-10-01", "rate": "41.5000"}]
        and rates["next_offset"] == 1
    )
    assert (
        client.get("/api/revenue/fx", params={"since": "2025-11-01"}, headers=h).json()["items"][0]["rate"]
        == "42.0000"
    )
    pays = client.get("/api/revenue/payments", params={"year": 2025, "licence": "SP-1"}, headers=h).json()[
        "items"
    ]
    assert [p["payment_id"] for p in pays] == ["P-1", "P-2"] and pays[0]["amount"] == "1000000.00"
    assert client.get("/api/revenue/payments", params={"holder_code": "0"}, headers=h).json()["items"] == []
    detail = client.get("/api/revenue/contributions", params={"year": 2025}, headers=h).json()["items"]
    assert [d["receipt_id"] for d in detail] == ["R-1", "R-2"] and all(d["eligible"] for d in detail)
    assert detail[0]["contribution_base"] is not None and detail[0]["reason"]
    assert {d["base_currency"] for d in detail} == {"USD"}  # the terms' base currency, named beside it
    grouped = client.get("/api/revenue/contributions/totals", params={"by": "licence"}, headers=h).json()[
        "items"
    ]
    assert len(grouped) == 1 and grouped[0]["key"] == "SP-1" and grouped[0]["receipts"] == 2
    assert grouped[0]["base_currency"] == "USD" and "contribution_base" in grouped[0]
    total = sum(float(d["contribution"]) for d in detail)
    assert float(grouped[0]["contribution"]) == pytest.approx(total)
    bad = client.get("/api/revenue/contributions/totals", params={"by": "planet"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "by"


def test_the_calendar_says_a_transfer_is_overdue_and_the_dashboard_shows_it(
    client, site, revenue, monkeypatch
) -> None:  # noqa: ANN001
    h = bearer(site, "auditor")
    before = {(d["period"], d["deadline"]): d for d in client.get("/api/revenue/calendar", headers=h).json()}
    assert (
        before[(2025, "transfer")]["status"] == "open"
        and "to transfer" in before[(2025, "transfer")]["outstanding"]
    )
    monkeypatch.setenv("JOINTFUND_TODAY", "2026-04-02")  # the day after the terms' transfer deadline
    after = client.get("/api/revenue/calendar", params={"year": 2025, "status": "overdue"}, headers=h).json()
    assert {d["deadline"] for d in after} >= {"transfer"} and all(d["status"] == "overdue" for d in after)
    sign_in(client, site, "auditor")
    page = client.get("/dashboard").text
    overdue = page[page.index('id="overdue-transfers"') : page.index('id="calendar"')]
    assert "2025" in overdue and "to transfer" in overdue
    assert "status-overdue" in page


def test_eiti_in_json_and_xlsx_and_the_reconciliation(client, site, revenue) -> None:  # noqa: ANN001
    h = bearer(site, "auditor")
    rows = client.get("/api/reports/eiti", params={"year": 2025}, headers=h).json()
    total = next(r for r in rows if r["section"] == "total")
    assert total["amount"] == "1500000.00" and total["receipts"] == 2
    assert (
        total["base_currency"] == "USD" and "contribution_base" in total and "contribution_usd" not in total
    )
    assert {r["section"] for r in rows} >= {"total", "stream", "licence", "region"}
    xlsx = client.get("/api/reports/eiti", params={"year": 2025, "format": "xlsx"}, headers=h)
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    assert "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(xlsx.content)).namelist()
    recon = client.get(
        "/api/reports/reconciliation", params={"year": 2025, "tolerance": "1000"}, headers=h
    ).json()
    assert recon["tolerance"] == "1000" and recon["compared"] == 1
    assert [f["kind"] for f in recon["findings"]] == ["discrepancy"] and recon["findings"][0][
        "difference"
    ] == "-100000.00"
    bad = client.get("/api/reports/reconciliation", params={"year": 2025, "tolerance": "-1"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "tolerance"
    sign_in(client, site, "auditor")
    page = client.get("/revenue/reports", params={"year": 2025, "tolerance": "1000"}).text
    assert (
        "eiti-table" in page
        and "recon-table" in page
        and "/api/reports/eiti?year=2025&amp;format=xlsx" in page
    )


def test_an_applicant_submits_and_follows_only_their_own_applications(client, site) -> None:  # noqa: ANN001
    app_h, adm_h = bearer(site, "applicant"), bearer(site, "administrator")
    r = client.post("/api/portal/applications", headers=app_h, json=APPLICATION)
    assert r.status_code == 201 and r.json()["new"], r.text
    mine = r.json()["application"]
    assert mine["stage"] == "submitted" and mine["history"][0]["actor"] == site.name("applicant")
    again = client.post("/api/portal/applications", headers=app_h, json=APPLICATION).json()
    assert not again["new"] and again["application"]["id"] == mine["id"]  # the same reference adds nothing
    bad = client.post(
        "/api/portal/applications",
        headers=app_h,
        json=dict(APPLICATION, reference="ACME-2", applicant_code="12", amount="-5", sector="space"),
    )
    fields = {p["field"] for p in bad.json()["error"]["problems"]}
    assert bad.status_code == 422 and {"api:applicant_code", "api:amount", "api:sector"} <= fields
    other = client.post(
        "/api/applications", headers=adm_h, json=dict(APPLICATION, reference="ADM-1", title="Port")
    )
    assert other.status_code == 201
    listed = client.get("/api/portal/applications", headers=app_h).json()["items"]
    assert [a["id"] for a in listed] == [mine["id"]]
    assert (
        client.get(f"/api/portal/applications/{other.json()['application']['id']}", headers=app_h).status_code
        == 404
    )
    assert (
        client.get("/api/applications", headers=app_h).status_code == 403
    )  # the whole pipeline is not theirs to read
    assert client.get("/api/portal/applications", headers=bearer(site, "auditor")).status_code == 403


def test_applications_move_only_as_the_pipeline_allows(client, site) -> None:  # noqa: ANN001
    aid = client.post("/api/applications", headers=bearer(site, "administrator"), json=APPLICATION).json()[
        "application"
    ]["id"]
    h = bearer(site, "committee_member")
    detail = client.get(f"/api/applications/{aid}", headers=h).json()
    by_person = [m["to"] for m in detail["next"] if m["decision"] is None]
    assert by_person, detail["next"]
    unscreened = client.post(
        f"/api/applications/{aid}/moves", headers=h, json={"to": by_person[0], "reason": "x"}
    )
    assert unscreened.status_code == 403 and "sanctions" in unscreened.json()["error"]["message"]
    with db.write(
        site.engine
    ) as conn:  # a list, as `jointfund sanctions import` stores it; nobody on it matches
        nobody = sanctions.Target("T-1", sanctions.PERSON, "Nobody Atall", (), (), (), (), "test")
        sanctions.record(conn, "test", "test_list", sanctions.OPENSANCTIONS, [nobody], "0" * 64, "test", DAY)
    screened = client.post(f"/api/applications/{aid}/screenings", headers=h)
    assert screened.status_code == 201 and screened.json()["hits"] == [], screened.json()
    assert (
        screened.json()["outcome"]["outcome"] == "cleared" and screened.json()["outcome"]["automatic"] is True
    )
    again = client.post(
        f"/api/applications/{aid}/screening-outcome",
        headers=bearer(site, "administrator"),
        json={"outcome": "blocked", "reason": "x"},
    )
    assert again.status_code == 403 and "already cleared" in again.json()["error"]["message"]
    assert (
        client.post(
            f"/api/applications/{aid}/screening-outcome",
            headers=h,
            json={"outcome": "blocked", "reason": "x"},
        ).status_code
        == 403
    )  # administrators decide
    moved = client.post(
        f"/api/applications/{aid}/moves", headers=h, json={"to": by_person[0], "reason": "complete file"}
    )
    assert moved.status_code == 201 and moved.json()["from_stage"] == "submitted"
    after = client.get(f"/api/applications/{aid}", headers=h).json()
    assert after["stage"] == by_person[0] and len(after["history"]) == 2
    decided = next((m["to"] for m in after["next"] if m["decision"]), None)
    if decided:
        refused = client.post(
            f"/api/applications/{aid}/moves", headers=h, json={"to": decided, "reason": "go"}
        )
        assert refused.status_code == 403 and "needs a decision" in refused.json()["error"]["message"]
    nowhere = client.post(f"/api/applications/{aid}/moves", headers=h, json={"to": "moon", "reason": "go"})
    assert nowhere.status_code == 403 and "not a stage" in nowhere.json()["error"]["message"]
    assert (
        client.post(
            f"/api/applications/{aid}/moves",
            headers=bearer(site, "auditor"),
            json={"to": by_person[0], "reason": "x"},
        ).status_code
        == 403
    )
    listed = client.get("/api/applications", headers=h, params={"stage": by_person[0]}).json()["items"]
    assert [a["id"] for a in listed] == [aid]
    assert client.get("/api/applications/999", headers=h).status_code == 404


def test_capital_accounts_statements_portfolio_and_the_fund_report(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "auditor")
    partner = site.fund.base_terms().partner_codes[0]
    fc = client.get("/api/capital/accounts", headers=h).json()
    assert {a["partner"] for a in fc["accounts"]} == set(site.fund.base_terms().partner_codes) and fc[
        "nav"
    ] == "0.00"
    period = str(DAY.year)
    js = client.get(f"/api/capital/statements/{partner}", params={"period": period}, headers=h).json()
    assert js["sections"][0]["rows"][0]["line"] == "opening"
    csv_ = client.get(
        f"/api/capital/statements/{partner}", params={"period": period, "format": "csv"}, headers=h
    )
    assert csv_.headers["content-type"].startswith("text/csv")
    assert csv_.text.startswith(
        "section,line,label,period,year_to_date,inception_to_date"
    )  # ILPA: three windows
    for lang, word in (("en", "Closing capital"), ("uk", "Капітал на кінець періоду")):
        page = client.get(
            f"/api/capital/statements/{partner}",
            params={"period": period, "format": "html", "lang": lang},
            headers=h,
        )
        assert page.headers["content-type"].startswith("text/html") and word in page.text
        assert f'<html lang="{lang}">' in page.text
    assert (
        client.get(
            f"/api/capital/statements/{partner}",
            params={"period": period, "format": "html", "lang": "fr"},
            headers=h,
        ).status_code
        == 422
    )
    xlsx = client.get(
        f"/api/capital/statements/{partner}", params={"period": f"{period}-Q1", "format": "xlsx"}, headers=h
    )
    assert zipfile.ZipFile(io.BytesIO(xlsx.content)).testzip() is None
    assert client.get("/api/capital/statements/XX", params={"period": period}, headers=h).status_code == 422
    bad = client.get(f"/api/capital/statements/{partner}", params={"period": "2026-Q5"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "period"
    assert client.get("/api/portfolio", headers=h).json()["rows"] == []
    assert client.get("/api/investments", headers=h).json()["items"] == []
    report = client.get("/api/reports/fund.html", headers=h)
    assert report.status_code == 200 and report.text.startswith("<!doctype html>")
    assert "attachment" in report.headers["content-disposition"]
    # In the language asked for, else the user's (issue 12).
    uk = client.get("/api/reports/fund.html", params={"lang": "uk"}, headers=h).text
    assert '<html lang="uk">' in uk and "Основні показники" in uk and "Headline figures" not in uk
    browser = client.get("/api/reports/fund.html", headers={**h, "Accept-Language": "uk-UA,uk;q=0.9"}).text
    assert '<html lang="uk">' in browser


def signed_draft(client, site, fields: dict) -> dict:  # noqa: ANN001
    """The board manager's signed draft for the member `fields` names, linked to that member's seat first (a
    user proposes only for a seat linked to them)."""
    h = bearer(site, "board_manager")
    name = next(n for n, i in site.members.items() if i == fields["member"])
    with db.transaction(site.engine) as conn:
        linked = fields["member"] in user.member_links(conn).get(site.name("board_manager"), ())
    if not linked:
        site.link("board_manager", name)
    d = client.post("/api/proposals/draft", headers=h, json=fields)
    assert d.status_code == 200, d.text
    signature = canonical.sign(site.keys[name], base64.b64decode(d.json()["message_base64"]))
    return {**fields, "id": d.json()["id"], "signature": signature}


def test_a_proposal_is_proposed_signed_withdrawn_and_nothing_forged_passes(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "board_manager")
    kind = client.get(f"/api/proposals/{site.proposal.id}", headers=h).json()["kind"]
    proposer = next(iter(site.members.values()))
    fields = {"kind": kind, "title": "A second budget", "member": proposer}
    signed = signed_draft(client, site, fields)
    forged = client.post("/api/proposals", headers=h, json=dict(signed, title="Something else"))
    assert forged.status_code == 403 and "signature refused" in forged.json()["error"]["message"]
    made = client.post("/api/proposals", headers=h, json=signed)
    assert made.status_code == 201 and made.json()["state"] == "open", made.text
    stale = client.post("/api/proposals", headers=h, json=signed)  # the number is taken now
    assert stale.status_code == 409 and "draft again" in stale.json()["error"]["message"]
    pid = made.json()["id"]
    w = client.get(f"/api/proposals/{pid}/withdrawal", headers=h).json()
    someone_else = [i for i in site.members.values() if i != proposer][0]
    name = next(n for n, i in site.members.items() if i == proposer)
    sig = canonical.sign(site.keys[name], base64.b64decode(w["message_base64"]))
    refused = client.post(
        f"/api/proposals/{pid}/withdrawal", headers=h, json={"member": someone_else, "signature": sig}
    )
    assert refused.status_code == 403 and "only the proposer" in refused.json()["error"]["message"]
    done = client.post(
        f"/api/proposals/{pid}/withdrawal", headers=h, json={"member": proposer, "signature": sig}
    )
    assert done.status_code == 201 and done.json()["status"] == "withdrawn"
    assert client.get(f"/api/proposals/{pid}", headers=h).json()["state"] == "withdrawn"
    bad = client.post("/api/proposals/draft", headers=h, json=dict(fields, kind="coup"))
    # The API names the JSON field it was sent, never the CLI's flag (--kind).
    error = bad.json()["error"]
    assert bad.status_code == 422 and (error["field"], error["loc"]) == ("kind", ["body", "kind"])
    assert "--" not in error["message"] and error["problems"][0]["loc"] == ["body", "kind"]
    zero = client.post(
        "/api/proposals/draft", headers=h, json=dict(fields, amount="0", currency="USD", title="")
    )
    assert zero.status_code == 422, zero.text
    assert [p["loc"] for p in zero.json()["error"]["problems"]] == [["body", "title"], ["body", "amount"]]
    assert "--amount" not in zero.text and "amount: must be more than zero" in zero.json()["error"]["message"]
    nobody = client.post("/api/proposals/draft", headers=h, json=dict(fields, member=99999))
    # The domain's "actor" is the body's "member".
    assert nobody.status_code == 404 and nobody.json()["error"]["loc"] == ["body", "member"], nobody.text
    assert nobody.json()["error"]["message"].startswith("member: no seated member '99999'")
    assert (
        client.post("/api/proposals/draft", headers=bearer(site, "auditor"), json=fields).status_code == 403
    )


AMENDMENT = (
    'effective = 2027-01-01\nreference = "R-1"\n[[changes.contribution.streams]]\ncode = "rent"\nshare = '
    '"0.6"\n'
)


def test_an_amendment_is_proposed_with_its_content_bound_to_the_signature(client, site) -> None:  # noqa: ANN001
    h = bearer(site, "board_manager")
    fields = {
        "kind": "amendment",
        "title": "Rent 60%",
        "member": next(iter(site.members.values())),
        "amendment": AMENDMENT,
    }
    bad = client.post(
        "/api/proposals/draft", headers=h, json=dict(fields, amendment=AMENDMENT.replace('"0.6"', '"1.5"'))
    )
    assert (
        bad.status_code == 422
        and "contribution.streams[0].share" in bad.text
        and "amendment:5 (changes)" in bad.text
    )
    missing = client.post("/api/proposals/draft", headers=h, json=dict(fields, amendment=None))
    assert missing.status_code == 422 and missing.json()["error"]["loc"] == ["body", "amendment"]
    signed = signed_draft(client, site, fields)
    edited = client.post(
        "/api/proposals", headers=h, json=dict(signed, amendment=AMENDMENT.replace('"0.6"', '"0.7"'))
    )
    assert edited.status_code == 403 and "signature refused" in edited.json()["error"]["message"]
    made = client.post("/api/proposals", headers=h, json=signed)
    assert made.status_code == 201, made.text
    assert made.json()["about"].startswith("amendment:sha256:")


def test_expiry_and_execution_follow_the_rules(client, site, monkeypatch) -> None:  # noqa: ANN001
    h = bearer(site, "administrator")
    assert client.post("/api/proposals/expiry", headers=h).json() == []
    r = client.post(f"/api/proposals/{site.proposal.id}/execution", headers=h)
    assert r.status_code == 403 and "open" in r.json()["error"]["message"]
    kind = site.proposal.kind
    signed = signed_draft(
        client,
        site,
        {
            "kind": kind,
            "title": "Soon stale",
            "member": next(iter(site.members.values())),
            "deadline": DAY.isoformat(),
        },
    )
    pid = client.post("/api/proposals", headers=bearer(site, "board_manager"), json=signed).json()["id"]
    monkeypatch.setenv("JOINTFUND_TODAY", "2026-03-01")
    expired = client.post("/api/proposals/expiry", headers=h).json()
    assert [(c["proposal"], c["status"]) for c in expired] == [(pid, "expired")]
    assert client.post("/api/proposals/expiry", headers=h).json() == []  # once


def test_a_consistency_proof_between_checkpoints_checks_out(client, site) -> None:  # noqa: ANN001
    client.post("/api/applications", headers=bearer(site, "administrator"), json=APPLICATION)  # the log grows
    site.sign_checkpoints()
    cps = client.get("/api/checkpoints", params={"limit": 500}).json()["items"]
    old, new = min(cps, key=lambda c: c["tree_size"]), max(cps, key=lambda c: c["tree_size"])
    bundle = client.get("/api/checkpoints/consistency", params={"from": old["id"], "to": new["id"]}).json()
    assert (
        check_consistency(bundle, site.trust()).ok and bundle["new"]["tree_size"] > bundle["old"]["tree_size"]
    )
    assert not check_consistency(bundle).ok  # no trusted key, no OK
    bundle["path"][0] = "00" * 32
    assert not check_consistency(bundle, site.trust()).ok
    backwards = client.get("/api/checkpoints/consistency", params={"from": new["id"], "to": old["id"]})
    assert backwards.status_code == 422 and backwards.json()["error"]["field"] == "from"
    assert (
        client.get("/api/checkpoints/consistency", params={"from": 1, "to": 999}).json()["error"]["field"]
        == "to"
    )


def test_a_user_linked_to_a_member_sees_what_waits_for_their_vote(client, site) -> None:  # noqa: ANN001
    name, member = next(iter(site.members.items()))
    partner = name.split("-")[0].upper()
    who = site.name("board_manager")
    signed = authorize(site.fund.id, partner, "user.member", user=who, member=member).to_json()
    assert (
        client.post(
            f"/api/users/{who}/members",
            headers=bearer(site, "board_manager"),
            json={"member": member, "authority": signed},
        ).status_code
        == 403
    )
    # The administrator alone cannot link a user to a seat: the partner's authority key must say so.
    alone = client.post(
        f"/api/users/{who}/members", headers=bearer(site, "administrator"), json={"member": member}
    )
    assert alone.status_code == 403 and "authority key" in alone.json()["error"]["message"]
    other = next(p for p in site.fund.base_terms().partner_codes if p != partner)
    wrong = authorize(site.fund.id, other, "user.member", user=who, member=member).to_json()
    assert client.post(
        f"/api/users/{who}/members",
        headers=bearer(site, "administrator"),
        json={"member": member, "authority": wrong},
    ).status_code in (403, 422)
    r = client.post(
        f"/api/users/{who}/members",
        headers=bearer(site, "administrator"),
        json={"member": member, "authority": signed},
    )
    assert r.status_code == 201 and r.json()["members"] == [member]
    taken = client.post(
        f"/api/users/{site.name('auditor')}/members",
        headers=bearer(site, "administrator"),
        json={"member": member},
    )
    assert taken.status_code == 409
    assert client.get(f"/api/users/{who}/members", headers=bearer(site, "auditor")).json()["members"] == [
        member
    ]
    sign_in(client, site, "board_manager")
    page = client.get("/dashboard").text
    assert (
        'id="waiting-for-me"' in page
        and f'/proposals/{site.proposal.id}"' in page.split('id="waiting-for-me"')[1][:400]
    )
    token = csrf_of(client.get(f"/proposals/{site.proposal.id}").text)
    assert token  # the member votes from the proposal page (the browser journey signs it)


def test_pages_of_the_pipeline_capital_and_portfolio_render_for_readers(client, site) -> None:  # noqa: ANN001
    client.post("/api/applications", headers=bearer(site, "administrator"), json=APPLICATION)
    sign_in(client, site, "committee_member")
    board = client.get("/pipeline").text
    assert 'data-stage="submitted"' in board and "Lithium concentrator" in board
    page = client.get("/pipeline/1").text
    assert 'id="history"' in page and 'action="/pipeline/1/move"' in page
    for path in ("/capital", "/portfolio"):
        assert client.get(path).status_code == 200
    assert 'id="statement-links"' in client.get("/capital").text
    assert (
        "Lithium" not in client.get("/?lang=en").text.split('id="investments"')[1][:300]
    )  # no investment yet


def test_the_portal_page_submits_with_csrf_and_lists_every_problem(client, site) -> None:  # noqa: ANN001
    sign_in(client, site, "applicant")
    form = client.get("/portal")
    assert form.status_code == 200 and 'id="submit-form"' in form.text
    token = csrf_of(form.text)
    no_csrf = client.post("/portal", data=dict(APPLICATION))
    assert no_csrf.status_code == 403
    bad = client.post("/portal", data=dict(APPLICATION, csrf=token, applicant_code="1", amount="abc"))
    assert (
        bad.status_code == 422 and 'id="applicant_code-error"' in bad.text and 'id="amount-error"' in bad.text
    )
    assert "portal:" not in bad.text  # problems sit beside their fields, without the domain's internal names
    ok = client.post("/portal", data=dict(APPLICATION, csrf=token), follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith("/portal/")
    shown = client.get(ok.headers["location"]).text
    assert 'data-stage="submitted"' in shown and "Lithium concentrator" in shown
    assert client.get("/pipeline").status_code == 403  # the portal, not the board


def test_the_screening_section_and_its_forms_in_both_languages(client, site) -> None:  # noqa: ANN001
    owned = {**APPLICATION, "reference": "SCR-1", "owners": "Taras Shevchenko|1984-05-17|UA"}
    aid = client.post("/api/applications", headers=bearer(site, "administrator"), json=owned).json()[
        "application"
    ]["id"]
    with db.write(site.engine) as conn:
        listed = sanctions.Target(
            "T-9", sanctions.PERSON, "SHEVCHENKO, Taras", (), ("1961-03-09",), (), (), "test"
        )
        sanctions.record(conn, "test", "test_list", sanctions.OPENSANCTIONS, [listed], "1" * 64, "test", DAY)
    sign_in(client, site, "administrator")
    page = client.get(f"/pipeline/{aid}?lang=en")
    assert page.status_code == 200 and "Not screened yet." in page.text
    screened = client.post(
        f"/pipeline/{aid}/screen", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert screened.status_code == 303
    en = client.get(f"/pipeline/{aid}?lang=en").text
    assert "beneficial owner 1" in en and "SHEVCHENKO, Taras" in en and "disagrees" in en
    assert "Waiting for a person to clear or block it" in en and 'id="outcome-form"' in en
    assert (
        "Taras Shevchenko|" not in en and "1984-05-17" not in en
    )  # the owner's personal data is not on the page
    uk = client.get(f"/pipeline/{aid}?lang=uk").text
    assert "Санкційна перевірка" in uk and "кінцевий бенефіціарний власник 1" in uk and "не збігається" in uk
    empty = client.post(
        f"/pipeline/{aid}/screening-outcome",
        data={"csrf": csrf_of(uk), "outcome": "cleared", "reason": ""},
        follow_redirects=False,
    )
    assert empty.status_code == 422
    done = client.post(
        f"/pipeline/{aid}/screening-outcome",
        data={"csrf": csrf_of(uk), "outcome": "cleared", "reason": "born 1984, not 1961"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    # Four eyes: the first clearance waits for a second person; the same person cannot confirm it.
    waiting = client.get(f"/pipeline/{aid}?lang=en").text
    assert 'id="first-clearance"' in waiting and "Waiting for a second person" in waiting
    assert 'id="outcome-form"' in waiting
    assert "друга особа підтвердить" in client.get(f"/pipeline/{aid}?lang=uk").text
    alone = client.post(
        f"/api/applications/{aid}/screening-outcome",
        headers=bearer(site, "administrator"),
        json={"outcome": "cleared", "reason": "fine by me"},
    )
    assert alone.status_code == 403 and "needs a second person" in alone.json()["error"]["message"]
    with db.write(site.engine) as conn:
        user.add(conn, "test", "t-second-administrator", "administrator", "long enough pw")
        second = token.issue(conn, "test", "t-second-administrator", "tests")[1]
    # The administrator's second account is not a second person: a seated member's countersignature is.
    made = client.post(
        f"/api/applications/{aid}/screening-outcome",
        headers={"Authorization": f"Bearer {second}"},
        json={"outcome": "cleared", "reason": "confirmed: passport checked"},
    )
    assert made.status_code == 403 and "a seated member's countersignature" in made.json()["error"]["message"]
    assert 'id="countersign-hint"' in client.get(f"/pipeline/{aid}?lang=en").text
    with db.transaction(site.engine) as conn:
        first = clearance.clearances(conn)
        [request] = [clearance.request(site.fund.id, c) for c in first.values()]
    signer = site.members["ua-board-1"]
    signature = canonical.sign(site.keys["ua-board-1"], request.message(signer))
    # A user countersigns only with a seat linked to them, as a vote or a proposal is made (issue 12).
    unlinked = client.post(
        f"/api/applications/{aid}/screening-outcome",
        headers={"Authorization": f"Bearer {second}"},
        json={"outcome": "cleared", "reason": "x", "member": signer, "signature": signature},
    )
    assert unlinked.status_code == 403, unlinked.text
    assert "user t-second-administrator is not linked to member" in unlinked.json()["error"]["message"]
    with db.transaction(site.engine) as conn:
        assert not clearance.outcomes(conn), "a refused confirmation records nothing"
    with db.write(site.engine) as conn:
        st = authorize(site.fund.id, "UA", "user.member", user="t-second-administrator", member=signer)
        user.link_member(conn, site.fund.id, "test", "t-second-administrator", signer, st)
    wrong = client.post(
        f"/api/applications/{aid}/screening-outcome",
        headers={"Authorization": f"Bearer {second}"},
        json={"outcome": "cleared", "reason": "x", "member": signer, "signature": "ab" * 64},
    )
    assert (
        wrong.status_code == 403
        and "does not verify with the key of member" in wrong.json()["error"]["message"]
    )
    confirmed = client.post(
        f"/api/applications/{aid}/screening-outcome",
        headers={"Authorization": f"Bearer {second}"},
        json={
            "outcome": "cleared",
            "reason": "confirmed: passport checked",
            "member": signer,
            "signature": signature,
        },
    )
    assert confirmed.status_code == 201 and confirmed.json()["actor"] == "t-second-administrator"
    after = client.get(f"/pipeline/{aid}?lang=en").text
    assert "Cleared" in after and "born 1984, not 1961" in after and 'id="outcome-form"' not in after
    assert "confirmed: passport checked (t-second-administrator" in after
    assert "confirming the clearance by" in after
    # The applicant's portal never shows a screening (no tipping off).
    portal = client.get(f"/portal/{aid}?lang=en")
    assert portal.status_code == 200 and "Lithium concentrator" in portal.text
    assert "Sanctions screening" not in portal.text and "SHEVCHENKO" not in portal.text
