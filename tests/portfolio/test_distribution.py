"""The reinvestment lock holds the day before it ends and releases on the day; after it, distributions are
allocated by capital and sum exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointfund import decisions
from jointfund.capital.proposing import open_proposal
from jointfund.errors import Refused
from jointfund.governance import book
from jointfund.portfolio import distribution
from jointfund.store import db
from jointfund.terms import load_shipped

TERMS = load_shipped()
ENDS = TERMS.distributions.lock_ends


def test_the_lock_ends_ten_years_after_entry_into_force() -> None:
    assert ENDS == dt.date(2035, 5, 23)


def test_the_lock_holds_the_day_before_it_ends_and_says_until_when_and_why() -> None:
    why = distribution.lock_refusal(TERMS, ENDS - dt.timedelta(days=1))
    assert why is not None
    assert "locked until 2035-05-23" in why and "reinvestment period of 10 years from 2025-05-23" in why
    assert "reinvested" in why


def test_the_lock_releases_on_the_day_it_ends() -> None:
    assert distribution.lock_refusal(TERMS, ENDS) is None
    assert distribution.lock_refusal(TERMS, ENDS + dt.timedelta(days=400)) is None


@settings(max_examples=300)
@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e11"), places=2),
    st.lists(st.decimals(min_value=Decimal(0), max_value=Decimal("1e11"), places=2), min_size=2, max_size=2),
)
def test_a_distribution_is_split_by_capital_and_sums_exactly(amount: Decimal, capital: list[Decimal]) -> None:
    if not any(capital):
        capital[0] = Decimal("1.00")
    parts = distribution.allocation(amount, "USD", dict(zip(("US", "UA"), capital, strict=True)))
    assert sum(parts.values()) == amount
    for p, c in zip(("US", "UA"), capital, strict=True):
        assert abs(parts[p] - amount * c / sum(capital)) < Decimal("0.01")


def test_nothing_is_distributed_by_no_capital() -> None:
    with pytest.raises(Refused, match="no partner has capital"):
        distribution.allocation(Decimal("1.00"), "USD", {"US": Decimal(0), "UA": Decimal("-5.00")})


def test_a_distribution_proposal_is_refused_until_the_lock_ends_then_allocated_by_capital(folio) -> None:  # noqa: ANN001
    folio.fund_cash("100000000.01")  # the odd cent makes the split round
    proposer = folio.names["board"][0]
    with pytest.raises(Refused, match="distribution refused: distributions are locked until 2035-05-23"):
        with db.write(folio.engine) as conn:
            distribution.propose(
                conn,
                folio.fund,
                "test",
                Decimal("1000.00"),
                "USD",
                proposer,
                folio.keys[proposer],
                ENDS - dt.timedelta(days=1),
            )
    with db.transaction(folio.engine) as conn:
        assert not book.proposals(conn)  # the refusal wrote nothing
    with db.write(folio.engine) as conn:
        p = distribution.propose(
            conn, folio.fund, "test", Decimal("1000.01"), "USD", proposer, folio.keys[proposer], ENDS
        )
    folio.approve(p.id, ENDS)
    before = folio.balance("cash", currency="USD")
    folio.execute(p.id, ENDS)
    paid = {x: folio.balance("capital_distributions", partner=x) for x in ("US", "UA")}  # debits: paid out
    assert sum(paid.values()) == Decimal("1000.01")
    assert folio.balance("cash", currency="USD") == before - Decimal("1000.01")
    assert sorted(paid.values()) == [
        Decimal("500.00"),
        Decimal("500.01"),
    ]  # equal capital: one cent left over


def test_opening_a_distribution_proposal_through_governance_is_refused_inside_the_lock(folio) -> None:  # noqa: ANN001
    folio.fund_cash()
    proposer = folio.names["board"][0]
    with pytest.raises(
        Refused, match="cannot be opened on 2035-05-22: distributions are locked until 2035-05-23"
    ):
        with db.write(folio.engine) as conn:  # the path of `proposals new --kind distribution`
            open_proposal(
                conn,
                folio.fund,
                "test",
                "distribution",
                "early payout",
                proposer,
                folio.keys[proposer],
                ENDS - dt.timedelta(days=1),
                Decimal("10.00"),
                "USD",
            )
    with db.transaction(folio.engine) as conn:
        assert not book.proposals(conn)


def test_executing_a_distribution_inside_the_lock_is_refused_however_it_was_proposed(
    folio, monkeypatch
) -> None:  # noqa: ANN001
    folio.fund_cash()
    on = dt.date(2030, 1, 2)
    proposer = folio.names["board"][0]
    # Defence in depth: even a proposal that got past the opening check (here by lifting it) cannot pay out.
    table = decisions.table()
    monkeypatch.setattr(decisions, "table", lambda: decisions.Table(table.effects, {}))
    with db.write(folio.engine) as conn:
        p = open_proposal(
            conn,
            folio.fund,
            "test",
            "distribution",
            "early payout",
            proposer,
            folio.keys[proposer],
            on,
            Decimal("10.00"),
            "USD",
        )
    folio.approve(p.id, on)
    with pytest.raises(Refused, match="locked until 2035-05-23"):
        folio.execute(p.id, on)
    assert folio.balance("capital_distributions", partner="US") == 0
