"""Production profiles, and output summed over licences without a per-licence year loop.

A licence's output in year t is plateau · profile[t - s], s its (random) first year. Summed
over licences, that is a histogram of plateau by start year, times a Toeplitz matrix of the
profile: (paths x starts) @ (starts x years). The per-licence work is then one draw and one
bin per licence and path, not one per licence, path and year.
"""

from __future__ import annotations

import numpy as np


def profile(
    ramp_years: int, plateau_years: int, decline_rate: float, life_years: int, length: int
) -> np.ndarray:
    """Fraction of plateau output in production years k = 0 .. length-1."""
    k = np.arange(length, dtype=float)
    ramp = (k + 1.0) / (ramp_years + 1.0)
    past = k - (ramp_years + plateau_years) + 1.0
    decline = (1.0 - decline_rate) ** np.maximum(past, 0.0)
    out = np.where(k < ramp_years, ramp, np.where(k < ramp_years + plateau_years, 1.0, decline))
    return np.where(k < life_years, out, 0.0)


def toeplitz(shape: np.ndarray, first_start: int, years: int) -> np.ndarray:
    """M[b, t] = shape[t - s] with s = first_start + b, for starts s in [first_start, years).

    Starts before the forecast (s < 0, licences already producing) enter with the part of
    their profile that falls inside it.
    """
    starts = np.arange(first_start, years)
    age = np.arange(years)[None, :] - starts[:, None]
    inside = (age >= 0) & (age < shape.size)
    return np.where(inside, shape[np.clip(age, 0, shape.size - 1)], 0.0)


def by_start(weights: np.ndarray, starts: np.ndarray, first_start: int, years: int) -> np.ndarray:
    """Sum `weights` (paths x licences) into bins of start year: (paths x (years - first_start)).

    Starts at or past the horizon are dropped: they produce nothing inside it.
    """
    n = weights.shape[0]
    bins = years - first_start
    index = starts - first_start
    assert index.min(initial=0) >= 0, "a start before the first bin"
    keep = index < bins
    flat = (np.arange(n)[:, None] * bins + index)[keep]
    return np.bincount(flat, weights=weights[keep], minlength=n * bins).reshape(n, bins)
