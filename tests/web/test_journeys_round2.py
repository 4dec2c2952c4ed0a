"""What the round-2 walk through every user's journey found shown to people raw (issue 17): each test fails on
the page as it was."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from api.conftest import sign_in
from babel.messages.pofile import read_po

from jointfund import i18n
from web.test_public_verify import contribution  # noqa: F401 - the fixture

ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def shown(html: str) -> str:
    """The text a reader sees: tags (and the machine-readable attributes in them) left out."""
    return re.sub(r"<[^>]*>", " ", html)


def test_an_instant_is_written_to_the_minute_in_utc_as_the_language_writes_its_date() -> None:
    at = dt.datetime(2026, 12, 3, 8, 0, 19, 957134, tzinfo=dt.UTC)
    assert i18n.moment(at, "en") == "2026-12-03 08:00 UTC"
    assert i18n.moment("2026-12-03T08:00:19.957134Z", "uk") == "03.12.2026 08:00 UTC"
    assert i18n.moment(dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))), "uk") == (
        "03.12.2026 08:00 UTC"
    )
    assert i18n.moment(None, "en") == "—"


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_public_page_says_when_each_checkpoint_was_signed_in_words_not_as_the_api_stamp(
    client, lang
) -> None:  # noqa: ANN001
    html = client.get(f"/?lang={lang}").text
    assert "<time datetime=" in html and " UTC</time>" in html, "the checkpoints' table is there"
    assert not ISO_INSTANT.findall(shown(html))


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_an_entry_says_when_it_was_recorded_in_words_not_as_the_api_stamp(
    client,  # noqa: ANN001
    site,  # noqa: ANN001
    contribution,  # noqa: ANN001, F811 - the fixture
    lang,  # noqa: ANN001
) -> None:
    sign_in(client, site, "auditor")
    html = client.get(f"/ledger/entries/{contribution}?lang={lang}").text
    assert " UTC</time>" in html, "the entry is there"
    # The proof bundle, shown only on request under "Show the bundle", is the JSON file itself, as downloaded.
    assert not ISO_INSTANT.findall(shown(re.sub(r'<pre class="bundle".*?</pre>', "", html, flags=re.S)))


def test_a_day_of_an_instant_is_its_date_alone_in_english_too() -> None:
    """The upload history wrote `at|day` of a datetime: Ukrainian gave 03.12.2026, English the whole
    2026-12-03T08:00:13.910956+00:00."""
    at = dt.datetime(2026, 12, 3, 8, 0, 13, 910956, tzinfo=dt.UTC)
    assert i18n.date(at, "en") == "2026-12-03"
    assert i18n.date(at, "uk") == "03.12.2026"


CODE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")


def code_msgids(lang: str) -> dict[str, str]:
    with i18n.locale_dir().joinpath(lang, "LC_MESSAGES", "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    return {m.id: m.string for m in catalog if isinstance(m.id, str) and CODE.match(m.id)}


def test_every_code_the_pages_translate_has_its_english_words() -> None:
    """A msgid that is a code (in_kind_valuation) has English words in en/messages.po, as it has Ukrainian."""
    english = code_msgids("en")
    assert set(code_msgids("uk")) <= set(english)
    assert not [w for w in english.values() if not w or CODE.match(w)]
    assert i18n.translations("en").gettext("in_kind_valuation") == "in-kind valuation"
    assert i18n.translations("en").gettext("Partner") == "Partner"  # every other msgid is its English


def test_the_english_pages_name_an_in_kind_valuation_and_a_licence_basis_in_words(client, site) -> None:  # noqa: ANN001
    from api.conftest import bearer

    licence = b"licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa\n"
    licence += (
        b"SP-1,Dobra Lithium Holdings,45120011,lithium,Dobra,Kirovohrad,2025-09-15,existing_undeveloped,no\n"
    )
    answer = client.post(
        "/api/revenue/licences", headers=bearer(site, "treasury_officer"), files={"file": ("l.csv", licence)}
    )
    assert answer.status_code == 201, answer.text
    sign_in(client, site, "auditor")
    revenue = shown(client.get("/revenue?lang=en").text)
    assert "existing, undeveloped deposit" in revenue and "existing_undeveloped" not in revenue
    capital = shown(client.get("/capital?lang=en").text)
    assert "in-kind" in capital and "in_kind" not in capital


@pytest.mark.parametrize(
    ("lang", "number", "date"),
    [
        ("en", "such as 1 250 000,00 or 1250000.00", "expected YYYY-MM-DD or DD.MM.YYYY"),
        ("uk", "як-от 1 250 000,00 або 1250000.00", "очікується РРРР-ММ-ДД або ДД.ММ.РРРР"),
    ],
)
def test_a_bad_cell_is_explained_with_what_a_spreadsheet_may_write(client, site, lang, number, date) -> None:  # noqa: ANN001
    """Row 2's decimal comma and dotted date were read; row 3's words were answered with the API's rule (a dot
    as the decimal mark, YYYY-MM-DD only), which row 2 had just shown to be untrue."""
    from web.test_imports import send, with_licences

    with_licences(client, site)
    sign_in(client, site, "treasury_officer")
    bad = "receipt_id;date;licence_id;stream;amount;currency\nR-1;20.10.2025;SP-1;rent;1 250 000,50;UAH\n"
    bad += "R-2;21.13.2025;SP-1;rent;сімсот;UAH\n"
    page = send(client, "receipts", "b.csv", bad.encode(), lang)
    assert page.status_code == 400
    problems = shown(page.text[page.text.index('id="problems-receipts"') :])
    assert number in problems and date in problems
    assert "decimal mark" not in problems and "десятковим знаком" not in problems


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_dead_link_keeps_a_signed_in_person_signed_in(client, site, lang) -> None:  # noqa: ANN001
    """A missing page showed a signed-in administrator the visitor's header: Sign in, none of their menu."""
    visitor = client.get(f"/reports?lang={lang}")
    assert visitor.status_code == 404 and 'href="/login' in visitor.text
    sign_in(client, site, "administrator")
    page = client.get(f"/reports?lang={lang}")
    assert page.status_code == 404
    assert site.name("administrator") in shown(page.text)
    assert 'href="/login' not in page.text and 'action="/logout"' in page.text


