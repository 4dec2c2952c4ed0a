"""store.quick (issue 12): a SQLite fund's balance read with sqlite3 alone gives exactly what the journal
gives through SQLAlchemy (one statement, ledger.balance), refuses what store.db refuses, and is not used for
PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from support import Book

from jointfund.errors import JointfundError, NotFound
from jointfund.ledger import balance as account_balance
from jointfund.ledger import journal
from jointfund.store import db, quick

pytestmark = pytest.mark.storage


@pytest.fixture
def book(fund_engine) -> Book:  # noqa: ANN001
    return Book(fund_engine)


def _both(book: Book, run, *args, **kw) -> tuple:  # noqa: ANN001
    """(the journal's answer, the quick read's answer); each a dict or the NotFound it raised."""
    answers = []
    for read in (lambda: _journal(book, *args, **kw), lambda: account_balance.balance(run, *args, **kw)):
        try:
            answers.append(read())
        except NotFound as exc:
            answers.append(str(exc))
    return tuple(answers)


def _journal(book: Book, *args, **kw) -> dict:  # noqa: ANN002, ANN003
    with db.transaction(book.engine) as conn:
        return journal.balance(conn, *args, **kw)


def test_the_quick_read_is_the_journals_balance(book: Book, backend: str) -> None:
    a, b = book.partners[:2]
    book.post(
        book.contribution("c-1", "100.00", 1, partner=a),
        book.contribution("c-2", "250.25", 20, partner=b),
        book.contribution("c-3", "0.75", 40, partner=a),
    )
    url = book.engine.url.render_as_string(hide_password=False)
    with quick.reading(url) as run:
        if backend != "sqlite":
            assert run is None  # PostgreSQL is read through store.db
            return
        assert run is not None
        parent = book.terms.account_name("capital", partner=a).rsplit(":", 1)[0]
        cash = book.cash()
        for account in (cash, book.capital(a), parent, "Assets", "Assets:Cas_", "Assets:Cash:%", "Nowhere"):
            for as_of in (None, book.day(0), book.day(1), book.day(20)):
                for currency in (None, book.base, "EUR"):
                    for subtree in (True, False):
                        both = _both(book, run, account, as_of, currency, subtree=subtree)
                        assert both[0] == both[1], (account, as_of, currency, subtree, both)
        assert account_balance.balance(run, cash) == {book.base: Decimal("351.00")}
        assert account_balance.balance(run, parent) == {book.base: Decimal("-351.00")}
        with pytest.raises(NotFound, match="no account named Assets:Cas_"):
            account_balance.balance(run, "Assets:Cas_")  # LIKE's wildcards are escaped


def test_the_quick_read_refuses_what_store_db_refuses(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    missing = tmp_path / "none.db"
    with pytest.raises(JointfundError, match="no fund in this database yet"):
        with quick.reading(f"sqlite:///{missing}"):
            pass
    assert not missing.exists()  # nothing is created by a read
    empty = tmp_path / "empty.db"
    db.make_engine(f"sqlite:///{empty}").connect().close()
    with pytest.raises(JointfundError, match="no fund in this database yet"):
        with quick.reading(f"sqlite:///{empty}"):
            pass
    monkeypatch.setenv("JOINTFUND_DB", f"sqlite:///{missing}")
    assert quick.sqlite_file(None) == missing
    for other in ("postgresql://u@h/db", "sqlite://", f"sqlite:///{empty}?timeout=5", "sqlite:///a%20b.db"):
        assert quick.sqlite_file(other) is None, other
