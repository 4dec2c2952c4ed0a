"""Shared helpers: the shipped terms, scenarios compiled on them, and a tiny deterministic scenario."""

from __future__ import annotations

import datetime as dt

import pytest

from jointfund.forecast import scenario
from jointfund.forecast.plan import Plan, compile_plan
from jointfund.terms import load_text, shipped_text

# A scenario with no randomness at all: one oil licence, one sector, zero volatility everywhere.
# test_deterministic.py computes its schedule by hand.
DETERMINISTIC = """
schema_version = 1

[scenario]
name = "deterministic"
start = 2034-01-01
years = 3

[start_state]
cash_usd = 1_000_000
capital_usd = { US = 600_000, UA = 400_000 }

[prices.oil]
model = "gbm"
unit = "bbl"
start_usd = 100
drift = 0.1
volatility = 0.0

[fx]
start_per_usd = 40
drift = 0.05
volatility = 0.0

[fiscal]
transfer_deadline = "transfer"
rent_rate = { oil = 0.2 }

[fiscal.streams]
rent = "rent"
permit_fee = "permit_fee"
permit_sale = "permit_sale"
psa_state_share = "psa_state_share"
psa_bonus = "psa_bonus"

[[fiscal.permit_schedule]]
year = 2034
fees_uah = 4_000_000

[[licences]]
code = "well"
resource = "oil"
first_production_year = 2034
profile = { ramp_years = 1, plateau_years = 5, decline_rate = 0.0 }
plateau_output = 1000

[[contributions.cash]]
partner = "US"
year = 2034
amount_usd = 10_000_000

[[contributions.in_kind]]
partner = "US"
from_year = 2035
to_year = 2035
expected_usd_per_year = 5_000_000

[strategy]
deploy_share = 0.5
cash_return = 0.02

[[strategy.sectors]]
code = "mining"
weight = 1
moic_median = 1.5
holding_years = 2

[costs]
fixed_usd_per_year = 100_000
nav_rate = 0.01

[distribution_policy]
payout_share = 0.5
reserve_share_of_nav = 0.1
agreement_probability = 1.0

[report]
nav_years = [2036]
nav_thresholds_usd = [1_000_000]
"""


@pytest.fixture(scope="session")
def terms_text() -> str:
    return shipped_text()


@pytest.fixture(scope="session")
def terms(terms_text: str):  # noqa: ANN201
    return load_text(terms_text, "urif.toml")


def plan_of(text: str, terms_text: str, start: dt.date | None = None, years: int | None = None) -> Plan:
    terms = load_text(terms_text, "terms")
    sc = scenario.load_text(text, "scenario.toml", terms)
    return compile_plan(sc, terms_text, start or sc.scenario.start or dt.date(2026, 1, 1), years)


@pytest.fixture(scope="session")
def make_plan():  # noqa: ANN201 - the helper above, as a fixture
    return plan_of


@pytest.fixture(scope="session")
def deterministic_text() -> str:
    return DETERMINISTIC


@pytest.fixture(scope="session")
def base_text() -> str:
    return scenario.shipped_text("urif-base.toml")
