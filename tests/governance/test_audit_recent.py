"""The audit trail newest first (the dashboard's recent events): chosen in SQL, so it reads only the rows it
shows and stays current however long the log grows (issue 13: the oldest-first trail was read whole and cut
to its tail, which stops at audit.MAX_ROWS)."""

from __future__ import annotations

import pytest

from jointfund.governance import audit
from jointfund.ledger import log
from jointfund.store import db


@pytest.mark.storage
def test_the_newest_events_come_first_and_only_as_many_as_asked(fund_engine, backend) -> None:  # noqa: ANN001
    with db.write(fund_engine) as conn:
        seqs = [log.append_event(conn, "tester", "test.note", f"note {i}", {"n": i}) for i in range(7)]
    with db.transaction(fund_engine) as conn:
        newest = audit.trail(conn, limit=3, newest_first=True)
        oldest = audit.trail(conn, limit=3)
        everything = audit.trail(conn)
    assert [r["seq"] for r in newest] == seqs[:-4:-1]
    assert [r["subject"] for r in newest] == ["note 6", "note 5", "note 4"]
    assert [r["seq"] for r in oldest] == [r["seq"] for r in everything][:3]
    assert everything[-3:][::-1] == newest
