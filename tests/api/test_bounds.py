"""Issue 19's bad inputs through the API and the web, on both backends: a 4xx naming the field and the bound,
never a
500, and nothing written. The CLI twin is tests/revenue/test_hostile_input.py."""

from __future__ import annotations

import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from jointfund.ledger import log
from jointfund.store import db
from jointfund.store import tables as t

from .conftest import bearer, csrf_of, sign_in

HUGE = "99999999999999999999"


def log_size(site) -> int:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return log.size(conn)


def upload(client, site, what: str, name: str, data: bytes, **params):  # noqa: ANN001, ANN201
    return client.post(
        f"/api/revenue/{what}",
        headers=bearer(site, "treasury_officer"),
        params=params,
        files={"file": (name, data)},
    )


def xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("what", "name", "data", "says"),
    [
        (
            "fx",
            "tiny.csv",
            b"date,currency,rate\n2026-01-20,USD,0.000000000000000000000000000001\n",
            "outside the terms' plausible range for USD",
        ),
        ("fx", "huge.csv", b"date,currency,rate\n2026-01-20,USD,1e100\n", "rate is not a number"),
        ("fx", "deep.json", b"[" * 20_000 + b"]" * 20_000, "JSON nested deeper than"),
        (
            "fx",
            "digits.json",
            b'[{"exchangedate": "20.01.2026", "cc": "USD", "rate": ' + b"9" * 4300 + b"}]",
            "longer than 32 characters",
        ),
        (
            "fx",
            "cp.csv",
            "date,currency,rate\n2026-01-20,USD,41.5\nдата\n".encode("cp1251"),
            "expected 3 fields",
        ),
        (
            "fx",
            "bare16.csv",
            "date,currency,rate\n".encode("utf-16-le"),
            "UTF-16 text without a byte-order mark",
        ),
        ("licences", "broken.xlsx", b"PK\x03\x04garbage", "not a readable XLSX workbook"),
        ("licences", "empty.csv", b"", "the file is empty"),
        (
            "payments",
            "nul.csv",
            b"payment_id,date,holder_code,licence_id,stream,amount\nP-\x001,2026-01-02,1,L,rent,1\n",
            "contains a NUL character",
        ),
        (
            "payments",
            "big.csv",
            b"payment_id,date,holder_code,licence_id,stream,amount\nP-1,2026-01-02,1,L,rent,"
            b"92233720368547758.08\n",
            "at most 9223372036854775807 minor units",
        ),
        (
            "payments",
            "arabic.xlsx",
            xlsx(
                [
                    ["payment_id", "date", "holder_code", "licence_id", "stream", "amount"],
                    ["P-1", "2026-01-02", "1", "L", "rent", "١٢٣"],
                ]
            ),
            "digits 0-9",
        ),
        (
            "payments",
            "old.csv",
            b"payment_id,date,holder_code,licence_id,stream,amount\nP-1,1900-01-02,1,L,rent,1\n",
            "outside the fund's life plus a margin",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "",
)
def test_a_bad_upload_is_a_422_naming_the_problem(client, site, what, name, data, says) -> None:  # noqa: ANN001
    before = log_size(site)
    r = upload(client, site, what, name, data)
    assert r.status_code == 422, r.text
    assert says in r.text and name in r.text
    assert log_size(site) == before


def test_a_rate_jump_needs_accept_jump_in_the_api_too(client, site) -> None:  # noqa: ANN001
    assert (
        upload(client, site, "fx", "a.csv", b"date,currency,rate\n2026-01-19,USD,41.5\n").status_code == 201
    )
    jump = b"date,currency,rate\n2026-01-20,USD,60.0\n"
    refused = upload(client, site, "fx", "b.csv", jump)
    assert refused.status_code == 422 and "--accept-jump" in refused.text and "b.csv:2:rate" in refused.text
    assert upload(client, site, "fx", "b.csv", jump, accept_jump="true").status_code == 201
    with db.transaction(site.engine) as conn:
        assert conn.execute(select(func.count()).select_from(t.fx_rate)).scalar_one() == 2


def test_the_web_upload_form_shows_the_error_not_a_500(client, site) -> None:  # noqa: ANN001
    sign_in(client, site, "treasury_officer")
    token = csrf_of(client.get("/revenue/imports").text)
    before = log_size(site)
    r = client.post(
        "/revenue/upload/licences",
        data={"csrf": token},
        files={"file": ("broken.xlsx", b"PK\x03\x04xx")},
        follow_redirects=False,
    )
    # The preview step refuses it beside the form, naming the file: a 400 page, nothing written.
    assert r.status_code == 400 and 'id="problems-licences"' in r.text
    assert "broken.xlsx" in r.text and "not a readable XLSX workbook" in r.text and "Traceback" not in r.text
    assert log_size(site) == before


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", f"/api/proposals/{HUGE}", {}),
        ("post", f"/api/proposals/{HUGE}/execution", {}),
        ("get", f"/api/ledger/entries/{HUGE}", {}),
        ("get", "/api/capital/accounts", {"params": {"as_of": "9999-12-31"}}),
        ("get", "/api/capital/accounts", {"params": {"as_of": "0001-01-01"}}),
        ("get", "/api/ledger/accounts", {"params": {"as_of": "9999-12-31"}}),
        ("get", "/api/revenue/calendar", {"params": {"year": "2999"}}),
        ("get", "/api/revenue/licences", {"params": {"resource": "lith\x00ium"}}),
        ("get", "/api/users/evil%00name/members", {}),
        (
            "post",
            "/api/proposals/draft",
            {"json": {"kind": "investment", "title": "x", "member": 1, "amount": "1e30", "currency": "USD"}},
        ),
        (
            "post",
            "/api/proposals/draft",
            {
                "json": {
                    "kind": "investment",
                    "title": "x",
                    "member": 1,
                    "amount": "1000.00",
                    "currency": "USD",
                    "about": f"proposal:{HUGE}",
                }
            },
        ),
        ("post", "/api/proposals/draft", {"json": {"kind": "investment", "title": "x\x00", "member": 1}}),
        (
            "post",
            "/api/applications",
            {
                "json": {
                    "applicant": "A",
                    "applicant_code": "١٢٣٤٥٦٧٨",
                    "title": "T",
                    "sector": "mining",
                    "region": "Kyiv",
                    "amount": "1e30",
                    "currency": "USD",
                    "instrument": "loan",
                    "reference": "R\x00-1",
                    "resource": "lithium",
                }
            },
        ),
    ],
    ids=lambda v: v[:30].replace("\x00", "NUL") if isinstance(v, str) else "",
)
def test_a_request_out_of_bounds_is_a_4xx_never_a_500(client, site, method, path, kwargs) -> None:  # noqa: ANN001
    before = log_size(site)
    r = getattr(client, method)(
        path, headers=bearer(site, "administrator" if "applications" in path else "board_manager"), **kwargs
    )
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert r.json()["error"]["message"]
    assert log_size(site) == before


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    what=st.sampled_from(["licences", "receipts", "fx", "payments"]),
    suffix=st.sampled_from([".csv", ".xlsx", ".json"]),
    data=st.one_of(
        st.binary(max_size=1024),
        st.sampled_from([b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"[", b"{}"]).flatmap(
            lambda head: st.binary(max_size=256).map(lambda tail: head + tail)
        ),
    ),
)
def test_fuzz_no_upload_is_ever_a_500(client, site, what, suffix, data) -> None:  # noqa: ANN001
    r = upload(client, site, what, f"fuzz{suffix}", data)
    assert r.status_code in (201, 422), (r.status_code, r.text[:500])


