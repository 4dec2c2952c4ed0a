"""The decision-rule grammar is read in one place (terms.decision_rule): the terms accept exactly the rules
the vote counting can count, and refuse the rest with one message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jointfund.governance.rule import requirements
from jointfund.terms import decision_rule
from jointfund.terms.decision_rule import Rule, parse
from jointfund.terms.model import Decision

SEATS = {"US": 3, "UA": 3}


@pytest.mark.parametrize(
    ("text", "parsed", "need"),
    [
        ("unanimous", Rule("unanimous"), [6]),
        ("majority", Rule("majority"), [4]),
        ("majority_of_each_partner", Rule("majority_of_each_partner"), [2, 2]),
        ("supermajority:2/3", Rule("supermajority", Decimal(2) / Decimal(3)), [4]),
        ("supermajority:0.75", Rule("supermajority", Decimal("0.75")), [5]),
        ("supermajority:1", Rule("supermajority", Decimal(1)), [6]),
        ("supermajority:5", Rule("supermajority", Decimal(5)), [5]),
    ],
)
def test_a_rule_parses_once_and_counts_as_it_says(text: str, parsed: Rule, need: list[int]) -> None:
    assert parse(text) == parsed
    assert Decision(kind="investment", body="board", rule=text).rule == text
    assert [r.approvals for r in requirements(text, SEATS)] == need


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Majority",
        "supermajority",
        "supermajority:",
        "supermajority:0",
        "supermajority:-1/2",
        "supermajority:2.5",
        "supermajority:1/0",
        "supermajority:NaN",
        "supermajority:Infinity",
        "supermajority:a/b",
        "plurality:2/3",
    ],
)
def test_anything_else_is_refused_by_the_grammar_and_by_the_terms(text: str) -> None:
    with pytest.raises(ValueError, match="expected one of unanimous"):
        parse(text)
    with pytest.raises(ValueError, match="expected one of unanimous"):
        Decision(kind="investment", body="board", rule=text)


def test_the_terms_and_the_counting_share_the_grammar_module() -> None:
    import jointfund.governance.rule as counting
    import jointfund.terms.model as terms

    assert counting.decision_rule is decision_rule and terms.decision_rule is decision_rule
