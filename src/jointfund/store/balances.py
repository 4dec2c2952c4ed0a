"""The statements of an account's balance per currency: run by the journal through SQLAlchemy and by the
CLI's quick read (store.quick) through sqlite3 alone, so that the two can never disagree.

Plain SQL with named parameters (:name), which SQLAlchemy's text() and sqlite3 both take, put together from
the fixed fragments below; every value is a parameter. The accounts are chosen by name in SQL (the chart
is not loaded) and the sums read from the covering index on posting (account_id, date, currency,
amount_minor). Kept free of SQLAlchemy, so that importing it costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

_ONE = "name = :account{n}"
# LIKE with its wildcards escaped, as SQLAlchemy's startswith(..., autoescape=True) writes it.
_SUBTREE = "(name = :account{n} OR name LIKE :below{n} ESCAPE '/')"
_SUMS = "SELECT currency, SUM(amount_minor) FROM posting WHERE account_id IN (SELECT id FROM account WHERE "
_AS_OF = " AND posting.date <= :as_of"
_CURRENCY = " AND currency = :currency"
_BY_CURRENCY = " GROUP BY currency"
_EXISTS = "SELECT 1 FROM account WHERE "
_FIRST = " LIMIT 1"
# Several accounts in one statement (each_statement): each one's two statements, their rows numbered; its
# existence check gives a row without a currency. (One join of every chosen account to its postings, grouped,
# was planned in parallel on PostgreSQL at 1M postings: 12 ms of workers' start-up for 4 accounts.)
_NUMBERED = "SELECT {k} AS k, "
_EXISTS_NUMBERED = "SELECT {k} AS k, NULL, NULL WHERE EXISTS ({exists})"


class Statements(NamedTuple):
    sums: str  # (currency, sum of minor units) of the chosen accounts' postings
    sums_params: dict[str, Any]
    exists: str  # a row if any account is chosen
    exists_params: dict[str, Any]


def statements(
    account: str, as_of: dt.date | None, currency: str | None, subtree: bool, n: str = ""
) -> Statements:
    """The statements of `account`'s balance (with `subtree`, and every account below it); `n` ends the names
    of the parameters that choose the account (several accounts' statements in one: each_statement)."""
    chosen: dict[str, Any] = {f"account{n}": account}
    where = _ONE.format(n=n)
    if subtree:
        chosen[f"below{n}"] = account.replace("/", "//").replace("%", "/%").replace("_", "/_") + ":%"
        where = _SUBTREE.format(n=n)
    sums, params = _SUMS + where + ")", dict(chosen)
    if as_of is not None:
        sums, params["as_of"] = sums + _AS_OF, as_of
    if currency:
        sums, params["currency"] = sums + _CURRENCY, currency
    return Statements(sums + _BY_CURRENCY, params, _EXISTS + where + _FIRST, chosen)


def each_statement(
    accounts: Sequence[str], as_of: dt.date | None, currency: str | None, subtree: bool
) -> tuple[str, dict[str, Any]]:
    """One statement of the balances of several `accounts`, each account's statements as `statements` gives
    them: rows of (the account's index in `accounts`, currency, sum of minor units), and one (index, NULL,
    NULL) when some account is chosen by it (none at all: no account of that name, nor any below it)."""
    parts, params = [], {}
    for k, account in enumerate(accounts):
        s = statements(account, as_of, currency, subtree, str(k))
        parts += [
            s.sums.replace("SELECT ", _NUMBERED.format(k=k), 1),
            _EXISTS_NUMBERED.format(k=k, exists=s.exists),
        ]
        params.update(s.sums_params)
    return " UNION ALL ".join(parts), params
