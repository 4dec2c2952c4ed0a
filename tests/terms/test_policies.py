"""terms.policies: each accounting policy is stated from the terms that set it, for any agreement."""

from pathlib import Path

from jointfund.terms import load_file, load_shipped
from jointfund.terms.model import Terms
from jointfund.terms.policies import policies

NORTH = Path(__file__).parent / "data" / "north.toml"


def _by_code(terms: Terms) -> dict:
    return {p.code: p for p in policies(terms)}


def test_every_policy_the_issue_names_is_stated_with_the_keys_that_set_it():
    stated = _by_code(load_shipped())
    assert list(stated) == [
        "functional_currency",
        "remeasurement",
        "in_kind",
        "commitments",
        "allocation",
        "rounding",
        "periods",
    ]
    assert stated["in_kind"].keys == ("accounting.in_kind",)
    assert "capital.allocation_period" in stated["allocation"].keys
    assert stated["functional_currency"].keys == ("fund.base_currency",)  # referenced, not a second key


def test_statements_carry_this_agreements_values():
    urif, north = _by_code(load_shipped()), _by_code(load_file(NORTH))
    assert urif["functional_currency"].text().startswith("The fund measures and reports in USD")
    assert north["functional_currency"].text().startswith("The fund measures and reports in CAD")
    assert (
        "Monetary balances in UAH are remeasured into USD at the NBU reference rate"
        in urif["remeasurement"].text()
    )
    assert "in NOK are remeasured into CAD at the Norges Bank reference rate" in north["remeasurement"].text()
    assert (
        "to 6 decimal places" in urif["rounding"].text() and "to 4 decimal places" in north["rounding"].text()
    )
    assert "the calendar quarter" in urif["periods"].text() and "the calendar year" in north["periods"].text()
    assert "of each quarter are allocated" in urif["allocation"].text()


def test_a_translation_applies_to_the_template_and_to_the_words_it_fills_in():
    periods = _by_code(load_shipped())["periods"]
    catalogue = {periods.template: "Період: %(period)s.", "quarter": "квартал"}
    assert periods.text(lambda s: catalogue.get(s, s)) == "Період: квартал."
