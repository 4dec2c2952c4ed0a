"""The partner statement, the fund report, the portfolio and the pipeline in every format; the OC4IDS
export."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jointfund.capital.accounts import capital_accounts
from jointfund.store import db
from reports import scenario


@pytest.fixture
def living(folio, cli):  # noqa: ANN001, ANN201
    scenario.build(folio)
    return folio, cli


def test_the_partner_statement_reconciles_with_its_entries(living, tmp_path: Path) -> None:  # noqa: ANN001
    folio, cli = living
    doc = json.loads(
        cli("report", "statement", "--partner", "US", "--period", "2026", "--format", "json").stdout
    )
    lines = {r["line"]: Decimal(r["period"]) for r in doc["sections"][0]["rows"]}
    entries = doc["sections"][1]["rows"]
    # The in-kind credit of 36,000,000 is the US's contributed capital; its claim on the net assets rises by
    # the
    # credit less the US's own part of the offset (the assistance is no asset of the fund).
    assert lines["contributed"] >= Decimal("36000000.00") and 0 < lines["in_kind"] < Decimal("36000000.00")
    contributed = lines["cash"] + lines["in_kind"] + lines["revenue"] + lines["distributions"]
    assert (
        sum(Decimal(e["amount"]) for e in entries) == contributed
    )  # every movement is an entry the partner can prove
    assert lines["closing"] == lines["opening"] + contributed + sum(
        lines[c] for c in ("income", "expenses", "realised", "unrealised", "fx")
    )
    with db.transaction(folio.engine) as conn:
        fc = capital_accounts(conn, folio.fund, scenario.D(2026, 12, 31))
    assert lines["closing"] == next(a.closing for a in fc.accounts if a.partner == "US")
    q = json.loads(
        cli("report", "statement", "--partner", "UA", "--period", "2026-Q3", "--format", "json").stdout
    )
    assert "2026-07-01 to 2026-09-30" in q["sections"][0]["title"]
    for bad in ("2026-Q5", "26", "2026Q1"):
        assert cli("report", "statement", "--partner", "US", "--period", bad, ok=False).exit_code == 1
    assert (
        "expected one of US, UA"
        in cli("report", "statement", "--partner", "EU", "--period", "2026", ok=False).stderr
    )


def test_the_printable_statement_goes_to_stdout_or_to_the_file_named(living, tmp_path: Path) -> None:  # noqa: ANN001
    _folio, cli = living
    asked = ("report", "statement", "--partner", "US", "--period", "2026", "--format", "html")
    shown = cli(*asked)
    assert "<html" in shown.stdout and "wrote" not in shown.stderr
    out = tmp_path / "statement.html"
    written = cli(*asked, "-o", str(out))
    assert written.stdout == "" and out.read_text(encoding="utf-8") == shown.stdout
    assert "wrote the printable statement to" in written.stderr
    assert cli(*asked, "--lang", "xx", ok=False).exit_code == 2


def test_every_report_prints_as_table_csv_json_and_xlsx(living, tmp_path: Path) -> None:  # noqa: ANN001
    _folio, cli = living
    reports = {
        "fund": ["--period", "2026"],
        "portfolio": ["--as-of", "2026-11-30"],
        "pipeline": ["--as-of", "2026-11-30"],
        "statement": ["--partner", "UA", "--period", "2026"],
    }
    for name, args in reports.items():
        table = cli("report", name, *args).stdout
        rows = list(csv.DictReader(io.StringIO(cli("report", name, *args, "--format", "csv").stdout)))
        doc = json.loads(cli("report", name, *args, "--format", "json").stdout)
        cli("report", name, *args, "--format", "xlsx", "-o", str(tmp_path / f"{name}.xlsx"))
        book = openpyxl.load_workbook(tmp_path / f"{name}.xlsx")
        assert len(book.sheetnames) == len(doc["sections"]) and rows and table.strip()
        assert {r["section"] for r in rows} <= {s["title"] for s in doc["sections"]}
    assert cli("report", "fund", "--period", "2026", "--format", "xlsx", ok=False).exit_code == 2


def test_the_fund_report_balances(living) -> None:  # noqa: ANN001
    _folio, cli = living
    sections = json.loads(cli("report", "fund", "--period", "2026", "--format", "json").stdout)["sections"]
    sheet, income, cash = sections[0]["rows"], sections[1]["rows"], sections[2]["rows"]
    assets = sum(Decimal(r["balance"]) for r in sheet if r["line"].startswith("Assets"))
    claims = sum(Decimal(r["balance"]) for r in sheet if not r["line"].startswith("Assets"))
    assert assets == claims  # assets = liabilities + equity + income not yet allocated
    net = next(Decimal(r["amount"]) for r in income if r["line"] == "Net income")
    assert net == Decimal("225000.00") + Decimal("1200000.00")  # interest + the valuation's unrealised gain
    opening = next(Decimal(r["amount"]) for r in cash if r["line"] == "Opening cash")
    closing = next(Decimal(r["amount"]) for r in cash if r["line"] == "Closing cash")
    moves = sum(Decimal(r["amount"]) for r in cash if r["line"].startswith(("Source", "Use")))
    assert closing == opening + moves


def test_portfolio_totals_and_metrics(living) -> None:  # noqa: ANN001
    _folio, cli = living
    rows = json.loads(cli("portfolio", "--as-of", "2026-11-30", "--format", "json").stdout)
    total = rows[-1]
    assert total["investment"] == "TOTAL"
    assert (Decimal(total["committed"]), Decimal(total["disbursed"]), Decimal(total["undrawn"])) == (
        Decimal("25000000.00"),
        Decimal("13000000.00"),
        Decimal("12000000.00"),
    )
    assert Decimal(total["received"]) == Decimal("225000.00") and Decimal(total["value"]) == Decimal(
        "14200000.00"
    )
    assert Decimal(total["moic"]) == Decimal("1.1096")  # (0.225 + 14.2) / 13
    assert total["irr"] > 0


def test_the_pipeline_funnel(living) -> None:  # noqa: ANN001
    _folio, cli = living
    sections = json.loads(cli("report", "pipeline", "--as-of", "2026-11-30", "--format", "json").stdout)[
        "sections"
    ]
    funnel = {r["stage"]: r for r in sections[0]["rows"]}
    assert (funnel["submitted"]["reached"], funnel["submitted"]["now"]) == (3, 1)
    assert (funnel["approved"]["reached"], funnel["committed"]["reached"], funnel["disbursing"]["now"]) == (
        2,
        2,
        2,
    )
    assert (funnel["approved"]["now"], funnel["committed"]["now"]) == (0, 0)  # both signed, both disbursing
    regions = {r["region"]: r["total"] for r in sections[2]["rows"]}
    assert regions == {"Kirovohrad": 2, "Odesa": 1}


def test_oc4ids_projects(living, tmp_path: Path) -> None:  # noqa: ANN001
    _folio, cli = living
    cli("export", "oc4ids", "-o", str(tmp_path / "p.json"), "--as-of", "2026-11-30")
    doc = json.loads((tmp_path / "p.json").read_text())
    assert [p["id"] for p in doc["projects"]] == ["URIF-INV-1", "URIF-INV-2"]
    p = doc["projects"][1]
    assert p["sector"] == ["transport.water"] and p["status"] == "implementation"
    assert p["locations"][0]["description"] == "Odesa"
    assert p["budget"]["amount"] == {"amount": 5000000.0, "currency": "USD"}
    assert {r for party in p["parties"] for r in party["roles"]} == {"funder", "projectOwner"}
    txs = p["contractingProcesses"][0]["summary"]["transactions"]
    assert [(t["value"]["amount"], t["payer"]["id"]) for t in txs] == [
        (5000000.0, "fund-URIF"),
        (225000.0, "UA-EDR-45123456"),
    ]
