"""The ledger page's account tree: every parent shown with its subtree's totals per currency, full names on
hover and for screen readers, amounts written as the page's language writes them."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from api.conftest import DAY, bearer

from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db
from jointfund.web.account_tree import build

ROW = re.compile(
    r'<tr class="depth-(\d)[^"]*" data-level="(\d+)">\s*<th scope="row"><a href="[^"]*" title="([^"]+)">'
    r'.*?</th>.*?<td class="num">(.*?)</td></tr>',
    re.S,
)
AMOUNT = re.compile(r'<span class="amount">(.*?) ([A-Z]{3})</span>')


def test_parents_are_made_and_total_their_subtree_per_currency() -> None:
    tree = build(
        {
            "Assets:Cash:USD": "asset",
            "Assets:Cash:UAH": "asset",
            "Assets:Cash-Float": "asset",
            "Equity:UA": "equity",
        },
        [
            ("Assets:Cash:USD", "USD", Decimal("10.50")),
            ("Assets:Cash:UAH", "UAH", Decimal("100")),
            ("Assets:Cash-Float", "USD", Decimal("1")),
            ("Equity:UA", "USD", Decimal("-11.50")),
        ],
    )
    by = {n.name: n for n in tree}
    assert [n.name for n in tree] == [
        "Assets",
        "Assets:Cash",
        "Assets:Cash:UAH",
        "Assets:Cash:USD",
        "Assets:Cash-Float",
        "Equity",
        "Equity:UA",
    ]  # each parent before its own
    assert by["Assets"].total == {"UAH": Decimal("100"), "USD": Decimal("11.50")}
    assert by["Assets:Cash"].total == {"UAH": Decimal("100"), "USD": Decimal("10.50")}
    assert not by["Assets"].opened and by["Assets"].type == "asset"  # a parent takes its root's type
    assert by["Assets:Cash"].children == 2 and by["Assets:Cash:USD"].children == 0
    assert (by["Assets:Cash:USD"].leaf, by["Assets:Cash:USD"].parent, by["Assets:Cash:USD"].depth) == (
        "USD",
        "Assets:Cash",
        2,
    )


def test_a_subtree_that_sums_to_zero_shows_no_total_but_its_children_do() -> None:
    tree = {
        n.name: n
        for n in build(
            {"Assets:A": "asset", "Assets:B": "asset"},
            [("Assets:A", "USD", Decimal("5")), ("Assets:B", "USD", Decimal("-5"))],
        )
    }
    assert tree["Assets"].total == {} and tree["Assets:A"].total == {"USD": Decimal("5")}


def rows(html: str) -> list[tuple[str, int, dict[str, str]]]:
    found = []
    for depth, level, name, cell in ROW.findall(html):
        assert int(level) == name.count(":") + 1 and int(depth) == min(name.count(":"), 5)
        found.append((unescape(name), int(level), dict((c, a) for a, c in AMOUNT.findall(cell))))
    return found


def english(amount: str) -> Decimal:
    return Decimal(amount.replace(",", ""))


@pytest.fixture
def funded(site):  # noqa: ANN001, ANN201 - the Site with capital received from each partner
    terms = site.fund.terms(DAY)
    base = terms.fund.base_currency
    with db.write(site.engine) as conn:
        journal.post(
            conn,
            [
                Entry(
                    DAY,
                    f"capital received from {p}",
                    (
                        Posting(terms.account_name("cash", currency=base), Decimal(amount), base),
                        Posting(terms.account_name("capital_cash", partner=p), -Decimal(amount), base),
                    ),
                    key=f"tree-{p}",
                )
                for p, amount in zip(terms.partner_codes, ("1250000.00", "750000.50"), strict=False)
            ],
            site.fund.start_date,
        )
    return site


def test_each_parent_row_equals_the_sum_of_its_children(client, funded) -> None:  # noqa: ANN001 - on both backends
    site = funded
    html = client.get("/ledger?lang=en", headers=bearer(site, "auditor")).text
    found = rows(html)
    assert found, html[:2000]
    names = [n for n, _, _ in found]
    assert len(names) == len(set(names))
    parents = {n.rsplit(":", 1)[0] for n in names if ":" in n}
    assert parents <= set(names)  # every parent has its own row
    totals = {n: {c: english(a) for c, a in amounts.items()} for n, _, amounts in found}
    checked = 0
    for parent in parents:
        kids = [n for n in names if n.rsplit(":", 1)[0] == parent and ":" in n]
        summed: dict[str, Decimal] = {}
        for k in kids:
            for c, v in totals[k].items():
                summed[c] = summed.get(c, Decimal(0)) + v
        assert totals[parent] == {c: v for c, v in summed.items() if v}, parent
        checked += bool(summed)
    assert checked, "the site's book has no money below any parent: the test would prove nothing"


def test_the_tree_reads_in_ukrainian(client, funded) -> None:  # noqa: ANN001
    site = funded
    html = client.get("/ledger?lang=uk", headers=bearer(site, "auditor")).text
    amounts = [a for _, _, am in rows(html) for a in am.values()]
    assert (
        "2\u00a0000\u00a0000,50" in amounts
    )  # the cash's total, as Ukrainian writes it (never 2,000,000.50)
    assert not any("." in a for a in amounts)
    assert '<td class="type">Активи</td>' in html and "Залишок рахунку вищого рівня" in html