BYTES = st.one_of(
    st.binary(max_size=1024),
    st.sampled_from([b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"[", b"{}", b"a;b\n1,5;2\n"]).flatmap(
        lambda head: st.binary(max_size=256).map(lambda tail: head + tail)
    ),
)
NAMES = st.one_of(
    st.sampled_from(["fuzz.csv", "fuzz.xlsx", "fuzz.json", "fuzz.pdf", "", ".csv", "../../etc/passwd.csv"]),
    st.text(max_size=40),
)


@pytest.fixture
def web_uploads(client, site):  # noqa: ANN001, ANN201
    """Every upload endpoint of the web and of the portal, as (poster, statuses a good or bad file may get).

    The signed-in user changes with the endpoint; the CSRF tokens are read once per user."""
    from .test_workspace import APPLICATION

    mine = client.post(
        "/api/portal/applications", headers=bearer(site, "applicant"), json=APPLICATION
    ).json()["application"]["id"]
    tokens = {}
    for role in ("treasury_officer", "applicant"):
        client.cookies.clear()
        sign_in(client, site, role)
        tokens[role] = (
            dict(client.cookies),
            csrf_of(client.get("/revenue/imports" if role != "applicant" else "/portal").text),
        )

    def post(role: str, url: str, data: dict, files: dict | None):  # noqa: ANN202
        cookies, token = tokens[role]
        client.cookies.clear()
        client.cookies.update(cookies)
        return client.post(url, data={"csrf": token, **data}, files=files, follow_redirects=False)

    return {
        # the web's preview step of each import: a preview (200) or the problems beside the form (400)
        **{
            f"web {what}": (
                lambda name, data, what=what: post(
                    "treasury_officer", f"/revenue/upload/{what}", {}, {"file": (name, data)}
                ),
                (200, 400),
            )
            for what in ("licences", "receipts", "fx", "payments")
        },
        # the confirm step, given whatever text as the digest: nothing previewed by it, so nothing imported
        "web confirm": (
            lambda name, data: post(
                "treasury_officer",
                "/revenue/upload/receipts/confirm",
                {"sha256": data.decode("utf-8", "replace")[:80] or name},
                None,
            ),
            (404,),
        ),
        "portal document (web)": (
            lambda name, data: post("applicant", f"/portal/{mine}/documents", {}, {"file": (name, data)}),
            (303, 422),
        ),
        "portal document (API)": (
            lambda name, data: client.post(
                f"/api/portal/applications/{mine}/documents",
                headers=bearer(site, "applicant"),
                files={"file": (name, data)},
            ),
            (201, 422),
        ),
    }


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(
        [
            "web licences",
            "web receipts",
            "web fx",
            "web payments",
            "web confirm",
            "portal document (web)",
            "portal document (API)",
        ]
    ),
    name=NAMES,
    data=BYTES,
)
def test_fuzz_no_web_or_portal_upload_is_ever_a_500(web_uploads, site, endpoint, name, data) -> None:  # noqa: ANN001
    """Every other upload endpoint (the API's are fuzzed above): random and truncated bytes under any name
    are a page or an answer naming the problem, never a 500 or a traceback; the import steps write nothing."""
    poster, allowed = web_uploads[endpoint]
    before = log_size(site)
    r = poster(name, data)
    assert r.status_code in allowed, (endpoint, name, data[:60], r.status_code, r.text[:500])
    assert "Traceback" not in r.text
    if endpoint.startswith("web"):
        assert log_size(site) == before
