"""Accounts of the chart: typed by their root, hierarchical by colon-separated names."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

# The root of a name fixes the account's type, as in beancount; a type can never drift from its name.
ROOT_TYPES: dict[str, str] = {
    "Assets": "asset",
    "Liabilities": "liability",
    "Equity": "equity",
    "Income": "income",
    "Expenses": "expense",
}
MAX_NAME_CHARS = 200


class Account(NamedTuple):
    """An account of the fund's chart.

    Attributes:
      id: storage id.
      name: full colon-separated name, e.g. "Assets:Cash:UAH".
      type: asset, liability, equity, income or expense (fixed by the root of the name).
      currencies: the only currencies it may hold, or None for any.
      opened: first effective date postings may carry.
      closed: effective date from which postings are refused, or None while open.
    """

    id: int
    name: str
    type: str
    currencies: tuple[str, ...] | None
    opened: dt.date
    closed: dt.date | None = None

    def is_open_on(self, day: dt.date) -> bool:
        return self.opened <= day and (self.closed is None or day < self.closed)

    def allows(self, currency: str) -> bool:
        return self.currencies is None or currency in self.currencies


def type_of(name: str) -> str | None:
    """The account type its name implies, or None if the name is not a valid account name."""
    parts = name.split(":")
    if (
        len(parts) < 2
        or len(name) > MAX_NAME_CHARS
        or any(not p or not (p[0].isupper() or p[0].isdigit()) for p in parts[1:])
    ):
        return None
    if any(not all(ch.isalnum() or ch in "-_" for ch in p) for p in parts):
        return None
    return ROOT_TYPES.get(parts[0])


def in_subtree(name: str, root: str) -> bool:
    """True when `name` is `root` itself or one of its descendants."""
    return name == root or name.startswith(root + ":")
