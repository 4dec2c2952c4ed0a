"""`jointfund forecast run` and `chart`, end to end, as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from jointfund.cli import app as root
from jointfund.cli import forecast

ARGS = ["--paths", "300", "--years", "12", "--start", "2026-01-01", "--seed", "5"]


def cli_app() -> typer.Typer:
    """The root CLI with the forecast commands, registered here if the root does not yet."""
    if any(g.name == "forecast" for g in root.app.registered_groups):
        return root.app
    app = typer.Typer(cls=root.Group, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.callback()(root.root)
    app.add_typer(forecast.app, name="forecast")
    return app


@pytest.fixture
def jf(tmp_path: Path):  # noqa: ANN201
    def call(*args: str, db: str | None = None, ok: bool = True):  # noqa: ANN202
        url = db or f"sqlite:///{tmp_path / 'absent.db'}"
        result = CliRunner().invoke(cli_app(), ["--db", url, *args])
        if ok:
            assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    return call


def test_run_as_json_from_the_scenario_state(jf, tmp_path):
    doc = json.loads(jf("forecast", "run", "urif-base.toml", *ARGS, "--format", "json").stdout)
    assert doc["paths"] == 300 and doc["years"][0] == 2026 and len(doc["years"]) == 12
    assert doc["start_state"]["source"] == "scenario"
    metrics = {r["metric"] for r in doc["percentiles"]}
    assert {"nav", "cash", "contributions:UA", "contributions:US", "distributions_cumulative:US"} <= metrics
    assert doc["first_distribution"]["earliest_year"] == 2035
    assert doc["tornado"]["year"] == 2035 and doc["tornado"]["bars"]
    assert not (tmp_path / "absent.db").exists(), "a forecast must not create a database"


def test_run_as_csv_and_table(jf):
    csv_out = jf("forecast", "run", "urif-low.toml", *ARGS, "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "year,metric,p5,p25,p50,p75,p95,mean"
    table = jf("forecast", "run", "urif-high.toml", *ARGS).stdout
    assert "nav (USD m)" in table and "Tornado: P50 NAV in 2035" in table


def test_a_bad_scenario_is_a_message_naming_the_key(jf, tmp_path, base_text):
    bad = tmp_path / "bad.toml"
    bad.write_text(base_text.replace("deploy_share = 0.35", "deploy_share = 1.5"), encoding="utf-8")
    result = jf("forecast", "run", str(bad), *ARGS, ok=False)
    assert result.exit_code == 1
    assert "(strategy.deploy_share)" in result.stderr and "Traceback" not in result.stderr


def test_chart_is_self_contained_html(jf, tmp_path):
    out = tmp_path / "fan.html"
    jf("forecast", "chart", "urif-base.toml", "-o", str(out), *ARGS)
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") >= 8 and "Tornado" in html
    assert "<script" not in html and "src=" not in html and "href=" not in html
    assert set(re.findall(r"https?://[^'\" ]+", html)) <= {"http://www.w3.org/2000/svg"}
    assert "Fund NAV" in html and "Price of Lithium" in html and ">nav<" not in html  # metrics by name


def test_chart_speaks_ukrainian(jf, tmp_path):
    out = tmp_path / "fan-uk.html"
    jf("forecast", "chart", "urif-base.toml", "-o", str(out), "--lang", "uk", *ARGS)
    html = out.read_text(encoding="utf-8")
    assert 'lang="uk"' in html and "Чиста вартість активів фонду" in html and "Ціна: Літій" in html
    assert "Tornado" not in html and "paths, seed" not in html
    bad = jf("forecast", "chart", "urif-base.toml", "-o", str(out), "--lang", "fr", *ARGS, ok=False)
    assert bad.exit_code != 0 and "--lang" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.storage
def test_a_fund_book_supplies_the_start_state(jf, fund_url):
    doc = json.loads(jf("forecast", "run", "urif-base.toml", *ARGS, "--format", "json", db=fund_url).stdout)
    assert doc["start_state"]["source"] == "book"
    # A new fund holds nothing yet: the forecast starts from zero, not from the scenario's seed money.
    assert doc["start_state"]["cash"] == 0 and set(doc["start_state"]["capital"].values()) == {0}
