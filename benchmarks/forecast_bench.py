"""Forecast engine benchmark: 100k paths x 30 years x 100 licences.

    python benchmarks/forecast_bench.py [--paths 100000] [--workers 2] [--loop-paths 200]

Prints wall time, peak memory and paths per second of the engine (serial and on local
workers), the same model as a straightforward per-path Python loop on a subsample
(extrapolated), and a hardware bound: the work per path that cannot be avoided (random
draws and the production matmuls) against what this CPU does per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import resource
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core per worker: the pool does the parallelism
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from jointfund.forecast import engine, run, scenario  # noqa: E402
from jointfund.forecast.plan import Plan, compile_plan  # noqa: E402
from jointfund.terms import load_text, shipped_text  # noqa: E402

LICENCES = 100
GROUP = 5  # licences per group: 20 groups of 5 alike licences


def bench_scenario(common: bool = True) -> str:
    """The shipped base with its licences replaced by 100 (20 groups of 5) over all five resources and five
    regions. `common`: with the base's security regime and deals' common factor; else both off (round 1's
    model)."""
    text = scenario.shipped_text("urif-base.toml")
    if not common:
        text = text[: text.index("# --- the war:")].replace(
            "deal_factor_loading = 0.5", "deal_factor_loading = 0"
        )
    head, tail = text.split("# --- licences known today", 1)
    tail = tail[tail.index("# --- licences not yet known") :]
    resources = ("lithium", "titanium", "graphite", "oil", "natural_gas")
    regions = ("kirovohrad", "zhytomyr", "kharkiv", "poltava", "donetsk", "dnipropetrovsk")
    output = {
        "lithium": 8_000,
        "titanium": 120_000,
        "graphite": 25_000,
        "oil": 150_000,
        "natural_gas": 40_000,
    }
    groups = []
    for g in range(LICENCES // GROUP):
        r = resources[g % len(resources)]
        groups.append(
            f'[[licences]]\ncode = "bench-{g}"\nresource = "{r}"\nregion = "{regions[g % len(regions)]}"\n'
            f"count = {GROUP}\n"
            f"first_production_year = {2027 + g % 8}\ndelay_mean_years = 1.5\n"
            f"profile = {{ ramp_years = 2, plateau_years = {6 + g % 10}, decline_rate = 0.1 }}\n"
            f"plateau_output = {output[r]}\noutput_sigma = 0.5\nfailure_probability = 0.35\n"
        )
    return head + "\n".join(groups) + "\n" + tail


def plan(common: bool = True) -> Plan:
    terms_text = shipped_text()
    sc = scenario.load_text(bench_scenario(common), "bench", load_text(terms_text, "terms"))
    p = compile_plan(sc, terms_text, dt.date(2026, 1, 1), 30)
    assert sum(g.count for g in p.licences) == LICENCES
    return p


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def engine_run(p: Plan, paths: int, workers: int) -> float:
    began = time.perf_counter()
    with engine.Runner(workers) as runner:
        result = run.forecast(p, 1, paths, runner)
    assert result.paths == paths
    return time.perf_counter() - began


# -- the same model, one path at a time, as one would first write it --


def loop_path(p: Plan, rng: random.Random) -> float:
    steps, res = p.steps, len(p.resources)
    chol = p.price.cholesky
    x = [math.log(s) for s in p.price.start]
    price = [[0.0] * res for _ in range(steps)]
    for t in range(steps):
        z = [rng.gauss(0, 1) for _ in range(res)]
        for r in range(res):
            shock = sum(chol[r][k] * z[k] for k in range(res))
            h, vol = p.dt[t], p.price.volatility[r]
            if p.price.is_ou[r]:
                k = p.price.speed[r]
                x[r] = (
                    p.price.level[r]
                    + (x[r] - p.price.level[r]) * math.exp(-k * h)
                    + vol * math.sqrt((1 - math.exp(-2 * k * h)) / (2 * k)) * shock
                )
            else:
                x[r] += (p.price.drift[r] - vol * vol / 2) * h + vol * math.sqrt(h) * shock
            price[t][r] = math.exp(x[r])
    fx, rate = [], p.fx_start
    for t in range(steps):
        rate *= math.exp(
            (p.fx_drift - p.fx_volatility**2 / 2) * p.dt[t]
            + p.fx_volatility * math.sqrt(p.dt[t]) * rng.gauss(0, 1)
        )
        fx.append(rate)
    receipts = [0.0] * steps
    for g in p.licences:
        for _ in range(g.count):
            if rng.random() < g.failure:
                continue
            delay = _poisson(rng, g.delay_mean)
            size = g.plateau * math.exp(g.output_sigma * rng.gauss(0, 1))
            start = g.start + delay
            for t in range(steps):
                if start - g.first_bin < g.matrix.shape[0]:
                    out = size * g.matrix[start - g.first_bin, t]
                    receipts[t] += out * price[t][g.resource] * p.dt[t] * g.rent_rate * fx[t] * p.share[0, t]
    for g in p.new_licences:
        for i, a in enumerate(g.steps):
            for _ in range(min(_poisson(rng, g.per_year), g.max_per_year)):
                size = (
                    0.0
                    if rng.random() < g.failure
                    else g.output_median * math.exp(g.output_sigma * rng.gauss(0, 1))
                )
                receipts[a] += g.sale_median_uah * math.exp(g.sale_sigma * rng.gauss(0, 1)) * p.share[2, a]
                for t in range(steps):
                    receipts[t] += (
                        size
                        * g.matrix[i, t]
                        * price[t][g.resource]
                        * p.dt[t]
                        * g.rent_rate
                        * fx[t]
                        * p.share[0, t]
                    )
    cash, nav = p.state.cash, p.state.cash
    vintages: list[tuple[int, float, float, int]] = []
    for t in range(steps):
        inflow = receipts[t - p.lag] / fx[t] if t >= p.lag else 0.0
        exits = sum(c * m for (v, c, m, h) in vintages if t - v == h)
        cash = cash * (1 + p.cash_return) + inflow + exits + float(p.cash_in[:, t].sum())
        cash -= min(cash, p.fixed_costs + p.nav_cost_rate * nav)
        held = sum(c * (1 + (m - 1) * (t - v) / h) for (v, c, m, h) in vintages if t - v < h)
        if p.distributable[t] and rng.random() < p.agreement:
            cash -= p.payout_share * max(cash - p.reserve_share * (cash + held), 0.0)
        deploy = cash * p.deploy_share
        cash -= deploy
        for s in p.sectors:
            deals = [
                0.0 if rng.random() < s.loss else s.moic_median * math.exp(s.moic_sigma * rng.gauss(0, 1))
                for _ in range(s.deals)
            ]
            vintages.append((t, deploy * s.weight, sum(deals) / len(deals), s.holding))
        nav = cash + sum(c * (1 + (m - 1) * (t - v) / h) for (v, c, m, h) in vintages if t - v < h)
    return nav


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, prod = math.exp(-lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


# -- what the CPU can do --


def cpu_rates() -> dict[str, float]:
    rng = np.random.default_rng(0)
    n = 4_000_000
    began = time.perf_counter()
    rng.standard_normal(n)
    normals = n / (time.perf_counter() - began)
    a, b = rng.standard_normal((2048, 40)), rng.standard_normal((40, 30))
    began, reps = time.perf_counter(), 200
    for _ in range(reps):
        a @ b
    flops = reps * 2 * 2048 * 40 * 30 / (time.perf_counter() - began)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    began = time.perf_counter()
    for _ in range(10):
        np.multiply(x, y, out=x)
    passes = 10 * n / (time.perf_counter() - began)
    return {"normals_per_s": normals, "matmul_flops_per_s": flops, "elementwise_per_s": passes}


def work_per_path(p: Plan) -> dict[str, float]:
    """The unavoidable work of one path: random draws and production matmul flops."""
    steps = p.steps
    draws = steps * len(p.resources) + steps  # prices, fx
    draws += sum(3 * g.count for g in p.licences)  # fate, delay, size
    draws += sum(len(g.steps) * (1 + 3 * g.per_year) for g in p.new_licences)
    draws += steps + sum(2 * steps for _ in p.in_kind) + steps  # permits, in-kind, agreement
    draws += sum(2 * steps * s.deals for s in p.sectors)
    flops = sum(2 * g.matrix.shape[0] * steps for g in p.licences) + sum(
        2 * g.matrix.size for g in p.new_licences
    )
    return {"draws": draws, "flops": flops}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--loop-paths", type=int, default=200)
    args = ap.parse_args()
    p = plan()
    print(
        f"forecast benchmark: {args.paths:,} paths x {p.steps} years x {sum(g.count for g in p.licences)} "
        "licences "
        f"(+ new licences: {sum(g.per_year for g in p.new_licences):.1f}/yr), {os.cpu_count()} CPUs"
    )
    engine_run(p, engine.BLOCK_PATHS, 1)  # warm up imports and caches
    serial = engine_run(p, args.paths, 1)
    print(
        f"  engine, 1 process      {serial:7.2f} s  {args.paths / serial:10,.0f} paths/s  peak "
        f"{peak_mb():6.0f} MB"
    )
    parallel = engine_run(p, args.paths, args.workers)
    print(
        f"  engine, {args.workers} workers      {parallel:7.2f} s  {args.paths / parallel:10,.0f} paths/s  "
        f"peak {peak_mb():6.0f} MB (largest process)  speed-up {serial / parallel:.2f}x  [regime + "
        "correlation on]"
    )
    off = plan(common=False)
    assert off.security is None and off.deal_loading == 0 and p.security is not None and p.deal_loading > 0
    plain = engine_run(off, args.paths, args.workers)
    print(
        f"  engine, {args.workers} workers      {plain:7.2f} s  {args.paths / plain:10,.0f} paths/s  "
        f"[regime + correlation off: round 1's model]  the common shocks cost {parallel / plain:.2f}x"
    )
    rng = random.Random(1)
    began = time.perf_counter()
    for _ in range(args.loop_paths):
        loop_path(p, rng)
    per_path = (time.perf_counter() - began) / args.loop_paths
    loop_total = per_path * args.paths
    print(
        f"  per-path Python loop   {loop_total:7.1f} s  {1 / per_path:10,.0f} paths/s  "
        f"(extrapolated from {args.loop_paths} paths)  engine is {loop_total / serial:.0f}x faster on 1 core"
    )
    rates, work = cpu_rates(), work_per_path(p)
    bound = work["draws"] / rates["normals_per_s"] + work["flops"] / rates["matmul_flops_per_s"]
    path_years = p.steps
    print(
        f"  hardware bound: {work['draws']:,.0f} draws + {work['flops']:,.0f} matmul flops per path "
        f"({work['draws'] / path_years:,.0f} draws, {work['flops'] / path_years:,.0f} flops per path-year)"
    )
    print(
        f"    this core: {rates['normals_per_s'] / 1e6:,.0f} M normals/s, "
        f"{rates['matmul_flops_per_s'] / 1e9:,.1f} GFLOP/s "
        f"(small matmul), {rates['elementwise_per_s'] / 1e6:,.0f} M element-ops/s"
    )
    print(
        f"    bound {bound * 1e6:,.1f} us per path = {1 / bound:,.0f} paths/s per core; "
        f"engine {serial / args.paths * 1e6:,.1f} us per path = {bound / (serial / args.paths):.0%} of the "
        "bound"
    )
    print(f"  target <= 10 s on 2 cores: {'met' if parallel <= 10 else 'NOT met'} ({parallel:.2f} s)")


if __name__ == "__main__":
    main()
