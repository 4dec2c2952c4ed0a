"""The fund report and the forecast page of the demo fund, in Ukrainian and English (issue 12).

Every chart has a title in words, an axis label with its unit, five ticks or more, dates (or years) along its
time axis and no text under 11 px. A Ukrainian page shows no code of the terms (natural_gas,
distributions_cumulative:UA) and no English text of the catalogue; the English page of the same fund does, so
the check can fail. Chromium opens both Ukrainian pages offline and saves screenshots to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import CHROMIUM, CHROMIUM_ARGS
from typer.testing import CliRunner
from web.test_browser import ARTIFACTS
from web.test_ukrainian_pages import english_phrases, leftovers

from jointfund.demo.run import build
from jointfund.store import db
from jointfund.terms.loader import load_shipped
from jointfund.terms.names import table

SVG = "{http://www.w3.org/2000/svg}"
DATES = {"uk": re.compile(r"\d{2}\.\d{2}\.\d{4}"), "en": re.compile(r"\d{4}-\d{2}-\d{2}")}
FORECAST = ["urif-base.toml", "--paths", "300", "--years", "12", "--seed", "5"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:  # noqa: ANN001
    """report-en, report-uk, forecast-en, forecast-uk: the demo fund's pages, written by the CLI."""
    from jointfund.cli.app import app

    directory = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{directory / 'jointfund.db'}"
    engine = db.make_engine(url)
    build(engine, directory, url)
    engine.dispose()
    out, runner = {}, CliRunner()
    for lang in ("en", "uk"):
        out[f"report-{lang}"] = directory / f"report-{lang}.html"
        out[f"forecast-{lang}"] = directory / f"forecast-{lang}.html"
        for args in (
            ["report", "html", "-o", str(out[f"report-{lang}"])],
            ["forecast", "chart", *FORECAST, "-o", str(out[f"forecast-{lang}"])],
        ):
            result = runner.invoke(app, ["--db", url, *args, "--lang", lang])
            assert result.exit_code == 0, (args, result.output, result.exception)
    return out


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r'<svg [^>]*class="chart".*?</svg>', html, flags=re.S)]


def visible(html: str) -> str:
    """The page's text as a reader sees it (no style sheet, no markup)."""
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", html, flags=re.S)).split())


@pytest.mark.parametrize("name", ["report-en", "report-uk", "forecast-en", "forecast-uk"])
def test_every_chart_has_a_title_axes_ticks_dates_and_readable_text(pages, name) -> None:  # noqa: ANN001
    lang = name.rsplit("-", 1)[1]
    charts = svgs(pages[name].read_text(encoding="utf-8"))
    kinds = [c.get("data-chart") for c in charts]
    if name.startswith("report"):
        assert {"capital", "resource", "region", "sector", "funnel", "cash-USD"} <= set(kinds)
    else:
        assert kinds.count("fan") >= 5 and "tornado" in kinds
    for chart in charts:
        kind = chart.get("data-chart")
        title = chart.find(f"{SVG}title")
        assert title is not None and len((title.text or "").split()) >= 2, kind  # a title in words
        texts = list(chart.iter(f"{SVG}text"))
        sizes = [float(t.get("font-size") or 0) for t in texts]
        assert texts and min(sizes) >= 11, (kind, min(sizes))
        ticks = [t.text or "" for t in texts if "chart-tick" in (t.get("class") or "")]
        assert len(ticks) >= 5, (kind, ticks)
        labels = [t.text for t in texts if "chart-axis-label" in (t.get("class") or "") and t.text]
        assert labels, kind  # the axis says its unit
        if kind == "capital" or kind.startswith("cash-"):
            dates = [t for t in ticks if DATES[lang].fullmatch(t)]
            assert len(dates) >= 5, (kind, ticks)
        if kind == "fan":
            assert len([t for t in ticks if re.fullmatch(r"20\d\d", t)]) >= 5, ticks


def test_a_ukrainian_page_names_no_code_of_the_terms(pages) -> None:  # noqa: ANN001
    terms = load_shipped()
    codes = {c for by_code in table(terms).values() for c in by_code if "_" in c}
    codes |= {"distributions_cumulative", "contributions:", ":UA", ":US", "natural_gas", "oil_gas"}
    assert "natural_gas" in codes
    for name in ("report-uk", "forecast-uk"):
        text = visible(pages[name].read_text(encoding="utf-8"))
        shown = sorted(c for c in codes if re.search(rf"(?<![\w:]){re.escape(c)}(?![\w])", text))
        assert not shown, (name, shown)
        assert not re.search(r"\bnav\b", text), name


def test_a_ukrainian_page_shows_no_english_of_the_catalogue(pages) -> None:  # noqa: ANN001
    phrases = english_phrases()
    for name in ("report", "forecast"):
        english = leftovers(visible(pages[f"{name}-en"].read_text(encoding="utf-8")), phrases)
        assert len(english) >= 3, name  # the check finds English where there is English
        assert leftovers(visible(pages[f"{name}-uk"].read_text(encoding="utf-8")), phrases) == [], name
    uk = visible(pages["report-uk"].read_text(encoding="utf-8"))
    assert "Чиста вартість активів (USD)" in uk and re.search(r"\d{1,3}( \d{3})+,\d\d", uk)
    # A checkpoint's time: the day in the page's form, to the second in UTC, never Python's datetime
    assert re.search(r"\b\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d UTC\b", uk)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+\+00:00", uk)


def test_chromium_shows_the_ukrainian_pages_offline_without_breaking_words(pages) -> None:  # noqa: ANN001
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    attempted: list[str] = []

    def guard(route) -> None:  # noqa: ANN001 - a Playwright Route
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route("**/*", guard)
            for name in ("report-uk", "forecast-uk"):
                page.goto(pages[name].as_uri())
                page.wait_for_load_state("load")
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                assert page.locator("html").get_attribute("lang") == "uk"
                drawn = page.locator("svg.chart")
                boxes = [drawn.nth(i).bounding_box() for i in range(drawn.count())]
                assert boxes and all(b and b["width"] > 200 and b["height"] > 80 for b in boxes), name
                # No cell may break its words (only a hash, which is no word, wraps anywhere).
                breaking = page.evaluate(
                    """() => [...document.querySelectorAll('td, th')].filter(e => {
                        const s = getComputedStyle(e);
                        const breaks = s.wordBreak === 'break-all' || s.overflowWrap !== 'normal';
                        return breaks && !e.querySelector('code.hash');
                    }).length"""
                )
                assert breaking == 0, name
                wide = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
                assert wide, f"{name} scrolls sideways"
            # On a phone: a chart keeps its text at 11 px or more and scrolls in its box, and the page
            # never scrolls sideways (line charts showed 5 px, the tornado 4 px; a table pushed the page).
            phone = browser.new_page(viewport={"width": 360, "height": 800})
            phone.route("**/*", guard)
            for name in ("report-uk", "forecast-uk"):
                phone.goto(pages[name].as_uri())
                phone.wait_for_load_state("load")
                small = phone.evaluate(
                    """() => [...document.querySelectorAll('svg.chart')].filter(svg => {
                        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                        return [...svg.querySelectorAll('text')].some(
                            t => parseFloat(t.getAttribute('font-size')) * scale < 10.9);
                    }).map(svg => svg.getAttribute('aria-label'))"""
                )
                assert small == [], (name, small)
                assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), name
        finally:
            browser.close()
    assert attempted == []
