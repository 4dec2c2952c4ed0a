"""Fan charts and the tornado as one self-contained HTML page: inline SVG, no script, no network.

Input is the run's JSON document (run.document), so the web application can draw the same
numbers later from the same shape.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

from jointfund.forecast.labels import label, start
from jointfund.i18n import DEFAULT, N_, number, percent

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 560, 260, 70, 16, 28, 34
BAND_OUTER, BAND_INNER, LINE = "#c6dbef", "#6baed6", "#08519c"
# Words of the page, translated by the gettext a caller passes (English when none).
BASE = N_("base %(value)s")
LEGEND = N_("orange: input at -1σ; blue: at +1σ (USD m)")
THRESHOLDS = N_("Probability that NAV is at least a threshold")
HEAD = (N_("Year"), N_("USD millions"), N_("Probability"))
TITLE = N_("Forecast")


Named = Callable[[str, "str | None"], str]


def page(
    doc: dict, gettext: Callable[[str], str] = str, lang: str = DEFAULT, named: Named | None = None
) -> str:
    """The whole page in `lang` (`gettext` its catalogue, `named` the terms' names of codes)."""
    tr = gettext
    metrics = list(dict.fromkeys(row["metric"] for row in doc["percentiles"]))
    fans = [fan(doc, m, _label(m, tr, named), lang) for m in metrics]
    lead = tr(
        N_(
            "%(paths)s paths, seed %(seed)s, from %(start)s; start state: %(source)s. No distribution before "
            "%(lock)s (the terms' lock). Bands: P5–P95 and P25–P75; line: P50. USD millions."
        )
    )
    parts = [
        f"<!doctype html><html lang='{_e(lang)}'><head><meta charset='utf-8'>",
        f"<title>{_e(doc['scenario'])}: {_e(tr(TITLE))}</title>",
        "<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}"
        "figure{display:inline-block;margin:8px}figcaption{font-weight:600}"
        "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right}"
        "svg text{font:11px system-ui,sans-serif;fill:#444}</style></head><body>",
        f"<h1>{_e(doc['scenario'])}</h1>",
        "<p>"
        + _e(
            lead
            % {
                "paths": number(doc["paths"], lang, 0),
                "seed": doc["seed"],
                "start": doc["start"],
                "lock": doc["lock_ends"],
                "source": start(doc["start_state"]["source"], tr),
            }
        )
        + "</p>",
        *fans,
        tornado(doc, tr, lang, named),
        assumptions_panel(doc, lang),
        thresholds(doc, tr, lang),
        "</body></html>",
    ]
    return "\n".join(parts)


def _label(name: str, tr: Callable[[str], str], named: Named | None) -> str:
    return label(name, tr, named) if named is not None else label(name, tr)


def assumptions_panel(doc: dict, lang: str) -> str:
    """The panel of what the run assumes, from the same template the web pages include."""
    import jinja2

    from jointfund import i18n

    tr = i18n.translations(lang)
    env = jinja2.Environment(loader=jinja2.PackageLoader("jointfund.web", "templates"), autoescape=True)
    # The pages' number filters, bound to this page's language.
    env.filters["number"] = lambda value, places=None: i18n.number(value, lang, places)
    env.filters["percent"] = lambda value, places=2: i18n.percent(value, lang, places)
    return env.get_template("_assumptions.html").render(
        _=tr.gettext,
        ngettext=tr.ngettext,
        lang=lang,
        a=doc.get("assumptions") or {},
        scenario=doc["scenario"],
        paths=doc["paths"],
        seed=doc["seed"],
        id="chart",
    )


def fan(doc: dict, metric: str, title: str | None = None, lang: str = DEFAULT) -> str:
    return (
        f"<figure><figcaption>{_e(title or metric)}</figcaption>{fan_svg(doc, metric, title, lang)}</figure>"
    )


def fan_svg(doc: dict, metric: str, label: str | None = None, lang: str = DEFAULT) -> str:
    """The fan chart of one metric as an inline SVG (P5-P95 and P25-P75 bands, P50 line), USD millions."""
    rows = [r for r in doc["percentiles"] if r["metric"] == metric]
    years = [r["year"] for r in rows]
    series = {q: [(r[q] or 0.0) / 1e6 for r in rows] for q in ("p5", "p25", "p50", "p75", "p95")}
    top = _nice(max(series["p95"] + [1e-9]))
    x = _scale(years[0], max(years[-1], years[0] + 1), PAD_LEFT, WIDTH - PAD_RIGHT)
    y = _scale(0.0, top, HEIGHT - PAD_BOTTOM, PAD_TOP)

    def band(lo: str, hi: str, colour: str) -> str:
        points = [(x(t), y(v)) for t, v in zip(years, series[hi], strict=True)]
        points += [(x(t), y(v)) for t, v in reversed(list(zip(years, series[lo], strict=True)))]
        return f"<polygon fill='{colour}' points='{_pts(points)}'/>"

    median = _pts([(x(t), y(v)) for t, v in zip(years, series["p50"], strict=True)])
    svg = [
        f"<svg viewBox='0 0 {WIDTH} {HEIGHT}' width='{WIDTH}' height='{HEIGHT}' "
        f"role='img' aria-label='{_e(label or metric + ' fan chart')}'>",
        *_axes(x, y, years, top, lang),
        band("p5", "p95", BAND_OUTER),
        band("p25", "p75", BAND_INNER),
        f"<polyline fill='none' stroke='{LINE}' stroke-width='2' points='{median}'/>",
        "</svg>",
    ]
    return "".join(svg)


def tornado(
    doc: dict, gettext: Callable[[str], str] = str, lang: str = DEFAULT, named: Named | None = None
) -> str:
    """The sensitivity of the median NAV to each input, in `lang` (as `page`)."""
    tr = gettext
    t = doc["tornado"]
    if t["year"] is None or t["base"] is None or not t["bars"]:
        return "<p>" + _e(tr(N_("No tornado: the tornado year is outside the horizon."))) + "</p>"
    base = t["base"] / 1e6
    bars = t["bars"]
    values = [base] + [b[k] / 1e6 for b in bars for k in ("minus_1_sigma", "plus_1_sigma")]
    lo, hi = min(values), max(values)
    span = max(hi - lo, 1e-9)
    names = [_label(b["input"], tr, named) for b in bars]
    # The labels' column grows with the longest name (about 7 px a character at 11 px), the bars keep their room.
    left = max(200, min(420, 7 * max(len(n) for n in names) + 16))
    full = WIDTH + 140 + left - 200
    right, row = full - 20, 22
    height = PAD_TOP + row * len(bars) + PAD_BOTTOM
    x = _scale(lo - 0.05 * span, hi + 0.05 * span, left, right)
    caption = tr(N_("Tornado: P50 NAV in %(year)s")) % {"year": t["year"]}
    svg = [
        f"<svg viewBox='0 0 {full} {height}' width='{full}' height='{height}' role='img' "
        f"aria-label='{_e(caption)}'>",
        f"<line x1='{x(base):.1f}' x2='{x(base):.1f}' y1='{PAD_TOP - 8}' y2='{height - PAD_BOTTOM}' stroke='#222'/>",
        f"<text x='{x(base):.1f}' y='{PAD_TOP - 12}' text-anchor='middle'>"
        f"{_e(tr(BASE) % {'value': number(base, lang, 1)})}</text>",
    ]
    sigma = {"minus_1_sigma": tr(N_("at -1σ")), "plus_1_sigma": tr(N_("at +1σ"))}
    for i, b in enumerate(bars):
        top = PAD_TOP + i * row
        name = names[i]
        for key, colour in (("minus_1_sigma", "#de8f6e"), ("plus_1_sigma", "#6baed6")):
            v = b[key] / 1e6
            x0, x1 = sorted((x(base), x(v)))
            svg.append(
                f"<rect x='{x0:.1f}' y='{top + 3}' width='{max(x1 - x0, 0.5):.1f}' height='{row - 6}' fill='{colour}'>"
                f"<title>{_e(name)} {_e(sigma[key])}: {number(v, lang, 1)}</title></rect>"
            )
        svg.append(f"<text x='{left - 6}' y='{top + row / 2 + 4}' text-anchor='end'>{_e(name)}</text>")
    svg.append(f"<text x='8' y='{height - 10}'>{_e(tr(LEGEND))}</text></svg>")
    return f"<figure><figcaption>{_e(caption)}</figcaption>{''.join(svg)}</figure>"


def thresholds(doc: dict, gettext: Callable[[str], str] = str, lang: str = DEFAULT) -> str:
    tr = gettext
    rows = doc["nav_thresholds"]
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{r['year']}</td><td>{number(r['nav_at_least_usd'] / 1e6, lang, 0)}</td>"
        f"<td>{'' if r['probability'] is None else percent(r['probability'], lang, 1)}</td></tr>"
        for r in rows
    )
    head = "".join(f"<th>{_e(tr(h))}</th>" for h in HEAD)
    return f"<h2>{_e(tr(THRESHOLDS))}</h2><table><tr>{head}</tr>{body}</table>"


