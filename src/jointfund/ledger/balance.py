"""An account's balance per currency: the one statement that the journal runs through SQLAlchemy and the
CLI's quick read (store.quick) runs through sqlite3 alone, so that the two can never disagree.

Plain SQL with named parameters (:name), which SQLAlchemy's text() and sqlite3 both take. The accounts are
chosen by name in SQL (the chart is not loaded) and the sums read from the covering index on posting
(account_id, date, currency, amount_minor). Kept free of SQLAlchemy, so that importing it costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from jointfund.errors import NotFound
from jointfund.money import from_minor

# Runs one statement with its parameters and gives its rows: a SQLAlchemy connection's or a sqlite3 cursor's.
Run = Callable[[str, dict[str, Any]], Iterable[tuple[Any, ...]]]


def _chosen(account: str, subtree: bool) -> tuple[str, dict[str, Any]]:
    """The WHERE clause choosing `account` (and, with `subtree`, every account below it) by name."""
    if not subtree:
        return "name = :account", {"account": account}
    # LIKE with its wildcards escaped, as SQLAlchemy's startswith(..., autoescape=True) writes it.
    below = account.replace("/", "//").replace("%", "/%").replace("_", "/_") + ":%"
    return "(name = :account OR name LIKE :below ESCAPE '/')", {"account": account, "below": below}


def balance(
    run: Run, account: str, as_of: dt.date | None = None, currency: str | None = None, subtree: bool = True
) -> dict[str, Decimal]:
    """Balance of `account` (and, by default, its subtree) per currency, as of an effective date; NotFound
    when no account has that name (nor any below it)."""
    where, chosen = _chosen(account, subtree)
    params = dict(chosen)
    sql = (
        "SELECT currency, SUM(amount_minor) FROM posting"
        f" WHERE account_id IN (SELECT id FROM account WHERE {where})"
    )
    if as_of is not None:
        sql, params["as_of"] = sql + " AND posting.date <= :as_of", as_of
    if currency:
        sql, params["currency"] = sql + " AND currency = :currency", currency
    sums = {c: int(s) for c, s in run(sql + " GROUP BY currency", params)}
    if not sums and not list(run(f"SELECT 1 FROM account WHERE {where} LIMIT 1", chosen)):
        raise NotFound(f"account: no account named {account} (nor any below it)")
    return {c: from_minor(s, c) for c, s in sums.items() if s}
