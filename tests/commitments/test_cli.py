"""The commitments commands as a user runs them, on a fund whose clock (JOINTFUND_TODAY) the test sets."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("JOINTFUND_TODAY", "2026-06-01")
    return "2026-06-01"


def test_list_show_event_record_and_alerts(cli, today: str, tmp_path: Path) -> None:  # noqa: ANN001
    rows = json.loads(cli("commitments", "list", "--format", "json").stdout)
    assert set(rows[0]) == {"id", "agreement", "source", "obligor", "beneficiary", "kind", "due", "status"}
    assert {r["agreement"] for r in rows} == {"security_2024", "urif"}
    security = json.loads(
        cli("commitments", "list", "--agreement", "security_2024", "--format", "json").stdout
    )
    assert {r["agreement"] for r in security} == {"security_2024"}
    table = cli("commitments", "list", "--status", "not triggered", "--format", "csv").stdout
    assert {r["id"] for r in csv.DictReader(io.StringIO(table))} == {
        "security_2024.termination_effective",
        "security_2024.consultations",
        "urif.inform",
    }
    listed = cli("commitments", "list")
    assert "alert: the security agreement ends 2034-06-13, before the reinvestment lock ends 2035-05-23" in (
        listed.stdout + listed.stderr
    )

    out = cli(
        "commitments", "event", "--kind", "armed_attack", "--date", "2026-05-30", "--note", "strike"
    ).stderr
    assert "security_2024.consultations due 2026-05-31" in out
    minutes = tmp_path / "minutes.txt"
    minutes.write_text("Leaders met within a day.\n")
    cli(
        "commitments",
        "record",
        "security_2024.consultations",
        "--status",
        "met",
        "--date",
        "2026-05-31",
        "--evidence",
        str(minutes),
    )
    shown = json.loads(cli("commitments", "show", "security_2024.consultations", "--format", "json").stdout)
    assert (shown["status"], shown["due"], shown["records"][0]["status"]) == ("met", "2026-05-31", "met")
    assert len(shown["records"][0]["evidence"][0]) == 64 and shown["text_uk"]

    alerts = json.loads(cli("commitments", "alerts", "--format", "json").stdout)
    assert [a["decide_by"] for a in alerts] == ["2033-06-13"]
    cli("commitments", "event", "--kind", "extension_agreed", "--date", "2026-06-01")
    assert json.loads(cli("commitments", "alerts", "--format", "json").stdout) == []
    assert cli("verify").exit_code == 0


def test_the_calendar_shows_commitments_beside_the_statutory_deadlines(cli, today: str) -> None:  # noqa: ANN001
    rows = {r["deadline"]: r for r in json.loads(cli("calendar", "--format", "json").stdout)}
    assert rows["data"]["period"] and rows["security_2024.term_end"]["due"] == "2034-06-13"
    assert "urif.data" not in rows  # the fund's own calendar obligations are the deadlines themselves
    shown = cli("calendar")
    assert "alert: the security agreement ends 2034-06-13" in shown.stderr


def test_bad_input_is_a_message_not_a_traceback(cli, today: str, tmp_path: Path) -> None:  # noqa: ANN001
    bad = cli("commitments", "event", "--kind", "invasion", "--date", "2026-05-30", ok=False)
    assert bad.exit_code == 1 and "--kind: expected one of armed_attack" in bad.stderr
    missing = cli(
        "commitments",
        "record",
        "urif.data",
        "--status",
        "met",
        "--date",
        "2026-03-01",
        "--evidence",
        str(tmp_path / "nowhere.pdf"),
        ok=False,
    )
    assert missing.exit_code == 1 and "cannot read" in missing.stderr
    unknown = cli("commitments", "show", "urif.nothing", ok=False)
    assert unknown.exit_code == 1 and "no commitment urif.nothing" in unknown.stderr
    date = cli("commitments", "event", "--kind", "armed_attack", "--date", "2026-02-30", ok=False)
    assert date.exit_code == 2 and "YYYY-MM-DD" in date.stderr


def test_only_officers_record(cli, today: str, tmp_path: Path) -> None:  # noqa: ANN001
    cli("users", "add", "admin", "--role", "administrator", "--password", "long enough pw")
    cli("--user", "admin", "users", "add", "aud", "--role", "auditor", "--password", "long enough pw")
    refused = cli(
        "--user", "aud", "commitments", "event", "--kind", "armed_attack", "--date", "2026-05-30", ok=False
    )
    assert refused.exit_code == 1 and "may not commitments.event" in refused.stderr
    cli("--user", "admin", "commitments", "event", "--kind", "armed_attack", "--date", "2026-05-30")
