"""The war as a common shock: a Markov security regime shared by every project on a path.

Independent draws per deal and per licence average out, so a model without a common shock
gives bands far narrower than a front-line shift would. Here each path draws one regime per
year (for example calm, escalation, ceasefire) from the scenario's transition matrix, and
everything on that path responds to the same draw in the same year:

- production: reachable deposits produce `output` times their plan; a deposit in a region
  that the regime makes unreachable that year produces nothing (one draw per region and
  year, so all deposits of a region go together);
- deal losses: each sector's loss probability is multiplied by `deal_loss`;
- the exchange rate: the local currency loses a further `fx_shock` in log terms.

The regime's random numbers come from a stream of their own (engine.generator(..., stream=1)),
so switching the regime off leaves every other draw, and so every result, as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np


@dataclass(frozen=True)
class SecurityPlan:
    """The regime chain as arrays (S regimes, G regions).

    Attributes:
      names: regime names, in the scenario's order.
      initial: index of the regime in force in the first step.
      cumulative: (S, S) row-wise cumulative transition probabilities, last column exactly 1.
      output, deal_loss, fx_shock: (S,) responses to each regime.
      unreachable: (S, G) probability that a region's deposits are cut off for a year.
      regions: region names, the columns of `unreachable`.
    """

    names: tuple[str, ...]
    initial: int
    cumulative: np.ndarray
    output: np.ndarray
    deal_loss: np.ndarray
    fx_shock: np.ndarray
    unreachable: np.ndarray
    regions: tuple[str, ...]


def chain(plan: SecurityPlan, u: np.ndarray) -> np.ndarray:
    """(paths, steps) regime index per year from uniforms `u` of that shape: step 0 is the initial regime."""
    paths, steps = u.shape
    out = np.empty((paths, steps), dtype=np.int64)
    state = np.full(paths, plan.initial, dtype=np.int64)
    for t in range(steps):
        if t:
            state = (u[:, t, None] > plan.cumulative[state]).sum(axis=1)
            state = np.minimum(
                state, len(plan.names) - 1
            )  # u == 1.0 cannot happen, but never index past the end
        out[:, t] = state
    return out


def loss_thresholds(loss: float, multipliers: np.ndarray) -> np.ndarray:
    """Standard-normal thresholds z with P(Z < z) = min(loss × multiplier, 1), one per regime."""
    normal = NormalDist()
    out = []
    for m in multipliers:
        p = min(loss * float(m), 1.0)
        out.append(-np.inf if p <= 0 else np.inf if p >= 1 else normal.inv_cdf(p))
    return np.array(out)


def stationary(plan: SecurityPlan) -> np.ndarray:
    """The long-run share of years in each regime (the chain's stationary distribution)."""
    matrix = np.diff(plan.cumulative, axis=1, prepend=0.0)
    values, vectors = np.linalg.eig(matrix.T)
    v = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
    return v / v.sum()
