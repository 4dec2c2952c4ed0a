"""Anyone can verify (issue 18), in the browser and in both languages: the public types a contribution entry's
number
and the page fetches its proof itself (no file, no sign-in), against the server and against a static mirror
(`jointfund publish --out DIR`) served by `python -m http.server`; every failure is a sentence of the page's
language. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
from decimal import Decimal

import pytest

from jointfund.ledger import journal, log
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db

from .test_browser import browser, server, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite"]
)  # the browser is the subject; the API tests cover both
WORDS = {  # what the page says, per language
    "en": {
        "proven": "Proven: record",
        "signed": "signed by",
        "debit": "Debit",
        "credit": "Credit",
        "private": "is private",
        "missing": "There is no record",
        "bad_seq": "Type a record number",
        "altered": "does not match its hash",
        "beyond": "is not in the mirror's signed log",
        "unsigned": "Newer records not yet signed by both partners: 1.",
    },
    "uk": {
        "proven": "Доведено: запис",
        "signed": "підписали",
        "debit": "Дебет",
        "credit": "Кредит",
        "private": "закритий",
        "missing": "немає запису",
        "bad_seq": "Введіть номер запису",
        "altered": "не збігається з його хешем",
        "beyond": "немає в підписаному журналі дзеркала",
        "unsigned": "ще не підписаних обома партнерами: 1.",
    },
}
RAW = ("{", "Unexpected token", "Error:", "undefined", "NaN")


@pytest.fixture
def contribution(site) -> int:  # noqa: ANN001
    """A UA revenue contribution entry, then a head both partners sign, then one record neither signed yet."""
    terms = site.fund.base_terms()
    cash, trading = terms.account_name("cash", currency="UAH"), terms.account_name("trading", currency="UAH")
    with db.write(site.engine) as conn:
        seq = journal.post(
            conn,
            [
                Entry(
                    dt.date(2026, 1, 30),
                    "UA revenue contribution",
                    (
                        Posting(cash, Decimal("415000.00"), "UAH"),
                        Posting(trading, Decimal("-415000.00"), "UAH"),
                        Posting(trading, Decimal("10000.00"), "USD"),
                        Posting(
                            terms.account_name("capital_revenue", partner="UA"), Decimal("-10000.00"), "USD"
                        ),
                    ),
                    "T-1",
                )
            ],
            site.fund.start_date,
        )[0]
    site.sign_checkpoints()
    with db.write(site.engine) as conn:
        log.append_event(conn, "test", "decision.record", "proposal:1", {"after": "decision recorded"})
    return seq


def private_seq(site) -> int:  # noqa: ANN001
    with site.engine.connect() as conn:
        return next(e.seq for e in log.events(conn, action="user.add"))


def tried(page, number: str) -> str:  # noqa: ANN001
    """Type a record number, press the button, and wait for this attempt's answer: 'ok: ...' or 'rejected:
    ...'."""
    result = page.locator("#verify-result")
    page.evaluate("() => document.getElementById('verify-result').removeAttribute('data-tried')")
    page.locator("#record-seq").fill(number)
    page.locator("#fetch-button").click()
    page.wait_for_function("n => document.getElementById('verify-result').dataset.tried === n", arg=number)
    said = result.inner_text()
    assert not any(r in said for r in RAW), said  # never raw JSON or a browser's error
    return result.get_attribute("data-verdict") + ": " + said


