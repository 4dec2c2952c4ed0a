"""One forecast of a scenario, from a start day and (when there is a fund) its book, as a finished run.

Every front end goes through `compute`: the CLI's `forecast run` and `forecast chart`, and the web
application's public page and dashboard (`book_outlook`), so the same scenario, day, paths and seed
give the same numbers wherever they are shown.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from sqlalchemy import Connection

from jointfund.capital.accounts import FundCapital
from jointfund.forecast import assumptions, engine, run, scenario, start
from jointfund.forecast.plan import StartState, compile_plan
from jointfund.fund import FundInfo
from jointfund.terms import load_text
from jointfund.terms.model import Terms

# What the web shows: few enough paths to compute in about a second on a cache miss (the result is
# kept per book version), enough for stable P5..P95 bands at the resolution of a chart.
WEB_PATHS = 2_000
WEB_SEED = 0

StateReader = Callable[[Terms, dt.date, scenario.Scenario], StartState]
Announce = Callable[[str], None]


def compute(
    scenario_text: str,
    source: str,
    terms_text: str,
    day: dt.date | None,
    today: dt.date,
    read_state: StateReader | None,
    paths: int,
    seed: int,
    runner: engine.Runner,
    years: int | None = None,
    chunk_paths: int = engine.DEFAULT_CHUNK_PATHS,
    with_tornado: bool = True,
    progress: Callable[[int], None] | None = None,
    announce: Announce | None = None,
    total: Callable[[int], None] | None = None,
    adopted: tuple[str, ...] = (),
) -> tuple[str, run.Outcome]:
    """(scenario name, outcome). The first day is `day` when given, else the scenario's start, else `today`.

    `read_state` reads the fund's state on the day from its book; None starts from the scenario's
    own start state (no fund). `total` is told the number of tasks before they run (a progress bar's length).
    `adopted` are the fund's amendments adopted by executed proposals (FundInfo.adopted), merged like the
    file's own.
    """
    terms = load_text(terms_text, "fund terms")
    sc = scenario.load_text(scenario_text, source, terms)
    on = day or sc.scenario.start or today
    state = read_state(terms, on, sc) if read_state else None
    plan = compile_plan(sc, terms_text, on, years, state, adopted)
    if announce:
        announce(
            f"{sc.scenario.name}: {paths:,} paths x {plan.steps} years from {on}; "
            f"start state from the {plan.state.source}; lock ends {plan.lock_ends}"
        )
    if total:
        total(
            len(engine.chunks(paths, chunk_paths)) + (run.tornado_tasks(plan, paths) if with_tornado else 0)
        )
    began = time.perf_counter()
    result = run.forecast(plan, seed, paths, runner, chunk_paths, progress)
    seconds = time.perf_counter() - began
    if announce:
        announce(f"{paths:,} paths in {seconds:.1f} s ({paths / max(seconds, 1e-9):,.0f} paths/s)")
    base, bars = run.tornado(plan, seed, paths, runner, progress) if with_tornado else (None, [])
    return sc.scenario.name, run.Outcome(plan, seed, result, base, bars, seconds, assumptions.panel(sc, plan))


def reader(conn: Connection, fund: FundInfo, capital: FundCapital | None = None) -> StateReader:
    """A StateReader over an open connection to `fund`'s book (`capital`: see start.from_book)."""

    def read(_terms: Terms, day: dt.date, sc: scenario.Scenario) -> StartState:
        held = capital if capital is not None and capital.end == day else None
        return start.from_book(
            conn, fund, day, sc.fx.start_per_usd, sc.start_state.investments_exit_years, held
        )

    return read


def book_outlook(
    conn: Connection, fund: FundInfo, today: dt.date, with_tornado: bool, capital: FundCapital | None = None
) -> dict:
    """The shipped base scenario from the fund's book today, as the run's JSON document (for the web).

    The tornado reruns the model 2 x inputs + 1 times: the pages that show only the fan charts skip it.
    `capital`: the partners' capital accounts today, when the caller holds them (see start.from_book); a
    book the forecast cannot start from is then refused before the scenario is even read.
    """
    if capital is not None and capital.end == today:
        start.refuse_negative(fund, capital, today)
    with engine.Runner() as runner:
        name, outcome = compute(
            scenario.shipped_text(),
            scenario.SHIPPED[0],
            fund.terms_text,
            today,
            today,
            reader(conn, fund, capital),
            WEB_PATHS,
            WEB_SEED,
            runner,
            with_tornado=with_tornado,
            adopted=fund.adopted,
        )
    return run.document(outcome, name)


def headline(doc: dict) -> dict:
    """What a page says in words beside the charts: NAV P5/P50/P95 in the scenario's report years (those of
    its NAV thresholds), and the first year a distribution is paid on some path."""
    nav = {r["year"]: r for r in doc["percentiles"] if r["metric"] == "nav"}
    years = sorted({r["year"] for r in doc["nav_thresholds"]})
    first = doc["first_distribution"]
    return {
        "lock_ends": doc["lock_ends"],
        "paths": doc["paths"],
        "scenario": doc["scenario"],
        "earliest_year": first["earliest_year"],
        "nav": [
            {"year": y, "p5": nav[y]["p5"], "p50": nav[y]["p50"], "p95": nav[y]["p95"]}
            for y in years
            if y in nav
        ],
    }
