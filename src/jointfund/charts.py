"""The one chart module: every chart of the web pages, the fund report and the forecast page.

Charts are inline SVG drawn on the server: no script, no font or file from anywhere, no style attribute
(the web's CSP forbids it), so they work offline and in the self-contained report. This module computes
the geometry (scales, ticks, bars, points) from labelled numbers; the markup is Jinja macros in
templates/charts.svg. Every chart has its title in words (drawn, and as the SVG's <title>), axes with
their unit, five ticks or more, dates or years along a time axis and text of 11 px or more, and writes
its numbers and dates in the page's language (Babel).

Colours of bars and text come from CSS classes (chart-*), so the page's theme decides them; lines and
bands carry their colours as attributes, since a series' colour is part of what it says.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from markupsafe import Markup

from jointfund import i18n
from jointfund.i18n import DEFAULT

TICKS = 5  # on every axis: the ends alone left a reader guessing every value and date between
TEXT_PX, SMALL_PX, TITLE_PX = 12, 11, 14  # no text below 11 px
PALETTE = ("#1f5fa8", "#c77c02", "#2a9d8f", "#e76f51", "#6d597a", "#5a8f3e", "#264653", "#b56576")
MAX_BARS = 40  # a chart is for seeing a shape; longer lists go in the table beside it
# A page's column on a 360 px phone (16 px of padding each side). Bars and fans are drawn no wider, so a
# phone shows them 1:1 and their text stays 11 px; wider columns only enlarge them. (At 560 px a fan in a
# third of a laptop's page, or on a phone, showed its ticks at 6 to 7 px.)
PHONE_COLUMN = 328
BAR_WIDTH, BAR_PX, LABEL_ROW, BAR_ROW = 320, 200, 16, 18  # 200 px of bar leaves room for "10 829 447,06 USD"
LINE_WIDTH, LINE_HEIGHT, LINE_PAD = 640, 320, 84
FAN_WIDTH, FAN_HEIGHT, FAN_LEFT, FAN_RIGHT, FAN_TOP, FAN_BOTTOM = 320, 240, 56, 14, 16, 52
TORNADO_BARS = 480  # a tornado's bars, right of its labels
FAN_YEARS = 6  # year labels along a fan's time axis: at 320 px more would run into each other
BAND_OUTER, BAND_INNER, MEDIAN = "#c6dbef", "#6baed6", "#08519c"
MINUS, PLUS = "#de8f6e", "#6baed6"


def compact(value: Decimal | float, lang: str) -> str:
    """A tick's short form in `lang` (75 млн, 75M): read at a glance; labels carry the exact figure.

    Remembered: a chart's ticks are round numbers, the same on every drawing until the figures grow past
    them, and babel's compact format cost a tenth of the public page's rendering after each write (issue 13).
    Keyed on the value's text, not the value: 1 and 1.0 are equal, and a Decimal keeps its exponent."""
    return _compact(isinstance(value, Decimal), repr(value) if isinstance(value, float) else str(value), lang)


@functools.lru_cache(maxsize=4096)
def _compact(decimal: bool, text: str, lang: str) -> str:
    from babel.numbers import format_compact_decimal

    return format_compact_decimal(Decimal(text) if decimal else float(text), locale=lang, fraction_digits=1)


class Tick(NamedTuple):
    at: float  # where along its axis, in the drawing's pixels
    text: str


class Bar(NamedTuple):
    label: str
    y: float
    width: float
    value: str
    lines: tuple[str, ...] = ()  # the label broken between words to fit the drawing (never cut at its edge)


class Series(NamedTuple):
    name: str
    colour: str
    points: str  # "x,y x,y ..."
    legend_x: float = 0.0  # where its legend entry starts


@functools.cache
def _macros():  # noqa: ANN202 - the template's module of macros
    from jointfund import templating  # Jinja loads only where a page draws (a fast CLI)

    return templating.environment().get_template("charts.svg").module


def _macro(name: str) -> Callable[..., Markup]:
    return getattr(_macros(), name)


def wrap(text: str, width: float, px: int = TITLE_PX) -> list[str]:
    """`text` broken between words into lines that fit `width` pixels at `px` (bold text, about 0.64 em a
    letter),
    so a long title is never cut at the drawing's edge."""
    per_line = max(8, int(width / (px * 0.64)))  # a bold Cyrillic letter is wider than a Latin one
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _scale(lo: float, hi: float, out_lo: float, out_hi: float) -> Callable[[float], float]:
    span = (hi - lo) or 1.0
    return lambda v: out_lo + (v - lo) / span * (out_hi - out_lo)


