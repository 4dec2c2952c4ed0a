"""What a run reports, kept in bounded memory whatever the number of paths.

Per metric and year, values go into a fixed log-spaced histogram (160 bins per decade,
from 1 cent to 10^14 USD), with exact minimum and maximum and an exact sum in integer
cents. Percentiles are read from the histogram, interpolated within a bin (within about
0.7% of the value), and clamped to the exact range; when every path agrees (a
deterministic scenario) the percentile is that exact value. Every part merges
exactly and in any order, which is what makes results independent of chunking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from jointfund.forecast.engine import Paths
from jointfund.forecast.plan import Plan

LOW_EXP, HIGH_EXP, PER_DECADE = -2, 14, 160
BINS = (HIGH_EXP - LOW_EXP) * PER_DECADE + 1  # bin 0 holds [0, 1 cent)
PERCENTILES = (5, 25, 50, 75, 95)


def _edges() -> np.ndarray:
    return np.concatenate([[0.0], 10.0 ** (LOW_EXP + np.arange(BINS) / PER_DECADE)])


EDGES = _edges()  # bin j covers [EDGES[j], EDGES[j+1])


def _bin(values: np.ndarray) -> np.ndarray:
    assert (values >= -1e-6).all(), "a reported amount is negative"
    with np.errstate(divide="ignore"):
        raw = np.floor((np.log10(np.maximum(values, 0.0)) - LOW_EXP) * PER_DECADE) + 1
    return np.clip(np.nan_to_num(raw, neginf=0), 0, BINS - 1).astype(np.int64)


@dataclass
class Histograms:
    """Histograms of one metric over `rows` (years, or a single row)."""

    counts: np.ndarray  # (rows, BINS) int64
    low: np.ndarray  # (rows,) exact minimum
    high: np.ndarray  # (rows,) exact maximum
    cents: list[int]  # (rows,) exact sum in cents

    @classmethod
    def empty(cls, rows: int) -> Histograms:
        return cls(
            np.zeros((rows, BINS), dtype=np.int64), np.full(rows, np.inf), np.full(rows, -np.inf), [0] * rows
        )

    def add(self, values: np.ndarray, mask: np.ndarray | None = None) -> None:
        """Add (paths, rows) values; `mask` keeps only some of them."""
        rows = self.counts.shape[0]
        keep = np.ones(values.shape, dtype=bool) if mask is None else mask
        flat = (np.arange(rows)[None, :] * BINS + _bin(values))[keep]
        self.counts += np.bincount(flat, minlength=rows * BINS).reshape(rows, BINS)
        masked_low = np.where(keep, values, np.inf).min(axis=0)
        masked_high = np.where(keep, values, -np.inf).max(axis=0)
        self.low, self.high = np.minimum(self.low, masked_low), np.maximum(self.high, masked_high)
        sums = np.where(keep, values, 0.0).sum(axis=0)
        self.cents = [a + int(round(b * 100)) for a, b in zip(self.cents, sums, strict=True)]

    def merge(self, other: Histograms) -> None:
        self.counts += other.counts
        self.low, self.high = np.minimum(self.low, other.low), np.maximum(self.high, other.high)
        self.cents = [a + b for a, b in zip(self.cents, other.cents, strict=True)]

    def percentile(self, q: float, row: int = 0) -> float | None:
        counts = self.counts[row]
        total = int(counts.sum())
        if total == 0:
            return None
        if self.low[row] == self.high[row]:
            return float(self.low[row])
        rank = q / 100.0 * (total - 1)
        cumulative = np.cumsum(counts)
        j = int(np.searchsorted(cumulative, rank, side="right"))
        before = cumulative[j] - counts[j]
        frac = min(max((rank - before + 0.5) / counts[j], 0.0), 1.0)
        if j == 0:  # below a cent: amounts that are zero (nothing paid, nothing contributed)
            return float(max(self.low[row], 0.0))
        lo, hi = EDGES[j], EDGES[j + 1]
        value = lo * (hi / lo) ** frac
        return float(min(max(value, self.low[row]), self.high[row]))

    def mean(self, row: int = 0) -> float | None:
        total = int(self.counts[row].sum())
        return None if total == 0 else self.cents[row] / 100 / total


@dataclass
class Summary:
    """Everything reported about a run, mergeable across blocks, chunks and workers."""

    paths: int
    metrics: dict[str, Histograms]
    first_year: np.ndarray  # (steps + 1,) paths whose first distribution is in each step; last: none
    first_size: dict[str, Histograms]  # size of the first distribution, total and per partner
    above: np.ndarray  # (nav years, thresholds) paths with NAV >= threshold
    notes: dict[str, object] = field(default_factory=dict)

    @classmethod
    def empty(cls, plan: Plan) -> Summary:
        steps = plan.steps
        names = metric_names(plan)
        return cls(
            0,
            {m: Histograms.empty(steps) for m in names},
            np.zeros(steps + 1, dtype=np.int64),
            {k: Histograms.empty(1) for k in ("total", *plan.partners)},
            np.zeros((len(plan.nav_years), len(plan.nav_thresholds)), dtype=np.int64),
        )

    def add(self, plan: Plan, p: Paths) -> None:
        self.paths += p.nav.shape[0]
        for i, code in enumerate(plan.partners):
            self.metrics[f"contributions:{code}"].add(p.contributions[:, i])
            self.metrics[f"distributions_cumulative:{code}"].add(np.cumsum(p.distributions[:, i], axis=1))
        self.metrics["nav"].add(p.nav)
        self.metrics["cash"].add(p.cash)
        self.metrics["investments"].add(p.investments)
        paid = p.distributions.sum(axis=1)
        any_paid = (paid > 0).any(axis=1)
        first = np.where(any_paid, np.argmax(paid > 0, axis=1), plan.steps)
        self.first_year += np.bincount(first, minlength=plan.steps + 1)
        rows = np.arange(paid.shape[0])
        if any_paid.any():
            self.first_size["total"].add(
                paid[rows, first.clip(max=plan.steps - 1)][:, None], any_paid[:, None]
            )
            for i, code in enumerate(plan.partners):
                size = p.distributions[rows, i, first.clip(max=plan.steps - 1)]
                self.first_size[code].add(size[:, None], any_paid[:, None])
        for a, year in enumerate(plan.nav_years):
            t = year - int(plan.years[0])
            if 0 <= t < plan.steps:
                for b, threshold in enumerate(plan.nav_thresholds):
                    self.above[a, b] += int((p.nav[:, t] >= threshold).sum())

    def merge(self, other: Summary) -> Summary:
        self.paths += other.paths
        for k, h in other.metrics.items():
            self.metrics[k].merge(h)
        for k, h in other.first_size.items():
            self.first_size[k].merge(h)
        self.first_year += other.first_year
        self.above += other.above
        return self


def metric_names(plan: Plan) -> list[str]:
    return (
        [f"contributions:{p}" for p in plan.partners]
        + ["nav", "cash", "investments"]
        + [f"distributions_cumulative:{p}" for p in plan.partners]
    )


# -- rows for people and programs --


def percentile_rows(plan: Plan, s: Summary) -> list[dict]:
    """One row per year and metric: P5 .. P95 and the mean, in USD rounded to cents."""
    rows = []
    for t, year in enumerate(plan.years):
        for name, h in s.metrics.items():
            row: dict[str, object] = {"year": int(year), "metric": name}
            for q in PERCENTILES:
                row[f"p{q}"] = _cents(h.percentile(q, t))
            row["mean"] = _cents(h.mean(t))
            rows.append(row)
    return rows


def threshold_rows(plan: Plan, s: Summary) -> list[dict]:
    rows = []
    for a, year in enumerate(plan.nav_years):
        inside = 0 <= year - int(plan.years[0]) < plan.steps
        for b, threshold in enumerate(plan.nav_thresholds):
            rows.append(
                {
                    "year": year,
                    "nav_at_least_base": threshold,
                    "probability": round(float(s.above[a, b]) / s.paths, 4) if inside and s.paths else None,
                }
            )
    return rows


def first_distribution_rows(plan: Plan, s: Summary) -> list[dict]:
    """When the first distribution is paid (share of paths by year), and how large it is."""
    rows: list[dict[str, int | float | None]] = []  # the last row: no distribution within the horizon
    for t, count in enumerate(s.first_year[:-1]):
        if count:
            rows.append({"year": int(plan.years[t]), "share_of_paths": round(int(count) / s.paths, 4)})
    rows.append(
        {"year": None, "share_of_paths": round(int(s.first_year[-1]) / s.paths, 4) if s.paths else None}
    )
    return rows


def first_size_rows(s: Summary) -> list[dict]:
    rows = []
    for who, h in s.first_size.items():
        row: dict[str, object] = {"who": who}
        for q in PERCENTILES:
            row[f"p{q}"] = _cents(h.percentile(q))
        rows.append(row)
    return rows


def earliest_distribution_year(plan: Plan, s: Summary) -> int | None:
    paid = np.nonzero(s.first_year[:-1])[0]
    return int(plan.years[paid[0]]) if paid.size else None


def _cents(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
