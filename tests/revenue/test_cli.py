"""The revenue commands end to end, as a treasury officer or an auditor runs them, on both backends."""

import csv
import io
import json

import openpyxl
from support import cli_countersign

from .conftest import write

RECEIPTS = """receipt_id,date,licence_id,stream,amount,currency
R-1,2025-06-06,L-NEW,rent,1000.00,UAH
R-2,2025-06-07,L-NEW,permit_fee,0.01,UAH
R-3,2025-06-09,L-OLD,rent,5000.00,UAH
R-4,2025-12-09,L-NEW,psa_bonus,200.00,UAH
R-5,2025-12-10,L-NEW,psa_bonus,200.00,UAH
"""
RATES = "date,currency,rate\n2025-06-06,USD,41.4511\n2025-06-09,USD,41.5000\n2025-12-05,USD,42.0000\n2025-12-10,USD,42.1000\n"  # noqa: E501 - data kept on one line, as the file holds it
PAYMENTS = """payment_id,date,holder_code,licence_id,stream,amount
P-1,2025-06-06,40000001,L-NEW,rent,1000.00
P-2,2025-06-09,40000002,L-OLD,rent,4900.00
P-3,2025-06-09,40000009,L-ZZZ,rent,7.00
"""
DETAIL = [
    "receipt_id",
    "licence_id",
    "date",
    "stream",
    "amount",
    "currency",
    "eligible",
    "reason",
    "contribution",
    "contribution_base",
    "base_currency",
]


def setup(cli, tmp_path, licences_csv, rates=True):
    cli("licences", "import", str(licences_csv))
    cli("receipts", "import", str(write(tmp_path, "r.csv", RECEIPTS)))
    if rates:
        cli("fx", "import", str(write(tmp_path, "fx.csv", RATES)))


def test_detail_csv(cli, tmp_path, licences_csv):
    setup(cli, tmp_path, licences_csv)
    rows = list(csv.DictReader(io.StringIO(cli("contributions", "--detail", "--format", "csv").stdout)))
    assert list(rows[0]) == DETAIL
    by_id = {r["receipt_id"]: r for r in rows}
    assert [by_id["R-1"][c] for c in ("eligible", "reason", "contribution", "contribution_base")] == [
        "true",
        "eligible",
        "500.00",
        "12.06",
    ]
    assert (
        by_id["R-2"]["contribution"] == "0.01" and by_id["R-2"]["contribution_base"] == "0.00"
    )  # half a kopiyka rounds up
    assert (
        by_id["R-3"]["eligible"] == "false" and by_id["R-3"]["reason"] == "resource iron_ore is not covered"
    )
    assert by_id["R-3"]["contribution"] == "0.00"
    assert by_id["R-4"]["reason"] == "stream psa_bonus counts only from 2025-12-10"
    assert by_id["R-5"]["contribution_base"] == "2.38"  # 100 / 42.1
    assert {r["base_currency"] for r in rows} == {"USD"}  # the terms' base currency, named beside it
    assert not any("usd" in column for column in rows[0])


def test_detail_json_and_missing_rates(cli, tmp_path, licences_csv):
    setup(cli, tmp_path, licences_csv, rates=False)
    rows = json.loads(cli("contributions", "--detail", "--format", "json").stdout)
    assert (
        rows[0]["contribution_base"] is None
        and "no usable USD rate on or before 2025-06-06" in rows[0]["reason"]
    )
    r = cli("contributions", "--by", "resource", ok=False)
    assert r.exit_code == 1 and "USD: 2025-06-06, 2025-06-07, 2025-12-10" in r.stderr
    assert cli("report", "eiti", "--year", "2025", ok=False).exit_code == 1


def test_totals_by_each_grouping(cli, tmp_path, licences_csv):
    setup(cli, tmp_path, licences_csv)
    for by in ("licence", "holder", "resource", "region", "stream", "month", "year"):
        rows = json.loads(cli("contributions", "--by", by, "--year", "2025", "-f", "json").stdout)
        assert sum(float(r["contribution"]) for r in rows) == 600.01, by
    [lithium] = [
        r
        for r in json.loads(cli("contributions", "--by", "resource", "-f", "json").stdout)
        if r["resource"] == "lithium"
    ]
    assert (lithium["name"], lithium["receipts"], lithium["eligible"], lithium["contribution_base"]) == (
        "Lithium",
        4,
        3,
        "14.44",
    )
    assert lithium["base_currency"] == "USD" and "contribution_usd" not in lithium
    assert cli("contributions", "--by", "planet", ok=False).exit_code == 2


