"""No web page tells its reader to run a command or call the API (issue 12).

Three nets: the templates and the catalogue (English and Ukrainian) hold no `jointfund <command>` and no
`POST /api...` instruction; a domain error shown on a page loses its CLI hint but keeps what went wrong;
and the pages themselves, rendered in both languages for an administrator and a board manager, show none.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import typer
from api.conftest import sign_in
from babel.messages.pofile import read_po

import jointfund
from jointfund.cli.app import app as cli_app
from jointfund.web.texts import without_commands

PACKAGE = Path(jointfund.__file__).parent
TEMPLATES = sorted(PACKAGE.rglob("templates/*.html"))  # the pages, and the reports the web serves
GROUPS = sorted(typer.main.get_command(cli_app).list_commands(None))  # type: ignore[attr-defined]
COMMAND = re.compile(r"\bjointfund (?:" + "|".join(GROUPS) + r")\b")
API_CALL = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE) /api\b")


def instructions(text: str) -> list[str]:
    return [m.group(0) for pattern in (COMMAND, API_CALL) for m in pattern.finditer(text)]


def test_the_scan_can_fail() -> None:
    assert instructions("an administrator links it (POST /api/users/NAME/members)") == ["POST /api"]
    assert instructions("or with: jointfund ledger check-proof") == ["jointfund ledger"]
    assert instructions("Prepared by jointfund on 2026-01-01") == []  # the product's name is not a command
    assert len(GROUPS) > 20 and "users" in GROUPS


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_template_tells_the_reader_to_run_a_command(template: Path) -> None:
    assert instructions(template.read_text(encoding="utf-8")) == []


def test_no_catalogue_message_tells_the_reader_to_run_a_command() -> None:
    with resources.files("jointfund.web").joinpath("locale/uk/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f, locale="uk")
    found = {
        str(m.id): instructions(
            " ".join(
                filter(
                    None,
                    [
                        *(m.id if isinstance(m.id, tuple) else (m.id,)),
                        *(m.string if isinstance(m.string, tuple) else (m.string,)),
                    ],
                )
            )
        )
        for m in catalog
        if m.id
    }
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize(
    ("domain", "on_a_page"),
    [
        ("no user bob; see: jointfund users list", "no user bob"),
        (
            "user.member for UA needs a statement signed by UA's authority key (--authority-key FILE, or "
            "--prepare FILE, then jointfund authority sign and jointfund authority submit)",
            "user.member for UA needs a statement signed by UA's authority key",
        ),
        (
            "no signed checkpoint covers record 5 yet; the partners sign one with: "
            "jointfund checkpoint --partner P --key FILE",
            "no signed checkpoint covers record 5 yet",
        ),
        (
            "the proposal changed; no vote can count on it: run jointfund verify",
            "the proposal changed; no vote can count on it",
        ),
        (
            "no USD rate on 2026-01-01\nimport them with: jointfund fx import FILE",
            "no USD rate on 2026-01-01",
        ),
        ("repay first (jointfund portfolio repay / exit), or write it off", "repay first, or write it off"),
        ("a plain text; nothing to drop", "a plain text; nothing to drop"),
        # A CLI option's clause: a page has its own way (a confirmation in the preview) or none.
        (
            "changes 12.0% from the rate of 2026-01-02 (41.5); the terms allow 10% (fx.max_daily_change). "
            "If it is right, import again with --accept-jump",
            "changes 12.0% from the rate of 2026-01-02 (41.5); the terms allow 10% (fx.max_daily_change)",
        ),
        (
            "has more than 2 rows, the most an upload may have: split the file into parts of at most 2 rows "
            "and upload each one. The server's operator sets this limit (--max-upload-rows)",
            "has more than 2 rows, the most an upload may have: split the file into parts of at most 2 rows "
            "and upload each one",
        ),
        (
            "1,250 may be 1.250 (1,250.00); or give --locale uk or --locale en",
            "1,250 may be 1.250 (1,250.00)",
        ),
    ],
)
def test_a_domain_error_on_a_page_keeps_what_went_wrong_and_drops_the_command(domain, on_a_page) -> None:  # noqa: ANN001
    assert without_commands(domain) == on_a_page
    assert instructions(without_commands(domain)) == []
    assert not re.search(r"(?<![\w-])--[a-z]", without_commands(domain))


PAGES = {
    "administrator": ["/dashboard", "/admin/users", "/api/docs", "/forecast", "/", "/members/1/key"],
    "board_manager": ["/dashboard", "/proposals", "/proposals/1", "/revenue", "/ledger", "/members"],
}


@pytest.mark.parametrize("backend", ["sqlite"])  # what a page says does not depend on the storage
@pytest.mark.parametrize("role", list(PAGES))
def test_no_rendered_page_tells_the_reader_to_run_a_command(client, site, role) -> None:  # noqa: ANN001
    sign_in(client, site, role)
    found = {}
    for lang in ("en", "uk"):
        for path in PAGES[role]:
            r = client.get(path, params={"lang": lang})
            assert r.status_code == 200, (path, r.status_code)
            if instructions(r.text):
                found[f"{lang} {path}"] = instructions(r.text)
    assert found == {}


def test_no_page_names_a_key_format() -> None:
    """Board members are not engineers: a form asks for "your signing key file", not a "PKCS#8 PEM"."""
    from pathlib import Path

    import jointfund

    folder = Path(jointfund.__file__).parent / "web" / "templates"
    named = [p.name for p in folder.glob("*.html") if "PKCS" in p.read_text(encoding="utf-8")]
    assert not named, named
