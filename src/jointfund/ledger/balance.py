"""An account's balance per currency, from the statements of store.balances: the journal runs them through
SQLAlchemy and the CLI's quick read (store.quick) through sqlite3 alone, so that the two can never disagree.
Kept free of SQLAlchemy, so that importing it costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from jointfund.errors import NotFound
from jointfund.money import from_minor
from jointfund.store import balances

# Runs one statement with its parameters and gives its rows: a SQLAlchemy connection's or a sqlite3 cursor's.
Run = Callable[[str, dict[str, Any]], Iterable[tuple[Any, ...]]]


def balance(
    run: Run, account: str, as_of: dt.date | None = None, currency: str | None = None, subtree: bool = True
) -> dict[str, Decimal]:
    """Balance of `account` (and, by default, its subtree) per currency, as of an effective date; NotFound
    when no account has that name (nor any below it)."""
    s = balances.statements(account, as_of, currency, subtree)
    sums = {c: int(total) for c, total in run(s.sums, s.sums_params)}
    if not sums and not list(run(s.exists, s.exists_params)):
        raise NotFound(f"account: no account named {account} (nor any below it)")
    return {c: from_minor(total, c) for c, total in sums.items() if total}


def balance_each(
    run: Run,
    accounts: Sequence[str],
    as_of: dt.date | None = None,
    currency: str | None = None,
    subtree: bool = True,
) -> dict[str, dict[str, Decimal]]:
    """`balance` of each of `accounts`, from one statement (a page showing several partners' accounts ran two
    per account: issue 13); NotFound names the first account no account is chosen by, as `balance` would."""
    if not accounts:
        return {}
    sql, params = balances.each_statement(accounts, as_of, currency, subtree)
    sums: dict[int, dict[str, int]] = {}
    for i, c, total in run(sql, params):
        found = sums.setdefault(int(i), {})
        if c is not None:
            found[c] = int(total)
    for i, account in enumerate(accounts):
        if i not in sums:
            raise NotFound(f"account: no account named {account} (nor any below it)")
    return {a: {c: from_minor(x, c) for c, x in sums[i].items() if x} for i, a in enumerate(accounts)}