def nice(value: float) -> float:
    """A round axis top at or above `value`, whose quarters (the ticks) are round too: 1, 1.2, 1.6, 2, 3, 4, 6
    or 8 times a power of ten."""
    power = 10 ** math.floor(math.log10(value)) if value > 0 else 1.0
    return next(m * power for m in (1, 1.2, 1.6, 2, 3, 4, 6, 8, 10) if m * power >= value * (1 - 1e-12))


def bars(
    title: str,
    rows: Sequence[tuple[str, Decimal | float | int]],
    unit: str,
    lang: str = DEFAULT,
    places: int | None = 2,
    *,
    kind: str = "",
    ordered: bool = False,
    empty: str = "—",
    said: Callable[[Decimal | float | int], str] | None = None,
) -> Markup:
    """A horizontal bar chart of (label, value) rows, titled in words, each label above its bar (never cut
    short), its value axis ticked and labelled with `unit`, its numbers written out in `lang` (`places`
    decimals; None: as many as each value has). Largest first, zeros left out; `ordered` keeps the rows'
    order and their zeros (a funnel's stages). `empty` is said when there is nothing to draw; `said(value)`
    writes a bar's value in words where the unit's grammar depends on it ("5 заявок")."""
    if ordered:
        shown = [(label, value) for label, value in rows if value >= 0][:MAX_BARS]
    else:
        shown = sorted(((lb, v) for lb, v in rows if v > 0), key=lambda r: (-r[1], r[0]))[:MAX_BARS]
    top = Decimal(str(nice(float(max((v for _, v in shown), default=0) or 1))))  # round ticks
    title_lines = wrap(title, BAR_WIDTH)
    first = 12 + 18 * len(title_lines)  # below the title
    # A long label ("Природний газ, зокрема зріджений природний газ") takes two lines rather than running
    # past the drawing's edge, where the SVG would cut it.
    labels = [tuple(wrap(label, BAR_WIDTH, TEXT_PX)) for label, _ in shown]
    tops = [first + sum(len(lb) * LABEL_ROW + BAR_ROW for lb in labels[:i]) for i in range(len(shown) + 1)]
    axis_y = (tops[-1] if shown else first + LABEL_ROW + BAR_ROW) + 4
    ticks = [Tick(BAR_PX * i / (TICKS - 1), compact(top * i / (TICKS - 1), lang)) for i in range(TICKS)]
    drawn = [
        Bar(
            label,
            tops[i],
            max(1, int(BAR_PX * Decimal(str(value)) / top)) if value else 0,  # top is a Decimal
            said(value) if said else f"{i18n.number(value, lang, places)} {unit}",
            labels[i],
        )
        for i, (label, value) in enumerate(shown)
    ]
    return _macro("bars")(
        title=title,
        title_lines=title_lines,
        kind=kind,
        width=BAR_WIDTH,
        height=axis_y + 44,
        first=first,
        axis_y=axis_y,
        bar_px=BAR_PX,
        label_row=LABEL_ROW,
        bar_row=BAR_ROW,
        ticks=ticks,
        bars=drawn,
        unit=unit,
        empty=None if shown else empty,
    )


def lines(
    title: str,
    series: Mapping[str, Sequence[tuple[dt.date, float]]],
    unit: str,
    lang: str = DEFAULT,
    *,
    kind: str = "",
    empty: str = "—",
) -> Markup:
    """One line per named series over dates: a zero-based value axis labelled with `unit`, five value ticks,
    five dates along the time axis in `lang`'s form, and a legend of the series' names."""
    points = [p for s in series.values() for p in s]
    width, height, pad = LINE_WIDTH, LINE_HEIGHT, LINE_PAD
    if not points:
        return _macro("lines")(title=title, kind=kind, width=width, height=height, pad=pad, empty=empty)
    d0, d1 = min(d for d, _ in points), max(d for d, _ in points)
    top = nice(max(max(v for _, v in points), 0.0) or 1.0)  # round ticks: 0, 25 млн, 50 млн...
    low = -nice(-min(min(v for _, v in points), 0.0)) if min(v for _, v in points) < 0 else 0.0
    days = max((d1 - d0).days, 1)
    plot_top, plot_bottom = 40, height - 78
    x = _scale(0, days, pad, width - 24)
    y = _scale(low, top, plot_bottom, plot_top)
    value_ticks = [
        Tick(y(low + (top - low) * i / (TICKS - 1)), compact(low + (top - low) * i / (TICKS - 1), lang))
        for i in range(TICKS)
    ]
    offsets = [round(days * i / (TICKS - 1)) for i in range(TICKS)]
    date_ticks = [Tick(x(o), i18n.date(d0 + dt.timedelta(days=o), lang)) for o in offsets]
    drawn, at = [], float(pad)
    for i, (name, s) in enumerate(series.items()):
        line = _points([(x((d - d0).days), y(v)) for d, v in sorted(s)])
        drawn.append(Series(name, PALETTE[i % len(PALETTE)], line, at))
        at += 34 + len(name) * TEXT_PX * 0.56  # the next entry starts after this one's name

    return _macro("lines")(
        title=title,
        kind=kind,
        width=width,
        height=height,
        pad=pad,
        right=width - 24,
        zero=y(0.0),
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        value_ticks=value_ticks,
        date_ticks=date_ticks,
        series=drawn,
        unit=unit,
        empty=None,
    )


