"""The ledger page's account tree: every account under its parents, each parent with its subtree's totals.

A book names accounts by colon-separated paths (Assets:Cash:USD), and its parents (Assets, Assets:Cash) are
often never opened themselves. Showing only the opened accounts' leaf names made "Cash" and "UA" ambiguous
and hid the subtotals a reader adds up by eye; as in Fava, the tree shows every level with its total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from jointfund.i18n import N_

# Each root's type as a reader says it; the ledger's own codes (asset, liability...) are for the machine.
TYPE_NAMES = {
    "asset": N_("Asset"),
    "liability": N_("Liability"),
    "equity": N_("Equity"),
    "income": N_("Income"),
    "expense": N_("Expense"),
}


@dataclass(frozen=True)
class Node:
    """One row: an account or a parent of accounts, with its own balances and its subtree's totals."""

    name: str
    type: str | None
    opened: bool
    own: Mapping[str, Decimal]
    total: Mapping[str, Decimal]
    children: int

    @property
    def depth(self) -> int:
        return self.name.count(":")

    @property
    def leaf(self) -> str:
        return self.name.rsplit(":", 1)[-1]

    @property
    def parent(self) -> str | None:
        return self.name.rsplit(":", 1)[0] if ":" in self.name else None


def build(accounts: Mapping[str, str], balances: Iterable[tuple[str, str, Decimal]]) -> list[Node]:
    """The tree in reading order (each parent before its children), from the opened accounts (name -> type)
    and their own (account, currency, balance) rows; a parent's total per currency is its subtree's sum."""
    own: dict[str, dict[str, Decimal]] = {}
    for name, cur, amount in balances:
        own.setdefault(name, {})[cur] = own.get(name, {}).get(cur, Decimal(0)) + amount
    names = set(accounts) | set(own)
    every = {":".join(parts[:i]) for parts in (n.split(":") for n in names) for i in range(1, len(parts) + 1)}
    total: dict[str, dict[str, Decimal]] = {n: {} for n in every}
    children: dict[str, int] = dict.fromkeys(every, 0)
    for n in every:
        if ":" in n:
            children[n.rsplit(":", 1)[0]] += 1
    for name, mine in own.items():
        parts = name.split(":")
        for i in range(1, len(parts) + 1):
            sums = total[":".join(parts[:i])]
            for cur, amount in mine.items():
                sums[cur] = sums.get(cur, Decimal(0)) + amount
    root_type = {n.split(":")[0]: t for n, t in accounts.items()}
    # Sorted by path components, not by the string: "Assets:Cash-X" must not fall between Assets:Cash's
    # children.
    return [
        Node(
            name=n,
            type=accounts.get(n, root_type.get(n.split(":")[0])),
            opened=n in accounts,
            own=dict(sorted(own.get(n, {}).items())),
            total={c: v for c, v in sorted(total[n].items()) if v != 0},
            children=children[n],
        )
        for n in sorted(every, key=lambda n: n.split(":"))
    ]
