"""Issue 14's rules of the law, table-driven on the shipped terms: new PSAs, excluded flags, licences of
several resources, the budget credited; then the inputs that carry them, imported on both backends."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from jointfund.revenue.eligibility import RuleBook, explain
from jointfund.revenue.licence import Licence
from jointfund.revenue.receipt import Receipt
from jointfund.terms import shipped_text

from .conftest import LICENCES, write

BOOK = RuleBook(shipped_text())
RULES = BOOK.on(dt.date(2026, 1, 1))
D = dt.date.fromisoformat


def lic(
    resources: str = "lithium", psa_signed: str | None = None, flags: str = "", psa: bool | None = None
) -> Licence:
    codes = tuple(resources.split(";"))
    return Licence(
        "L-1",
        "H",
        "H1",
        codes[0],
        "Dobra",
        "Kirovohrad",
        D("2025-06-01"),
        "new",
        psa if psa is not None else psa_signed is not None,
        D(psa_signed) if psa_signed else None,
        tuple(f for f in flags.split(";") if f),
        codes[1:],
    )


def rec(
    stream: str = "rent",
    resource: str | None = None,
    budget: str | None = None,
    flags: str = "",
    day: str = "2026-01-15",
) -> Receipt:
    return Receipt(
        "R-1",
        D(day),
        "L-1",
        stream,
        Decimal("100.00"),
        "UAH",
        None,
        resource,
        budget,
        tuple(f for f in flags.split(";") if f),
    )


CASES = [
    # new PSAs: the state share and bonuses count only under a PSA signed on or after entry into force
    (
        "PSA signed the day before entry into force",
        rec("psa_state_share"),
        lic(psa_signed="2025-05-22"),
        "PSA signed 2025-05-22, before entry into force 2025-05-23",
    ),
    ("PSA signed on entry into force", rec("psa_state_share"), lic(psa_signed="2025-05-23"), None),
    (
        "PSA bonus under a 2013 PSA",
        rec("psa_bonus"),
        lic(psa_signed="2013-05-10"),
        "PSA signed 2013-05-10, before entry into force 2025-05-23",
    ),
    (
        "rent under a 2013 PSA still counts (only PSA streams ask)",
        rec("rent"),
        lic(psa_signed="2013-05-10"),
        None,
    ),
    ("PSA without a recorded date (an old file): as before", rec("psa_state_share"), lic(psa=True), None),
    # excluded flags: on the licence or on the receipt
    ("flag on the licence only", rec(), lic(flags="reparations"), "excluded: reparations"),
    ("flag on the receipt only", rec(flags="reparations"), lic(), "excluded: reparations"),
    ("no flag", rec(), lic(), None),
    # licences of several resources
    ("rent for the covered resource", rec(resource="natural_gas"), lic("natural_gas;condensate"), None),
    (
        "rent for the uncovered resource",
        rec(resource="condensate"),
        lic("natural_gas;condensate"),
        "resource condensate is not covered",
    ),
    ("permit fee: any covered resource counts", rec("permit_fee"), lic("condensate;natural_gas"), None),
    (
        "permit sale: none covered",
        rec("permit_sale"),
        lic("iron_ore;coal"),
        "none of the licence's resources (iron_ore, coal) is covered",
    ),
    ("a single-resource licence: its resource", rec(), lic("iron_ore"), "resource iron_ore is not covered"),
    # the budget credited
    ("state budget (named)", rec(budget="state"), lic(), None),
    ("state budget (the default)", rec(), lic(), None),
    ("local budget", rec(budget="local"), lic(), "local budget share"),
    # the order: date, flags, budget, coverage, basis, stream
    (
        "the date comes before the flag",
        rec(flags="reparations", day="2025-05-22"),
        lic(),
        "receipt dated 2025-05-22, before entry into force 2025-05-23",
    ),
    (
        "the flag comes before the budget",
        rec(budget="local", flags="reparations"),
        lic(),
        "excluded: reparations",
    ),
    ("the budget comes before coverage", rec(budget="local"), lic("coal"), "local budget share"),
]


@pytest.mark.parametrize(("case", "receipt", "licence", "reason"), CASES, ids=[c[0] for c in CASES])
def test_rule(case, receipt, licence, reason):
    assert explain(receipt, licence, RULES) == reason


def test_coverage_of_a_licence_of_several_resources_is_a_key_of_the_terms():
    gas = lic("natural_gas;condensate")
    fee = rec("permit_fee")
    assert explain(fee, gas, RULES._replace(multi_coverage="all")) == "resource condensate is not covered"
    assert explain(fee, gas, RULES._replace(multi_coverage="primary")) is None
    assert explain(fee, lic("condensate;natural_gas"), RULES._replace(multi_coverage="primary")) == (
        "resource condensate is not covered"
    )


def test_the_psa_rule_and_the_base_budgets_come_from_the_terms():
    text = shipped_text().replace(
        "psa_signed_on_or_after = 2025-05-23", "psa_signed_on_or_after = 2010-01-01"
    )
    text = text.replace('base_budgets = ["state"]', 'base_budgets = ["state", "local"]')
    rules = RuleBook(text).on(dt.date(2026, 1, 1))
    assert explain(rec("psa_bonus"), lic(psa_signed="2013-05-10"), rules) is None
    assert explain(rec(budget="local"), lic(), rules) is None


# -- the inputs --

NEW_LICENCES = """licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa,psa_signed,flags
L-PSA13,Old PSA Co,40000011,natural_gas,Yuzivska,Donetsk,2025-06-01,new,yes,2013-05-10,
L-FLAG,Flagged Co,40000012,lithium,Shevchenkivske,Donetsk,2025-06-01,new,no,,reparations
L-GAS,Gas Co,40000013,natural_gas;condensate,Budyshchansk,Poltava,2025-06-01,new,no,,
"""


@pytest.fixture
def law_fund(cli, fund_engine, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    cli("licences", "import", str(write(tmp_path, "new-licences.csv", NEW_LICENCES)))
    return fund_engine


def detail(cli) -> dict[str, dict]:  # noqa: ANN001
    rows = json.loads(cli("contributions", "--detail", "--format", "json").stdout)
    return {r["receipt_id"]: r for r in rows}


@pytest.mark.storage
def test_new_columns_import_and_the_rules_apply(cli, law_fund, tmp_path):
    text = """receipt_id,date,licence_id,stream,amount,resource,budget,flags
