"""Running a forecast: the chunks of the main run, and the tornado's shifted runs.

The task functions are module-level so that local processes and Dask workers can import them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from jointfund.forecast import engine
from jointfund.forecast import summary as summary_rows
from jointfund.forecast.plan import Plan
from jointfund.forecast.summary import Summary


def summarise_chunk(plan: Plan, seed: int, blocks: Sequence[tuple[int, int]]) -> Summary:
    """A chunk's bounded summary; block by block so that a worker holds one block at a time."""
    out = Summary.empty(plan)
    for block, n in blocks:
        out.add(plan, engine.simulate(plan, seed, block, n))
    return out


def probe_chunk(
    plan: Plan, seed: int, blocks: Sequence[tuple[int, int]], shift: Mapping[str, float], step: int
) -> np.ndarray:
    """NAV at one step on the chunk's paths, with inputs shifted (for the tornado)."""
    return np.concatenate([engine.simulate(plan, seed, block, n, shift).nav[:, step] for block, n in blocks])


def forecast(
    plan: Plan,
    seed: int,
    paths: int,
    runner: engine.Runner,
    chunk_paths: int = engine.DEFAULT_CHUNK_PATHS,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    tasks = [(seed, c) for c in engine.chunks(paths, chunk_paths)]
    total = Summary.empty(plan)
    for _, part in runner.map(summarise_chunk, plan, tasks):
        total.merge(part)
        if progress:
            progress(1)
    assert total.paths == paths, (total.paths, paths)
    return total


@dataclass(frozen=True)
class Bar:
    """One input of the tornado: P50 NAV in the tornado year with the input at -1σ and +1σ."""

    input: str
    low: float
    high: float


def tornado_tasks(plan: Plan, paths: int) -> int:
    """How many tasks the tornado runs (for a progress total)."""
    if plan.tornado_step is None:
        return 0
    return (2 * len(plan.inputs) + 1) * len(engine.chunks(min(paths, plan.tornado_paths), engine.BLOCK_PATHS))


def tornado(
    plan: Plan, seed: int, paths: int, runner: engine.Runner, progress: Callable[[int], None] | None = None
) -> tuple[float | None, list[Bar]]:
    """P50 NAV in the tornado year: the base, and each input moved -1σ and +1σ.

    Every run uses the same min(paths, tornado_paths) paths and the same draws (common random
    numbers), so a bar shows the input's effect and not sampling noise. The runs stop at the
    tornado year, so their draws, and the base, differ slightly from the main run's.
    """
    if plan.tornado_step is None:
        return None, []
    pieces = engine.chunks(min(paths, plan.tornado_paths), engine.BLOCK_PATHS)
    # Years after the tornado year cannot move NAV in it; dropping them makes each run shorter.
    plan = plan.truncated(plan.tornado_step + 1)
    shifts: list[dict[str, float]] = [{}] + [{name: k} for name in plan.inputs for k in (-1.0, 1.0)]
    tasks = [(seed, c, shift, plan.tornado_step) for shift in shifts for c in pieces]
    results: dict[int, np.ndarray] = {}
    for i, nav in runner.map(probe_chunk, plan, tasks):
        results[i] = nav
        if progress:
            progress(1)
    per = len(pieces)
    medians = [
        float(np.median(np.concatenate([results[s * per + c] for c in range(per)])))
        for s in range(len(shifts))
    ]
    bars = [Bar(name, medians[1 + 2 * i], medians[2 + 2 * i]) for i, name in enumerate(plan.inputs)]
    bars.sort(key=lambda b: -abs(b.high - b.low))
    return medians[0], bars


@dataclass(frozen=True)
class Outcome:
    """A finished run: what was run, and what it found."""

    plan: Plan
    seed: int
    summary: Summary
    tornado_base: float | None
    bars: list[Bar]
    seconds: float
    panel: dict | None = None  # what the run assumes (assumptions.panel), shown beside every chart


def document(o: Outcome, scenario_name: str) -> dict:
    """Everything a run reports, as one JSON-ready object."""
    p, s = o.plan, o.summary
    return {
        "scenario": scenario_name,
        "start": p.start.isoformat(),
        "years": [int(y) for y in p.years],
        "paths": s.paths,
        "seed": o.seed,
        "currency": p.currency,
        "start_state": {
            "source": p.state.source,
            "cash": p.state.cash,
            "investments": p.state.investments,
            "receivable": p.state.receivable,
            "capital": dict(zip(p.partners, p.state.capital, strict=True)),
            "undrawn_commitments": p.state.undrawn_commitments,
            "uncalled_capital": dict(zip(p.partners, p.state.uncalled, strict=True))
            if p.state.uncalled
            else {},
        },
        "lock_ends": p.lock_ends.isoformat(),
        "percentiles": summary_rows.percentile_rows(p, s),
        "nav_thresholds": summary_rows.threshold_rows(p, s),
        "first_distribution": {
            "earliest_year": summary_rows.earliest_distribution_year(p, s),
            "by_year": summary_rows.first_distribution_rows(p, s),
            "size": summary_rows.first_size_rows(s),
        },
        "tornado": {
            "year": None if p.tornado_step is None else int(p.years[p.tornado_step]),
            "metric": "p50 nav",
            "base": o.tornado_base,
            "bars": [
                {"input": b.input, "minus_1_sigma": round(b.low, 2), "plus_1_sigma": round(b.high, 2)}
                for b in o.bars
            ],
        },
        "assumptions": o.panel or {},
        "seconds": round(o.seconds, 3),
    }
