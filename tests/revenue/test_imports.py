"""Imports on both backends: atomic, idempotent, every problem with file, line, column and value."""

import json

from sqlalchemy import func, select

from jointfund.ledger import log
from jointfund.store import db
from jointfund.store import tables as t

from .conftest import write

RECEIPTS = """receipt_id,date,licence_id,stream,amount,currency
R-1,2025-06-02,L-NEW,rent,1000.00,UAH
R-2,2025-06-03,L-OLD,rent,500.00,UAH
R-3,2025-06-04,L-UND,permit_fee,250.00,
R-4,2025-06-05,L-NEW,other,10.00,UAH
"""


def count(engine, table) -> int:
    with db.transaction(engine) as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def log_size(engine) -> int:
    with db.transaction(engine) as conn:
        return log.size(conn)


def test_licences_then_receipts_import_and_accrue(cli, fund_engine, licences_csv, tmp_path):
    out = json.loads(cli("licences", "import", str(licences_csv), "--format", "json").stdout)
    assert out[0]["new"] == 5
    out = json.loads(
        cli("receipts", "import", str(write(tmp_path, "r.csv", RECEIPTS)), "--format", "json").stdout
    )
    assert (out[0]["new"], out[0]["accrued"]) == (
        4,
        2,
    )  # R-1 (new licence) and R-3 (undeveloped); not iron ore, not "other"
    assert count(fund_engine, t.receipt) == 4


