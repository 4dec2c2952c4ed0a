"""Every rule of eligibility and every reason it gives, table-driven, on the shipped terms (no database)."""

import datetime as dt

import pytest

from jointfund.revenue.eligibility import RuleBook, explain
from jointfund.terms import shipped_text

from .conftest import licence, receipt

BOOK = RuleBook(shipped_text())
D = dt.date.fromisoformat

CASES = [
    # (receipt date, stream, basis, issued, resource, psa) -> reason (None: eligible)
    (
        "day before entry into force",
        ("2025-05-22", "rent", "new", "2025-05-23", "lithium", True),
        "receipt dated 2025-05-22, before entry into force 2025-05-23",
    ),
    ("day of entry into force", ("2025-05-23", "rent", "new", "2025-05-23", "lithium", True), None),
    (
        "uncovered resource",
        ("2025-07-01", "rent", "new", "2025-06-01", "iron_ore", False),
        "resource iron_ore is not covered",
    ),
    (
        "coal is not covered",
        ("2025-07-01", "permit_fee", "existing_undeveloped", "2019-01-01", "coal", False),
        "resource coal is not covered",
    ),
    (
        "new licence issued before entry into force",
        ("2025-07-01", "rent", "new", "2024-03-01", "lithium", False),
        "licence issued 2024-03-01, before entry into force 2025-05-23",
    ),
    (
        "new licence issued the day before",
        ("2025-07-01", "rent", "new", "2025-05-22", "lithium", False),
        "licence issued 2025-05-22, before entry into force 2025-05-23",
    ),
    (
        "new licence issued on entry into force",
        ("2025-07-01", "rent", "new", "2025-05-23", "oil", False),
        None,
    ),
    (
        "renewal",
        ("2025-07-01", "rent", "renewal", "2025-07-01", "natural_gas", False),
        "licence basis renewal: renewals do not count",
    ),
    (
        "existing, developed",
        ("2025-07-01", "rent", "existing", "2010-01-01", "titanium", False),
        "licence basis existing: existing licences on developed deposits do not count",
    ),
    (
        "existing, undeveloped",
        ("2025-07-01", "permit_fee", "existing_undeveloped", "2010-01-01", "titanium", False),
        None,
    ),
    (
        "other stream",
        ("2025-07-01", "other", "new", "2025-06-01", "lithium", True),
        "stream other carries no contribution",
    ),
    ("permit sale", ("2025-07-01", "permit_sale", "new", "2025-06-01", "graphite", False), None),
    (
        "PSA bonus the day before 2025-12-10",
        ("2025-12-09", "psa_bonus", "new", "2025-06-01", "lithium", True),
        "stream psa_bonus counts only from 2025-12-10",
    ),
    ("PSA bonus on 2025-12-10", ("2025-12-10", "psa_bonus", "new", "2025-06-01", "lithium", True), None),
    (
        "PSA share without a PSA",
        ("2025-07-01", "psa_state_share", "new", "2025-06-01", "lithium", False),
        "stream psa_state_share counts only under a production sharing agreement; licence L-1 has none",
    ),
    (
        "PSA bonus without a PSA",
        ("2025-12-10", "psa_bonus", "new", "2025-06-01", "lithium", False),
        "stream psa_bonus counts only under a production sharing agreement; licence L-1 has none",
    ),
    ("PSA share with a PSA", ("2025-07-01", "psa_state_share", "new", "2025-06-01", "lithium", True), None),
    (
        "the date rule comes first",
        ("2025-01-01", "other", "renewal", "2010-01-01", "coal", False),
        "receipt dated 2025-01-01, before entry into force 2025-05-23",
    ),
    (
        "the resource rule comes before the basis",
        ("2025-07-01", "other", "renewal", "2010-01-01", "coal", False),
        "resource coal is not covered",
    ),
    (
        "the basis rule comes before the stream",
        ("2025-07-01", "other", "renewal", "2010-01-01", "lithium", False),
        "licence basis renewal: renewals do not count",
    ),
]


@pytest.mark.parametrize(("case", "given", "reason"), CASES, ids=[c[0] for c in CASES])
def test_rule(case, given, reason):
    day, stream, basis, issued, resource, psa = given
    r = receipt(D(day), stream)
    lic = licence(basis, D(issued), resource, psa)
    assert explain(r, lic, BOOK.on(r.date)) == reason


def test_amendment_changes_the_rules_from_its_date():
    amended = (
        shipped_text().replace("amendments = []", "", 1)
        + """
[[amendments]]
effective = 2026-01-01
reference = "test"
changes = { catalogue = { resources = [ { code = "iron_ore", name = "Iron ore", category = "mineral", \
covered = true } ] } }
"""
    )
    book = RuleBook(amended)
    lic = licence(resource="iron_ore", psa=False)
    assert (
        explain(receipt(D("2025-12-31")), lic, book.on(D("2025-12-31"))) == "resource iron_ore is not covered"
    )
    assert explain(receipt(D("2026-01-01")), lic, book.on(D("2026-01-01"))) is None
