"""English and Ukrainian: the catalogue is complete, every message the code speaks is in it, numbers and
plurals
follow the language, and the switch sticks.

The extraction is pybabel's (Babel's extract over the package with the project's keywords, i18n.KEYWORDS), so
a
new `_("...")` in a template or a module fails here until messages.po has its Ukrainian.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import jointfund
from jointfund import i18n
from jointfund.terms.loader import load_shipped
from jointfund.web import names
from jointfund.web.i18n import choose

PACKAGE = Path(jointfund.__file__).parent
PO = PACKAGE / "web" / "locale" / "uk" / "LC_MESSAGES" / "messages.po"
# Where gettext is the project's: the CLI's English help uses the standard library's `_` (click's own words).
METHODS = [("cli/**.py", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
APOSTROPHE = "\u02bc"  # ʼ, the Ukrainian apostrophe; the typewriter ' and the quote ’ are not used in uk text


def catalogue():  # noqa: ANN201 - a babel Catalog
    with PO.open("rb") as f:
        return read_po(f, locale="uk")


def extracted() -> dict[str, list[str]]:
    """msgid -> where it is used, as `pybabel extract -k _ -k gettext -k ngettext:1,2 -k N_` finds them."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        PACKAGE,
        method_map=METHODS,
        keywords=i18n.KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        msgid = message[0] if isinstance(message, tuple) else message  # a plural entry's id is its singular
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def test_every_catalogue_entry_has_its_ukrainian() -> None:
    cat = catalogue()
    untranslated = [
        m.id for m in cat if m.id and (not all(m.string) if isinstance(m.string, tuple) else not m.string)
    ]
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not untranslated, f"translate in messages.po: {untranslated}"
    assert not fuzzy, f"review the fuzzy entries of messages.po (a fuzzy entry is never shown): {fuzzy}"
    # Helpers merging messages.po keep both sides' entries: the same msgid twice would hide one translation.
    ids = re.findall(r'^msgid (".*")$', PO.read_text(encoding="utf-8"), flags=re.M)
    twice = sorted({i for i in ids if ids.count(i) > 1} - {'""'})
    assert not twice, f"msgids entered twice in messages.po (keep one): {twice}"
    assert i18n.translations("uk").gettext("Sign in") == "Увійти"


def test_the_ukrainian_text_uses_one_apostrophe() -> None:
    wrong = [
        m.id
        for m in catalogue()
        if m.id
        for s in (m.string if isinstance(m.string, tuple) else (m.string,))
        if re.search(r"[\u0400-\u04ff]['\u2019`]", s)
    ]
    assert not wrong, f"write ʼ (U+02BC) in: {wrong}"
    assert APOSTROPHE in i18n.translations("uk").gettext("Committed on")


def test_every_message_the_code_speaks_is_in_the_catalogue() -> None:
    found = extracted()
    assert "Sign in" in found and "Fund totals" in found  # the extraction reads templates and modules
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue() if m.id}
    missing = {k: v[:2] for k, v in found.items() if k not in ids}
    assert not missing, f"add to messages.po (msgid: where): {missing}"


def test_every_name_of_the_shipped_terms_has_its_ukrainian() -> None:
    translated = {m.id for m in catalogue() if m.id and m.string}
    every = names.every_name(load_shipped())
    assert {"Lithium", "Board of managers", "Submitted", "mezzanine"} <= every
    missing = sorted(every - translated)
    assert not missing, f"add the terms' names to messages.po: {missing}"


def test_the_plural_forms_are_ukrainian_and_babel_reads_them() -> None:
    cat = catalogue()
    assert cat.num_plurals == 3 == len(Locale("uk").plural_form.tags)
    plurals = [m for m in cat if m.id and isinstance(m.id, tuple)]
    assert plurals, "the catalogue has plural entries"
    assert all(len(m.string) == 3 for m in plurals), "each plural entry has three Ukrainian forms"
    ng = i18n.translations("uk").ngettext
    forms = [
        ng("%(num)s new record", "%(num)s new records", n) % {"num": n} for n in (1, 2, 5, 11, 12, 21, 22, 25)
    ]
    assert forms == [
        "1 новий запис",
        "2 нові записи",
        "5 нових записів",
        "11 нових записів",
        "12 нових записів",
        "21 новий запис",
        "22 нові записи",
        "25 нових записів",
    ]
    assert (
        i18n.translations("en").ngettext("%(num)s new record", "%(num)s new records", 2)
        == "%(num)s new records"
    )


@pytest.mark.parametrize(
    ("lang", "value", "places", "written"),
    [
        ("uk", "75000000.00", 2, "75\u00a0000\u00a0000,00"),
        ("en", "75000000.00", 2, "75,000,000.00"),
        ("uk", Decimal("-1234.5"), 2, "-1\u00a0234,50"),
        ("en", Decimal("-1234.5"), 2, "-1,234.50"),
        ("uk", 1057, 0, "1\u00a0057"),
        ("en", "0.123456", None, "0.123456"),
        ("uk", None, 2, "—"),
    ],
)
def test_numbers_are_written_as_the_language_writes_them(lang, value, places, written) -> None:  # noqa: ANN001
    assert i18n.number(value, lang, places) == written


