"""Fan charts, the tornado and the assumptions as one self-contained HTML page: inline SVG, no script, no
network, in English or Ukrainian (templates/forecast.html; the charts are jointfund.charts').

Input is the run's JSON document (run.document), so the web application draws the same numbers from the
same shape, with the same functions (`fan_svg`, `tornado`).
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from jointfund import charts, templating
from jointfund.forecast.labels import assumptions, label, start
from jointfund.i18n import DEFAULT, N_

# Words of the charts, translated by the gettext a caller passes (English when none).
BASE = N_("base %(value)s")
LEGEND = N_("orange: input at -1σ; blue: at +1σ")
UNIT = N_("%(currency)s millions")  # the run's currency: the terms' base currency
YEAR = N_("Year")
CAPTION = N_("Tornado: P50 NAV in %(year)s")
NO_TORNADO = N_("No tornado: the tornado year is outside the horizon.")

Named = Callable[[str, "str | None"], str]


def _as_is(_kind: str, code: str | None) -> str:
    return code or ""


def page(
    doc: dict, gettext: Callable[[str], str] = str, lang: str = DEFAULT, named: Named | None = None
) -> str:
    """The whole page in `lang` (`gettext` its catalogue, `named` the terms' names of codes)."""
    tr, named = gettext, named or _as_is
    metrics = list(dict.fromkeys(row["metric"] for row in doc["percentiles"]))
    fans = [(t, fan_svg(doc, m, t, lang, tr)) for m in metrics for t in [label(m, tr, named)]]
    env = templating.environment(("jointfund.forecast", "templates"), templating.WEB)
    return env.get_template("forecast.html").render(
        **{**templating.words(lang), "_": tr},
        doc=doc,
        source=start(doc["start_state"]["source"], tr),
        fans=fans,
        tornado=tornado(doc, tr, lang, named),
        a=assumptions(doc, tr, named),
        scenario=doc["scenario"],
        paths=doc["paths"],
        seed=doc["seed"],
        id="chart",
    )


def fan_svg(
    doc: dict, metric: str, title: str | None = None, lang: str = DEFAULT, gettext: Callable[[str], str] = str
) -> Markup:
    """The fan chart of one metric (P5-P95 and P25-P75 bands, P50 line), millions of the run's currency by
    year."""
    return charts.fan(
        doc,
        metric,
        title or label(metric, gettext),
        gettext(UNIT) % {"currency": doc["currency"]},
        gettext(YEAR),
        lang,
    )


def tornado(
    doc: dict, gettext: Callable[[str], str] = str, lang: str = DEFAULT, named: Named | None = None
) -> Markup:
    """The sensitivity of the median NAV to each input, with its caption, in `lang` (as `page`)."""
    tr, t = gettext, doc["tornado"]
    if t["year"] is None or t["base"] is None or not t["bars"]:
        return charts.note(tr(NO_TORNADO))
    caption = tr(CAPTION) % {"year": t["year"]}
    rows = [
        (label(b["input"], tr, named or _as_is), b["minus_1_sigma"] / 1e6, b["plus_1_sigma"] / 1e6)
        for b in t["bars"]
    ]
    words = {
        "base": tr(BASE),
        "minus": tr(N_("at -1σ")),
        "plus": tr(N_("at +1σ")),
        "legend": tr(LEGEND),
        "unit": tr(UNIT) % {"currency": doc["currency"]},
    }
    return charts.figure(caption, charts.tornado(caption, t["base"] / 1e6, rows, words, lang))