def fan(doc: dict, metric: str, title: str, unit: str, year: str, lang: str = DEFAULT) -> Markup:
    """The fan chart of one metric of a forecast document: P5–P95 and P25–P75 bands and the P50 line, in
    millions of `unit` (the value axis's label), years along the time axis (labelled `year`)."""
    rows = [r for r in doc["percentiles"] if r["metric"] == metric]
    years = [r["year"] for r in rows]
    q = {k: [(r[k] or 0.0) / 1e6 for r in rows] for k in ("p5", "p25", "p50", "p75", "p95")}
    top = nice(max(q["p95"] + [1e-9]))
    x = _scale(years[0], max(years[-1], years[0] + 1), FAN_LEFT, FAN_WIDTH - FAN_RIGHT)
    y = _scale(0.0, top, FAN_HEIGHT - FAN_BOTTOM, FAN_TOP)

    def band(lo: str, hi: str) -> str:
        edge = [(x(t), y(v)) for t, v in zip(years, q[hi], strict=True)]
        return _points(edge + [(x(t), y(v)) for t, v in reversed(list(zip(years, q[lo], strict=True)))])

    step = max(1, math.ceil(len(years) / FAN_YEARS))
    return _macro("fan")(
        title=title,
        width=FAN_WIDTH,
        height=FAN_HEIGHT,
        left=FAN_LEFT,
        right=FAN_WIDTH - FAN_RIGHT,
        top=FAN_TOP,
        zero=y(0.0),
        value_ticks=[
            Tick(y(v), i18n.number(v, lang, 0)) for v in (top * i / (TICKS - 1) for i in range(TICKS))
        ],
        year_ticks=[Tick(x(t), str(t)) for t in years[::step]],
        outer=band("p5", "p95"),
        inner=band("p25", "p75"),
        median=_points([(x(t), y(v)) for t, v in zip(years, q["p50"], strict=True)]),
        colours={"outer": BAND_OUTER, "inner": BAND_INNER, "median": MEDIAN},
        unit=unit,
        year=year,
    )


class TornadoBar(NamedTuple):
    name: str
    y: float
    minus: tuple[float, float, str]  # x, width, the value in words
    plus: tuple[float, float, str]


def tornado(
    title: str,
    base: float,
    rows: Sequence[tuple[str, float, float]],
    words: Mapping[str, str],
    lang: str = DEFAULT,
) -> Markup:
    """The sensitivity of one figure to each input: (name, value at -1σ, value at +1σ) rows around `base`,
    all in millions. `words` holds the page's texts: base (with %(value)s), minus, plus, legend and unit."""
    values = [base] + [v for _, lo, hi in rows for v in (lo, hi)]
    lo, hi = min(values), max(values)
    span = max(hi - lo, 1e-9)
    # The labels' column grows with the longest name (about 7 px a character at 11 px); the bars keep
    # their room.
    left = max(200, min(420, 7 * max(len(n) for n, _, _ in rows) + 16))
    width = left + TORNADO_BARS + 20  # wider than a phone: a page puts it in a scrolling box (.chart-wide)
    right, row, top = width - 20, 22, 28
    axis_y = top + row * len(rows)
    height = axis_y + 64
    x = _scale(lo - 0.05 * span, hi + 0.05 * span, left, right)

    def part(v: float) -> tuple[float, float, str]:
        x0, x1 = sorted((x(base), x(v)))
        return (x0, max(x1 - x0, 0.5), i18n.number(v, lang, 1))

    at = [lo - 0.05 * span + 1.1 * span * i / (TICKS - 1) for i in range(TICKS)]
    ticks = [Tick(x(v), i18n.number(v, lang, 1)) for v in at]
    return _macro("tornado")(
        title=title,
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        row=row,
        axis_y=axis_y,
        base_x=x(base),
        base_text=words["base"] % {"value": i18n.number(base, lang, 1)},
        bars=[TornadoBar(n, top + i * row, part(m), part(p)) for i, (n, m, p) in enumerate(rows)],
        ticks=ticks,
        words=words,
        colours={"minus": MINUS, "plus": PLUS},
    )


def figure(caption: str, chart: Markup) -> Markup:
    """`chart` with its caption, as a page shows it."""
    return _macro("figure")(caption=caption, chart=chart)


def note(text: str) -> Markup:
    """What a page says in place of a chart it cannot draw."""
    return _macro("note")(text=text)
