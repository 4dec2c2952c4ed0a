"""US-contribution variants, scenarios that build on another, `forecast compare`, and the assumptions
panel."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from jointfund.errors import InputError
from jointfund.forecast import engine, scenario
from jointfund.terms import load_text, shipped_text

from .test_cli import ARGS, jf  # noqa: F401 - the CLI fixture

TERMS = load_text(shipped_text(), "urif.toml")


def load(text: str, source: str = "s.toml") -> scenario.Scenario:
    return scenario.load_text(text, source, TERMS)


def test_a_variant_states_only_what_differs():
    base = load(scenario.shipped_text("urif-base.toml"), "urif-base.toml (shipped)")
    cash = scenario.load("urif-us-cash-only.toml", TERMS)
    aid = scenario.load("urif-us-funded-aid.toml", TERMS)
    assert cash.prices == base.prices and cash.security == base.security and cash.licences == base.licences
    assert [c.amount_usd for c in cash.contributions.cash] == [
        25_000_000
    ] * 3 and cash.contributions.in_kind == ()
    assert [(k.funded_by, k.expected_usd_per_year) for k in aid.contributions.in_kind] == [
        ("us_funded", 100_000_000)
    ]
    # The panel keeps the base's assumptions, the variant's own replacing the one of the same name.
    names = [a.parameter for a in aid.scenario.assumptions]
    assert names == [a.parameter for a in base.scenario.assumptions]
    us = next(a for a in aid.scenario.assumptions if a.parameter == "US contributions after the seed")
    assert "100m" in us.value


def test_based_on_a_file_beside_it(tmp_path):
    (tmp_path / "mine.toml").write_text(
        scenario.shipped_text("urif-base.toml").replace('name = "URIF base"', 'name = "mine"'),
        encoding="utf-8",
    )
    (tmp_path / "child.toml").write_text(
        'based_on = "mine.toml"\n[fx]\nstart_per_usd = 50\ndrift = 0.05\nvolatility = 0.1\n', encoding="utf-8"
    )
    child = scenario.load(tmp_path / "child.toml", TERMS)
    assert child.scenario.name == "mine" and child.fx.start_per_usd == 50


def test_a_cycle_of_bases_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('based_on = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('based_on = "a.toml"\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        scenario.load(tmp_path / "a.toml", TERMS)
    assert "based_on" in str(err.value.problems) and "deeper than" in str(err.value.problems)


def test_a_missing_base_is_named(tmp_path):
    (tmp_path / "a.toml").write_text('based_on = "nowhere.toml"\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        scenario.load(tmp_path / "a.toml", TERMS)
    assert "nowhere.toml" in str(err.value.problems)


def test_ally_funded_deliveries_are_shown_never_credited(make_plan):
    text = scenario.shipped_text("urif-base.toml")
    plan = make_plan(text, shipped_text(), dt.date(2026, 1, 1), 8)
    assert [f.expected for f in plan.in_kind] == [20_000_000]  # the US-funded flow only
    assert plan.not_counted == (
        {"partner": "US", "funded_by": "allied_funded", "from_year": 2026, "to_year": 2030},
    )
    only_allied = text.replace('funded_by = "us_funded"', 'funded_by = "sold"')
    plan = make_plan(only_allied, shipped_text(), dt.date(2026, 1, 1), 8)
    us = plan.partners.index("US")
    assert plan.in_kind == () and engine.simulate(plan, 1, 0, 50).contributions[:, us].sum() == 0


def test_compare_sets_the_variants_side_by_side(jf):  # noqa: F811
    out = jf(
        "forecast",
        "compare",
        "urif-base.toml",
        "urif-us-cash-only.toml",
        "urif-us-funded-aid.toml",
        *ARGS,
        "--format",
        "json",
    )
    doc = json.loads(out.stdout)
    assert doc["scenarios"] == ["URIF base", "URIF: US cash only", "URIF: US-funded aid"]
    rows = {r["measure"]: r for r in doc["rows"]}
    us = rows["US capital contributed to 2035 (mean)"]
    assert us["URIF: US cash only"] == pytest.approx(75_000_000)  # 3 x 25m, certain
    assert us["URIF: US-funded aid"] > 3 * us["URIF base"]
    # In-kind value is capital, not cash: the aid variant's NAV is the base's, path for path.
    assert rows["NAV 2030 P50"]["URIF: US-funded aid"] == rows["NAV 2030 P50"]["URIF base"]
    assert rows["NAV 2030 P50"]["URIF: US cash only"] > rows["NAV 2030 P50"]["URIF base"]
    table = jf("forecast", "compare", "urif-base.toml", "urif-us-cash-only.toml", *ARGS).stdout
    assert "URIF: US cash only" in table and "NAV 2035 P50" in table


def test_compare_needs_two_scenarios(jf):  # noqa: F811
    out = jf("forecast", "compare", "urif-base.toml", *ARGS, ok=False)
    assert out.exit_code != 0 and "at least two" in out.output


def test_the_run_document_carries_the_assumptions(jf):  # noqa: F811
    doc = json.loads(jf("forecast", "run", "urif-base.toml", *ARGS, "--format", "json").stdout)
    a = doc["assumptions"]
    assert a["security_regime"]["initial"] == "war" and a["deal_factor_loading"] == 0.5
    assert sum(a["security_regime"]["long_run_share"].values()) == pytest.approx(1, abs=0.01)
    assert {p["parameter"] for p in a["parameters"]} >= {"Security regime", "Lithium rent base"}
    assert all(p["source"] and p["source_uk"] for p in a["parameters"])
    assert a["leaves_out"] and a["in_kind_not_counted"] == [
        {"partner": "US", "funded_by": "allied_funded", "from_year": 2026, "to_year": 2030}
    ]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            [
                "What this forecast assumes",
                "Key parameters and their sources",
                "The model leaves out",
                "seed 5",
            ],
        ),
        (
            "uk",
            [
                "На яких припущеннях ґрунтується цей прогноз",
                "Ключові параметри та їхні джерела",
                "Модель не враховує",
                "300 випадкових траєкторій",
                "URIF: базовий сценарій",
                "припущення",
            ],
        ),
    ],
)
def test_the_offline_chart_shows_the_panel_in_its_language(jf, tmp_path, lang, words):  # noqa: F811
    out = tmp_path / "f.html"
    jf("forecast", "chart", "urif-base.toml", *ARGS, "-o", str(out), "--lang", lang)
    html = out.read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    for w in words:
        assert w in text, w
    if lang == "uk":
        assert "Key parameters" not in text and "What this forecast assumes" not in text
    assert f'<html lang="{lang}">' in html


def test_an_unknown_chart_language_is_refused(jf, tmp_path):  # noqa: F811
    out = jf(
        "forecast", "chart", "urif-base.toml", *ARGS, "-o", str(tmp_path / "f.html"), "--lang", "fr", ok=False
    )
    assert out.exit_code != 0 and "--lang" in out.output and not (tmp_path / "f.html").exists()
