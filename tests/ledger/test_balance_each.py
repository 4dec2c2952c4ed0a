"""journal.balance_each (issue 13): several accounts' balances from one statement, each exactly what
journal.balance gives for it alone (the same accounts chosen, the same sums, the same refusal), on both
backends and through the CLI's quick read."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event
from support import Book

from jointfund.errors import NotFound
from jointfund.ledger import balance as account_balance
from jointfund.ledger import journal
from jointfund.store import db, quick

pytestmark = pytest.mark.storage


@pytest.fixture
def book(fund_engine) -> Book:  # noqa: ANN001
    b = Book(fund_engine)
    a, c = b.partners[:2]
    b.post(
        b.contribution("c-1", "100.00", 1, partner=a),
        b.contribution("c-2", "250.25", 20, partner=c),
        b.contribution("c-3", "0.75", 40, partner=a),
        b.contribution("c-4", "10.00", 30, partner=c, currency=b.other),
    )
    return b


def _accounts(book: Book) -> list[str]:
    """Accounts with postings, without, a parent and its children together, wildcards in a name."""
    parent = book.terms.account_name("capital", partner=book.partners[0]).rsplit(":", 1)[0]
    return [
        book.cash(),
        book.capital(book.partners[0]),
        parent,
        book.capital(book.partners[1]),
        "Assets",
        book.cash(book.other),
        book.terms.account_name("capital_call_receivable", partner=book.partners[0]),
    ]


def _one_by_one(conn, accounts, *args, **kw) -> dict:  # noqa: ANN001, ANN002, ANN003
    return {a: journal.balance(conn, a, *args, **kw) for a in accounts}


def test_each_balance_is_the_balance_read_alone(book: Book) -> None:
    accounts = _accounts(book)
    with db.transaction(book.engine) as conn:
        for as_of in (None, book.day(0), book.day(1), book.day(20), book.day(30)):
            for currency in (None, book.base, book.other, "JPY"):
                for subtree in (True, False):
                    args = (as_of, currency, subtree)
                    chosen = accounts if subtree else [a for a in accounts if a.count(":") > 1]  # no parents
                    assert journal.balance_each(conn, chosen, *args) == _one_by_one(conn, chosen, *args)
        every = journal.balance_each(conn, accounts)
        assert journal.balance_each(conn, accounts[::-1]) == every  # order does not matter
        assert journal.balance_each(conn, [accounts[0], accounts[0]]) == {accounts[0]: every[accounts[0]]}
        assert journal.balance_each(conn, []) == {}
    # Nested accounts each have their own sums: the parent includes its child, the child not the parent.
    a, c = book.partners[:2]
    assert every[book.cash()] == {book.base: Decimal("351.00")}
    assert every[book.capital(a)] == {book.base: Decimal("-100.75")}
    assert every[book.capital(c)] == {book.base: Decimal("-250.25"), book.other: Decimal("-10.00")}
    assert every[accounts[2]] == {book.base: Decimal("-351.00"), book.other: Decimal("-10.00")}
    assert every[accounts[-1]] == {}  # an account without postings: no currency, not refused


def test_one_statement_whatever_the_number_of_accounts(book: Book) -> None:
    seen: list[int] = []
    listener = lambda *a: seen.append(1)  # noqa: E731
    event.listen(book.engine, "before_cursor_execute", listener)
    try:
        with db.transaction(book.engine) as conn:
            seen.clear()
            journal.balance_each(conn, _accounts(book), book.day(20), book.base)
            assert len(seen) == 1
    finally:
        event.remove(book.engine, "before_cursor_execute", listener)


def test_an_account_no_account_is_chosen_by_is_refused_as_balance_refuses_it(book: Book) -> None:
    accounts = _accounts(book)
    with db.transaction(book.engine) as conn:
        for missing in ("Nowhere", "Assets:Cas_", "Assets:Cash:%", book.cash().lower()):
            if missing == book.cash().lower() and book.engine.dialect.name == "sqlite":
                continue  # SQLite's LIKE ignores case: what balance chooses there, balance_each chooses too
            with pytest.raises(NotFound) as alone:
                journal.balance(conn, missing)
            with pytest.raises(NotFound) as together:
                journal.balance_each(conn, [*accounts, missing, "Nowhere:Else"])
            assert str(together.value) == str(alone.value)  # the first one missing is named
        with pytest.raises(NotFound, match="no account named Assets:Cash"):
            journal.balance_each(conn, ["Assets:Cash"], subtree=False)  # a parent alone is no account


def test_the_quick_read_gives_the_same_balances(book: Book, backend: str) -> None:
    url = book.engine.url.render_as_string(hide_password=False)
    accounts = _accounts(book)
    with quick.reading(url) as run:
        if run is None:  # PostgreSQL is read through store.db
            assert backend != "sqlite"
            return
        with db.transaction(book.engine) as conn:
            for as_of in (None, book.day(20)):
                for currency in (None, book.base):
                    args = (as_of, currency, True)
                    quick_read = account_balance.balance_each(run, accounts, *args)
                    assert quick_read == _one_by_one(conn, accounts, *args)
