"""The Monte Carlo engine: one block of paths at a time, vectorised over the paths.

Reproducibility. Paths are cut into fixed blocks of BLOCK_PATHS; block b draws from its
own generator, SeedSequence(seed).spawn(...)[b], always for a full block and in a fixed
order. A chunk (the unit shipped to a worker) is a union of whole blocks, and the
summary merges per-block numbers exactly (integer counts, min/max, integer cents), so
the result is the same for any chunk size, any number of workers, and on Dask.

Memory. A worker holds one block's arrays at a time; what travels back is a bounded
summary (summary.py), not the paths. So memory does not grow with --paths.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from jointfund.errors import InputError, Problem
from jointfund.forecast import prices, production, security
from jointfund.forecast.plan import KINDS, Plan

if TYPE_CHECKING:
    from distributed import Client  # imported at run time only with a scheduler (Runner.__enter__)

R = TypeVar("R")  # what a task of Runner.map returns

BLOCK_PATHS = 2048  # the canonical unit of randomness; changing it changes every result
DEFAULT_CHUNK_PATHS = (
    8_192  # the unit of work shipped to a worker (whole blocks); small enough to balance 2+ workers
)
MAX_PATHS = 100_000_000


@dataclass(frozen=True)
class Paths:
    """Per-path results of one block (n paths, T steps, P partners, R resources), all in USD.

    Attributes:
      contributions: (n, P, T) capital contributed in each step (cash, revenue share, in-kind).
      distributions: (n, P, T) paid to each partner in each step.
      nav, cash, investments: (n, T) at each step's end.
      price: (n, T, R) resource prices; fx: (n, T) domestic currency per USD.
      receipts_uah: (n, T) the state's receipts that count, before the fund's share.
    """

    contributions: np.ndarray
    distributions: np.ndarray
    nav: np.ndarray
    cash: np.ndarray
    investments: np.ndarray
    price: np.ndarray
    fx: np.ndarray
    receipts_uah: np.ndarray


def generator(seed: int, block: int, stream: int = 0) -> np.random.Generator:
    """Block `block`'s own stream: the same as SeedSequence(seed).spawn(block + 1)[block].

    Stream 1 is the common shocks' (the security regime and the deals' common factor): a
    separate stream, so turning them on or off never moves any other draw.
    """
    key = (block,) if stream == 0 else (block, stream)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def blocks(paths: int) -> list[tuple[int, int]]:
    """(block index, paths used in it) covering `paths` paths."""
    if not 0 < paths <= MAX_PATHS:  # a check, not an assert: python -O must not drop a limit
        raise InputError([Problem("paths", f"the number of paths is 1 to {MAX_PATHS:,}", paths)])
    return [(b, min(BLOCK_PATHS, paths - b * BLOCK_PATHS)) for b in range(math.ceil(paths / BLOCK_PATHS))]


def chunks(paths: int, chunk_paths: int = DEFAULT_CHUNK_PATHS) -> list[list[tuple[int, int]]]:
    per = max(1, chunk_paths // BLOCK_PATHS)
    all_blocks = blocks(paths)
    return [all_blocks[i : i + per] for i in range(0, len(all_blocks), per)]


def simulate(plan: Plan, seed: int, block: int, n: int, shift: Mapping[str, float] | None = None) -> Paths:
    """The first `n` paths of block `block`. `shift` moves named inputs by ±σ (see plan.inputs)."""
    assert 0 < n <= BLOCK_PATHS
    shift = shift or {}
    full, steps, rng = BLOCK_PATHS, plan.steps, generator(seed, block)

    def normal(*shape: int) -> np.ndarray:
        return rng.standard_normal((full, *shape))[:n]

    def uniform(*shape: int) -> np.ndarray:
        return rng.random((full, *shape))[:n]

    # Markets. Shocks are drawn before anything else so that every input's draws stay put
    # whatever the others do (common random numbers for the tornado).
    price = prices.paths(plan.price, plan.dt, normal(steps, len(plan.resources)))
    sd = prices.log_sd(plan.price, plan.dt)
    for r, name in enumerate(plan.resources):
        if shift.get(f"price: {name}"):
            price[:, :, r] *= np.exp(shift[f"price: {name}"] * sd[:, r])
    fx = prices.gbm_path(plan.fx_start, plan.fx_drift, plan.fx_volatility, plan.dt, normal(steps))
    if shift.get("fx: rate per USD"):
        fx *= np.exp(shift["fx: rate per USD"] * plan.fx_volatility * np.sqrt(np.cumsum(plan.dt)))
    common = _Common.draw(plan, seed, block, n)
    if common.regime is not None and plan.security is not None:  # a regime is drawn only under a plan
        fx = fx * np.exp(np.cumsum(plan.security.fx_shock[common.regime] * plan.dt, axis=1))

    # The state's receipts by modelled kind: USD for production-linked kinds, UAH for permits.
    usd = {k: np.zeros((n, steps)) for k in ("rent", "psa_state_share", "psa_bonus")}
    sale_uah = np.zeros((n, steps))
    for g in plan.licences:
        failed = uniform(g.count) < g.failure
        delay = rng.poisson(g.delay_mean, (full, g.count))[:n]
        z = normal(g.count)
        if shift.get("production: delay") and g.delay_mean > 0:
            delay = np.maximum(delay + shift["production: delay"] * max(1, round(math.sqrt(g.delay_mean))), 0)
        z = z + shift.get("production: output", 0.0)
        weight = np.where(failed, 0.0, g.plateau * np.exp(g.output_sigma * z))
        starts = (g.start + delay).astype(np.int64)
        output = common.reachable(
            production.by_start(weight, starts, g.first_bin, steps) @ g.matrix, g.region
        )
        _book(usd, g, output * price[:, :, g.resource] * plan.dt, plan.covered[g.resource])
        if g.psa and g.production_bonus:
            first = production.by_start((~failed).astype(float), starts, g.first_bin, steps)[
                :, -g.first_bin :
            ]
            usd["psa_bonus"] += first * g.production_bonus * plan.covered[g.resource]
        if g.award is not None and plan.covered[g.resource, g.award]:
            sale_uah[:, g.award] += g.count * g.sale_uah
            if g.psa:
                usd["psa_bonus"][:, g.award] += g.count * g.signing_bonus
    for ng in plan.new_licences:
        rate = max(ng.per_year + shift.get("new licences: count", 0.0) * math.sqrt(ng.per_year), 0.0)
        plateau = np.zeros((n, len(ng.steps)))
        for i, a in enumerate(ng.steps):
            # One draw per licence awarded (not per possible slot), summed onto its path; drawn
            # for the full block so the first n paths are the same whatever n is.
            count = np.minimum(rng.poisson(rate * plan.dt[a], full), ng.max_per_year)
            awarded = int(count.sum())
            owner = np.repeat(np.arange(full), count)
            size, failed, sale = (
                rng.standard_normal(awarded),
                rng.random(awarded) < ng.failure,
                rng.standard_normal(awarded),
            )
            found = np.where(failed, 0.0, ng.output_median * np.exp(ng.output_sigma * size))
            plateau[:, i] = np.bincount(owner, weights=found, minlength=full)[:n]
            if plan.covered[ng.resource, a]:
                proceeds = ng.sale_median_uah * np.exp(ng.sale_sigma * sale)
                sale_uah[:, a] += np.bincount(owner, weights=proceeds, minlength=full)[:n]
                if ng.psa:
                    usd["psa_bonus"][:, a] += count[:n] * ng.signing_bonus
        _book(
            usd,
            ng,
            common.reachable(plateau @ ng.matrix, ng.region) * price[:, :, ng.resource] * plan.dt,
            plan.covered[ng.resource],
        )
    factor = _mean_one(plan.permit_sigma[None, :], normal(steps))
    receipts = {
        "rent": usd["rent"] * fx,
        "psa_state_share": usd["psa_state_share"] * fx,
        "psa_bonus": usd["psa_bonus"] * fx,
        "permit_fee": plan.permit_fees_uah * factor,
        "permit_sale": sale_uah + plan.permit_sales_uah * factor,
    }
    owed_uah = sum(plan.share[k] * receipts[kind] for k, kind in enumerate(KINDS))
    counted_uah = sum(receipts[kind] * (plan.share[k] > 0) for k, kind in enumerate(KINDS))
    # Receipts of a year are transferred `lag` years later, at that year's rate.
    revenue_usd = np.zeros((n, steps))
    if plan.lag < steps:
        revenue_usd[:, plan.lag :] = owed_uah[:, : steps - plan.lag] / fx[:, plan.lag :]

    partners = len(plan.partners)
    contributions = np.zeros((n, partners, steps))
    contributions[:, plan.contributor] += revenue_usd
    contributions += plan.cash_in[None]
    cash_in = revenue_usd + plan.cash_in.sum(axis=0)[None]
    for k in plan.in_kind:
        z, approved = normal(steps), uniform(steps) < k.approval
        value = k.expected * _mean_one(k.sigma, z) * approved
        contributions[:, k.partner] += np.where(k.active, value * plan.dt, 0.0)

    multiples = []
    for x in plan.sectors:
        z, u = normal(steps, x.deals), uniform(steps, x.deals)
        z, lost = common.deals(z, u, x.loss)
        z = z + shift.get(f"returns: {x.code}", 0.0)
        multiples.append(np.where(lost, 0.0, x.moic_median * np.exp(x.moic_sigma * z)).mean(axis=2))
    agreed = uniform(steps) < plan.agreement

    nav, cash, inv, dist = _fund(plan, contributions, cash_in, multiples, agreed)
    return Paths(contributions, dist, nav, cash, inv, price, fx, counted_uah)


@dataclass
class _Common:
    """One block's common shocks, drawn from stream 1: the regime per path and year, which regions
    are cut off, and the deals' common factor. All None when the scenario has neither."""

    plan: Plan
    aux: np.random.Generator | None
    n: int
    regime: np.ndarray | None = None  # (n, steps) regime index
    cut: np.ndarray | None = None  # (n, steps, regions) True where a region is unreachable
    factor: np.ndarray | None = None  # (n, steps) the deals' common factor for their multiples
    loss_factor: np.ndarray | None = None  # (n, steps) ... and for whether they are lost

    @classmethod
    def draw(cls, plan: Plan, seed: int, block: int, n: int) -> _Common:
        sec, full, steps = plan.security, BLOCK_PATHS, plan.steps
        if sec is None and plan.deal_loading == 0:
            return cls(plan, None, n)  # off: the engine runs exactly as it did without common shocks
        aux = generator(seed, block, stream=1)
        out = cls(plan, aux, n)
        if sec is not None:
            out.regime = security.chain(sec, aux.random((full, steps))[:n])
            out.cut = aux.random((full, steps, len(sec.regions)))[:n] < sec.unreachable[out.regime]
        out.factor = aux.standard_normal((full, steps))[:n]
        out.loss_factor = aux.standard_normal((full, steps))[:n]
        return out

    def reachable(self, output: np.ndarray, region: int | None) -> np.ndarray:
        """(n, steps) production as the regime lets it happen."""
        # The regime and the cut regions are drawn together, and only under a security plan (draw).
        if self.regime is None or self.cut is None or self.plan.security is None:
            return output
        output = output * self.plan.security.output[self.regime]
        return output if region is None else np.where(self.cut[:, :, region], 0.0, output)

    def deals(self, z: np.ndarray, u: np.ndarray, loss: float) -> tuple[np.ndarray, np.ndarray]:
        """Each deal's outcome shock and whether it is lost, (n, steps, deals) each.

        Off, a deal is lost when its own uniform falls below the loss probability. On, a deal is lost
        when its latent variable λG + √(1-λ²)e (a one-factor Gaussian copula) falls below the threshold
        of the year's regime, and its multiple's shock is λF + √(1-λ²)z. Losses load on G and multiples
        on F, two independent factors: deals fail together and succeed together, but a deal's loss and
        its multiple stay independent, so correlation moves the spread and never the mean.
        """
        if self.aux is None or self.factor is None or self.loss_factor is None:  # all three, or none (draw)
            return z, u < loss
        lam = self.plan.deal_loading
        rest = np.sqrt(1.0 - lam * lam)
        common = lam * self.factor[:, :, None]
        own = self.aux.standard_normal((BLOCK_PATHS, *z.shape[1:]))[: self.n]
        sec = self.plan.security
        if sec is None:
            limit = security.loss_thresholds(loss, np.ones(1))[0]
        else:
            limit = security.loss_thresholds(loss, sec.deal_loss)[self.regime][:, :, None]
        return common + rest * z, lam * self.loss_factor[:, :, None] + rest * own < limit