def test_eiti_report_csv_xlsx_and_materiality(cli, tmp_path, licences_csv):
    setup(cli, tmp_path, licences_csv)
    rows = list(
        csv.DictReader(io.StringIO(cli("report", "eiti", "--year", "2025", "--format", "csv").stdout))
    )
    streams = {r["key"]: r for r in rows if r["section"] == "stream"}
    assert streams["rent"]["gfs_code"] == "1415E1" and streams["rent"]["amount"] == "6000.00"
    assert streams["rent"]["eligible_amount"] == "1000.00" and streams["rent"]["contribution"] == "500.00"
    assert {r["key"] for r in rows if r["section"] == "holder"} == {"40000001", "40000002"}
    [total] = [r for r in rows if r["section"] == "total"]
    assert total["amount"] == "6400.01" and total["contribution"] == "600.01"
    folded = list(
        csv.DictReader(
            io.StringIO(cli("report", "eiti", "--year", "2025", "-f", "csv", "--materiality", "1000").stdout)
        )
    )
    assert [r["key"] for r in folded if r["section"] == "stream"] == ["rent", "(below materiality)"]
    [below] = [r for r in folded if r["section"] == "stream" and r["key"] == "(below materiality)"]
    assert (below["receipts"], below["amount"], below["contribution"]) == ("3", "400.01", "100.01")
    out = tmp_path / "eiti.xlsx"
    cli("report", "eiti", "--year", "2025", "--format", "xlsx", "-o", str(out))
    # The workbook follows the EITI summary data template: one sheet per part
    # (tests/revenue/test_eiti_law.py).
    assert openpyxl.load_workbook(out).sheetnames == [
        "About the report",
        "Disclosure checklist",
        "Reporting entities",
        "Government revenues",
        "Companies and projects",
    ]
    assert cli("report", "eiti", "--year", "2025", "--format", "xlsx", ok=False).exit_code == 2


def test_reconcile(cli, tmp_path, licences_csv):
    setup(cli, tmp_path, licences_csv)
    cli("payments", "import", str(write(tmp_path, "p.csv", PAYMENTS)))
    rows = json.loads(cli("reconcile", "--year", "2025", "--tolerance", "50", "-f", "json").stdout)
    kinds = {(r["kind"], r["licence_id"], r["stream"]) for r in rows}
    assert ("discrepancy", "L-OLD", "rent") in kinds
    assert ("payment without receipt", "L-ZZZ", "rent") in kinds
    assert ("receipt without payment", "L-NEW", "psa_bonus") in kinds
    assert not any(r["licence_id"] == "L-NEW" and r["stream"] == "rent" for r in rows)  # equal on both sides
    [d] = [r for r in rows if r["kind"] == "discrepancy"]
    assert (d["treasury"], d["company"], d["difference"], d["difference_pct"]) == (
        "5000.00",
        "4900.00",
        "-100.00",
        "-2.00",
    )
    tight = json.loads(cli("reconcile", "--year", "2025", "--tolerance", "100", "-f", "json").stdout)
    assert not [r for r in tight if r["kind"] == "discrepancy"]


def test_transfers_calendar_and_verify(cli, tmp_path, licences_csv, monkeypatch):
    setup(cli, tmp_path, licences_csv)
    monkeypatch.setenv("JOINTFUND_TODAY", "2026-04-15")
    cs = cli_countersign(cli, tmp_path)
    status = {r["deadline"]: r for r in json.loads(cli("calendar", "--year", "2025", "-f", "json").stdout)}
    assert (
        status["transfer"]["status"] == "overdue"
        and "600.01 UAH to transfer" in status["transfer"]["outstanding"]
    )
    assert status["data"]["status"] == "overdue" and status["report"]["status"] == "open"
    out = json.loads(
        cli(
            "transfers",
            "record",
            *cs,
            "--partner",
            "UA",
            "--date",
            "2026-03-30",
            "--amount",
            "600.00",
            "--currency",
            "UAH",
            "--reference",
            "T-1",
            "--period",
            "2025",
            "-f",
            "json",
        ).stdout
    )
    assert out[0]["outstanding"] == "0.01" and out[0]["state"] == "under-paid"
    cli(
        "transfers",
        "record",
        *cs,
        "--partner",
        "UA",
        "--date",
        "2026-04-10",
        "--amount",
        "0.01",
        "--currency",
        "UAH",
        "--reference",
        "T-2",
        "--period",
        "2025",
    )
    cli(
        "calendar",
        "file",
        "--year",
        "2025",
        "--deadline",
        "data",
        "--date",
        "2026-03-14",
        "--reference",
        "Letter 1",
    )
    status = {r["deadline"]: r for r in json.loads(cli("calendar", "--year", "2025", "-f", "json").stdout)}
    assert (status["transfer"]["status"], status["transfer"]["met_on"]) == ("late", "2026-04-10")
    assert status["data"]["status"] == "done"
    refused = cli(
        "calendar",
        "file",
        "--year",
        "2025",
        "--deadline",
        "transfer",
        "--date",
        "2026-03-14",
        "--reference",
        "x",
        ok=False,
    )
    assert refused.exit_code == 1 and "met by transfers" in refused.stderr
    assert (
        cli(
            "transfers",
            "record",
            *cs,
            "--partner",
            "US",
            "--date",
            "2026-03-30",
            "--amount",
            "1.00",
            "--currency",
            "UAH",
            "--reference",
            "T-3",
            "--period",
            "2025",
            ok=False,
        ).exit_code
        == 1
    )
    assert cli("verify").exit_code == 0
