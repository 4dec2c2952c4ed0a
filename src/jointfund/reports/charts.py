"""Charts as inline SVG text: no script, no font or file from anywhere, so a report works offline.

Pure: each function takes labelled numbers and returns one <svg> element. Values are floats
here because they are only drawn; the figures themselves are printed from Decimals elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#1f5fa8", "#f2b705", "#2a9d8f", "#e76f51", "#6d597a", "#8ab17d", "#264653", "#b56576")
WIDTH, HEIGHT, PAD = 640, 300, 56


def _num(x: float) -> str:
    """A short label: 1.2M, 350k, 12."""
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.1f}{suffix}"
    return f"{x:.0f}" if x == int(x) else f"{x:.2f}"


def _frame(title: str, body: str, height: int = HEIGHT, kind: str = "") -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{escape(kind)}" role="img" '
        f'aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">'
        f'<title>{escape(title)}</title><text x="{PAD}" y="20" class="chart-title">{escape(title)}</text>{body}</svg>'
    )


def empty(title: str, why: str, kind: str = "") -> str:
    return _frame(
        title, f'<text x="{PAD}" y="{HEIGHT // 2}" class="chart-empty">{escape(why)}</text>', kind=kind
    )


TICKS = 5  # on each axis: two ticks (the ends) left a reader guessing every value and date between


def lines(
    title: str, series: Mapping[str, Sequence[tuple[dt.date, float]]], kind: str = "", unit: str = ""
) -> str:
    """One line per series over dates, with a zero-based value axis labelled with `unit`, five value ticks,
    five dates along the time axis and a legend."""
    points = [p for s in series.values() for p in s]
    if not points:
        return empty(title, "nothing recorded yet", kind)
    d0, d1 = min(d for d, _ in points), max(d for d, _ in points)
    top = max(max(v for _, v in points), 0.0) or 1.0
    low = min(min(v for _, v in points), 0.0)
    span_days = max((d1 - d0).days, 1)
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD - 20

    def xy(d: dt.date, v: float) -> tuple[float, float]:
        return (
            PAD + inner_w * (d - d0).days / span_days,
            PAD + 10 + inner_h * (top - v) / ((top - low) or 1.0),
        )

    body = [
        f'<line x1="{PAD}" y1="{xy(d0, 0)[1]:.1f}" x2="{WIDTH - PAD}" y2="{xy(d0, 0)[1]:.1f}" class="axis"/>'
    ]
    for i in range(TICKS):
        value = low + (top - low) * i / (TICKS - 1)
        y = xy(d0, value)[1]
        body.append(
            f'<line x1="{PAD}" y1="{y:.1f}" x2="{WIDTH - PAD}" y2="{y:.1f}" class="grid" stroke="#e3e7ee"/>'
            f'<text x="{PAD - 4}" y="{y + 4:.1f}" class="tick" font-size="11" text-anchor="end">{_num(value)}</text>'
        )
        day = d0 + dt.timedelta(days=round(span_days * i / (TICKS - 1)))
        x = xy(day, 0)[0]
        body.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 38}" class="tick" font-size="11" text-anchor="middle">{day.isoformat()}</text>'
        )
    if unit:
        body.append(
            f'<text x="12" y="{PAD + 10 + inner_h / 2:.0f}" class="tick" font-size="11" text-anchor="middle" '
            f'transform="rotate(-90 12 {PAD + 10 + inner_h / 2:.0f})">{escape(unit)}</text>'
        )
    for i, (name, s) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(d, v) for d, v in sorted(s)))
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" class="series"/>'
        )
        body.append(
            f'<rect x="{PAD + 120 * i}" y="{HEIGHT - 30}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{PAD + 14 + 120 * i}" y="{HEIGHT - 21}" class="legend" font-size="11">{escape(name)}</text>'
        )
    return _frame(title, "".join(body), kind=kind)


def bars(title: str, items: Sequence[tuple[str, float]], kind: str = "", unit: str = "") -> str:
    """Horizontal bars, one per label, longest at full width; values printed at the bar's end."""
    if not items or not any(v for _, v in items):
        return empty(title, "nothing recorded yet", kind)
    top = max(abs(v) for _, v in items) or 1.0
    row, label_w = 22, 170
    height = PAD + row * len(items) + 10
    body = []
    for i, (label, v) in enumerate(items):
        y = PAD + i * row
        w = (WIDTH - label_w - 90) * abs(v) / top
        body.append(
            f'<text x="4" y="{y + 14}" class="label">{escape(label[:26])}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[i % len(PALETTE)]}" '
            f'class="bar"/><text x="{label_w + w + 6:.1f}" y="{y + 14}" class="value">{_num(v)}{escape(unit)}</text>'
        )
    return _frame(title, "".join(body), height, kind)