def _axes(x, y, years: list[int], top: float, lang: str = DEFAULT) -> list[str]:  # noqa: ANN001 - the two scales
    out = [
        f"<line x1='{PAD_LEFT}' x2='{WIDTH - PAD_RIGHT}' y1='{y(0):.1f}' y2='{y(0):.1f}' stroke='#888'/>",
        f"<line x1='{PAD_LEFT}' x2='{PAD_LEFT}' y1='{PAD_TOP}' y2='{y(0):.1f}' stroke='#888'/>",
    ]
    for i in range(5):
        v = top * i / 4
        out.append(
            f"<text x='{PAD_LEFT - 6}' y='{y(v) + 4:.1f}' text-anchor='end'>{number(v, lang, 0)}</text>"
        )
        out.append(
            f"<line x1='{PAD_LEFT}' x2='{WIDTH - PAD_RIGHT}' y1='{y(v):.1f}' y2='{y(v):.1f}' stroke='#eee'/>"
        )
    step = max(1, math.ceil(len(years) / 8))
    for t in years[::step]:
        out.append(f"<text x='{x(t):.1f}' y='{HEIGHT - PAD_BOTTOM + 16}' text-anchor='middle'>{t}</text>")
    return out


def _scale(lo: float, hi: float, out_lo: float, out_hi: float):  # noqa: ANN202
    span = (hi - lo) or 1.0
    return lambda v: out_lo + (v - lo) / span * (out_hi - out_lo)


def _nice(value: float) -> float:
    """A round axis top at or above `value`: 1, 2 or 5 times a power of ten."""
    power = 10 ** math.floor(math.log10(value)) if value > 0 else 1.0
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _pts(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in points)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
