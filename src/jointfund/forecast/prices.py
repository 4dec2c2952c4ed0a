"""Price and exchange-rate paths on annual steps, vectorised over paths.

Both models are stepped with their exact discretisation, so a step of any length
(the first, partial year included) has the right mean and variance:

GBM:  ln S' = ln S + (μ - σ²/2)·Δt + σ·√Δt·Z                       E[S_t] = S_0·e^{μt}
OU:   x' = θ + (x - θ)·e^{-κΔt} + σ·√((1 - e^{-2κΔt}) / 2κ)·Z   x = ln S
      θ = ln(long_run) - σ²/(4κ), so that the stationary mean of S is `long_run`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class PriceParams(NamedTuple):
    """Per-resource parameters as arrays over the resource axis (length R).

    Attributes:
      is_ou: True for mean reversion in log price, False for GBM.
      start: S_0 in USD per unit.
      drift: μ (GBM; ignored for OU).
      level: θ in log price (OU; ignored for GBM).
      speed: κ per year (OU; 1 for GBM, unused).
      volatility: σ per √year.
      cholesky: lower factor of the correlation matrix of the shocks (R x R).
    """

    is_ou: np.ndarray
    start: np.ndarray
    drift: np.ndarray
    level: np.ndarray
    speed: np.ndarray
    volatility: np.ndarray
    cholesky: np.ndarray


def ou_level(long_run: float, volatility: float, speed: float) -> float:
    """θ whose stationary lognormal has mean `long_run`: E[S] = exp(θ + σ²/(4κ))."""
    return float(np.log(long_run) - volatility**2 / (4.0 * speed))


def paths(p: PriceParams, dt: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Prices at the end of each step: shape (paths, steps, R).

    `z` holds independent standard normals of the same shape; they are correlated here
    through the Cholesky factor so a block's draws do not depend on the correlations.
    """
    n, steps, r = z.shape
    assert dt.shape == (steps,) and p.start.shape == (r,)
    shocks = z @ p.cholesky.T
    log = np.empty((n, steps, r))
    x = np.broadcast_to(np.log(p.start), (n, r)).copy()
    for t in range(steps):
        h = dt[t]
        decay = np.exp(-p.speed * h)
        ou_sd = p.volatility * np.sqrt((1.0 - np.exp(-2.0 * p.speed * h)) / (2.0 * p.speed))
        ou_step = p.level + (x - p.level) * decay + ou_sd * shocks[:, t]
        gbm_step = x + (p.drift - 0.5 * p.volatility**2) * h + p.volatility * np.sqrt(h) * shocks[:, t]
        x = np.where(p.is_ou, ou_step, gbm_step)
        log[:, t] = x
    return np.exp(log)


def log_sd(p: PriceParams, dt: np.ndarray) -> np.ndarray:
    """Standard deviation of ln S at the end of each step, (steps, R): the σ a tornado moves by."""
    t = np.cumsum(dt)[:, None]
    gbm = p.volatility * np.sqrt(t)
    ou = p.volatility * np.sqrt((1.0 - np.exp(-2.0 * p.speed * t)) / (2.0 * p.speed))
    return np.where(p.is_ou, ou, gbm)


def gbm_path(start: float, drift: float, volatility: float, dt: np.ndarray, z: np.ndarray) -> np.ndarray:
    """One GBM per path (the exchange rate): (paths, steps)."""
    step = (drift - 0.5 * volatility**2) * dt + volatility * np.sqrt(dt) * z
    return start * np.exp(np.cumsum(step, axis=1))
