"""The statements of an account's balance per currency: run by the journal through SQLAlchemy and by the
CLI's quick read (store.quick) through sqlite3 alone, so that the two can never disagree.

Plain SQL with named parameters (:name), which SQLAlchemy's text() and sqlite3 both take, put together from
the fixed fragments below; every value is a parameter. The accounts are chosen by name in SQL (the chart
is not loaded) and the sums read from the covering index on posting (account_id, date, currency,
amount_minor). Kept free of SQLAlchemy, so that importing it costs nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

_ONE = "name = :account"
# LIKE with its wildcards escaped, as SQLAlchemy's startswith(..., autoescape=True) writes it.
_SUBTREE = "(name = :account OR name LIKE :below ESCAPE '/')"
_SUMS = "SELECT currency, SUM(amount_minor) FROM posting WHERE account_id IN (SELECT id FROM account WHERE "
_AS_OF = " AND posting.date <= :as_of"
_CURRENCY = " AND currency = :currency"
_BY_CURRENCY = " GROUP BY currency"
_EXISTS = "SELECT 1 FROM account WHERE "
_FIRST = " LIMIT 1"


class Statements(NamedTuple):
    sums: str  # (currency, sum of minor units) of the chosen accounts' postings
    sums_params: dict[str, Any]
    exists: str  # a row if any account is chosen
    exists_params: dict[str, Any]


def statements(account: str, as_of: dt.date | None, currency: str | None, subtree: bool) -> Statements:
    """The statements of `account`'s balance (with `subtree`, and every account below it)."""
    chosen: dict[str, Any] = {"account": account}
    where = _ONE
    if subtree:
        chosen["below"] = account.replace("/", "//").replace("%", "/%").replace("_", "/_") + ":%"
        where = _SUBTREE
    sums, params = _SUMS + where + ")", dict(chosen)
    if as_of is not None:
        sums, params["as_of"] = sums + _AS_OF, as_of
    if currency:
        sums, params["currency"] = sums + _CURRENCY, currency
    return Statements(sums + _BY_CURRENCY, params, _EXISTS + where + _FIRST, chosen)
