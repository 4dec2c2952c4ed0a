"""Every pipeline move the issue does not allow is refused: by the pure rule, by the services and by the
database."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError

from jointfund.errors import Refused
from jointfund.ledger.log import append_event
from jointfund.portfolio.pipeline import acting_refusal, refusal
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.terms import load_shipped

TERMS = load_shipped()
PIPE = TERMS.pipeline
OPEN_STAGES = (
    "submitted",
    "screening",
    "due_diligence",
    "recommended",
    "approved",
    "committed",
    "disbursing",
)
# The issue's pipeline, written out: (from, to, the decision that alone makes it, or None for a person's
# move).
ALLOWED = {
    ("submitted", "screening", None),
    ("screening", "due_diligence", "screening"),
    ("due_diligence", "recommended", "recommendation"),
    ("recommended", "approved", "investment"),
    ("approved", "committed", None),
    ("committed", "disbursing", "disbursement"),
    ("disbursing", "repaid", None),
    ("disbursing", "exited", None),
    ("committed", "written_off", None),
    ("disbursing", "written_off", None),
    *((s, "declined", None) for s in OPEN_STAGES),
    *((s, "withdrawn", None) for s in OPEN_STAGES),
}
STAGES = [s.code for s in PIPE.stages]
DECISIONS = [None, *(d.kind for d in TERMS.governance.decisions)]


def test_the_shipped_stages_are_the_issues() -> None:
    assert STAGES == [*OPEN_STAGES, "repaid", "exited", "written_off", "declined", "withdrawn"]


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STAGES, STAGES)))
def test_a_move_is_allowed_exactly_when_the_spec_allows_it(current: str, target: str) -> None:
    for decision in DECISIONS:
        why = refusal(PIPE, current, target, decision)
        if (current, target, decision) in ALLOWED:
            assert why is None
        else:
            assert why, (current, target, decision)


def test_refusals_say_why() -> None:
    assert "needs a decision" in refusal(PIPE, "screening", "due_diligence", None)
    assert "executing an approved screening proposal" in refusal(PIPE, "screening", "due_diligence", None)
    assert "final stage" in refusal(PIPE, "repaid", "declined", None)
    assert "from submitted it allows: screening" in refusal(PIPE, "submitted", "committed", None)
    assert "not a stage" in refusal(PIPE, "submitted", "funded", None)


def test_a_tranche_is_paid_only_once_the_agreement_is_signed() -> None:
    acting = [s for s in STAGES if acting_refusal(PIPE, s, "disbursement") is None]
    assert acting == ["committed", "disbursing"]
    assert "first a person records its move to committed" in acting_refusal(PIPE, "approved", "disbursement")
    assert "first a person" not in acting_refusal(
        PIPE, "recommended", "disbursement"
    )  # no person's move leads there
    assert acting_refusal(PIPE, "repaid", "disbursement")  # nothing acts at a final stage


def test_a_person_cannot_make_a_decision_move(folio) -> None:  # noqa: ANN001
    app = folio.submit()
    folio.move(app.id, "screening")
    with pytest.raises(
        Refused, match="APP-1 stays screening: moving from screening to due_diligence needs a decision"
    ):
        folio.move(app.id, "due_diligence")
    assert folio.stage(app.id) == "screening"


def test_a_decision_about_an_application_at_the_wrong_stage_is_not_executed(folio) -> None:  # noqa: ANN001
    app = folio.submit()
    pid = folio.decide("screening", dt.date(2026, 1, 7), execute=False, about=f"application:{app.id}")
    with pytest.raises(Refused, match="APP-1 is submitted: an executed screening proposal does not move it"):
        folio.execute(pid, dt.date(2026, 1, 7))
    assert folio.stage(app.id) == "submitted"
    assert (
        folio.standing(pid, dt.date(2026, 1, 7)).state == "approved"
    )  # the execution rolled back with its effect


def test_the_database_refuses_a_move_that_does_not_leave_the_current_stage(folio) -> None:  # noqa: ANN001
    app = folio.submit()
    with pytest.raises(DBAPIError, match="stage change refused"):
        with db.write(folio.engine) as conn:
            seq = append_event(conn, "x", "tamper", "x", {})
            conn.execute(
                insert(t.application_stage).values(
                    application_id=app.id,
                    from_stage="due_diligence",
                    to_stage="recommended",
                    effective=dt.date(2026, 1, 9),
                    actor="x",
                    reason="x",
                    seq=seq,
                )
            )
    with pytest.raises(DBAPIError, match="append-only"):
        with db.write(folio.engine) as conn:
            conn.execute(t.application_stage.update().values(to_stage="committed"))