def test_shares_and_dates_follow_the_language() -> None:
    assert i18n.percent("0.245752", "uk") == "24,58%"
    assert i18n.percent("0.245752", "en") == "24.58%"
    assert i18n.date(dt.date(2026, 3, 2), "uk") == "02.03.2026"
    assert i18n.date("2026-03-02", "en") == "2026-03-02"
    with pytest.raises(ArithmeticError):
        i18n.number("1,000", "en")  # a string is an amount as the API gives it, never a formatted one


def test_ukrainian_sorts_in_its_own_alphabet() -> None:
    words = ["Ітрій", "Алюміній", "Європій", "Ґрунт", "Гафній", "Їжак", "Цинк", "Золото"]
    assert sorted(words, key=lambda w: i18n.collation_key(w, "uk")) == [
        "Алюміній",
        "Гафній",
        "Ґрунт",
        "Європій",
        "Золото",
        "Ітрій",
        "Їжак",
        "Цинк",
    ]
    assert sorted(words) != sorted(
        words, key=lambda w: i18n.collation_key(w, "uk")
    )  # code points would not do


@pytest.mark.parametrize(
    ("cookie", "query", "accept", "chosen"),
    [
        (None, None, None, "en"),
        (None, None, "uk-UA,uk;q=0.9,en;q=0.8", "uk"),
        ("uk", None, "en", "uk"),
        ("uk", "en", None, "en"),
        ("xx", "zz", "fr", "en"),
        (None, None, "en;q=0.2, uk;q=0.9", "uk"),  # the q-values rank, not the order (issue 17)
        (None, None, "uk;q=0, en-GB;q=0.5", "en"),  # q=0: not acceptable
        (None, None, "de, uk-UA;q=0.7, en;q=0.6", "uk"),  # a regional tag matches its language
        (None, None, "*, uk;q=bad, en;q=0.1", "en"),  # "*" and a malformed q are skipped
        (None, None, "UK-ua, en", "uk"),  # tags are case-insensitive
    ],
)
def test_the_language_is_the_query_then_the_cookie_then_the_browser(cookie, query, accept, chosen) -> None:  # noqa: ANN001
    assert choose(cookie, query, accept) == chosen


@pytest.mark.parametrize("backend", ["sqlite"])
def test_switching_to_ukrainian_sticks(client) -> None:  # noqa: ANN001
    assert "Підсумки фонду" in client.get("/?lang=uk").text
    assert "Підсумки фонду" in client.get("/").text
    assert "Fund totals" in client.get("/?lang=en").text


def test_a_missing_page_says_so_in_the_page_language(client) -> None:  # noqa: ANN001
    """Starlette's "Not Found" reached a Ukrainian error page in English."""
    uk = client.get("/no-such-page?lang=uk")
    assert uk.status_code == 404 and "Такої сторінки немає" in uk.text and "Not Found" not in uk.text
    wrong = client.delete("/records?lang=uk")
    assert wrong.status_code == 405 and "Method Not Allowed" not in wrong.text
    assert "Not Found" in client.get("/no-such-page?lang=en").text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_api_docs_script_says_the_words_of_the_page(client) -> None:  # noqa: ANN001
    """static/docs.js builds the API page's forms: its labels come from the page, in the page's language."""
    page = client.get("/api/docs?lang=uk").text
    assert 'data-body="тіло запиту (JSON)"' in page and 'data-required="обовʼязковий"' in page
    assert 'data-in-query="у рядку запиту"' in page
    script = (PACKAGE / "web" / "static" / "docs.js").read_text(encoding="utf-8")
    assert "JSON body" not in script and '", required"' not in script and "words.required" in script


def test_every_operation_summary_of_the_api_has_its_ukrainian() -> None:
    """The API page shows each operation's summary in its language (issue 12): a new summary fails here until
    messages.po has it."""
    from jointfund.app import create_app

    translated = {m.id for m in catalogue() if m.id and m.string}
    spec = create_app("sqlite://").openapi()
    summaries = {op["summary"] for ops in spec["paths"].values() for op in ops.values() if "summary" in op}
    assert len(summaries) > 50 and "Cast a signed vote" in summaries
    missing = sorted(summaries - translated)
    assert not missing, f"add the API's summaries to messages.po: {missing}"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_api_page_gives_its_script_the_summaries_in_the_page_language(client) -> None:  # noqa: ANN001
    import json

    def summaries(lang: str) -> dict[str, str]:
        page = client.get(f"/api/docs?lang={lang}").text
        block = re.search(r'<script type="application/json" id="summaries">(.*?)</script>', page, re.S)
        assert block, "the page carries the summaries for static/docs.js"
        return json.loads(block.group(1))

    uk, en = summaries("uk"), summaries("en")
    assert uk["Cast a signed vote"] == "Подати підписаний голос"
    assert en["Cast a signed vote"] == "Cast a signed vote"
    assert set(uk) == set(en) and all(any("\u0400" <= c <= "\u04ff" for c in v) for v in uk.values()), uk
    assert not any("jointfund " in k for k in uk)  # a summary never tells the reader to run a command
    script = (PACKAGE / "web" / "static" / "docs.js").read_text(encoding="utf-8")
    assert "summaries[op.summary]" in script