def check_journey(page, lang: str, seq: int, private: int, mirror: bool) -> None:  # noqa: ANN001
    w = WORDS[lang]
    result = page.locator("#verify-result")

    def verify(number: str) -> str:
        return tried(page, number)

    said = verify(str(seq))
    assert said.startswith("ok: " + w["proven"]) and w["signed"] in said, said
    assert "US" in said and "UA" in said  # both partners' signatures
    assert (
        w["debit"] in said and w["credit"] in said and "Assets:" in said and "UAH" in said and "USD" in said
    )
    assert ("30 січня 2026" if lang == "uk" else "January 30, 2026") in said  # the entry's date in words
    assert ("415 000,00" if lang == "uk" else "415,000.00") in said.replace("\u00a0", " ")
    if not mirror:
        assert w["unsigned"] in said  # the record logged after the head both signed
    where = "mirror" if mirror else "server"
    shot(page, f"public-verify-{where}-{lang}")
    assert verify(str(private)).startswith("rejected:") and w["private"] in result.inner_text()
    shot(page, f"public-verify-{where}-private-{lang}")
    assert (w["beyond"] if mirror else w["missing"]) in verify("999999")
    assert w["bad_seq"] in verify("abc")


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_public_verifies_a_contribution_entry_on_the_server_with_no_file_and_no_sign_in(
    browser,  # noqa: F811 - the fixture
    server,  # noqa: F811
    site,
    contribution,
    lang,
) -> None:  # noqa: ANN001
    context = browser.new_context(base_url=server, locale="uk-UA" if lang == "uk" else "en-US")
    page = context.new_page()
    page.goto(f"/?lang={lang}")
    check_journey(page, lang, contribution, private_seq(site), mirror=False)
    context.close()


@pytest.fixture
def mirror(site, contribution, tmp_path) -> str:  # noqa: ANN001
    """`jointfund publish --out DIR`, served by `python -m http.server` on a free loopback port."""
    out = tmp_path / "mirror"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from jointfund.cli.app import main; main()",
            "--db",
            str(site.engine.url),
            "publish",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (
        (out / "index.html").exists() and (out / "index.uk.html").exists() and (out / "checkpoint").exists()
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):  # until it answers (bounded)
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert srv.poll() is None, "python -m http.server exited"
            try:
                srv.wait(0.05)  # a pause that ends early if the server exits
            except subprocess.TimeoutExpired:
                pass
        else:
            pytest.fail("python -m http.server did not answer")
        yield f"http://127.0.0.1:{port}/", out
    finally:
        srv.terminate()
        srv.wait(10)


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_public_verifies_a_contribution_entry_against_a_static_mirror_with_no_server(
    browser,  # noqa: F811 - the fixture
    site,
    contribution,
    mirror,
    lang,
) -> None:  # noqa: ANN001
    url, out = mirror
    context = browser.new_context(base_url=url)
    left = []
    context.on(
        "request",
        lambda r: None if r.url.startswith(url) or r.url.startswith("data:") else left.append(r.url),
    )
    page = context.new_page()
    page.goto("index.html" if lang == "en" else f"index.{lang}.html")
    check_journey(page, lang, contribution, private_seq(site), mirror=True)
    # An altered mirror: the record's copy in its entry bundle no longer matches its hash in the signed log.
    files = [p for p in (out / "tile" / "entries").rglob("*") if p.is_file()]
    assert files
    data = files[0].read_bytes()
    files[0].write_bytes(data.replace(b"UA revenue contribution", b"UA revenue contributioN"))
    said = tried(page, str(contribution))
    assert said.startswith("rejected:") and WORDS[lang]["altered"] in said, said
    shot(page, f"public-verify-mirror-altered-{lang}")
    context.close()
    assert not left, f"requests left the mirror: {left}"


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_public_browses_the_records_and_one_click_verifies_an_entry(
    browser,  # noqa: F811 - the fixture
    server,  # noqa: F811
    site,
    contribution,
    lang,
) -> None:  # noqa: ANN001
    from jointfund.web.records import PER_PAGE

    w = WORDS[lang]
    context = browser.new_context(base_url=server, locale="uk-UA" if lang == "uk" else "en-US")
    page = context.new_page()
    page.goto(f"/records?lang={lang}&page={(contribution - 1) // PER_PAGE + 1}")
    shot(page, f"public-records-{lang}")
    page.locator(
        f'a[href="/records/{contribution}"]'
    ).click()  # no typing: the record's page checks it at once
    page.wait_for_function(
        "n => document.getElementById('verify-result').dataset.tried === n", arg=str(contribution)
    )
    result = page.locator("#verify-result")
    said = result.inner_text()
    assert result.get_attribute("data-verdict") == "ok", said
    assert said.startswith(w["proven"]) and "US" in said and "UA" in said and w["debit"] in said
    shot(page, f"public-record-{contribution}-{lang}")
    context.close()
