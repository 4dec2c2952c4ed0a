"""Scenarios side by side: the figures a reader compares first, one row each, one column per scenario.

Runs compared here share the seed and the number of paths, so a difference between two columns
comes from the scenarios, with common random numbers damping the noise (the common shocks have a
stream of their own, engine.generator(..., stream=1)).
"""

from __future__ import annotations


def comparison(docs: list[dict]) -> list[dict]:
    """Rows {measure, <scenario name>: value, ...} over run documents (run.document)."""
    names = _unique([d["scenario"] for d in docs])
    first = docs[0]
    years = sorted({r["year"] for r in first["nav_thresholds"]}) or [first["years"][-1]]
    lock_year = int(first["lock_ends"][:4])
    rows: list[dict] = []

    def row(measure: str, values: list[object]) -> None:
        rows.append({"measure": measure, **dict(zip(names, values, strict=True))})

    for y in years:
        for q in ("p5", "p50", "p95"):
            row(f"NAV {y} {q.upper()}", [_at(d, "nav", y, q) for d in docs])
    partners = [
        m.split(":", 1)[1]
        for m in dict.fromkeys(r["metric"] for r in first["percentiles"])
        if m.startswith("contributions:")
    ]
    for p in partners:
        row(
            f"{p} capital contributed to {lock_year} (mean)",
            [
                sum(
                    r["mean"]
                    for r in d["percentiles"]
                    if r["metric"] == f"contributions:{p}" and r["year"] <= lock_year
                )
                for d in docs
            ],
        )
    row(
        f"P(a distribution by {lock_year + 1})",
        [
            sum(
                r["share_of_paths"]
                for r in d["first_distribution"]["by_year"]
                if r["year"] is not None and r["year"] <= lock_year + 1
            )
            for d in docs
        ],
    )
    return rows


def _at(doc: dict, metric: str, year: int, q: str) -> float | None:
    return next((r[q] for r in doc["percentiles"] if r["metric"] == metric and r["year"] == year), None)


def _unique(names: list[str]) -> list[str]:
    """Column names: the scenario names, numbered when two are the same."""
    out: list[str] = []
    for n in names:
        out.append(n if n not in out else f"{n} ({len(out) + 1})")
    return out
