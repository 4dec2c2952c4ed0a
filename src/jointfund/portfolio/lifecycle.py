"""Moving an application along the pipeline together with what its investment must do then.

- `advance`: an executed proposal moves the application along every transition the terms give
  its kind from where it stands (under the shipped terms one: an investment decision moves it
  recommended -> approved; a person then records approved -> committed, the agreement signed).
- `refuse_unless_acting`: a proposal that books money without always moving the application (a
  disbursement) is refused, before anything is posted, unless the application stands where the
  pipeline lets it act.
- `move_by_person`: a recorded move with a reason; reaching a terminal stage ends the investment,
  if there is one: its undrawn commitment is cancelled and, at a write-off stage, its remaining
  cost written off (at any other terminal stage none may remain).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from jointfund.errors import Refused
from jointfund.fund import FundInfo
from jointfund.portfolio import application as apps
from jointfund.portfolio import investment
from jointfund.portfolio import pipeline as rules
from jointfund.portfolio.application import Application, StageChange


def advance(
    conn: Connection,
    info: FundInfo,
    actor: str,
    app: Application,
    decision: str,
    on: dt.date,
    proposal: int,
    reason: str,
    required: bool = True,
) -> list[StageChange]:
    p = apps.pipeline_of(info.terms(on))
    moved: list[StageChange] = []
    for _ in p.stages:  # a bound: no path is longer than the number of stages
        current = apps.stage_of(conn, app.id).to_stage
        tr = next((x for x in rules.next_stages(p, current) if x.decision == decision), None)
        if tr is None:
            break
        moved.append(apps.move(conn, info, actor, app.id, tr.to, on, reason, proposal, decision))
    if required and not moved:
        current = apps.stage_of(conn, app.id).to_stage
        allowed = (
            ", ".join(
                f"{x.to} ({'by a ' + x.decision + ' proposal' if x.decision else 'by a person'})"
                for x in rules.next_stages(p, current)
            )
            or "nothing"
        )
        raise Refused(
            f"{app.label} is {current}: an executed {decision} proposal does not move it from there "
            f"(from {current} the pipeline allows: {allowed})"
        )
    return moved


def move_by_person(
    conn: Connection, info: FundInfo, actor: str, application_id: int, target: str, on: dt.date, reason: str
) -> StageChange:
    change = apps.move(conn, info, actor, application_id, target, on, reason)
    stage = apps.pipeline_of(info.terms(on)).stage(target)
    inv = investment.of_application(conn, application_id)
    if stage is not None and stage.terminal and inv is not None:
        investment.close_out(conn, info, inv, on, reason, stage.write_off)
    return change


def refuse_unless_acting(
    conn: Connection, info: FundInfo, app: Application, decision: str, on: dt.date
) -> None:
    current = apps.stage_of(conn, app.id).to_stage
    why = rules.acting_refusal(apps.pipeline_of(info.terms(on)), current, decision)
    if why:
        raise Refused(f"{app.label} is {current}: {why}")


def refuse_unless_open(conn: Connection, info: FundInfo, app: Application, on: dt.date) -> None:
    current = apps.stage_of(conn, app.id).to_stage
    stage = apps.pipeline_of(info.terms(on)).stage(current)
    if stage is not None and stage.terminal:
        raise Refused(f"{app.label} is {current}, a final stage")
