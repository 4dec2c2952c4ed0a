"""Imports of the files people's spreadsheets write: the separator found (or given), numbers in the file's
locale, templates for each import, and --dry-run, which shows everything and writes nothing."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from jointfund.revenue import templates
from jointfund.revenue.numbers import canonical
from jointfund.revenue.reader import Dialect, read_rows, sniff_delimiter
from jointfund.revenue.receipt import COLUMNS as RECEIPT_COLUMNS

from .conftest import write

# What a Ukrainian Excel writes with "Save as CSV": semicolons, CRLF, decimal commas, spaces and no-break
# spaces between thousands, dates as DD.MM.YYYY.
UKRAINIAN = (
    "receipt_id;date;licence_id;stream;amount;currency\r\n"
    "R-UK-1;17.11.2026;L-NEW;rent;1 250 000,00;UAH\r\n"
    "R-UK-2;18.11.2026;L-NEW;rent;2\u00a0500,50;UAH\r\n"
    "R-UK-3;19.11.2026;L-NEW;permit_fee;12,5;UAH\r\n"
)


@pytest.mark.parametrize(
    ("text", "locale", "plain"),
    [
        ("1 250 000,00", "auto", "1250000.00"),
        ("1\u00a0250\u00a0000,00", "auto", "1250000.00"),
        ("1\u202f250,5", "uk", "1250.5"),
        ("1,250,000.00", "auto", "1250000.00"),
        ("1.250.000,00", "auto", "1250000.00"),
        ("1250000,00", "auto", "1250000.00"),
        ("12,5", "auto", "12.5"),
        ("1,250", "uk", "1.250"),
        ("1,250", "en", "1250"),
        ("-1 250,50", "auto", "-1250.50"),
        ("1250000.00", "uk", "1250000.00"),
        ("1 250", "en", "1250"),
    ],
)
def test_numbers_are_read_when_their_reading_is_certain(text, locale, plain):
    assert canonical(text, locale) == (plain, None)


@pytest.mark.parametrize(
    ("text", "locale", "why"),
    [
        (
            "1,250",
            "auto",
            "ambiguous: 1,250 may be 1.250 (decimal comma) or 1250 (thousands): write it with its decimals "
            "(1 250,00 or 1,250.00); or give --locale uk or --locale en",
        ),
        ("12 50,00", "auto", "spaces in a number may only group its digits in threes"),
        ("1,250,000.00", "uk", "the decimal mark of a --locale uk file is a comma"),
        ("1 250 000,00", "en", "a comma in a number must group thousands in threes"),
        ("1.250.000,00", "en", "the decimal mark of a --locale en file is a dot"),
        ("1,2,3", "auto", "a comma in a number must group thousands in threes"),
        ("1.2.3", "auto", "not a number: more than one decimal mark"),
    ],
)
def test_numbers_whose_reading_is_not_certain_are_refused_saying_why(text, locale, why):
    kept, problem = canonical(text, locale)
    assert kept == text and problem is not None and problem.startswith(why)


def test_the_separator_is_found_from_the_header_or_taken_as_given(tmp_path):
    for sep in (",", ";", "\t"):
        path = write(tmp_path, "r.csv", UKRAINIAN.replace(";", sep))
        assert sniff_delimiter(path, RECEIPT_COLUMNS) == sep
    path = write(tmp_path, "r.csv", UKRAINIAN)
    rows = list(read_rows(path, RECEIPT_COLUMNS, dialect=Dialect(";", "uk")))
    assert [r.values["amount"] for r in rows] == ["1 250 000,00", "2\u00a0500,50", "12,5"]
    assert {r.locale for r in rows} == {"uk"}
    assert sniff_delimiter(write(tmp_path, "x.csv", "what;ever\n1;2\n"), RECEIPT_COLUMNS) == ","


@pytest.mark.storage
def test_a_ukrainian_excel_csv_imports_on_both_backends(cli, tmp_path, licences_csv):
    cli("licences", "import", str(licences_csv))
    path = write(tmp_path, "надходження.csv", UKRAINIAN)
    path.write_bytes(UKRAINIAN.encode("utf-8-sig"))  # Excel's "CSV UTF-8" starts with a BOM
    cli("receipts", "import", str(path))
    got = {r["receipt_id"]: r for r in json.loads(cli("receipts", "list", "-f", "json").stdout)}
    assert [(got[k]["date"], got[k]["amount"]) for k in ("R-UK-1", "R-UK-2", "R-UK-3")] == [
        ("2026-11-17", "1250000.00"),
        ("2026-11-18", "2500.50"),
        ("2026-11-19", "12.50"),
    ]
    again = cli("receipts", "import", str(path), "--delimiter", ";", "--locale", "uk", "-f", "json")
    assert json.loads(again.stdout)[0]["unchanged"] == 3, "the same values, however the file is read"


@pytest.mark.storage
def test_the_wrong_locale_or_an_ambiguous_number_is_refused_naming_line_and_column(
    cli, tmp_path, licences_csv
):
    cli("licences", "import", str(licences_csv))
    path = write(tmp_path, "r.csv", UKRAINIAN)
    r = cli("receipts", "import", str(path), "--locale", "en", ok=False)
    assert r.exit_code == 1 and "r.csv:2:amount: a comma in a number must group thousands" in r.stderr
    assert "r.csv:3:amount" in r.stderr and "Traceback" not in r.stderr
    ambiguous = write(
        tmp_path, "a.csv", "receipt_id;date;licence_id;stream;amount\nR-A;17.11.2026;L-NEW;rent;1,250\n"
    )
    r = cli("receipts", "import", str(ambiguous), ok=False)
    assert "a.csv:2:amount: ambiguous: 1,250 may be 1.250" in r.stderr
    assert json.loads(cli("receipts", "list", "-f", "json").stdout) == []
    assert cli("receipts", "import", str(path), "--delimiter", "|", ok=False).exit_code == 2
    assert cli("receipts", "import", str(path), "--locale", "fr", ok=False).exit_code == 2


@pytest.mark.storage
def test_a_dry_run_shows_the_rows_and_every_problem_and_writes_nothing(cli, tmp_path, licences_csv):
    cli("licences", "import", str(licences_csv))
    before = cli("audit", "-f", "json").stdout
    path = write(tmp_path, "r.csv", UKRAINIAN)
    shown = cli("receipts", "import", str(path), "--dry-run")
    assert "2026-11-17" in shown.stdout and "1,250,000.00" in shown.stdout, "the rows as they would be stored"
    assert "3 would be new" in shown.stderr and "nothing was written" in shown.stderr
    summary = json.loads(cli("receipts", "import", str(path), "--dry-run", "-f", "json").stdout)
    assert summary[0]["new"] == 3 and summary[0]["accrued"] >= 1
    assert json.loads(cli("receipts", "list", "-f", "json").stdout) == []
    assert json.loads(cli("ledger", "entries", "-f", "json").stdout) == []
    assert cli("audit", "-f", "json").stdout == before, "not even the import's event"
    bad = write(tmp_path, "bad.csv", UKRAINIAN + "R-UK-4;31.11.2026;L-ZZZ;rent;abc;UAH\r\n")
    r = cli("receipts", "import", str(bad), "--dry-run", ok=False)
    assert r.exit_code == 1
    for where in ("bad.csv:5:date", "bad.csv:5:licence_id", "bad.csv:5:amount"):
        assert where in r.stderr, (where, r.stderr)
    assert json.loads(cli("receipts", "list", "-f", "json").stdout) == []
    assert cli("verify").exit_code == 0


def test_every_template_has_the_import_columns_and_a_row_it_reads(tmp_path):
    written = templates.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(
        f"{k}-template.{f}" for k in templates.KINDS for f in ("csv", "xlsx")
    )
    for kind, columns in templates.KINDS.items():
        header, example = list(
            csv.reader(io.StringIO((tmp_path / f"{kind}-template.csv").read_text("utf-8")))
        )
        assert tuple(header) == columns.all and any(example)
        sheet = openpyxl.load_workbook(tmp_path / f"{kind}-template.xlsx").active
        assert [c.value or "" for c in sheet[1]] == header and [c.value or "" for c in sheet[2]] == example
        from_csv = next(read_rows(tmp_path / f"{kind}-template.csv", columns)).values
        assert next(read_rows(tmp_path / f"{kind}-template.xlsx", columns)).values == from_csv
    name, content = templates.template("receipts", "csv")
    assert name == "receipts-template.csv" and content.startswith(b"receipt_id,date,licence_id")
    with pytest.raises(ValueError, match="no pdf template"):
        templates.template("receipts", "pdf")


@pytest.mark.storage
def test_the_templates_command_writes_templates_the_imports_take(cli, tmp_path):
    out = tmp_path / "tpl"
    r = cli("templates", "--dir", str(out))
    assert len(r.stdout.split()) == 8 and "wrote 8 templates" in r.stderr
    cli("licences", "import", str(out / "licences-template.xlsx"))
    assert len(json.loads(cli("licences", "list", "-f", "json").stdout)) == 1
    assert cli("templates", "--dir", str(out), "--format", "ods", ok=False).exit_code == 2
