"""Issue 14's outputs and money rules on both backends: the EITI summary data (xlsx and csv), the public
licence register, subnational transfers, reconciliation across a year's end, and corrections that net to
zero."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointfund.revenue.contribution import evaluate
from jointfund.revenue.eligibility import RuleBook
from jointfund.revenue.fx import Rate, RateTable
from jointfund.revenue.licence import Licence
from jointfund.revenue.receipt import Receipt
from jointfund.terms import shipped_text

from .conftest import write
from .test_law import NEW_LICENCES

RATES = "date,currency,rate\n2025-12-30,USD,42.0000\n2026-01-02,USD,42.5000\n2026-01-12,USD,43.1234\n"
RECEIPTS = """receipt_id,date,licence_id,stream,amount,resource,budget
R-1,2026-01-12,L-GAS,rent,9500.00,natural_gas,
R-2,2026-01-12,L-GAS,rent,500.00,natural_gas,local
R-3,2026-01-12,L-GAS,rent,2000.00,condensate,
R-4,2026-01-12,L-NEW,rent,1000.00,,
R-5,2026-01-12,L-OLD,rent,300.00,,
"""


@pytest.fixture
def fund(cli, fund_engine, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    cli("licences", "import", str(write(tmp_path, "new-licences.csv", NEW_LICENCES)))
    cli("fx", "import", str(write(tmp_path, "fx.csv", RATES)))
    cli("receipts", "import", str(write(tmp_path, "r.csv", RECEIPTS)))
    return fund_engine


def read_csv(path) -> list[dict]:  # noqa: ANN001
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.storage
def test_eiti_summary_data_one_csv_per_part_and_the_same_in_xlsx(cli, fund, tmp_path):
    out = tmp_path / "eiti"
    cli("report", "eiti", "--year", "2026", "--format", "csv", "-o", str(out))
    assert sorted(p.name for p in out.iterdir()) == [
        "1_about.csv",
        "2_disclosure_checklist.csv",
        "3_reporting_entities.csv",
        "4_government_revenues.csv",
        "5_company_payments.csv",
    ]
    about = {r["field"]: r["value"] for r in read_csv(out / "1_about.csv")}
    assert (about["country"], about["country_code"], about["fiscal_year"], about["reporting_currency"]) == (
        "Ukraine",
        "UKR",
        "2026",
        "UAH",
    )
    checklist = {r["requirement"]: r["published"] for r in read_csv(out / "2_disclosure_checklist.csv")}
    assert checklist["2.3"] == "yes" and checklist["5.2"] == "yes"
    entities = read_csv(out / "3_reporting_entities.csv")
    kinds = {(r["kind"], r["code"]) for r in entities}
    assert {
        ("government entity", "STS"),
        ("government entity", "LOCAL"),
        ("company", "40000013"),
        ("project", "L-GAS"),
        ("commodity", "condensate"),
    } <= kinds
    [gas] = [r for r in entities if r["code"] == "L-GAS"]
    assert gas["detail"] == "natural_gas;condensate"
    revenues = read_csv(out / "4_government_revenues.csv")
    by_entity = {r["entity"]: r for r in revenues if r["stream"] == "rent"}
    # Rent goes to the State Tax Service, with its GFS and budget codes; the local-budget share is a
    # subnational transfer and forms no part of the contribution's base.
    sts, local = by_entity["STS"], by_entity["LOCAL"]
    assert (sts["gfs_code"], sts["budget_code"], sts["subnational_transfer"]) == ("1415E1", "13030000", "no")
    assert (sts["amount"], sts["eligible_amount"], sts["contribution"]) == ("12800.00", "10500.00", "5250.00")
    assert (local["amount"], local["contribution"], local["subnational_transfer"]) == (
        "500.00",
        "0.00",
        "yes",
    )
    assert local["entity_name"] == "Local budgets"
    payments = read_csv(out / "5_company_payments.csv")
    assert {(r["project"], r["amount"]) for r in payments} == {
        ("L-GAS", "12000.00"),
        ("L-NEW", "1000.00"),
        ("L-OLD", "300.00"),
    }
    book = tmp_path / "eiti.xlsx"
    cli("report", "eiti", "--year", "2026", "--format", "xlsx", "-o", str(book))
    sheets = openpyxl.load_workbook(book)
    rows = list(sheets["Government revenues"].values)
    assert rows[2][:4] == ("gfs_code", "budget_code", "stream", "stream_name") and len(rows) == 3 + len(
        revenues
    )
    # A file where the directory should be is refused, not overwritten.
    r = cli("report", "eiti", "--year", "2026", "--format", "csv", "-o", str(book), ok=False)
    assert r.exit_code == 2 and "Traceback" not in r.stderr


@pytest.mark.storage
def test_public_licence_register(cli, fund, tmp_path):
    rows = {r["licence_id"]: r for r in json.loads(cli("report", "licences", "--format", "json").stdout)}
    assert (rows["L-NEW"]["covered"], rows["L-NEW"]["why"]) == ("yes", "")
    assert (rows["L-OLD"]["covered"], rows["L-OLD"]["why"]) == ("no", "resource iron_ore is not covered")
    assert (rows["L-FLAG"]["covered"], rows["L-FLAG"]["why"]) == ("no", "excluded: reparations")
    assert (rows["L-REN"]["covered"], rows["L-REN"]["why"]) == (
        "no",
        "licence basis renewal: renewals do not count",
    )
    assert rows["L-GAS"]["resources"] == "natural_gas;condensate" and rows["L-GAS"]["covered"] == "yes"
    assert rows["L-PSA13"]["psa_signed"] == "2013-05-10"
    assert rows["L-PSA13"]["psa_note"] == "PSA signed 2013-05-10, before entry into force 2025-05-23"
    assert rows["L-NEW"]["psa_note"] == "PSA signing date not recorded"
    path = tmp_path / "register.csv"
    cli("report", "licences", "--format", "csv", "-o", str(path))
    assert {r["licence_id"] for r in read_csv(path)} == set(rows)
    cli("report", "licences", "--format", "xlsx", "-o", str(tmp_path / "register.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "register.xlsx").active
    assert len(list(sheet.values)) == 3 + len(rows)
    assert cli("report", "licences", "--format", "xlsx", ok=False).exit_code == 2
    assert cli("report", "licences", "--format", "pdf", ok=False).exit_code == 2


PAYMENTS = """payment_id,date,holder_code,licence_id,stream,amount
P-DEC,2025-12-31,40000001,L-NEW,rent,700.00
P-JAN,2026-01-05,40000001,L-NEW,rent,800.00
P-FAR,2025-12-01,40000001,L-NEW,permit_fee,90.00
"""
ACROSS_RECEIPTS = """receipt_id,date,licence_id,stream,amount
X-JAN,2026-01-02,L-NEW,rent,700.00
X-JAN2,2026-01-06,L-NEW,rent,800.00
X-FAR,2026-01-20,L-NEW,permit_fee,90.00
"""


@pytest.mark.storage
def test_reconciliation_matches_across_the_year_end_within_the_window(
    cli, fund_engine, licences_csv, tmp_path
):
    cli("licences", "import", str(licences_csv))
    cli("receipts", "import", str(write(tmp_path, "r.csv", ACROSS_RECEIPTS)))
    cli("payments", "import", str(write(tmp_path, "p.csv", PAYMENTS)))
    y2025 = json.loads(cli("reconcile", "--year", "2025", "-f", "json").stdout)
    kinds = {(r["kind"], r["stream"]): r for r in y2025}
    # Paid 31 Dec, received 2 Jan: no discrepancy, and each side's date (so its year) is shown.
    across = kinds[("matched across periods", "rent")]
    assert (
        across["difference"] == "0.00"
        and across["ids"] == "P-DEC (paid 2025-12-31) X-JAN (received 2026-01-02)"
    )
    # 1 Dec and 20 Jan are 50 days apart, beyond the 10-day window: still a payment without receipt.
    assert ("payment without receipt", "permit_fee") in kinds and len(y2025) == 2
    y2026 = json.loads(cli("reconcile", "--year", "2026", "-f", "json").stdout)
    kinds = {(r["kind"], r["stream"]) for r in y2026}
    # In 2026 the January pair matches inside the year; the 2 January receipt is the other half of the pair.
    assert kinds == {("matched across periods", "rent"), ("receipt without payment", "permit_fee")}


# -- corrections are converted at the corrected receipt's rate --

RULES = RuleBook(shipped_text()).on(dt.date(2026, 1, 1))
LIC = Licence("L-1", "H", "H1", "lithium", "", "", dt.date(2025, 6, 1), "new", False)


@given(
    st.integers(1, 10**11),
    st.dates(dt.date(2025, 6, 1), dt.date(2026, 6, 30)),
    st.integers(0, 200),
    st.integers(10**5, 10**7),
    st.integers(10**5, 10**7),
)
@settings(max_examples=200, deadline=None)
def test_a_receipt_and_its_correction_net_to_zero_in_usd(minor, day, later, rate_then, rate_later):
    amount = Decimal(minor).scaleb(-2)
    fixed = day + dt.timedelta(days=later)
    rates = RateTable(
        [Rate("USD", day, Decimal(rate_then).scaleb(-4)), Rate("USD", fixed, Decimal(rate_later).scaleb(-4))],
        "UAH",
        None,
    )
    original = Receipt("R-1", day, "L-1", "rent", amount, "UAH")
    correction = Receipt("R-1-R", fixed, "L-1", "rent", -amount, "UAH", "R-1")
    a = evaluate(original, LIC, RULES, rates)
    b = evaluate(correction, LIC, RULES, rates, rate_day=original.date)
    assert a.contribution + b.contribution == 0
    assert a.contribution_base is not None and a.contribution_base + b.contribution_base == 0


@pytest.mark.storage
def test_a_correction_months_later_is_valued_at_the_original_rate(cli, fund, tmp_path):
    text = (
        "receipt_id,date,licence_id,stream,amount,corrects\nC-1,2026-01-12,L-NEW,rent,333.33,\n"
        "C-1-R,2026-03-02,L-NEW,rent,-333.33,C-1\n"
    )
    cli("fx", "import", str(write(tmp_path, "fx2.csv", "date,currency,rate\n2026-03-02,USD,39.0000\n")))
    cli("receipts", "import", str(write(tmp_path, "c.csv", text)))
    rows = {
        r["receipt_id"]: r for r in json.loads(cli("contributions", "--detail", "--format", "json").stdout)
    }
    assert rows["C-1"]["contribution_base"] == "3.86"  # 166.67 / 43.1234
    assert rows["C-1-R"]["contribution_base"] == "-3.86"  # at 43.1234, not at 39.00 (which gives -4.27)
    cli("verify")
