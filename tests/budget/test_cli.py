"""The budget commands: a budget proposed from a file, expenses recorded with evidence, and budget against
actual as a table, CSV, JSON and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
from cryptography.hazmat.primitives import serialization
from support import cli_countersign

from budget.conftest import Ledgerly, plan_text
from jointfund.store import db
from jointfund.store import tables as t


def _key_file(folder, key) -> str:  # noqa: ANN001
    path = folder / "member.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(path)


def test_budget_expenses_and_the_report_through_the_cli(fund_engine, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("JOINTFUND_TODAY", "2025-11-20")
    f = Ledgerly(fund_engine)
    f.fund_cash()
    proposer = f.names["board"][0]
    budget = tmp_path / "budget.toml"
    budget.write_text(
        plan_text(
            ("ADM-2025", "administration", "1000.00", "USD", "2025"),
            ("LEG-Q4", "legal", "300.00", "USD", "2025-Q4"),
        ),
        encoding="utf-8",
    )
    key = _key_file(tmp_path, f.keys[proposer])
    cli("users", "add", "admin", "--role", "administrator", "--password", "long enough pw")
    cli("--user", "admin", "users", "add", "mgr", "--role", "board_manager", "--password", "long enough pw")

    def mgr(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        return cli("--user", "mgr", *args, **kw)

    def admin(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        return cli("--user", "admin", *args, **kw)

    # --budget goes with its kind and without --about
    r = mgr(
        "proposals",
        "new",
        "--kind",
        "other",
        "--title",
        "x",
        "--budget",
        str(budget),
        "--as",
        proposer,
        "--key",
        key,
        ok=False,
    )
    assert r.exit_code == 2 and "--budget" in r.stderr, r.stderr
    r = mgr(
        "proposals",
        "new",
        "--kind",
        "budget",
        "--title",
        "Budget 2025",
        "--budget",
        str(budget),
        "--as",
        proposer,
        "--key",
        key,
    )
    pid = int(r.stdout.strip().splitlines()[-1])
    f.approve(pid, dt.date(2025, 11, 20))
    r = admin("proposals", "execute", str(pid))
    assert (
        "budget adopted: ADM-2025 1000.00 USD (2025, v1), LEG-Q4 300.00 USD (2025-Q4, v1)"
        in r.stdout + r.stderr
    )
    evidence = tmp_path / "invoice.pdf"
    evidence.write_bytes(b"%PDF-1.4 the invoice")
    admin(
        "expenses",
        "record",
        "--line",
        "ADM-2025",
        "--amount",
        "400.00",
        "--currency",
        "USD",
        "--date",
        "2025-11-14",
        "--reference",
        "INV-1",
        "--evidence",
        str(evidence),
        *cli_countersign(cli, tmp_path, "ua-board-1", f.keys["ua-board-1"]),
    )
    r = admin(
        "expenses",
        "record",
        "--line",
        "ADM-2025",
        "--amount",
        "600.01",
        "--currency",
        "USD",
        "--date",
        "2025-11-15",
        "--reference",
        "INV-2",
        "--evidence",
        str(evidence),
        ok=False,
    )
    assert r.exit_code == 1 and "needs a budget amendment" in r.stderr and "Traceback" not in r.stderr
    r = admin(
        "expenses",
        "record",
        "--line",
        "ADM-2025",
        "--amount",
        "abc",
        "--currency",
        "USD",
        "--date",
        "2025-11-15",
        "--reference",
        "",
        "--evidence",
        str(tmp_path / "missing.pdf"),
        ok=False,
    )
    assert r.exit_code == 1 and "--evidence" in r.stderr
    with db.transaction(fund_engine) as conn:
        assert len(conn.execute(t.expense.select()).all()) == 1

    rows = list(
        csv.DictReader(io.StringIO(cli("report", "budget", "--period", "2025-Q4", "--format", "csv").stdout))
    )
    by_line = {r["line"]: r for r in rows}
    assert by_line["ADM-2025"]["budget"] == "1000.00" and by_line["ADM-2025"]["actual"] == "400.00"
    assert by_line["ADM-2025"]["remaining"] == "600.00" and by_line["ADM-2025"]["used_percent"] == "40.0"
    assert by_line["LEG-Q4"]["actual"] == "0.00" and by_line["fee:administrator"]["budget"] == ""
    assert "LEG-Q4" not in cli("report", "budget", "--period", "2025-Q3", "--format", "csv").stdout
    data = json.loads(cli("report", "budget", "--period", "2025", "--format", "json").stdout)
    assert [d["line"] for d in data][:2] == ["ADM-2025", "LEG-Q4"]
    table = cli("report", "budget", "--period", "2025-11").stdout
    assert "ADM-2025" in table and "400.00" in table
    out = tmp_path / "budget.xlsx"
    cli("report", "budget", "--period", "2025-Q4", "--format", "xlsx", "-o", str(out))
    sheet = openpyxl.load_workbook(out).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any(row[:1] == ["ADM-2025"] for row in values)
    r = cli("report", "budget", "--period", "2025-Q5", ok=False)
    assert r.exit_code == 1 and "--period" in r.stderr
    r = cli("report", "budget", "--period", "2025", "--format", "xlsx", ok=False)
    assert r.exit_code == 2
    listed = json.loads(cli("expenses", "list", "--format", "json").stdout)
    assert listed[0]["reference"] == "INV-1" and len(listed[0]["evidence_sha256"]) == 64
    lines = json.loads(cli("expenses", "lines", "--format", "json").stdout)
    assert {x["line"]: x["left"] for x in lines} == {"ADM-2025": "600.00", "LEG-Q4": "300.00"}
    assert cli("verify").exit_code == 0