def test_malformed_row_in_the_middle_leaves_nothing_imported(cli, fund_engine, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    rows = ["receipt_id,date,licence_id,stream,amount"] + [
        f"R-{i},2025-06-02,L-NEW,rent,{i}.00" for i in range(1, 400)
    ]
    rows[200] = "R-200,2025-06-31,L-NEW,rent,12.345"
    before = log_size(fund_engine)
    r = cli("receipts", "import", str(write(tmp_path, "bad.csv", "\n".join(rows) + "\n")), ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "bad.csv:201:date: not a valid date" in r.stderr and "'2025-06-31'" in r.stderr
    assert "bad.csv:201:amount: UAH has 2 decimal place(s)" in r.stderr
    assert count(fund_engine, t.receipt) == 0 and log_size(fund_engine) == before


def test_every_problem_is_reported_not_only_the_first(cli, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    text = (
        RECEIPTS
        + "R-5,2025-06-05,L-NOPE,rent,1.00,UAH\nR-6,2025-06-05,L-NEW,royalty,1.00,UAH\nR-7,2025-06-05,L-NEW,rent,1.00,EUR\n"  # noqa: E501 - data kept on one line, as the file holds it
    )
    r = cli("receipts", "import", str(write(tmp_path, "r.csv", text)), ok=False)
    assert "3 problem(s)" in r.stderr
    assert "r.csv:6:licence_id: unknown licence" in r.stderr and "'L-NOPE'" in r.stderr
    assert "r.csv:7:stream: unknown revenue stream" in r.stderr and "'royalty'" in r.stderr
    assert "r.csv:8:currency: unknown currency" in r.stderr


def test_reimport_is_a_no_op(cli, fund_engine, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    path = write(tmp_path, "r.csv", RECEIPTS)
    cli("receipts", "import", str(path))
    before = (log_size(fund_engine), count(fund_engine, t.receipt), count(fund_engine, t.entry))
    out = json.loads(cli("receipts", "import", str(path), "--format", "json").stdout)
    assert (out[0]["new"], out[0]["unchanged"], out[0]["accrued"]) == (0, 4, 0)
    assert (log_size(fund_engine), count(fund_engine, t.receipt), count(fund_engine, t.entry)) == before


def test_changed_duplicate_is_refused_showing_both_versions(cli, fund_engine, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    cli("receipts", "import", str(write(tmp_path, "r.csv", RECEIPTS)))
    changed = (
        RECEIPTS.replace("R-2,2025-06-03,L-OLD,rent,500.00", "R-2,2025-06-03,L-OLD,rent,500.50")
        + "R-9,2025-06-09,L-NEW,rent,1.00,UAH\n"
    )
    r = cli("receipts", "import", str(write(tmp_path, "r2.csv", changed)), ok=False)
    assert "r2.csv:3:receipt_id: receipt R-2 was already imported with different content" in r.stderr
    assert "imported (r.csv:3)" in r.stderr and "amount=500.00" in r.stderr and "amount=500.50" in r.stderr
    assert count(fund_engine, t.receipt) == 4  # R-9 did not go in either


def test_duplicate_within_one_file(cli, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    same = RECEIPTS + "R-1,2025-06-02,L-NEW,rent,1000.00,UAH\n"
    assert (
        json.loads(cli("receipts", "import", str(write(tmp_path, "a.csv", same)), "-f", "json").stdout)[0][
            "unchanged"
        ]
        == 1
    )
    other = RECEIPTS + "R-1,2025-06-02,L-NEW,rent,999.00,UAH\n"
    r = cli("receipts", "import", str(write(tmp_path, "b.csv", other)), ok=False)
    assert "b.csv:6:receipt_id" in r.stderr and "imported (a.csv:2)" in r.stderr


def test_header_problems_and_unknown_resource_suggestions(cli, tmp_path):
    r = cli(
        "licences",
        "import",
        str(write(tmp_path, "h.csv", "licence_id,holder,resourse\nL,H,lithium\n")),
        ok=False,
    )
    assert "h.csv:1:resourse: unknown column" in r.stderr and "missing column 'resource'" in r.stderr
    bad = "licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa\nL-1,H,1,lithum,D,R,2025-06-01,newish,maybe\n"  # noqa: E501 - data kept on one line, as the file holds it
    r = cli("licences", "import", str(write(tmp_path, "l.csv", bad)), ok=False)
    assert "l.csv:2:resource: unknown resource code (did you mean lithium or" in r.stderr
    assert "l.csv:2:basis: unknown licence basis" in r.stderr and "l.csv:2:psa: unknown psa value" in r.stderr


def test_columns_in_any_order_and_xlsx(cli, fund_engine, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["psa", "basis", "issued", "region", "deposit", "resource", "holder_code", "holder", "licence_id"]
    )
    import datetime as dt

    sheet.append(
        ["no", "new", dt.datetime(2025, 6, 1), "Kirovohrad", "Dobra", "lithium", 40000001, "Dobra", "L-X"]
    )
    sheet.append([None] * 9)
    path = tmp_path / "l.xlsx"
    book.save(path)
    assert json.loads(cli("licences", "import", str(path), "-f", "json").stdout)[0]["new"] == 1
    rows = json.loads(cli("licences", "list", "-f", "json").stdout)
    assert (
        rows[0]["licence_id"] == "L-X"
        and rows[0]["holder_code"] == "40000001"
        and rows[0]["issued"] == "2025-06-01"
    )


def test_nbu_json_rates_and_conflicting_rate(cli, fund_engine, tmp_path):
    nbu = [
        {"r030": 840, "txt": "Долар США", "rate": 41.4511, "cc": "USD", "exchangedate": "06.06.2025"},
        {"r030": 978, "txt": "Євро", "rate": 47.1234, "cc": "EUR", "exchangedate": "06.06.2025"},
    ]
    path = tmp_path / "nbu.json"
    path.write_text(json.dumps(nbu, ensure_ascii=False), encoding="utf-8")
    cli("fx", "import", str(path))
    rows = json.loads(cli("fx", "list", "--currency", "USD", "-f", "json").stdout)
    assert rows == [{"currency": "USD", "date": "2025-06-06", "rate": "41.4511", "corrected": "no"}]
    clash = write(tmp_path, "fx.csv", "date,currency,rate\n2025-06-06,USD,41.5\n2025-06-07,USD,-1\n")
    r = cli("fx", "import", str(clash), ok=False)
    assert "fx.csv:2:currency: rate USD 2025-06-06 was already imported with different content" in r.stderr
    assert "fx.csv:3:rate: expected a positive number" in r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('[{"cc": "USD", "rate": 41.1, "exchangedate": "32.01.2025"}]', encoding="utf-8")
    assert "bad.json:item 1:exchangedate: not a valid date" in cli("fx", "import", str(bad), ok=False).stderr


def test_revenue_tables_are_append_only(cli, fund_engine, licences_csv):
    import pytest
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DBAPIError

    cli("licences", "import", str(licences_csv))
    for statement in (update(t.licence).values(basis="new"), delete(t.licence)):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.transaction(fund_engine) as conn:
                conn.execute(statement)