def _book(usd: dict[str, np.ndarray], g, value: np.ndarray, covered: np.ndarray) -> None:  # noqa: ANN001
    """The state's take of a group's production value: rent, or its PSA share of output."""
    if g.psa:
        usd["psa_state_share"] += value * g.psa_share * covered
    else:
        usd["rent"] += value * g.rent_rate * covered


def _mean_one(sigma: float | np.ndarray, z: np.ndarray) -> np.ndarray:
    """A lognormal factor with mean one: uncertainty without bias."""
    return np.exp(sigma * z - 0.5 * np.square(sigma))


def _fund(
    plan: Plan,
    contributions: np.ndarray,
    cash_in: np.ndarray,
    multiples: list[np.ndarray],
    agreed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fund, step by step: inflows, exits, costs, distributions after the lock, deployment.

    This is the only loop over time: each step depends on the last through cash and capital.
    """
    n, partners, steps = contributions.shape
    st = plan.state
    cash = np.full(n, st.cash)
    capital = np.tile(np.asarray(st.capital, dtype=float), (n, 1))
    cost = [np.zeros((n, steps)) for _ in plan.sectors]
    nav, cash_out, inv_out = np.zeros((n, steps)), np.zeros((n, steps)), np.zeros((n, steps))
    dist = np.zeros((n, partners, steps))
    nav_open = np.full(n, st.cash + st.investments)
    for t in range(steps):
        h = plan.dt[t]
        exits = np.zeros(n)
        for s, x in enumerate(plan.sectors):
            if t >= x.holding:
                exits += cost[s][:, t - x.holding] * multiples[s][:, t - x.holding]
        if t < st.investments_exit_years:
            exits += st.investments / st.investments_exit_years
        cash = (
            cash * (1.0 + plan.cash_return * h) + exits + cash_in[:, t] + (st.receivable if t == 0 else 0.0)
        )
        cash -= np.minimum(cash, plan.fixed_costs * h + plan.nav_cost_rate * nav_open * h)
        capital += contributions[:, :, t]
        if plan.distributable[t]:
            held = _valuation(plan, cost, multiples, t)
            excess = np.maximum(cash - plan.reserve_share * (cash + held), 0.0)
            total = capital.sum(axis=1)
            paid = np.where(agreed[:, t] & (total > 0), plan.payout_share * excess, 0.0)
            cash -= paid
            # Pro rata to capital contributed (the terms' waterfall); capital is never zero here.
            dist[:, :, t] = paid[:, None] * capital / np.where(total > 0, total, 1.0)[:, None]
        deploy = cash * min(plan.deploy_share * h, 1.0)
        cash -= deploy
        for s, x in enumerate(plan.sectors):
            cost[s][:, t] = deploy * x.weight
        held = _valuation(plan, cost, multiples, t)
        nav[:, t], cash_out[:, t], inv_out[:, t] = cash + held, cash, held
        nav_open = nav[:, t]
    assert (cash_out >= -1e-6).all(), "cash went negative"
    return nav, cash_out, inv_out, dist


def _valuation(plan: Plan, cost: list[np.ndarray], multiples: list[np.ndarray], t: int) -> np.ndarray:
    """Investments held at the end of step t: cost plus the straight-line share of their gain."""
    st = plan.state
    left = max(st.investments_exit_years - t - 1, 0) / st.investments_exit_years
    value = np.full(cost[0].shape[0], st.investments * left) if cost else np.zeros(0)
    for s, x in enumerate(plan.sectors):
        lo = max(t - x.holding + 1, 0)
        age = (t - np.arange(lo, t + 1)) / x.holding
        value = value + (cost[s][:, lo : t + 1] * (1.0 + (multiples[s][:, lo : t + 1] - 1.0) * age)).sum(
            axis=1
        )
    return value


# -- running many blocks: serially, on local processes, or on a Dask cluster --


class Runner:
    """Where chunks run. Use as a context manager; `map` yields (task index, result) as they finish."""

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        assert workers >= 1
        self.workers, self.scheduler = workers, scheduler
        self._pool: cf.ProcessPoolExecutor | None = None
        self._client: Client | None = None

    def __enter__(self) -> Runner:
        if self.scheduler:
            from distributed import Client

            self._client = Client(self.scheduler)
        elif self.workers > 1:
            self._pool = cf.ProcessPoolExecutor(max_workers=self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        if self._client is not None:
            self._client.close()  # closes our connection only; the cluster is the user's

    def map(self, fn: Callable[..., R], plan: Plan, tasks: Sequence[tuple]) -> Iterator[tuple[int, R]]:
        if self._client is not None:
            from distributed import as_completed

            shared = self._client.scatter(plan, broadcast=True)
            futures = [self._client.submit(fn, shared, *task, pure=False) for task in tasks]
            index = {f.key: i for i, f in enumerate(futures)}
            for future, result in as_completed(futures, with_results=True):
                yield index[future.key], result
                future.release()
        elif self._pool is not None:
            pending = {self._pool.submit(fn, plan, *task): i for i, task in enumerate(tasks)}
            for future in cf.as_completed(pending):
                yield pending.pop(future), future.result()
        else:
            for i, task in enumerate(tasks):
                yield i, fn(plan, *task)
