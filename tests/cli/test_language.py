"""The CLI speaks English or Ukrainian (issue 12): `jointfund --lang uk`, JOINTFUND_LANG, or a Ukrainian
LANGUAGE/LANG; errors of imports, refusals and the error printer are said in it, with exit 1 and no
traceback. The report commands keep their own --lang."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner
from web.test_ukrainian_pages import english_phrases, leftovers

from jointfund.cli import language
from jointfund.cli.app import app

PHRASES = english_phrases()
NOUNS = ["receipts", "licences", "fx", "payments"]
BAD_RECEIPTS = (
    "receipt_id,date,licence_id,stream,amount,currency\n"
    "R1,2026-13-01,L1,rent,abc,UAH\n"
    "R2,2026-01-02,NOPE,zzz,1,XYZ\n"
)


def run(url: str, *args: str, env: dict[str, str] | None = None):  # noqa: ANN201 - click's Result
    base = {"JOINTFUND_LANG": None, "LANGUAGE": None, "LANG": "C.UTF-8"}
    return CliRunner().invoke(app, ["--db", url, *args], env={**base, **(env or {})})


def ukrainian(stderr: str) -> None:
    assert stderr.startswith("помилка: "), stderr
    assert "Traceback" not in stderr
    assert not leftovers(stderr, PHRASES), leftovers(stderr, PHRASES)
    without_commands = re.sub(r"jointfund [^;\n)]*", "", stderr)
    assert not re.search(r"\b[a-z]{3,} [a-z]{3,} [a-z]{3,}\b", without_commands), stderr  # no English left


@pytest.mark.parametrize("noun", NOUNS)
def test_a_missing_file_is_said_in_ukrainian_from_the_environment(fund_url, tmp_path, noun) -> None:  # noqa: ANN001
    r = run(fund_url, noun, "import", str(tmp_path / "nosuch.csv"), env={"JOINTFUND_LANG": "uk"})
    assert r.exit_code == 1, r.output
    assert "nosuch.csv: файл не існує" in r.stderr, r.stderr
    ukrainian(r.stderr)
    en = run(fund_url, noun, "import", str(tmp_path / "nosuch.csv"))
    assert en.exit_code == 1 and "error: " in en.stderr and "nosuch.csv: no such file" in en.stderr  # default


def test_every_bad_row_is_said_in_ukrainian_with_the_option(fund_url, tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_RECEIPTS, encoding="utf-8")
    r = CliRunner().invoke(app, ["--lang", "uk", "--db", fund_url, "receipts", "import", str(bad)])
    assert r.exit_code == 1, r.output
    ukrainian(r.stderr)
    lines = r.stderr.splitlines()
    assert "проблем: 6" in lines[0], lines[0]
    assert all(re.match(r"  bad\.csv:\d", line) for line in lines[1:]), lines  # each problem where it is
    assert "bad.csv:2:date: недійсна дата" in r.stderr and "(отримано '2026-13-01')" in r.stderr
    assert "jointfund licences import FILE" in r.stderr  # the command is typed as it is
    english = run(fund_url, "receipts", "import", str(bad))
    assert english.exit_code == 1 and "not a valid date" in english.stderr


def test_a_refusal_and_a_ukrainian_locale(fund_url) -> None:  # noqa: ANN001
    r = run(fund_url, "proposals", "show", "99", env={"LANG": "uk_UA.UTF-8"})
    assert r.exit_code == 1 and r.stderr.startswith("помилка: пропозиції 99 немає; див.: jointfund proposals")
    ukrainian(r.stderr)
    assert run(
        fund_url, "proposals", "show", "99", env={"LANGUAGE": "uk:en", "LANG": "en_US.UTF-8"}
    ).stderr.startswith("помилка: ")  # LANGUAGE first, as gettext reads them
    pinned = run(fund_url, "--lang", "en", "proposals", "show", "99", env={"LANG": "uk_UA.UTF-8"})
    assert pinned.stderr.startswith("error: no proposal 99")  # the option wins


def test_an_unknown_language_is_a_usage_error(fund_url) -> None:  # noqa: ANN001
    for args, env in ((("--lang", "xx"), {}), ((), {"JOINTFUND_LANG": "de"})):
        r = run(fund_url, *args, "proposals", "show", "99", env=env)
        assert r.exit_code == 2 and "--lang" in r.stderr and "expected one of en, uk" in r.stderr


@pytest.mark.parametrize(
    ("option", "environ", "chosen"),
    [
        (None, {}, "en"),
        ("uk", {"LANG": "en_US.UTF-8"}, "uk"),
        (None, {"LANG": "uk_UA.UTF-8"}, "uk"),
        (None, {"LANGUAGE": "uk:en"}, "uk"),
        (None, {"LANGUAGE": "de:uk", "LANG": "uk_UA.UTF-8"}, "en"),  # LANGUAGE first
        (None, {"LANG": "C.UTF-8"}, "en"),
    ],
)
def test_the_language_is_the_option_then_the_locale(option, environ, chosen) -> None:  # noqa: ANN001
    assert language.choose(option, environ) == chosen
