"""Rounding at the level the terms choose (issue 14): per receipt, or once on the day's total per stream and
licence, with the difference reported and booked to the terms' rounding account.

Table-driven on the per-receipt definition (contribution.rounding_differences); the same sums fed judged
frames (DayStreamRounding.add_frame) proven equal with Hypothesis; then a fund whose terms file rounds per
day and stream,
on both backends: accrual books the difference, the report shows it, verify recomputes it and catches a
wrong booking.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Cli
from hypothesis import given, settings
from hypothesis import strategies as st
from support import cli_countersign

from jointfund import fund as fund_mod
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.revenue import bulk
from jointfund.revenue.accrual import rounding_key
from jointfund.revenue.contribution import DayStream, DayStreamRounding, evaluate, rounding_differences
from jointfund.revenue.fx import Rate, RateTable
from jointfund.revenue.licence import Licence
from jointfund.revenue.receipt import Receipt
from jointfund.store import db
from jointfund.terms import shipped_text

from .conftest import LICENCES, write
from .test_bulk import RULES, OnePeriod, TwoPeriods, cases

D = dt.date.fromisoformat
PER_DAY = RULES._replace(rounding_level="per_day_stream")
LIC = {
    x: Licence(x, "H", "H1", "lithium", "Dobra", "Kirovohrad", D("2025-06-01"), "new", True)
    for x in ("L-1", "L-2")
}
RATES = RateTable([Rate("USD", D("2026-01-01"), Decimal("40.0000"))], "UAH", None)


def rec(
    i: int,
    amount: str,
    stream: str = "rent",
    licence: str = "L-1",
    day: str = "2026-01-15",
    budget: str | None = None,
    currency: str = "UAH",
) -> Receipt:
    return Receipt(f"R-{i}", D(day), licence, stream, Decimal(amount), currency, None, None, budget)


THREE = [rec(1, "0.01"), rec(2, "0.01"), rec(3, "0.01")]  # each owes 0.005, rounded half up to 0.01

CASES = [
    # name, receipts, rules, expected [(licence, stream, day, per receipt, rounded once, difference)]
    (
        "three half-kopiyka receipts of a day: 0.03 per receipt, 0.02 once",
        THREE,
        PER_DAY,
        [("L-1", "rent", "2026-01-15", "0.03", "0.02", "-0.01")],
    ),
    ("the same receipts rounded per receipt: no difference", THREE, RULES, []),
    (
        "two half-kopiyka receipts: 0.02 per receipt, 0.01 once",
        THREE[:2],
        PER_DAY,
        [("L-1", "rent", "2026-01-15", "0.02", "0.01", "-0.01")],
    ),
    ("one receipt alone: its own rounding", THREE[:1], PER_DAY, []),
    (
        "a stream of its own is a group of its own",
        [*THREE[:2], rec(3, "0.01", "permit_fee")],
        PER_DAY,
        [("L-1", "rent", "2026-01-15", "0.02", "0.01", "-0.01")],
    ),
    (
        "a licence of its own is a group of its own",
        [*THREE[:2], rec(3, "0.01", licence="L-2")],
        PER_DAY,
        [("L-1", "rent", "2026-01-15", "0.02", "0.01", "-0.01")],
    ),
    (
        "a day of its own is a group of its own",
        [rec(1, "0.01"), rec(2, "0.01", day="2026-01-16")],
        PER_DAY,
        [],
    ),
    (
        "a receipt that does not count stays out of the group",
        [*THREE[:2], rec(3, "0.01", budget="local")],
        PER_DAY,
        [("L-1", "rent", "2026-01-15", "0.02", "0.01", "-0.01")],
    ),
    ("a negative receipt nets in the group", [rec(1, "0.01"), rec(2, "0.01"), rec(3, "-0.01")], PER_DAY, []),
    (
        "halves that add up to a whole kopiyka: no difference",
        [rec(1, "0.01"), rec(2, "0.03")],
        PER_DAY,
        [("L-1", "rent", "2026-01-15", "0.03", "0.02", "-0.01")],
    ),
    ("amounts whose shares are exact: no difference", [rec(1, "0.02"), rec(2, "0.04")], PER_DAY, []),
]


@pytest.mark.parametrize(("case", "receipts", "rules", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rounding_differences(case, receipts, rules, expected):
    evaluations = [evaluate(r, LIC[r.licence_id], rules, RATES) for r in receipts]
    found = rounding_differences(evaluations, lambda day: rules, RATES)
    assert [
        (
            d.group.licence_id,
            d.group.stream,
            str(d.group.day),
            str(d.per_receipt),
            str(d.contribution),
            str(d.difference),
        )
        for d in found
    ] == expected
    for d in found:  # the difference in USD at the day's rate: -0.01 UAH is -0.00025 USD, rounded to -0.00
        assert d.difference_base == (d.difference / 40).quantize(Decimal("0.01"))


def test_the_difference_in_usd_needs_the_days_rate():
    evaluations = [evaluate(r, LIC["L-1"], PER_DAY, RateTable([], "UAH", None)) for r in THREE]
    [d] = rounding_differences(evaluations, lambda day: PER_DAY, RateTable([], "UAH", None))
    assert d.difference == Decimal("-0.01") and d.difference_base is None


def test_a_difference_in_the_base_currency_is_itself():
    receipts = [rec(i, "0.01", currency="USD") for i in range(3)]
    evaluations = [evaluate(r, LIC["L-1"], PER_DAY, RATES) for r in receipts]
    [d] = rounding_differences(evaluations, lambda day: PER_DAY, RATES)
    assert (d.group, d.difference, d.difference_base) == (
        DayStream(D("2026-01-15"), "L-1", "rent", "USD"),
        Decimal("-0.01"),
        Decimal("-0.01"),
    )


# -- the column-wise twin --


class PerDayThenPerReceipt(TwoPeriods):
    """Terms that round per day and stream until AMENDED, then per receipt (with TwoPeriods' halved
    shares)."""

    def on(self, day: dt.date):  # noqa: ANN201
        return PER_DAY if day < self.AMENDED else self.later

    def periods(self):  # noqa: ANN201
        return [(dt.date.min, self.AMENDED, PER_DAY), (self.AMENDED, None, self.later)]


def _frame_rows(lics, receipts, table, days, book, cut):  # noqa: ANN001, ANN202
    judged = bulk.judge(bulk.receipt_frame(receipts), bulk.licence_frame(lics.values()), book, table, days)
    rounding = DayStreamRounding(book.on, book.periods())
    for part in (
        judged.slice(cut),
        judged.slice(0, cut),
    ):  # a group split across frames, the later part first
        if part.height:
            rounding.add_frame(part)
    return rounding.rows(table)


@given(cases(), st.integers(0, 40), st.booleans())
@settings(max_examples=25, deadline=None)
def test_frame_rounding_equals_the_per_receipt_definition(case, cut, amended) -> None:  # noqa: ANN001
    lics, receipts, table, days = case
    book = PerDayThenPerReceipt() if amended else OnePeriod(PER_DAY)
    # Three receipts of each drawn one on its day, licence and stream, so that groups hold several receipts.
    receipts = [r._replace(receipt_id=f"{r.receipt_id}{k}") for r in receipts for k in "abc"]
    evaluations = [
        evaluate(r, lics[r.licence_id], book.on(r.date), table, days.get(r.receipt_id)) for r in receipts
    ]
    expected = rounding_differences(evaluations, book.on, table)
    assert _frame_rows(lics, receipts, table, days, book, cut) == expected


def test_terms_that_round_per_receipt_sum_nothing():
    rounding = DayStreamRounding(OnePeriod(RULES).on, OnePeriod(RULES).periods())
    assert not rounding.active
    judged = bulk.judge(bulk.receipt_frame(THREE), bulk.licence_frame(LIC.values()), OnePeriod(RULES), RATES)
    rounding.add_frame(judged)
    assert rounding.rows(RATES) == []


# -- a fund whose terms round per day and stream --

RECEIPTS = """receipt_id,date,licence_id,stream,amount
R-1,2026-01-15,L-NEW,rent,0.01
R-2,2026-01-15,L-NEW,rent,0.01
R-3,2026-01-15,L-NEW,rent,0.01
R-4,2026-01-15,L-NEW,permit_fee,0.01
R-5,2026-01-16,L-NEW,rent,1000.00
"""


def per_day_terms(tmp_path: Path) -> Path:
    """The shipped terms with rounding_level = per_day_stream, as a terms file."""
    text = shipped_text()
    assert text.count('rounding_level = "per_receipt"') == 1
    return write(
        tmp_path,
        "per-day.toml",
        text.replace('rounding_level = "per_receipt"', 'rounding_level = "per_day_stream"'),
    )


@pytest.fixture
def day_cli(db_url, tmp_path) -> Cli:  # noqa: ANN001
    terms = per_day_terms(tmp_path)
    eng = db.make_engine(db_url)
    fund_mod.create(eng, terms.read_text(encoding="utf-8"), terms.name, settable_clock=True)
    eng.dispose()
    cli = Cli(db_url)
    cli("licences", "import", str(write(tmp_path, "licences.csv", LICENCES)))
    cli("fx", "import", str(write(tmp_path, "fx.csv", "date,currency,rate\n2026-01-15,USD,40.0000\n")))
    return cli


def balances(cli: Cli) -> dict[str, str]:
    rows = json.loads(cli("ledger", "trial-balance", "--format", "json").stdout)
    return {f"{r['account']} {r['currency']}": r["balance"] for r in rows}


@pytest.mark.storage
def test_a_fund_rounding_per_day_and_stream_books_reports_and_verifies(day_cli, tmp_path):
    cli = day_cli
    out = json.loads(
        cli("receipts", "import", str(write(tmp_path, "r.csv", RECEIPTS)), "--format", "json").stdout
    )[0]
    assert (out["accrued"], out["rounding_entries"]) == (5, 1)
    # Each receipt still shows its own rounding; the day's rent of L-NEW owes 0.02, not 0.03.
    detail = {
        r["receipt_id"]: r["contribution"]
        for r in json.loads(cli("contributions", "--detail", "--format", "json").stdout)
    }
    assert detail == {"R-1": "0.01", "R-2": "0.01", "R-3": "0.01", "R-4": "0.01", "R-5": "500.00"}
    rows = json.loads(cli("report", "rounding", "--year", "2026", "--format", "json").stdout)
    assert rows == [
        {
            "date": "2026-01-15",
            "licence_id": "L-NEW",
            "stream": "rent",
            "currency": "UAH",
            "receipts": 3,
            "amount": "0.03",
            "per_receipt": "0.03",
            "contribution": "0.02",
            "difference": "-0.01",
            "difference_base": "0.00",
            "base_currency": "USD",
            "booked": "-0.01",
        }
    ]
    table = cli("report", "rounding", "--year", "2026").stdout
    assert "difference -0.01 UAH" in table and "L-NEW" in table
    assert (
        "difference,difference_base,base_currency,booked"
        in cli("report", "rounding", "--format", "csv").stdout
    )
    assert cli("report", "rounding", "--year", "2025", "--format", "json").stdout.strip() == "[]"
    # The difference is booked to the terms' rounding account; the receivable holds what the day owes.
    held = balances(cli)
    assert held["Equity:Obligations:UA:Rounding UAH"] == "0.01"
    assert held["Assets:Receivable:Contributions:UA UAH"] == "500.03"  # 0.02 rent + 0.01 fee + 500.00
    assert cli("verify").exit_code == 0
    # A later receipt in the booked group changes its difference: the next entry books the change.
    later = "receipt_id,date,licence_id,stream,amount\nR-6,2026-01-15,L-NEW,rent,0.01\n"
    out = json.loads(
        cli("receipts", "import", str(write(tmp_path, "r2.csv", later)), "--format", "json").stdout
    )[0]
    assert (out["accrued"], out["rounding_entries"]) == (
        1,
        1,
    )  # 4 x 0.005 = 0.02 exactly: 0.04 -> 0.02, -0.02
    [row] = json.loads(cli("report", "rounding", "--format", "json").stdout)
    assert (row["receipts"], row["per_receipt"], row["contribution"], row["difference"], row["booked"]) == (
        4,
        "0.04",
        "0.02",
        "-0.02",
        "-0.02",
    )
    assert balances(cli)["Equity:Obligations:UA:Rounding UAH"] == "0.02"
    assert cli("verify").exit_code == 0
    again = json.loads(
        cli("receipts", "import", str(write(tmp_path, "r3.csv", later)), "--format", "json").stdout
    )[0]
    assert again["rounding_entries"] == 0  # nothing changed: nothing booked


@pytest.mark.storage
def test_verify_names_a_group_whose_rounding_is_booked_wrong(day_cli, db_url, tmp_path):
    cli = day_cli
    cli("receipts", "import", str(write(tmp_path, "r.csv", RECEIPTS)))
    group = DayStream(D("2026-01-15"), "L-NEW", "rent", "UAH")
    eng = db.make_engine(db_url)
    with db.transaction(eng) as conn:  # a second rounding entry of the group, as if booked twice
        journal.post(
            conn,
            [
                Entry(
                    group.day,
                    "rounding booked twice",
                    (
                        Posting("Assets:Receivable:Contributions:UA", Decimal("-0.01"), "UAH"),
                        Posting("Equity:Obligations:UA:Rounding", Decimal("0.01"), "UAH"),
                    ),
                    rounding_key(group, 2),
                )
            ],
            D("2025-01-01"),
        )
    eng.dispose()
    r = cli("verify", ok=False)
    assert r.exit_code != 0
    assert (
        "rounding of 2026-01-15, licence L-NEW, rent: booked -0.02 UAH, the rules give -0.01 UAH"
        in r.stdout + r.stderr
    )


@pytest.mark.storage
def test_terms_rounding_per_receipt_book_and_report_no_difference(cli, fund_engine, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    out = json.loads(
        cli("receipts", "import", str(write(tmp_path, "r.csv", RECEIPTS)), "--format", "json").stdout
    )[0]
    assert out["rounding_entries"] == 0
    r = cli("report", "rounding", "--format", "json")
    assert r.stdout.strip() == "[]" and "per_receipt" in r.stderr
    assert "Equity:Obligations:UA:Rounding UAH" not in balances(cli)


def test_terms_naming_per_day_stream_need_the_rounding_account(tmp_path):
    from jointfund.errors import InputError
    from jointfund.terms.loader import load_text

    text = per_day_terms(tmp_path).read_text(encoding="utf-8")
    text = text.replace('contribution_rounding = "Equity:Obligations:{partner}:Rounding"', "")
    with pytest.raises(InputError) as refused:
        load_text(text, "per-day.toml")
    assert "contribution_rounding" in str(refused.value)


@pytest.mark.storage
def test_a_transfer_settles_the_obligation_with_its_rounding(day_cli, tmp_path):
    """Each receipt's accrual has a worth in USD; the day's rounding (-0.01 UAH) has none, and does not stop
    the
    year's obligation from being settled at its carrying amount: the obligation is met to the cent, the book
    ties."""
    cli = day_cli
    cs = cli_countersign(cli, tmp_path)
    receipts = (
        "receipt_id,date,licence_id,stream,amount\n"
        + "".join(f"R-{i},2026-01-15,L-NEW,rent,1.01\n" for i in (1, 2, 3))
        + "R-5,2026-01-16,L-NEW,rent,1000.00\n"
    )
    cli("receipts", "import", str(write(tmp_path, "r.csv", receipts)))
    [row] = json.loads(cli("report", "rounding", "--format", "json").stdout)
    assert (row["per_receipt"], row["contribution"], row["difference"]) == ("1.53", "1.52", "-0.01")
    cli("fx", "import", str(write(tmp_path, "fx2.csv", "date,currency,rate\n2026-03-30,USD,40.0000\n")))
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
            "501.52",
            "--currency",
            "UAH",
            "--reference",
            "T-1",
            "--period",
            "2026",
            "-f",
            "json",
        ).stdout
    )
    assert (out[0]["outstanding"], out[0]["state"]) == ("0.00", "settled")  # 1.52 + 500.00, not 1.53 + 500.00
    held = balances(cli)
    assert "Assets:Receivable:Contributions:UA UAH" not in held and "Equity:Obligations:UA USD" not in held
    assert (
        held["Equity:Capital:UA:Revenue USD"] == "-12.53"
    )  # 3 x 0.01 + 12.50, the accruals' carrying amount
    assert held["Equity:Obligations:UA:Rounding UAH"] == "0.01"
    assert cli("verify").exit_code == 0
