"""Charts as inline SVG, drawn on the server: they need no script, no network and no style attribute (the CSP forbids both).

Colours come from CSS classes in static/app.css, so the page's theme decides them. Sizes are SVG attributes:
the chart's viewBox is about a phone's width, so it is drawn near 1:1 on a phone and its text never shrinks below
11 px (a 680-wide drawing scaled into a 340 px column had made 12 px text 6 px).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

from jointfund.i18n import DEFAULT, number

MAX_BARS = 40  # a chart is for seeing a shape; longer lists go in the table beside it
WIDTH = 360
BAR_PX = 230  # the longest bar; the rest of the width holds its value
LABEL_ROW, BAR_ROW = 16, 18
TICKS = 5  # 0, ¼, ½, ¾ and the top: enough to read a bar's size against the axis
TEXT_PX, TITLE_PX = 12, 14


def compact(value: Decimal, lang: str) -> str:
    """A tick's short form in `lang` (75 млн, 75M): ticks are read at a glance; the bars carry the exact figure."""
    from babel.numbers import format_compact_decimal

    return format_compact_decimal(value, locale=lang, fraction_digits=1)


def bars(
    title: str, rows: Sequence[tuple[str, Decimal]], unit: str, lang: str = DEFAULT, places: int | None = 2
) -> Markup:
    """A horizontal bar chart of (label, value) rows, largest first, titled in words, each label above its bar
    (never cut short), its value axis ticked and labelled with `unit`, its numbers written out in `lang`
    (`places` decimals; None: as many as each value has)."""
    shown = sorted(((label, value) for label, value in rows if value > 0), key=lambda r: (-r[1], r[0]))[
        :MAX_BARS
    ]
    top = max((v for _, v in shown), default=Decimal(1))
    first = 30  # below the title
    axis_y = first + len(shown) * (LABEL_ROW + BAR_ROW) + 4
    height = axis_y + 44
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text class="chart-title" x="0" y="18" font-size="{TITLE_PX}" font-weight="600">{escape(title)}</text>',
    ]
    if not shown:
        parts.append(
            f'<text class="chart-empty" x="0" y="{first + 16}" font-size="{TEXT_PX}">{escape("—")}</text>'
        )
    for i in range(TICKS):
        x = BAR_PX * i / (TICKS - 1)
        parts.append(
            f'<line class="chart-grid" x1="{x:.1f}" y1="{first}" x2="{x:.1f}" y2="{axis_y}"/>'
            f'<text class="chart-tick" x="{x:.1f}" y="{axis_y + 14}" font-size="{TEXT_PX - 1}" '
            f'text-anchor="{"start" if i == 0 else "middle"}">{escape(compact(top * i / (TICKS - 1), lang))}</text>'
        )
    for i, (label, value) in enumerate(shown):
        y = first + i * (LABEL_ROW + BAR_ROW)
        w = max(1, int(BAR_PX * value / top))
        parts.append(
            f'<text class="chart-label" x="0" y="{y + 12}" font-size="{TEXT_PX}">{escape(label)}</text>'
            f'<rect class="chart-bar" x="0" y="{y + LABEL_ROW}" width="{w}" height="{BAR_ROW - 4}" rx="2"/>'
            f'<text class="chart-value" x="{w + 4}" y="{y + LABEL_ROW + 11}" font-size="{TEXT_PX - 1}">'
            f"{number(value, lang, places)} {escape(unit)}</text>"
        )
    parts.append(
        f'<line class="chart-axis" x1="0" y1="{axis_y}" x2="{BAR_PX}" y2="{axis_y}"/>'
        f'<text class="chart-axis-label" x="{BAR_PX / 2:.0f}" y="{axis_y + 32}" font-size="{TEXT_PX}" '
        f'text-anchor="middle">{escape(unit)}</text></svg>'
    )
    return Markup("".join(parts))
