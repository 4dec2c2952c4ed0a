"""Charts as inline SVG, drawn on the server: they need no script, no network and no style attribute (the CSP forbids both).

Colours come from CSS classes in static/app.css, so the page's theme decides them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

from jointfund.i18n import DEFAULT, number

MAX_BARS = 40  # a chart is for seeing a shape; longer lists go in the table beside it
ROW_PX = 26
LABEL_PX = 170
BAR_PX = 360


def bars(title: str, rows: Sequence[tuple[str, Decimal]], unit: str, lang: str = DEFAULT,
         places: int | None = 2) -> Markup:
    """A horizontal bar chart of (label, value) rows, largest first, with its numbers written out in `lang`
    (`places` decimals; None: as many as each value has)."""
    shown = sorted(((label, value) for label, value in rows if value > 0), key=lambda r: (-r[1], r[0]))[:MAX_BARS]
    height = max(1, len(shown)) * ROW_PX + 8
    width = LABEL_PX + BAR_PX + 150
    top = max((v for _, v in shown), default=Decimal(1))
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    if not shown:
        parts.append(f'<text class="chart-empty" x="8" y="20">{escape("—")}</text>')
    for i, (label, value) in enumerate(shown):
        y = 4 + i * ROW_PX
        w = max(1, int(BAR_PX * value / top))
        parts.append(f'<text class="chart-label" x="{LABEL_PX - 8}" y="{y + 17}" text-anchor="end">{escape(label[:28])}</text>'
                     f'<rect class="chart-bar" x="{LABEL_PX}" y="{y + 3}" width="{w}" height="{ROW_PX - 8}" rx="2"/>'
                     f'<text class="chart-value" x="{LABEL_PX + w + 6}" y="{y + 17}">{number(value, lang, places)} {escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
