"""Issue 13: the investments list is chosen and paged in SQL; each investment stands where its application's
last move put it, as application.stages says, and the pages walk the whole list in order."""

from __future__ import annotations

import datetime as dt

import pytest

from jointfund.portfolio import application, investment
from jointfund.store import db

pytestmark = pytest.mark.storage
D = dt.date


def test_pages_of_investments_match_the_whole_list_and_the_stages(folio) -> None:  # noqa: ANN001
    loan = folio.invest(folio.submit(instrument="loan").id, "5000000.00", D(2026, 2, 2))
    stake = folio.invest(folio.submit(reference="E", title="Equity").id, "4000000.00", D(2026, 2, 3))
    third = folio.invest(
        folio.submit(reference="F", title="Third").id, "3000000.00", D(2026, 2, 4), signed=False
    )
    with db.transaction(folio.engine) as conn:
        every = investment.investments(conn)
        where = {a: c.to_stage for a, c in application.stages(conn).items()}
        whole = investment.page(conn)
        assert [i.id for i, _ in whole] == [i.id for i in every] == [loan.id, stake.id, third.id]
        assert [s for _, s in whole] == [where[i.application] for i in every]
        assert {s for _, s in whole} == {"committed", where[third.application]} != {"committed"}
        walked = investment.page(conn, limit=2) + investment.page(conn, limit=2, offset=2)
        assert walked == whole and investment.page(conn, limit=2, offset=3) == []
        assert [i.id for i, _ in investment.page(conn, stage="committed")] == [loan.id, stake.id]
        assert [i.id for i, _ in investment.page(conn, stage="committed", offset=1)] == [stake.id]
        assert [i.id for i, _ in investment.page(conn, as_of=D(2026, 2, 3))] == [loan.id, stake.id]
        assert investment.page(conn, stage="no such stage") == []


def test_pages_of_applications_match_the_whole_pipeline(folio) -> None:  # noqa: ANN001
    """application.standing (the API's and the board page's list) chooses in SQL what the whole lists say."""
    first = folio.submit(reference="A", title="First")
    second = folio.submit(reference="B", title="Second", sector="energy", region="Lviv")
    third = folio.submit(reference="C", title="Third")
    folio.to_due_diligence(second.id)
    with db.transaction(folio.engine) as conn:
        every = application.applications(conn)
        where = application.stages(conn)
        whole = application.standing(conn)
        assert [(a, m) for a, m in whole] == [(a, where[a.id]) for a in every]
        assert [a.id for a, _ in whole] == [first.id, second.id, third.id]
        walked = application.standing(conn, limit=2) + application.standing(conn, limit=2, offset=2)
        assert walked == whole and application.standing(conn, offset=3) == []
        moved = where[second.id].to_stage
        assert moved != where[first.id].to_stage
        assert [a.id for a, _ in application.standing(conn, stage=moved)] == [second.id]
        assert [a.id for a, _ in application.standing(conn, stage=where[first.id].to_stage)] == [
            first.id,
            third.id,
        ]
        assert [a.id for a, _ in application.standing(conn, sector="energy", region="Lviv")] == [second.id]
        assert application.standing(conn, sector="energy", region="Kirovohrad") == []
        submitter = application.history(conn, first.id)[0].actor
        assert [a.id for a, _ in application.standing(conn, submitted_by=submitter)] == [
            a.id for a in every if application.history(conn, a.id)[0].actor == submitter
        ]
        assert application.standing(conn, submitted_by="nobody at all") == []
