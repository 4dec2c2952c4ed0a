"""`jointfund audit`: a readable summary and the latest events in a table; every event in JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest

from jointfund.cli.audit import TABLE_LIMIT


@pytest.mark.storage
def test_the_table_summarises_and_shows_the_latest_events_the_machine_formats_all(cli):
    for i in range(TABLE_LIMIT + 5):  # enough events that the table must leave some out
        cli("ledger", "open", f"Expenses:Audit{i:03d}")
    every = json.loads(cli("audit", "-f", "json").stdout)
    assert len(every) > TABLE_LIMIT + 5 and [e["seq"] for e in every] == sorted(e["seq"] for e in every)
    assert len(list(csv.DictReader(io.StringIO(cli("audit", "-f", "csv").stdout)))) == len(every)

    table = cli("audit")
    out = table.stdout
    opened = sum(1 for e in every if e["action"] == "account.open")
    assert f"Audit trail: {len(every):,} events, by action" in out
    assert any(line.split()[:2] == ["account.open", str(opened)] for line in out.splitlines()), out
    assert f"The latest {TABLE_LIMIT} of {len(every):,} events" in out
    assert "Expenses:Audit054" in out and "Expenses:Audit000" not in out, "the latest, not the first"
    assert '{"' not in out, "details in words, not JSON"
    assert f"{len(every) - TABLE_LIMIT:,} earlier events not shown" in table.stderr

    latest = json.loads(cli("audit", "--limit", "3", "-f", "json").stdout)
    assert latest == every[-3:]
    assert "The latest 3 of" in cli("audit", "--limit", "3").stdout
    assert cli("audit", "--limit", "0", ok=False).exit_code == 2
