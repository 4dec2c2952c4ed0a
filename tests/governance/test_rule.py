"""Decision rules, table-driven from the shipped terms: every kind x outcome, splits, abstentions,
vacancies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointfund.governance.rule import Seat, attainable, evaluate
from jointfund.terms import load_shipped

TERMS = load_shipped()
A, R, X, P, V = "approve", "reject", "abstain", None, "vacant"


def ballot(seats: dict[str, int], marks: list) -> list[Seat]:
    """Seats in terms order (US 1..n, then UA 1..n); each mark is a choice, None (not voted) or 'vacant'."""
    layout = [(p, n) for p, count in seats.items() for n in range(1, count + 1)]
    assert len(marks) == len(layout)
    return [
        Seat(p, n) if m == V else Seat(p, n, i, f"m{i}", m)
        for i, ((p, n), m) in enumerate(zip(layout, marks, strict=True))
    ]


# What every decision kind of the terms gives for whole-body scenarios, by its rule.
SCENARIOS = {
    "all approve": {"unanimous": "approved", "majority": "approved", "majority_of_each_partner": "approved"},
    "all reject": {"unanimous": "rejected", "majority": "rejected", "majority_of_each_partner": "rejected"},
    "nobody voted": {"unanimous": "open", "majority": "open", "majority_of_each_partner": "open"},
    "last seat vacant": {"unanimous": "open", "majority": "approved", "majority_of_each_partner": "approved"},
    "last seat abstains": {
        "unanimous": "rejected",
        "majority": "approved",
        "majority_of_each_partner": "approved",
    },
    "last seat rejects": {
        "unanimous": "rejected",
        "majority": "approved",
        "majority_of_each_partner": "approved",
    },
    "one approves, rest silent": {
        "unanimous": "open",
        "majority": "open",
        "majority_of_each_partner": "open",
    },
}


def marks_for(scenario: str, total: int) -> list:
    last = {"last seat vacant": V, "last seat abstains": X, "last seat rejects": R}
    if scenario in last:
        return [A] * (total - 1) + [last[scenario]]
    return {
        "all approve": [A] * total,
        "all reject": [R] * total,
        "nobody voted": [P] * total,
        "one approves, rest silent": [A] + [P] * (total - 1),
    }[scenario]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("kind", [d.kind for d in TERMS.governance.decisions])
def test_every_kind_and_outcome(kind: str, scenario: str) -> None:
    d = TERMS.decision(kind)
    seats = TERMS.body(d.body).seats
    verdict = evaluate(d.rule, d.body, ballot(seats, marks_for(scenario, sum(seats.values()))))
    assert verdict.outcome == SCENARIOS[scenario][d.rule], verdict.reason


BOARD = {"US": 3, "UA": 3}
INVESTMENT = {"US": 3, "UA": 2}

TABLE = [
    # rule, seats, marks (US..., UA...), expected
    ("unanimous", BOARD, [A, A, A, R, R, R], "rejected"),  # the 3-3 split
    ("unanimous", BOARD, [A, A, A, A, A, V], "open"),  # a vacant seat blocks, but may be filled
    ("unanimous", BOARD, [A, A, A, A, A, X], "rejected"),  # abstaining is not approving
    ("unanimous", BOARD, [A, A, P, A, A, A], "open"),
    ("majority", BOARD, [A, A, A, R, R, R], "rejected"),  # 3 of 6 is not more than half
    ("majority", BOARD, [A, A, A, A, R, R], "approved"),
    ("majority", BOARD, [A, A, A, X, X, P], "open"),  # 4 still possible
    ("majority", BOARD, [A, A, X, X, X, P], "rejected"),
    ("majority", INVESTMENT, [A, A, A, P, P], "approved"),
    ("majority", INVESTMENT, [A, A, R, R, P], "open"),
    ("majority", INVESTMENT, [A, A, V, R, R], "open"),  # the vacant seat could still approve
    ("majority_of_each_partner", BOARD, [A, A, A, R, R, R], "rejected"),  # the 3-3 split along partners
    ("majority_of_each_partner", BOARD, [A, A, R, A, A, R], "approved"),
    ("majority_of_each_partner", BOARD, [A, A, A, A, R, R], "rejected"),  # 4 of 6, but not a majority of UA
    ("majority_of_each_partner", BOARD, [A, A, A, A, P, R], "open"),
    (
        "majority_of_each_partner",
        {"US": 2, "UA": 0},
        [A, A],
        "approved",
    ),  # a partner without seats asks nothing
    ("supermajority:2/3", BOARD, [A, A, A, A, R, R], "approved"),
    ("supermajority:2/3", BOARD, [A, A, A, R, R, R], "rejected"),
    ("supermajority:2/3", BOARD, [A, A, A, P, P, R], "open"),
    ("supermajority:2/3", INVESTMENT, [A, A, A, R, P], "open"),  # 2/3 of 5 rounds up to 4
    ("supermajority:2/3", INVESTMENT, [A, A, A, R, R], "rejected"),
    ("supermajority:0.75", BOARD, [A, A, A, A, P, P], "open"),  # 4.5 rounds up to 5
    ("supermajority:0.75", BOARD, [A, A, A, A, A, R], "approved"),
    ("supermajority:5", BOARD, [A, A, A, A, A, P], "approved"),
    ("supermajority:5", BOARD, [A, A, A, A, R, R], "rejected"),
]


@pytest.mark.parametrize(("rule", "seats", "marks", "expected"), TABLE)
def test_rule_table(rule: str, seats: dict, marks: list, expected: str) -> None:
    assert evaluate(rule, "board", ballot(seats, marks)).outcome == expected


def test_words_say_how_many_approved_and_who_is_awaited() -> None:
    assert evaluate("unanimous", "board", ballot(BOARD, [A] * 6)).reason == "6 of 6 board seats approved"
    waiting = evaluate("unanimous", "board", ballot(BOARD, [A, A, P, A, V, A])).reason
    assert waiting.startswith("waiting for US seat 3 and UA seat 2 (vacant)")
    rejected = evaluate("unanimous", "board", ballot(BOARD, [A, A, A, R, P, P])).reason
    assert "UA seat 1 (m3) rejected" in rejected and "all 6 seats must approve" in rejected


def test_rules_that_no_full_body_can_meet_are_named() -> None:
    assert attainable("unanimous", BOARD) is None
    assert "only 6 exist" in attainable("supermajority:7", BOARD)
    assert attainable("majority", {"US": 0, "UA": 0}) == "the body has no seats"


MARKS = st.sampled_from([A, R, X, P, V])
RULES = st.sampled_from(
    ["unanimous", "majority", "majority_of_each_partner", "supermajority:2/3", "supermajority:4"]
)


@settings(max_examples=300)
@given(rule=RULES, us=st.lists(MARKS, min_size=1, max_size=4), ua=st.lists(MARKS, min_size=1, max_size=4))
def test_verdicts_are_final_and_open_means_still_possible(rule: str, us: list, ua: list) -> None:
    seats = {"US": len(us), "UA": len(ua)}
    if attainable(rule, seats):
        return
    outcome = evaluate(rule, "b", ballot(seats, us + ua)).outcome
    best = evaluate(rule, "b", ballot(seats, [A if m in (P, V) else m for m in us + ua])).outcome
    worst = evaluate(rule, "b", ballot(seats, [R if m in (P, V) else m for m in us + ua])).outcome
    if outcome == "approved":  # nothing left to decide can undo an approval
        assert worst == "approved"
    elif outcome == "rejected":  # even if every silent or vacant seat approved, it would fail
        assert best == "rejected"
    else:  # open: it can still go either way
        assert best == "approved" and worst == "rejected"
