"""The fund's outlook on the public page, the dashboard and /forecast: the shipped base scenario from the
book, as the API's /api/forecast serves it (api.reads.outlook_document: one cached document per book
version and day, shared with the API)."""

from __future__ import annotations

from fastapi import Request

from jointfund import clock
from jointfund.api import deps, reads
from jointfund.errors import JointfundError
from jointfund.forecast import chart, labels, outlook, start
from jointfund.web import i18n, names


def panel(request: Request, tr, lang: str = i18n.DEFAULT) -> dict:  # noqa: ANN001 - gettext
    """What the public page and the dashboard show: NAV and each partner's contributions as fans, and the
    headline.

    When the forecast cannot start from the book as it stands, the panel is only `unavailable`, a plain note
    why: the page around it is still served (a public page never fails for its outlook)."""
    try:
        doc = reads.outlook_document(request, with_tornado=False)
    except JointfundError as refused:
        return {"unavailable": unavailable(refused, tr)}
    terms = deps.fund(request).terms(clock.today())
    named = names.namer(terms, tr)
    fans = []
    for metric in ("nav", *(f"contributions:{p.code}" for p in terms.partners)):
        title = labels.label(metric, tr, named)
        fans.append((title, chart.fan_svg(doc, metric, title, lang, tr)))
    return {
        "head": outlook.headline(doc),
        "fans": fans,
        "doc": doc,
        "assumptions": labels.assumptions(doc, tr, named),
    }


def unavailable(refused: JointfundError, tr) -> str:  # noqa: ANN001 - gettext
    """Why the outlook is not shown, in the reader's language (the error's own text is English)."""
    if isinstance(refused, start.NegativeCapital):
        return tr(
            "The outlook is not shown: the forecast cannot start from the books as they stand today, because "
            "partner %(partner)s's capital is negative and the forecast shares distributions by capital."
        ) % {"partner": refused.partner}
    return tr("The outlook is not shown: the forecast cannot start from the books as they stand today.")


def page(request: Request, tr, lang: str = i18n.DEFAULT) -> dict:  # noqa: ANN001 - gettext
    """Everything /forecast shows: a fan per metric, the tornado and the tables, in `lang` (`tr` its
    gettext)."""
    doc = reads.outlook_document(request, with_tornado=True)
    named = names.namer(deps.fund(request).terms(clock.today()), tr)
    metrics = list(dict.fromkeys(r["metric"] for r in doc["percentiles"]))
    titles = {m: labels.label(m, tr, named) for m in metrics}
    fans = [(titles[m], chart.fan_svg(doc, m, titles[m], lang, tr)) for m in metrics]
    return {
        "doc": doc,
        "head": outlook.headline(doc),
        "fans": fans,
        "start": labels.start(doc["start_state"]["source"], tr),
        "tornado": chart.tornado(doc, tr, lang, named),
        "assumptions": labels.assumptions(doc, tr, named),
    }
