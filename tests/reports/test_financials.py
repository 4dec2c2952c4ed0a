"""`jointfund report financials`: the ASC 946 statements in every format, tied to the book and checked by
verify."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path

import openpyxl
import pytest

from jointfund.capital.accounts import capital_accounts
from jointfund.i18n import translations
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.reports.financials import TITLES, apportion
from jointfund.reports.financials_page import LABEL_COLUMNS
from jointfund.store import db
from jointfund.terms import load_shipped
from jointfund.terms.policies import policies
from reports import scenario


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        (100, {"a": 1, "b": 1, "c": 1}),
        (-100, {"a": 1, "b": 1, "c": 1}),
        (1000, {"asset": 70, "liability": -20}),
        (7, {"x": 3, "y": -1, "z": 5}),
        (0, {"a": 5, "b": -2}),
        (123457, {"cash": 47926050954, "due": 19554602508}),
    ],
)
def test_apportion_splits_exactly_even_with_signed_weights(total: int, weights: dict[str, int]) -> None:
    parts = apportion(total, weights)
    assert sum(parts.values()) == total and list(parts) == list(weights)
    whole = sum(weights.values())
    for k, w in weights.items():  # every part is within one unit of its exact share
        assert abs(parts[k] - total * w / whole) < 1


def test_apportion_refuses_weights_that_net_to_nothing() -> None:
    with pytest.raises(AssertionError):
        apportion(5, {"asset": 3, "liability": -3})


@pytest.fixture
def living(folio, cli):  # noqa: ANN001, ANN201
    scenario.build(folio)
    return folio, cli


def _json(cli, *args: str) -> dict:  # noqa: ANN001
    return json.loads(cli("report", "financials", *args, "--format", "json").stdout)


def test_json_has_net_assets_and_partners_from_the_one_capital_function(living) -> None:  # noqa: ANN001
    folio, cli = living
    doc = _json(cli, "--period", "2026")
    with db.transaction(folio.engine) as conn:
        fc = capital_accounts(conn, folio.fund, scenario.D(2026, 12, 31))
    assert Decimal(doc["net_assets"]) == fc.nav
    assert [(p["partner"], Decimal(p["capital"]), Decimal(p["share"])) for p in doc["partners"]] == [
        (a.partner, a.closing, a.share) for a in fc.accounts
    ]
    assert [s["key"] for s in doc["sections"]] == list(TITLES)
    assert doc["ties"] and all(t["ok"] for t in doc["ties"]), [t for t in doc["ties"] if not t["ok"]]
    sheet = {
        r["line"]: Decimal(r["amount"])
        for r in doc["sections"][0]["rows"]
        if r["group"] != "Net assets consist of"
    }
    assert sheet["Total assets"] - sheet["Total liabilities"] == sheet["Net assets"] == fc.nav
    # The schedule of investments holds the two disbursed investments at their board values.
    schedule = {r["investment"]: r for r in doc["sections"][4]["rows"]}
    assert Decimal(schedule["TOTAL"]["cost"]) == Decimal("13000000.00")
    assert Decimal(schedule["TOTAL"]["fair_value"]) == Decimal("14200000.00")  # 8m revalued to 9.2m, plus 5m
    level3 = doc["sections"][8]["rows"][-1]
    assert (Decimal(level3["purchases"]), Decimal(level3["unrealised"]), Decimal(level3["closing"])) == (
        Decimal("13000000.00"),
        Decimal("1200000.00"),
        Decimal("14200000.00"),
    )
    operations = {r["line"]: Decimal(r["amount"]) for r in doc["sections"][1]["rows"]}
    assert operations["Total investment income"] == Decimal("225000.00")
    assert operations["Net increase (decrease) in net assets resulting from operations"] == Decimal(
        "1425000.00"
    )


def test_the_quarters_add_up_to_the_year(living) -> None:  # noqa: ANN001
    _folio, cli = living
    line = "Net increase (decrease) in net assets resulting from operations"

    def net(period: str) -> Decimal:
        return next(
            Decimal(r["amount"])
            for r in _json(cli, "--period", period)["sections"][1]["rows"]
            if r["line"] == line
        )

    assert sum(net(f"2026-Q{q}") for q in range(1, 5)) == net("2026")
    q3 = _json(cli, "--period", "2026-Q3")
    assert (q3["start"], q3["end"]) == ("2026-07-01", "2026-09-30")


def test_table_csv_xlsx_and_html_in_english_and_ukrainian(living, tmp_path: Path) -> None:  # noqa: ANN001
    _folio, cli = living
    table = cli("report", "financials", "--period", "2026").stdout
    assert (
        "Statement of assets and liabilities at 2026-12-31 (USD)" in table and "Level 3 roll-forward" in table
    )
    rows = list(
        csv.DictReader(io.StringIO(cli("report", "financials", "--period", "2026", "--format", "csv").stdout))
    )
    assert {r["section"].split(" at ")[0].split(" 2026")[0] for r in rows} >= {
        TITLES["assets"],
        TITLES["schedule"],
    }
    cli("report", "financials", "--period", "2026", "--format", "xlsx", "-o", str(tmp_path / "f.xlsx"))
    assert len(openpyxl.load_workbook(tmp_path / "f.xlsx").sheetnames) == len(TITLES)
    cli("report", "financials", "--period", "2026", "--format", "html", "-o", str(tmp_path / "en.html"))
    cli(
        "report",
        "financials",
        "--period",
        "2026",
        "--format",
        "html",
        "--lang",
        "uk",
        "-o",
        str(tmp_path / "uk.html"),
    )
    en, uk = (tmp_path / "en.html").read_text(), (tmp_path / "uk.html").read_text()
    assert (
        '<html lang="en">' in en and "Statement of assets and liabilities" in en and "does not hold" not in en
    )
    assert '<html lang="uk">' in uk and "Звіт про активи та зобовʼязання" in uk
    assert "Statement of assets and liabilities" not in uk and "Net assets" not in uk
    # The ties table too: each check in Ukrainian, its dates in the Ukrainian form, account names as they are.
    ties_uk = uk[uk.index('id="ties"') :]
    assert "net assets on" not in ties_uk and "Level 3" not in ties_uk and "in the book" not in ties_uk
    assert "чисті активи на 31.12.2026 = капітал партнерів + інший капітал" in ties_uk
    assert "грошові кошти на кінець на рахунку Assets:Cash:USD" in ties_uk
    assert "net assets on 2026-12-31 = partners&#39; capital + other equity" in en


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("--period", "2026-Q5"), 1, "--period"),
        (("--period", "2026", "--format", "pdf"), 2, "--format"),
        (("--period", "2026", "--format", "html", "--lang", "fr"), 2, "--lang"),
        (("--period", "2026", "--format", "json", "--lang", "uk"), 2, "--lang"),
        (("--period", "2026", "--format", "xlsx"), 2, "--out"),
    ],
)
def test_bad_options_are_refused_naming_them(living, args: tuple[str, ...], code: int, says: str) -> None:  # noqa: ANN001
    _folio, cli = living
    r = cli("report", "financials", *args, ok=False)
    assert r.exit_code == code and says in r.stderr and "Traceback" not in r.stderr


def test_verify_checks_the_ties_and_reports_a_result_the_statements_cannot_show(
    living, tmp_path: Path
) -> None:  # noqa: ANN001
    folio, cli = living
    ok = json.loads(cli("verify", "--format", "json").stdout)
    check = next(r for r in ok if r["check"] == "financials.ties")
    assert check["checked"] > 0 and check["status"] == "ok"
    # Income booked in a currency other than the functional one has no functional value: no statement can
    # show it, so the statements no longer tie to the book, and verify says where.
    terms = folio.fund.base_terms()
    rates = tmp_path / "nbu.json"
    rates.write_text(
        '[{"r030": 840, "txt": "Долар США", "rate": 41.5, "cc": "USD", "exchangedate": "05.10.2026"}]'
    )
    cli("fx", "import", str(rates))
    with db.write(folio.engine) as conn:
        journal.post(
            conn,
            [
                Entry(
                    scenario.D(2026, 10, 5),
                    "Fee received in UAH",
                    (
                        Posting(terms.account_name("cash", currency="UAH"), Decimal("1000.00"), "UAH"),
                        Posting(terms.account_name("income_fees"), Decimal("-1000.00"), "UAH"),
                    ),
                    "fee-uah",
                )
            ],
            folio.fund.start_date,
        )
    r = cli("verify", "--format", "json", ok=False)
    assert r.exit_code == 1
    check = next(x for x in json.loads(r.stdout) if x["check"] == "financials.ties")
    assert check["status"] == "FAILED" and "first: 2026: " in check["detail"], check
    r = cli("report", "financials", "--period", "2026", ok=False)
    assert r.exit_code == 1 and "does not tie: operations in UAH" in r.stderr
    assert (
        "does not tie" not in cli("report", "financials", "--period", "2025").stderr
    )  # the year before holds


def test_every_label_of_the_statements_has_a_ukrainian_translation(living) -> None:  # noqa: ANN001
    _folio, cli = living
    doc = _json(cli, "--period", "2026")
    labels = set(TITLES.values())
    for s in doc["sections"]:
        for r in s["rows"]:
            labels |= set(r)  # column names
            labels |= {r[c] for c in LABEL_COLUMNS if isinstance(r.get(c), str) and r[c] and ":" not in r[c]}
    for p in policies(folio_terms := load_shipped()):
        labels |= {p.title, p.template, *(v for v in p.values.values() if v.isalpha() and v.islower())}
    assert folio_terms.accounting.period in labels
    template = resources.files("jointfund.reports").joinpath("templates", "financials.html").read_text()
    labels |= set(re.findall(r'_\("([^"]+)"\)', template))
    # The agreement's own words (account descriptions) and partner codes are data, not labels of the page.
    data = {d for _n, _c, d in folio_terms.expanded_accounts()} | set(folio_terms.partner_codes)
    uk = translations("uk").gettext
    missing = sorted(x for x in labels - data if uk(x) == x and not re.fullmatch(r"INV-\d+", x))
    assert not missing, f"add to web/locale/uk/LC_MESSAGES/messages.po: {missing}"
