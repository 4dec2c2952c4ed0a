"""A writer that finds the database busy waits, saying so, then stops with one sentence (both backends).

Before: after 30 s of silence, two chained "database is locked" tracebacks.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support import holding_the_write_lock

from jointfund.store import db
from jointfund.store import tables as t

pytestmark = pytest.mark.storage


@pytest.fixture
def held(fund_engine, monkeypatch):  # noqa: ANN001, ANN201
    """The write lock, held by another connection (as a long import would) until the test ends."""
    monkeypatch.setattr(db, "BUSY_WAIT_SECONDS", 2.0)
    monkeypatch.setattr(db, "BUSY_POLL_SECONDS", 0.25)
    with holding_the_write_lock(fund_engine) as release:
        yield release


def test_a_busy_writer_reports_its_wait_then_gives_up_in_one_sentence(fund_engine, held) -> None:  # noqa: ANN001
    heard: list[tuple[float, float]] = []
    token = db.busy_reporter.set(lambda waited, limit: heard.append((waited, limit)))
    try:
        with pytest.raises(db.DatabaseBusy) as refused, db.write(fund_engine) as conn:
            conn.execute(select(1))
    finally:
        db.busy_reporter.reset(token)
    message = str(refused.value)
    assert message.startswith("the database is busy: another writer") and "nothing was changed" in message
    assert "\n" not in message and "locked" not in message
    assert len(heard) >= 3 and all(limit == 2.0 for _, limit in heard)
    assert [w for w, _ in heard] == sorted(w for w, _ in heard) and heard[-1][0] < 2.0
    held.set()
    with db.write(fund_engine) as conn:  # once the other writer has finished, writing works again
        assert conn.execute(select(func.count()).select_from(t.fund)).scalar_one() == 1


def test_the_cli_says_it_waits_then_fails_without_a_traceback(cli, held, tmp_path) -> None:  # noqa: ANN001
    rates = tmp_path / "fx.csv"
    rates.write_text("date,currency,rate\n2026-01-05,USD,41.5\n")
    r = cli("fx", "import", str(rates), ok=False)
    assert r.exit_code == 1
    assert "waiting for the database: another writer holds it" in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("error: the database is busy: another writer")
    assert "Traceback" not in r.stderr + r.stdout and "OperationalError" not in r.stderr
    held.set()
    assert cli("fx", "import", str(rates)).exit_code == 0
