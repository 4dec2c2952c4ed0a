"""English and Ukrainian: every message of the pages has a Ukrainian translation, and the switch sticks."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from babel.messages.pofile import read_po

from jointfund.web import i18n

TEMPLATES = resources.files("jointfund.web").joinpath("templates")


def messages_in_templates() -> set[str]:
    found: set[str] = set()
    for f in TEMPLATES.iterdir():
        text = f.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\("([^"]+)"\)', text)) | set(re.findall(r"_\('([^']+)'\)", text))
    return found


def test_every_message_has_a_ukrainian_translation() -> None:
    with i18n.locale_dir().joinpath("uk", "LC_MESSAGES", "messages.po").open("rb") as f:
        catalog = read_po(f, locale="uk")
    translated = {m.id for m in catalog if m.id and m.string}
    missing = messages_in_templates() - translated
    assert not missing, f"add to messages.po: {sorted(missing)}"
    assert i18n.translations("uk").gettext("Sign in") == "Увійти"


@pytest.mark.parametrize(("cookie", "query", "accept", "chosen"), [
    (None, None, None, "en"), (None, None, "uk-UA,uk;q=0.9,en;q=0.8", "uk"), ("uk", None, "en", "uk"),
    ("uk", "en", None, "en"), ("xx", "zz", "fr", "en"),
])
def test_the_language_is_the_query_then_the_cookie_then_the_browser(cookie, query, accept, chosen) -> None:  # noqa: ANN001
    assert i18n.choose(cookie, query, accept) == chosen


@pytest.mark.parametrize("backend", ["sqlite"])
def test_switching_to_ukrainian_sticks(client) -> None:  # noqa: ANN001
    assert "Підсумки фонду" in client.get("/?lang=uk").text
    assert "Підсумки фонду" in client.get("/").text
    assert "Fund totals" in client.get("/?lang=en").text
