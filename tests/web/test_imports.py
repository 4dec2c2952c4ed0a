"""The web's imports (issue 12): templates to download, a preview that writes nothing and shows every problem
beside the form in the page's language (400), a confirmation bound to the previewed file by SHA-256, and the
upload history; on both backends."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import time

import openpyxl
import pytest
from api.conftest import bearer, csrf_of, sign_in
from sqlalchemy import func, select

from jointfund.ledger import log
from jointfund.revenue import fx, licence, payment, receipt
from jointfund.store import db
from jointfund.store import tables as t

pytestmark = pytest.mark.storage

LICENCES = (
    b"licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa\n"
    b"SP-1,Dobra Lithium Holdings,45120011,lithium,Dobra,Kirovohrad,2025-09-15,new,yes\n"
)
# Excel's default in Ukraine: semicolons, a decimal comma, spaces between thousands; row 3 is bad.
BAD = (
    "receipt_id;date;licence_id;stream;amount;currency\n"
    "R-1;20.10.2025;SP-1;rent;1 250 000,50;UAH\n"
    "R-2;2025-10-21;SP-1;rent;два;UAH\n"
)
GOOD = BAD.replace("два", "7 500,25")


def state(site) -> tuple[int, int]:  # noqa: ANN001
    """(receipts, log size): what an import writes."""
    with db.transaction(site.engine) as conn:
        return conn.execute(select(func.count()).select_from(t.receipt)).scalar_one(), log.size(conn)


def with_licences(client, site) -> None:  # noqa: ANN001
    r = client.post(
        "/api/revenue/licences", headers=bearer(site, "treasury_officer"), files={"file": ("l.csv", LICENCES)}
    )
    assert r.status_code == 201, r.text


def send(client, what: str, name: str, data: bytes, lang: str = "en"):  # noqa: ANN001, ANN201
    token = csrf_of(client.get("/revenue/imports").text)
    return client.post(
        f"/revenue/upload/{what}?lang={lang}", data={"csrf": token}, files={"file": (name, data)}
    )


def confirm(client, what: str, digest: str):  # noqa: ANN001, ANN201
    token = csrf_of(client.get("/revenue/imports").text)
    return client.post(
        f"/revenue/upload/{what}/confirm", data={"csrf": token, "sha256": digest}, follow_redirects=False
    )


def follow(client, url: str) -> str:  # noqa: ANN001
    deadline = time.monotonic() + 60
    while 'data-state="running"' in (shown := client.get(url).text):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return shown


@pytest.mark.parametrize(
    ("what", "columns"),
    [
        ("licences", licence.COLUMNS),
        ("receipts", receipt.COLUMNS),
        ("fx", fx.COLUMNS),
        ("payments", payment.COLUMNS),
    ],
)
def test_every_upload_has_a_csv_and_an_xlsx_template(client, site, what, columns) -> None:  # noqa: ANN001
    sign_in(client, site, "treasury_officer")
    page = client.get("/revenue/imports").text
    assert (
        f'href="/revenue/templates/{what}.csv"' in page and f'href="/revenue/templates/{what}.xlsx"' in page
    )
    r = client.get(f"/revenue/templates/{what}.csv")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    header, example = list(csv.reader(io.StringIO(r.content.decode())))
    assert header == list(columns.all) and any(example)
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/revenue/templates/{what}.xlsx").content))
    assert [c.value for c in book.active[1]] == header
    assert client.get(f"/revenue/templates/{what}.pdf").status_code == 404
    assert client.get("/revenue/templates/salaries.csv").status_code == 404


def test_a_bad_row_is_shown_beside_its_form_in_the_pages_language_and_nothing_is_written(
    client, site
) -> None:  # noqa: ANN001
    with_licences(client, site)
    sign_in(client, site, "treasury_officer")
    before = state(site)
    for lang, says, column in (
        ("en", "amount is not a number", ""),
        ("uk", "сума — не число", " — сума"),
    ):
        r = send(client, "receipts", "bad.csv", BAD.encode(), lang)
        assert r.status_code == 400, r.text
        form, problems = (
            r.text.index('action="/revenue/upload/receipts"'),
            r.text.index('id="problems-receipts"'),
        )
        assert 0 < problems - form < 2000, "the problems follow their own form"
        assert 'aria-describedby="problems-receipts"' in r.text and 'id="problems-licences"' not in r.text
        row = re.search(
            rf"<tr><td>3</td><td><code>amount</code>{column}</td><td>([^<]*)</td><td>два</td></tr>", r.text
        )
        assert row and says in row.group(1), r.text
        assert "bad.csv" in r.text
    assert "<td>2</td>" not in r.text  # the good row is no problem
    assert state(site) == before


def test_a_good_file_is_previewed_then_exactly_that_file_is_imported_and_listed(client, site) -> None:  # noqa: ANN001
    with_licences(client, site)
    sign_in(client, site, "treasury_officer")
    before = state(site)
    r = send(client, "receipts", "good.csv", GOOD.encode(), "uk")
    assert r.status_code == 200, r.text
    digest = hashlib.sha256(GOOD.encode()).hexdigest()
    assert digest in r.text and f'name="sha256" value="{digest}"' in r.text
    assert re.search(r'id="preview-new">2<', r.text)
    assert (
        "1\xa0250\xa0000,50" in r.text and "20.10.2025" in r.text
    )  # the sample, as the page's language writes it
    assert "<td>()</td>" not in r.text  # no flags is an empty cell, not Python's empty tuple
    assert state(site) == before, "a preview writes nothing"

    # Another digest, or another user's preview, imports nothing.
    assert confirm(client, "receipts", hashlib.sha256(b"other").hexdigest()).status_code == 404
    assert confirm(client, "receipts", "not-a-digest").status_code in (404, 422)
    assert confirm(client, "licences", digest).status_code == 404  # previewed as receipts, not licences
    assert state(site) == before

    done = confirm(client, "receipts", digest)
    assert done.status_code == 303 and done.headers["location"].startswith("/revenue/uploads/")
    assert 'data-state="done"' in follow(client, done.headers["location"])
    assert state(site)[0] == before[0] + 2
    assert confirm(client, "receipts", digest).status_code == 404, "a preview is imported once"

    history = client.get("/revenue/uploads").text
    assert "good.csv" in history and digest in history and site.name("treasury_officer") in history
    assert 'data-state="imported"' in history


def test_a_preview_is_bound_to_who_made_it(client, site) -> None:  # noqa: ANN001
    with_licences(client, site)
    sign_in(client, site, "treasury_officer")
    r = send(client, "receipts", "good.csv", GOOD.encode())
    assert r.status_code == 200
    client.cookies.clear()
    sign_in(client, site, "administrator")
    before = state(site)
    r = confirm(client, "receipts", hashlib.sha256(GOOD.encode()).hexdigest())
    assert r.status_code in (403, 404)
    assert state(site) == before


def test_a_refused_api_upload_is_in_the_history(client, site) -> None:  # noqa: ANN001
    r = client.post(
        "/api/revenue/licences",
        headers=bearer(site, "treasury_officer"),
        files={"file": ("broken.csv", b"licence_id\nX\n")},
    )
    assert r.status_code == 422
    sign_in(client, site, "auditor")
    history = client.get("/revenue/uploads?lang=uk").text
    row = re.search(r'<tr data-state="refused">.*?</tr>', history, re.S)
    assert (
        row
        and "broken.csv" in row.group(0)
        and hashlib.sha256(b"licence_id\nX\n").hexdigest() in row.group(0)
    )
    assert "відхилено" in row.group(0)


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable XLSX workbook"),
        ("empty.csv", b"", "the file is empty"),
        ("latin.csv", "licence_id,holder\nCafé,é\n".encode("latin-1"), "not UTF-8 text"),
        ("noise.csv", bytes(range(256)) * 4, ""),
        ("noise.xlsx", bytes(range(256)) * 4, "not a readable XLSX workbook"),
        ("notes.txt", b"hello", "expected a .csv, .xlsx, .json file"),
    ],
)
def test_a_bad_file_is_a_400_page_naming_it(client, site, name, data, says) -> None:  # noqa: ANN001
    sign_in(client, site, "treasury_officer")
    before = state(site)
    r = send(client, "licences", name, data)
    assert r.status_code == 400, (r.status_code, r.text[:500])
    assert name in r.text and says in r.text and "Traceback" not in r.text
    assert 'id="problems-licences"' in r.text
    assert state(site) == before


def test_only_an_importer_may_preview_or_confirm(client, site) -> None:  # noqa: ANN001
    sign_in(client, site, "auditor")
    page = client.get("/revenue/imports").text
    assert 'action="/revenue/upload/' not in page
    token = csrf_of(client.get("/revenue").text)
    r = client.post("/revenue/upload/licences", data={"csrf": token}, files={"file": ("l.csv", LICENCES)})
    assert r.status_code == 403


# Every kind of problem the importers write, beside its form: a header's, a cell's, a row's against the book,
# and the terms' rate checks; USD 41.50 then 55.00 the next day is beyond fx.max_daily_change, and 4,150 is
# beyond fx.plausible_rates.
PROBLEM_FILES = {
    "fx": "currency,date,rate\nUSD,2025-11-03,41.50\nUSD,2025-11-04,55.00\nUSD,2025-11-05,4150\n",
    "receipts": "receipt_id,date,licence_id,stream,amount,currency\nR1,2025-13-01,NOPE,zzz,abc,XYZ\n",
    "licences": "licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa,extra\n",
    "payments": "payment_id,date,holder_code,licence_id,stream,amount\nP1,2025-02-30,1,L-1,rent,abc\n",
}
TERMS_WORDS = {
    "en": ("the largest daily change of a rate that the fund's terms allow", "exchange rate (units of"),
    "uk": ("найбільша денна зміна курсу, за умовами фонду", "курс (одиниць національної валюти"),
}


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_every_problem_names_its_column_and_the_terms_in_words(client, site, lang) -> None:  # noqa: ANN001
    from web.test_ukrainian_pages import english_phrases, leftovers

    with_licences(client, site)
    sign_in(client, site, "treasury_officer")
    phrases = english_phrases()
    for what, text in PROBLEM_FILES.items():
        r = send(client, what, f"bad-{what}.csv", text.encode(), lang)
        assert r.status_code == 400, (what, r.text[:300])
        table = html.unescape(r.text.split(f'id="problems-{what}"')[1].split("</table>")[0])
        assert "fx.max_daily_change" not in table and "fx.plausible_rates" not in table, table
        cells = re.findall(r"<tr><td>[^<]*</td><td>(.*?)</td><td>", table)
        assert cells, table
        for cell in cells:  # a column of the import shows its words; an unknown one, as it was typed
            code = re.match(r"<code>([a-z_]+)</code>", cell)
            assert cell == "" or code, cell
            if code and code.group(1) not in ("extra", "amount", "date", "currency"):  # en: those are words
                assert " — " in cell and len(cell.split(" — ")[1]) > 3, cell
            if code and lang == "uk" and code.group(1) != "extra":
                assert " — " in cell, cell
        if lang == "uk":
            assert not leftovers(table, phrases), (what, leftovers(table, phrases))
        if what == "fx":
            daily, rate = TERMS_WORDS[lang]
            assert f"({daily})" in table and rate in table, table


@pytest.mark.parametrize(("lang", "says"), [("en", "is not listed"), ("uk", "тут не показується")])
def test_the_history_says_truly_which_refused_files_it_keeps(client, site, lang, says) -> None:  # noqa: ANN001
    """A file refused at "Check the file" was never sent, so it is not in the history; the page said every
    refused upload was kept (found in the round-2 journeys)."""
    with_licences(client, site)
    sign_in(client, site, "treasury_officer")
    assert send(client, "receipts", "checked-and-refused.csv", BAD.encode(), lang).status_code == 400
    history = client.get(f"/revenue/uploads?lang={lang}").text
    assert "checked-and-refused.csv" not in history
    assert says in history
