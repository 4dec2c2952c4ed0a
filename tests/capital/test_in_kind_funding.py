"""Who funded an in-kind delivery decides whether it can count as US capital: the terms say which kinds count
(URIF: only us_funded, delivered after entry into force). Another kind is refused, with its reason, before any
proposal is opened."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from jointfund.capital import in_kind
from jointfund.errors import InputError
from jointfund.store import db
from jointfund.store import tables as t

D = dt.date


def _report(folio, funded_by: str | None, delivered: dt.date = D(2025, 11, 20)):  # noqa: ANN001, ANN202
    proposer = folio.names["board"][0]
    cs = folio.countersigned()
    with db.write(folio.engine) as conn:
        return in_kind.report(
            conn,
            folio.fund,
            "test",
            "US",
            "Interceptors",
            Decimal("1000.00"),
            "USD",
            delivered,
            f"MOD-{funded_by}",
            proposer,
            folio.keys[proposer],
            D(2026, 1, 12),
            funded_by=funded_by,
            countersigner=cs["countersigner"],
        )


def _proposals(folio) -> int:  # noqa: ANN001
    with db.transaction(folio.engine) as conn:
        return conn.execute(select(func.count()).select_from(t.proposal)).scalar_one()


def test_us_funded_new_assistance_is_recorded_with_its_funding(folio) -> None:  # noqa: ANN001
    item, p = _report(folio, "us_funded")
    assert item.funded_by == "us_funded" and p.kind == "in_kind_valuation"
    with db.transaction(folio.engine) as conn:
        assert in_kind.items(conn, folio.fund)[0].funded_by == "us_funded"


@pytest.mark.parametrize(
    ("funded_by", "says"),
    [
        (
            "allied_funded",
            "the terms count only us_funded assistance as capital: a delivery allied funded is not",
        ),
        ("sold", "the terms count only us_funded assistance as capital: a delivery sold is not"),
        (None, "say who paid for the delivery (us_funded, allied_funded, sold)"),
        ("lend_lease", "funded_by: expected one of us_funded, allied_funded, sold"),
    ],
)
def test_other_fundings_are_refused_before_any_proposal_is_opened(folio, funded_by, says) -> None:  # noqa: ANN001
    before = _proposals(folio)
    with pytest.raises(InputError, match=re.escape(says)):
        _report(folio, funded_by)
    assert _proposals(folio) == before


def test_us_funded_assistance_delivered_before_entry_into_force_does_not_count(folio) -> None:  # noqa: ANN001
    with pytest.raises(InputError, match="delivered before the entry into force .2025-05-23. does not count"):
        _report(folio, "us_funded", D(2025, 5, 22))
