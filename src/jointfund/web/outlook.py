"""The fund's outlook on the public page, the dashboard and /forecast: the shipped base scenario from the book,
as the API's /api/forecast serves it (one cached document per book version and day)."""

from __future__ import annotations

from fastapi import Request
from markupsafe import Markup

from jointfund import clock
from jointfund.api import deps
from jointfund.api.routers.public import outlook_document
from jointfund.forecast import chart, outlook


def panel(request: Request, tr) -> dict:  # noqa: ANN001 - gettext
    """What the public page and the dashboard show: NAV and each partner's contributions as fans, and the headline."""
    doc = outlook_document(request, with_tornado=False)
    terms = deps.fund(request).terms(clock.today())
    fans = [(tr("Fund NAV"), Markup(chart.fan_svg(doc, "nav", tr("Fund NAV"))))]
    for p in terms.partners:
        label = f"{tr('Contributions per year')}: {p.name}"
        fans.append((label, Markup(chart.fan_svg(doc, f"contributions:{p.code}", label))))
    return {"head": outlook.headline(doc), "fans": fans}


def page(request: Request, tr) -> dict:  # noqa: ANN001 - gettext
    """Everything /forecast shows: a fan per metric, the tornado and the tables."""
    doc = outlook_document(request, with_tornado=True)
    metrics = list(dict.fromkeys(r["metric"] for r in doc["percentiles"]))
    return {"doc": doc, "head": outlook.headline(doc),
            "fans": [(m, Markup(chart.fan_svg(doc, m))) for m in metrics],
            "tornado": Markup(chart.tornado(doc))}
