"""Every file input is our own picker (issue 12): a label in the page's language over a visually hidden but
focusable input, and the chosen file's name beside it (static/files.js), never Chromium's "Choose file"."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from api.conftest import sign_in

pytestmark = pytest.mark.storage

TEMPLATES = resources.files("jointfund.web").joinpath("templates")
INPUT = re.compile(r"<input\b[^>]*\btype=\"file\"[^>]*>")


def test_every_file_input_of_every_template_is_followed_by_the_picker() -> None:
    found = 0
    for template in TEMPLATES.iterdir():
        text = template.read_text(encoding="utf-8")
        for m in INPUT.finditer(text):
            found += 1
            tag = m.group(0)
            assert 'class="file-input"' in tag, (template.name, tag)
            assert re.match(r"\s*\{\{ file\.picker\(", text[m.end() :]), (template.name, tag)
            assert '{% import "_file.html" as file with context %}' in text, template.name
    assert found >= 9, "the scan has lost the file inputs"


@pytest.mark.parametrize(("lang", "button", "none"), [("en", "Choose a file", "No file chosen"),
                                                      ("uk", "Вибрати файл", "Файл не вибрано")])  # fmt: skip
def test_the_import_forms_pick_files_in_the_page_language(client, site, lang, button, none) -> None:  # noqa: ANN001
    sign_in(client, site, "treasury_officer")
    page = client.get("/revenue/imports", params={"lang": lang}).text
    for what in ("licences", "receipts", "fx", "payments"):
        picked = re.search(
            rf'<input class="file-input" id="file-{what}"[^>]*> <span class="file-pick">'
            rf'<label for="file-{what}" class="file-button">{button}</label>\s*'
            rf'<span class="file-name" id="file-{what}-chosen"[^>]*>{none}<',
            page,
        )
        assert picked, (what, page[page.find(f'id="file-{what}"') - 200 :][:600])
    assert '<script src="/static/files.js" defer></script>' in page
    assert client.get("/static/files.js").status_code == 200
