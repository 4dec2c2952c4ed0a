"""What history says about the price models' parameters, from a small table shipped in the package.

history.csv holds published annual averages (Brent from the EIA, European gas from the World
Bank's Pink Sheet, the hryvnia from the National Bank of Ukraine), transcribed once and never
downloaded at run time. From each series this module computes the two figures a price model
needs: the volatility of annual log changes, and a mean-reversion speed from an AR(1) fit of the
log level (x_{t+1} = a + b·x_t + e, κ = -ln b). docs/forecast.md quotes them beside the
scenario's parameters; tests check the two stay in step.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class Fit:
    """One series' figures: years covered, sd of annual log changes, AR(1) reversion speed (None: no
    reversion)."""

    series: str
    first: int
    last: int
    volatility: float
    reversion_speed: float | None
    source: str


def history() -> dict[str, list[tuple[int, float]]]:
    """series -> [(year, value)] in year order, from the shipped table."""
    out: dict[str, list[tuple[int, float]]] = {}
    text = resources.files("jointfund.forecast").joinpath("history.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        out.setdefault(row["series"], []).append((int(row["year"]), float(row["value"])))
    return {k: sorted(v) for k, v in out.items()}


def sources() -> dict[str, str]:
    text = resources.files("jointfund.forecast").joinpath("history.csv").read_text(encoding="utf-8")
    return {row["series"]: row["source"] for row in csv.DictReader(text.splitlines())}


def fit(series: str) -> Fit:
    points = history()[series]
    x = np.log([v for _y, v in points])
    changes = np.diff(x)
    b = float(np.polyfit(x[:-1], x[1:], 1)[0])
    speed = -math.log(b) if 0 < b < 1 else None
    return Fit(series, points[0][0], points[-1][0], float(np.std(changes, ddof=1)), speed, sources()[series])


def fits() -> list[Fit]:
    return [fit(s) for s in history()]
