"""With no randomness, the forecast equals a schedule computed by hand, to the cent."""

from __future__ import annotations

import math

from jointfund.forecast import engine, run, summary


def hand_schedule() -> dict[str, list[float]]:
    """The DETERMINISTIC scenario of conftest.py, year by year, in plain arithmetic.

    Terms (shipped): 50% of rent and permit fees; receipts transferred the next year (1 April);
    no distribution before 2035-05-23, so 2035 (paid on 31 Dec) is the first year allowed.
    """
    share = 0.5
    price = [100 * math.exp(0.1 * (t + 1)) for t in range(3)]  # GBM, σ = 0: S0·e^{μt} at each year end
    fx = [40 * math.exp(0.05 * (t + 1)) for t in range(3)]
    output = [1000 * 0.5, 1000 * 1.0, 1000 * 1.0]  # one ramp year at (0+1)/(1+1), then plateau
    owed_uah = [share * (output[t] * price[t] * 0.2 * fx[t] + (4_000_000 if t == 0 else 0)) for t in range(3)]
    revenue = [0.0, owed_uah[0] / fx[1], owed_uah[1] / fx[2]]  # transferred a year later at that year's rate

    # 2034: no exits; interest, the US cash, costs on the opening NAV; locked; half deployed.
    cash = 1_000_000 * 1.02 + 10_000_000
    cash -= 100_000 + 0.01 * 1_000_000
    cap_us, cap_ua = 600_000 + 10_000_000, 400_000
    v0 = 0.5 * cash
    cash -= v0
    nav0 = cash + v0

    # 2035: the revenue share arrives; the in-kind 5m adds to US capital only; the first distribution.
    cash = cash * 1.02 + revenue[1]
    cash -= 100_000 + 0.01 * nav0
    cap_us, cap_ua = cap_us + 5_000_000, cap_ua + revenue[1]
    held = v0 * (1 + 0.5 * 1 / 2)  # age 1 of 2: half the gain of 1.5x
    paid1 = 0.5 * max(cash - 0.1 * (cash + held), 0)
    cash -= paid1
    d1_us, d1_ua = paid1 * cap_us / (cap_us + cap_ua), paid1 * cap_ua / (cap_us + cap_ua)
    v1 = 0.5 * cash
    cash -= v1
    nav1 = cash + held + v1

    # 2036: vintage 2034 exits at 1.5x.
    cash = cash * 1.02 + v0 * 1.5 + revenue[2]
    cash -= 100_000 + 0.01 * nav1
    cap_ua += revenue[2]
    held = v1 * (1 + 0.5 * 1 / 2)
    paid2 = 0.5 * max(cash - 0.1 * (cash + held), 0)
    cash -= paid2
    d2_us, d2_ua = paid2 * cap_us / (cap_us + cap_ua), paid2 * cap_ua / (cap_us + cap_ua)
    v2 = 0.5 * cash
    cash -= v2
    nav2 = cash + held + v2
    return {
        "nav": [nav0, nav1, nav2],
        "contributions:UA": revenue,
        "contributions:US": [10_000_000, 5_000_000, 0.0],
        "distributions_cumulative:US": [0.0, d1_us, d1_us + d2_us],
        "distributions_cumulative:UA": [0.0, d1_ua, d1_ua + d2_ua],
    }


def cents(values) -> list[float]:  # noqa: ANN001
    return [round(float(v), 2) for v in values]


def test_engine_paths_equal_the_hand_schedule(make_plan, deterministic_text, terms_text):
    plan = make_plan(deterministic_text, terms_text)
    p = engine.simulate(plan, seed=1, block=0, n=3)
    want = hand_schedule()
    us, ua = plan.partners.index("US"), plan.partners.index("UA")
    for path in range(3):
        assert cents(p.nav[path]) == cents(want["nav"])
        assert cents(p.contributions[path, ua]) == cents(want["contributions:UA"])
        assert cents(p.contributions[path, us]) == cents(want["contributions:US"])
        assert cents(p.distributions[path, us].cumsum()) == cents(want["distributions_cumulative:US"])
        assert cents(p.distributions[path, ua].cumsum()) == cents(want["distributions_cumulative:UA"])


def test_every_reported_percentile_is_the_hand_value(make_plan, deterministic_text, terms_text):
    plan = make_plan(deterministic_text, terms_text)
    with engine.Runner() as runner:
        result = run.forecast(plan, seed=7, paths=50, runner=runner)
    want = hand_schedule()
    rows = summary.percentile_rows(plan, result)
    for metric, values in want.items():
        for t, year in enumerate(plan.years):
            row = next(r for r in rows if r["metric"] == metric and r["year"] == year)
            for q in summary.PERCENTILES:
                assert row[f"p{q}"] == round(values[t], 2), (metric, year, q)
    assert summary.earliest_distribution_year(plan, result) == 2035
    assert summary.threshold_rows(plan, result) == [
        {"year": 2036, "nav_at_least_base": 1_000_000, "probability": 1.0}
    ]
    assert plan.currency == "USD"  # the terms' base currency, which the run's document names