@pytest.mark.parametrize(
    ("lang", "words", "not_words"),
    [("en", "exchange differences", " fx "), ("uk", "курсові різниці", "курси валют")],
)
def test_the_capital_accounts_name_their_exchange_differences_not_the_exchange_rates(
    client,
    site,
    lang,
    words,
    not_words,  # noqa: ANN001
) -> None:
    """The capital accounts' column of exchange differences was headed by the msgid "fx", which is the
    exchange-rates import: "fx" in English, "курси валют" (exchange rates) in Ukrainian."""
    sign_in(client, site, "auditor")
    header = re.search(
        r'<table[^>]*id="capital-accounts".*?</thead>', client.get(f"/capital?lang={lang}").text, re.S
    )
    assert header, "the capital accounts' table is there"
    text = shown(header.group(0))
    assert words in text and not_words not in text


@pytest.mark.parametrize(
    ("lang", "name"), [("en", "United States of America"), ("uk", "Сполучені Штати Америки")]
)
def test_the_capital_page_names_the_partners_as_the_public_page_does(client, site, lang, name) -> None:  # noqa: ANN001
    """The capital accounts and the statements' table showed the codes US and UA (found walking the uk page
    at 360 px); the public page and the dashboard name the partners."""
    sign_in(client, site, "auditor")
    html = client.get(f"/capital?lang={lang}").text
    for table in ("capital-accounts", "statement-links"):
        found = re.search(rf'<table[^>]*id="{table}".*?</table>', html, re.S)
        assert found, table
        assert name in found.group(0), table
        assert not re.search(r"<th[^>]*>US</th>", found.group(0)), table
