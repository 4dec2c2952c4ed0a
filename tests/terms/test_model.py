"""terms.model: the shipped URIF terms are valid and say what REFERENCE.md says."""

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from jointfund.terms import load_shipped, shipped_text, terms_in_force
from jointfund.terms.model import Distributions, Terms


@pytest.fixture(scope="module")
def terms() -> Terms:
    return load_shipped()


def test_shipped_terms_validate_with_their_key_facts(terms):
    assert terms.schema_version == 2
    assert terms.fund.base_currency == "USD"
    assert terms.fund.entry_into_force == dt.date(2025, 5, 23)
    assert set(terms.partner_codes) == {"US", "UA"}
    assert "DFC" in terms.partner("US").agency
    assert "PPP" in terms.partner("UA").agency
    assert terms.contribution.partner == "UA"
    assert terms.distributions.reinvestment_period_years == 10
    assert terms.fx.source == "NBU"
    assert {(d.month, d.day) for d in terms.calendar.deadlines} >= {(3, 15), (4, 1), (5, 1)}
    assert [k.code for k in terms.capital.kinds["US"]] == ["cash", "in_kind"]
    assert terms.capital.kinds["US"][1].valuation == "assessed"
    assert terms.body("board").seats == {"US": 3, "UA": 3}
    assert all(
        terms.decision(k).rule == "unanimous" and terms.decision(k).critical
        for k in ("investment", "distribution", "amendment")
    )
    assert terms.eligibility.new_bases == ("new",)
    assert terms.eligibility.always_bases == ("existing_undeveloped",)
    assert "renewal" in terms.eligibility.excluded_bases


def test_all_57_annex_a_resources_are_covered_and_iron_ore_and_coal_are_not(terms):
    covered = [r for r in terms.resources if r.covered]
    assert len(covered) == 57
    assert len({r.code for r in covered}) == 57
    names = {r.code for r in covered}
    assert {"lithium", "graphite", "titanium", "uranium", "oil", "natural_gas", "neodymium"} <= names
    for absent in ("iron_ore", "coal"):
        resource = terms.resource(absent)
        assert resource is not None and resource.covered is False
    assert terms.resource("unobtainium") is None


def test_every_stream_shares_half_and_the_psa_bonus_starts_later(terms):
    assert {s.share for s in terms.contribution.streams} == {Decimal("0.5")}
    bonus = next(s for s in terms.contribution.streams if s.code == "psa_bonus")
    assert bonus.in_force_from == dt.date(2025, 12, 10) and bonus.psa_only


def test_psa_bonus_is_in_force_from_its_date_only():
    day_before = terms_in_force(shipped_text(), dt.date(2025, 12, 9))
    day_of = terms_in_force(shipped_text(), dt.date(2025, 12, 10))
    assert day_before.stream("psa_bonus") is None
    assert day_of.stream("psa_bonus") is not None and day_of.stream("psa_bonus").share == Decimal("0.5")
    # The other streams are in force on both days, and an unknown stream never is.
    assert day_before.stream("rent") is not None and day_of.stream("rent") is not None
    assert day_of.stream("other") is None


def test_chart_expands_over_partners_and_currencies(terms):
    chart = {name: cur for name, cur, _ in terms.expanded_accounts()}
    for currency in terms.fund.currencies:
        assert chart[terms.account_name("cash", currency=currency)] == (currency,)
        # A trading account holds the position in its currency and the position's carrying amount in the
        # functional (base) currency, so the base currency's own trading account holds only that.
        base = terms.fund.base_currency
        assert chart[terms.account_name("trading", currency=currency)] == tuple(
            dict.fromkeys((currency, base))
        )
    for partner in terms.partner_codes:
        assert chart[terms.account_name("capital_cash", partner=partner)] is None
    assert not any("{" in name for name in chart)


def test_terms_are_immutable(terms):
    with pytest.raises(ValidationError):
        terms.fund.code = "X"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "years", "ends"),
    [
        (dt.date(2025, 5, 23), 10, dt.date(2035, 5, 23)),
        (dt.date(2024, 2, 29), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 2, 29), 4, dt.date(2028, 2, 29)),  # a leap year keeps the 29th
    ],
)
def test_reinvestment_lock_end(start, years, ends):
    assert Distributions(reinvestment_period_years=years, lock_starts=start).lock_ends == ends