R-1,2026-01-10,L-PSA13,psa_bonus,1000.00,,,
R-2,2026-01-10,L-FLAG,rent,1000.00,,,
R-3,2026-01-10,L-NEW,rent,1000.00,,,reparations
R-4,2026-01-10,L-GAS,rent,1000.00,natural_gas,,
R-5,2026-01-10,L-GAS,rent,1000.00,condensate,,
R-6,2026-01-10,L-GAS,permit_fee,1000.00,,,
R-7,2026-01-10,L-NEW,rent,1000.00,,local,
R-8,2026-01-10,L-NEW,rent,1000.00,,state,
"""
    cli("receipts", "import", str(write(tmp_path, "r.csv", text)))
    got = {k: (v["eligible"], v["reason"].split(";")[0], v["contribution"]) for k, v in detail(cli).items()}
    assert got == {
        "R-1": ("false", "PSA signed 2013-05-10, before entry into force 2025-05-23", "0.00"),
        "R-2": ("false", "excluded: reparations", "0.00"),
        "R-3": ("false", "excluded: reparations", "0.00"),
        "R-4": ("true", "eligible", "500.00"),
        "R-5": ("false", "resource condensate is not covered", "0.00"),
        "R-6": ("true", "eligible", "500.00"),
        "R-7": ("false", "local budget share", "0.00"),
        "R-8": ("true", "eligible", "500.00"),
    }
    cli("verify")


RECEIPTS_HEADER = "receipt_id,date,licence_id,stream,amount,resource,budget,flags\n"
LICENCES_HEADER = "licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa,psa_signed,flags\n"


@pytest.mark.storage
@pytest.mark.parametrize(
    ("kind", "row", "where", "message"),
    [
        (
            "receipts",
            "R-1,2026-01-10,L-GAS,rent,1.00,,,",
            "x.csv:2:resource",
            "has several resources (natural_gas, condensate)",
        ),
        (
            "receipts",
            "R-1,2026-01-10,L-GAS,rent,1.00,lithium,,",
            "x.csv:2:resource",
            "not a resource of licence L-GAS",
        ),
        (
            "receipts",
            "R-1,2026-01-10,L-NEW,rent,1.00,titanium,,",
            "x.csv:2:resource",
            "not a resource of licence L-NEW",
        ),
        (
            "receipts",
            "R-1,2026-01-10,L-NEW,rent,1.00,,regional,",
            "x.csv:2:budget",
            "unknown budget; expected one of state, local",
        ),
        ("receipts", "R-1,2026-01-10,L-NEW,rent,1.00,,,sanctions", "x.csv:2:flags", "unknown flag"),
        (
            "receipts",
            "R-1,2026-01-10,L-NEW,rent,1.00,,,reparations;reparations",
            "x.csv:2:flags",
            "listed twice",
        ),
        (
            "licences",
            "L-9,H,1,lithium,D,R,2025-06-01,new,yes,,",
            "x.csv:2:psa_signed",
            "required when psa = yes",
        ),
        (
            "licences",
            "L-9,H,1,lithium,D,R,2025-06-01,new,no,2025-06-01,",
            "x.csv:2:psa_signed",
            "only a licence under a PSA",
        ),
        ("licences", "L-9,H,1,lithium,D,R,2025-06-01,new,no,,sanctions", "x.csv:2:flags", "unknown flag"),
        (
            "licences",
            "L-9,H,1,natural_gas;helium,D,R,2025-06-01,new,no,,",
            "x.csv:2:resource",
            "unknown resource code 'helium'",
        ),
        (
            "licences",
            "L-9,H,1,natural_gas;natural_gas,D,R,2025-06-01,new,no,,",
            "x.csv:2:resource",
            "listed twice",
        ),
    ],
)
def test_bad_new_cells_are_refused_naming_the_line(cli, law_fund, tmp_path, kind, row, where, message):
    header = RECEIPTS_HEADER if kind == "receipts" else LICENCES_HEADER
    before = cli(kind, "list", "--format", "json").stdout
    r = cli(kind, "import", str(write(tmp_path, "x.csv", header + row + "\n")), ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert where in r.stderr and message in r.stderr, r.stderr
    assert cli(kind, "list", "--format", "json").stdout == before


OLD_RECEIPTS = """receipt_id,date,licence_id,stream,amount
R-1,2025-07-01,L-NEW,rent,1000.01
R-2,2025-07-01,L-NEW,psa_state_share,333.33
R-3,2025-07-01,L-OLD,rent,50.00
R-4,2025-12-10,L-NEW,psa_bonus,10.05
"""


@pytest.mark.storage
def test_old_files_import_unchanged_and_give_the_same_results(cli, fund_engine, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    cli("receipts", "import", str(write(tmp_path, "old.csv", OLD_RECEIPTS)))
    before = detail(cli)
    # PSA licences of an old file have no signing date: the new-PSA rule cannot apply, results are as before.
    assert {k: v["contribution"] for k, v in before.items()} == {
        "R-1": "500.01",
        "R-2": "166.67",
        "R-3": "0.00",
        "R-4": "5.03",
    }
    # The same facts written with the new columns left empty are the same rows: nothing new, nothing refused.
    wide_l = LICENCES.replace("basis,psa\n", "basis,psa,psa_signed,flags\n").replace("yes\n", "yes,,\n")
    wide_l = "\n".join(x if x.count(",") == 10 else x + ",," for x in wide_l.strip().split("\n")) + "\n"
    wide_l = wide_l.replace(
        "L-NEW,Dobra Lithium Holdings,40000001,lithium,Dobra,Kirovohrad,2025-06-01,new,yes,,",
        "L-NEW,Dobra Lithium Holdings,40000001,lithium,Dobra,Kirovohrad,2025-06-01,new,yes,2025-06-01,",
    )
    r = cli("licences", "import", str(write(tmp_path, "wide-l.csv", wide_l)), ok=False)
    # L-NEW's PSA date is a new fact: the licence as imported has none, so it is a change, shown.
    assert r.exit_code == 1 and "L-NEW was already imported with different content" in r.stderr
    head, *rows = OLD_RECEIPTS.strip().split("\n")
    wide_r = "\n".join([head + ",resource,budget,flags", *(x + ",,state," for x in rows)]) + "\n"
    out = json.loads(
        cli("receipts", "import", str(write(tmp_path, "wide.csv", wide_r)), "--format", "json").stdout
    )[0]
    assert (out["new"], out["unchanged"]) == (0, 4)
    assert detail(cli) == before
