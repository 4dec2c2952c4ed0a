"""What a forecast assumes, in a form every chart can show beside itself.

A fan chart without its assumptions invites more trust than it deserves: the panel says which
scenario ran, on how many paths and with which seed, the key parameters with their sources, and
what the model leaves out. It is built once per run, from the scenario and the compiled plan,
and travels in the run's JSON document, so the public page, /forecast and the offline HTML show
the same panel.
"""

from __future__ import annotations

from jointfund.forecast.plan import Plan
from jointfund.forecast.scenario import Scenario
from jointfund.forecast.security import stationary


def panel(sc: Scenario, plan: Plan) -> dict:
    """The panel's content in both languages (the page picks one)."""
    head = sc.scenario
    sec = plan.security
    regime = None
    if sec is not None:
        share = stationary(sec)
        regime = {
            "initial": sec.names[sec.initial],
            "source": sc.security.source if sc.security else "",
            "long_run_share": {name: round(float(v), 3) for name, v in zip(sec.names, share, strict=True)},
        }
    return {
        "name": {"en": head.name, "uk": head.name_uk or head.name},
        "description": {"en": head.description, "uk": head.description_uk or head.description},
        "parameters": [a.model_dump() for a in head.assumptions],
        "leaves_out": [o.model_dump() for o in head.leaves_out],
        "security_regime": regime,
        "deal_factor_loading": plan.deal_loading,
        "in_kind_not_counted": list(plan.not_counted),
    }
