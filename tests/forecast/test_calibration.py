"""The shipped history and the price models: the figures docs/forecast.md quotes, and the models' own
volatility."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pytest

from jointfund.forecast import calibration, prices, scenario

DOC = (Path(__file__).parents[2] / "docs" / "forecast.md").read_text(encoding="utf-8")


def test_the_history_table_is_complete_and_sourced():
    h = calibration.history()
    assert set(h) == {"oil", "natural_gas", "fx"}
    for series, points in h.items():
        years = [y for y, _v in points]
        assert years == list(range(2000, 2025)), series
        assert all(v > 0 for _y, v in points)
    assert all(s for s in calibration.sources().values())


def test_the_docs_quote_the_figures_the_table_gives():
    for f in calibration.fits():
        row = next(line for line in DOC.splitlines() if line.startswith(f"| {f.series} |"))
        assert f"{f.volatility:.2f}" in row, row
        if f.reversion_speed is not None:
            assert f"{f.reversion_speed:.2f}" in row, row


@pytest.mark.parametrize("name", ["oil", "natural_gas", "lithium", "titanium", "graphite"])
def test_simulated_volatility_is_the_stated_one(make_plan, terms_text, base_text, name):
    """Year-on-year log changes of the simulated price have the sd the model states, within sampling error."""
    plan = make_plan(base_text, terms_text, dt.date(2026, 1, 1), 3)
    r = plan.resources.index(name)
    n = 20_000
    z = np.random.default_rng(11).standard_normal((n, 3, len(plan.resources)))
    path = prices.paths(plan.price, plan.dt, z)[:, :, r]
    change = np.log(path[:, 0] / plan.price.start[r])  # the first year's log change, from the known start
    model = scenario.load_text(
        base_text, "b", __import__("jointfund.terms", fromlist=["load_text"]).load_text(terms_text, "t")
    ).prices[name]
    sigma = model.volatility
    want = (
        sigma
        if model.model == "gbm"
        else sigma * math.sqrt((1 - math.exp(-2 * model.reversion_speed)) / (2 * model.reversion_speed))
    )
    se = want / math.sqrt(2 * (n - 1))
    assert abs(change.std(ddof=1) - want) < 4 * se


def test_stated_volatilities_are_near_history():
    """The scenario's oil and gas volatilities sit within a third of what the shipped history shows."""
    import tomllib

    base = tomllib.loads(scenario.shipped_text("urif-base.toml"))
    fits = {f.series: f for f in calibration.fits()}
    for series in ("oil", "natural_gas"):
        stated = base["prices"][series]["volatility"]
        assert abs(stated - fits[series].volatility) / fits[series].volatility < 1 / 3, series
    assert re.search(r"sd 0\.29", scenario.shipped_text("urif-base.toml"))
