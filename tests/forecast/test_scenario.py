"""Scenario files: the shipped ones load; every problem names the file, line and key."""

from __future__ import annotations

import pytest

from jointfund.errors import InputError
from jointfund.forecast import scenario


@pytest.mark.parametrize("name", scenario.SHIPPED)
def test_shipped_scenarios_load_on_the_shipped_terms(name, terms):
    s = scenario.load_text(scenario.shipped_text(name), name, terms)
    assert s.scenario.years >= 20
    assert set(s.start_state.capital_usd) <= set(terms.partner_codes)


def problems(text: str, terms) -> list[str]:  # noqa: ANN001
    with pytest.raises(InputError) as info:
        scenario.load_text(text, "s.toml", terms)
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_wrong_value_names_its_key_and_line(base_text, terms):
    text = base_text.replace(
        "volatility = 0.45\nreversion_speed = 0.30", "volatility = -0.45\nreversion_speed = 0.30"
    )
    [problem] = problems(text, terms)
    assert f"s.toml:{line_of(text, 'volatility = -0.45')} (prices.lithium.volatility)" in problem
    assert "-0.45" in problem


def test_a_misspelt_key_is_refused_by_name(base_text, terms):
    text = base_text.replace("deploy_share = 0.35", "deploy_shares = 0.35")
    found = problems(text, terms)
    assert any("(strategy.deploy_shares)" in p and "unknown key" in p for p in found)
    assert any("(strategy.deploy_share)" in p and "required key is missing" in p for p in found)


def test_a_licence_in_an_array_of_tables_is_located(base_text, terms):
    text = base_text.replace(
        'resource = "oil"\nregion = "poltava"\ncount = 2', 'resource = "oil"\nregion = "poltava"\ncount = 0'
    )
    [problem] = problems(text, terms)
    assert f"s.toml:{line_of(text, 'count = 0')} (licences[6].count)" in problem


def test_names_are_checked_against_the_terms(base_text, terms):
    text = (
        base_text.replace(
            'partner = "US"\nfunded_by = "us_funded"', 'partner = "XX"\nfunded_by = "us_funded"'
        )
        .replace('psa_bonus = "psa_bonus"', 'psa_bonus = "bonus"')
        .replace('transfer_deadline = "transfer"', 'transfer_deadline = "payday"')
    )
    found = problems(text, terms)
    assert any(
        "(contributions.in_kind[0].partner)" in p and "not a partner" in p and "'XX'" in p for p in found
    )
    bonus_line = line_of(text, 'psa_bonus = "bonus"')
    assert any(f"s.toml:{bonus_line} (fiscal.streams.psa_bonus)" in p for p in found)
    assert any("(fiscal.transfer_deadline)" in p for p in found)


def test_an_unknown_resource_and_impossible_correlations_are_refused(base_text, terms):
    text = (
        base_text.replace("[prices.graphite]", "[prices.unobtainium]")
        .replace("rho = 0.5", "rho = 0.99")
        .replace("rho = 0.4", "rho = -0.99")
    )
    text = text.replace('between = ["lithium", "graphite"]', 'between = ["oil", "lithium"]')
    text += '\n[[correlations]]\nbetween = ["natural_gas", "lithium"]\nrho = 0.99\n'
    found = problems(text, terms)
    assert any("(prices.unobtainium)" in p and "catalogue" in p for p in found)
    assert any("(licences[4].resource)" in p and "no price model" in p for p in found)
    assert any("(correlations)" in p and "positive definite" in p for p in found)


def test_licences_to_come_are_priced_and_taxed_like_those_held(base_text, terms):
    text = base_text.replace("titanium = 0.05, ", "")
    found = problems(text, terms)
    assert any("(new_licences[1].resource)" in p and "no rent rate" in p for p in found)


def test_an_ou_price_needs_its_long_run_level(base_text, terms):
    text = base_text.replace("long_run_usd = 1_400\n", "")
    [problem] = problems(text, terms)
    assert "(prices.lithium)" in problem and "long_run_usd" in problem


def test_malformed_toml_is_a_user_error(terms):
    with pytest.raises(InputError, match="not valid TOML"):
        scenario.load_text("[scenario\n", "s.toml", terms)
