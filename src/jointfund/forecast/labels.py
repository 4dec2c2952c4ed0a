"""The forecast's metrics and inputs by human names, in the reader's language.

The run's document names them by code ("nav", "contributions:UA", "price: natural_gas"); pages and
the chart file show a title instead, with partner, resource and sector codes by their terms' names
(`named(kind, code)`, as web.names gives it).
"""

from __future__ import annotations

from collections.abc import Callable

from jointfund.i18n import N_

METRICS = {"nav": N_("Fund NAV"), "cash": N_("Fund cash"), "investments": N_("Investments at value")}
PER_PARTNER = {
    "contributions": N_("Contributions per year: %(partner)s"),
    "distributions_cumulative": N_("Cumulative distributions: %(partner)s"),
}
INPUTS = {
    "production: output": N_("Production volume"),
    "production: delay": N_("Delay before production starts"),
    "fx: rate per USD": N_("Exchange rate per USD"),
    "new licences: count": N_("New licences per year"),
}
FUNDING = {
    "us_funded": N_("funded by the United States"),
    "allied_funded": N_("funded by allies"),
    "sold": N_("sold to the recipient"),
}
NOT_COUNTED = N_("%(partner)s, %(funding)s, %(first)s–%(last)s")
START = {"book": N_("the fund's books on the start day"), "scenario": N_("the scenario's own figures")}
PER_CODE = {
    "price": (N_("Price of %(name)s"), "resource"),
    "returns": (N_("Investment returns: %(name)s"), "sector"),
}


def _as_is(_kind: str, code: str | None) -> str:
    return code or ""


def label(
    name: str, gettext: Callable[[str], str] = str, named: Callable[[str, str | None], str] = _as_is
) -> str:
    """The title of metric or input `name`; a name this module does not know is shown as it is."""
    if name in METRICS:
        return gettext(METRICS[name])
    if name in INPUTS:
        return gettext(INPUTS[name])
    head, sep, code = name.partition(":")
    if sep and head in PER_PARTNER:
        return gettext(PER_PARTNER[head]) % {"partner": named("partner", code)}
    if sep and head in PER_CODE:
        template, kind = PER_CODE[head]
        return gettext(template) % {"name": named(kind, code.strip())}
    return name


def start(source: str, gettext: Callable[[str], str] = str) -> str:
    """Where the run's start state came from (the document's start_state.source), in words."""
    return gettext(START[source]) if source in START else source


def not_counted(
    item: dict, gettext: Callable[[str], str] = str, named: Callable[[str, str | None], str] = _as_is
) -> str:
    """An in-kind flow the terms do not count as capital (assumptions' in_kind_not_counted), in words."""
    funding = item["funded_by"]
    return gettext(NOT_COUNTED) % {
        "partner": named("partner", item["partner"]),
        "funding": gettext(FUNDING[funding]) if funding in FUNDING else funding,
        "first": item["from_year"],
        "last": item["to_year"],
    }


def assumptions(doc: dict, gettext: Callable[[str], str], named: Callable[[str, str | None], str]) -> dict:
    """The document's assumptions panel with its codes in words (what _assumptions.html shows)."""
    out = dict(doc.get("assumptions") or {})
    out["in_kind_not_counted"] = [
        not_counted(i, gettext, named) for i in out.get("in_kind_not_counted") or ()
    ]
    return out
