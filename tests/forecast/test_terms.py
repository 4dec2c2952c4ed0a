"""The forecast reads the lock and the shares from the terms, and follows their amendments."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from jointfund.forecast import engine, scenario
from jointfund.forecast.plan import compile_plan
from jointfund.terms import load_text


def distributions(plan, blocks: int = 1) -> np.ndarray:  # noqa: ANN001
    return np.concatenate(
        [engine.simulate(plan, 3, b, engine.BLOCK_PATHS).distributions for b in range(blocks)]
    )


def test_no_distribution_before_the_lock_on_any_path(make_plan, base_text, terms_text):
    plan = make_plan(base_text, terms_text, dt.date(2026, 1, 1), 20)
    lock = load_text(terms_text, "terms").distributions.lock_ends
    paid = distributions(plan).sum(axis=1)  # (paths, years)
    before = np.array([dt.date(int(y), 12, 31) < lock for y in plan.years])
    assert before.any() and (~before).any()
    assert (paid[:, before] == 0).all()
    assert (paid[:, ~before] > 0).any(), "the test must see distributions after the lock"


def with_amendment(terms_text: str, changes: str, effective: str = "2030-01-01") -> str:
    amendment = f'[[amendments]]\neffective = {effective}\nreference = "test"\nchanges = {changes}\n'
    return terms_text.replace("amendments = []\n", "") + "\n" + amendment


def test_an_amended_lock_moves_the_first_distribution(make_plan, base_text, terms_text):
    amended = with_amendment(terms_text, "{ distributions = { reinvestment_period_years = 13 } }")
    plan = make_plan(base_text, amended, dt.date(2026, 1, 1), 20)
    paid = distributions(plan).sum(axis=1)
    first_allowed = next(t for t, y in enumerate(plan.years) if y >= 2038)
    assert plan.lock_ends.year == 2035 and not plan.distributable[:first_allowed].any()
    assert (paid[:, :first_allowed] == 0).all()


def test_an_amended_share_changes_the_contributions(make_plan, base_text, terms_text):
    amended = with_amendment(
        terms_text, '{ contribution = { streams = [ { code = "rent", share = "0.75" } ] } }'
    )
    base = make_plan(base_text, terms_text, dt.date(2026, 1, 1), 10)
    more = make_plan(base_text, amended, dt.date(2026, 1, 1), 10)
    ua = base.partners.index(load_text(terms_text, "terms").contribution.partner)
    a = engine.simulate(base, 5, 0, 500).contributions[:, ua]
    b = engine.simulate(more, 5, 0, 500).contributions[:, ua]
    # Receipts of 2029 (old share) arrive in 2030; from the 2030 receipts on (arriving 2031) more flows.
    t2030, t2031 = 2030 - 2026, 2031 - 2026
    assert np.allclose(a[:, : t2030 + 1], b[:, : t2030 + 1])
    assert (b[:, t2031:] >= a[:, t2031:]).all() and (b[:, t2031:] > a[:, t2031:]).any()


def test_an_amendment_adopted_by_the_board_reaches_the_plan_like_one_in_the_file(base_text, terms_text):
    """A fund's adopted amendments (FundInfo.adopted, JSON with an ISO date) change the plan exactly as the
    same
    amendment written into the terms file does."""
    sc = scenario.load_text(base_text, "base.toml", load_text(terms_text, "terms"))
    adopted = (
        json.dumps(
            {
                "effective": "2030-01-01",
                "reference": "Board resolution 7",
                "changes": {"contribution": {"streams": [{"code": "rent", "share": "0.75"}]}},
            }
        ),
    )
    in_file = with_amendment(
        terms_text, '{ contribution = { streams = [ { code = "rent", share = "0.75" } ] } }'
    )
    start = dt.date(2026, 1, 1)
    by_board = compile_plan(sc, terms_text, start, 10, adopted=adopted)
    by_file = compile_plan(
        scenario.load_text(base_text, "base.toml", load_text(in_file, "terms")), in_file, start, 10
    )
    plain = compile_plan(sc, terms_text, start, 10)
    assert np.array_equal(by_board.share, by_file.share)
    assert not np.array_equal(by_board.share, plain.share)
