"""store.triggers: the database itself refuses what would break the book, whoever writes (both backends)."""

from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError
from support import Book, counts, register_key

from jointfund import clock
from jointfund.ledger import journal, log
from jointfund.store import db
from jointfund.store import tables as t


@pytest.fixture
def book(fund_engine) -> Book:
    b = Book(fund_engine)
    b.post(b.contribution("seed", "100.00", 1))
    key = Ed25519PrivateKey.generate()
    register_key(fund_engine, b.partners[0], key)
    with db.write(fund_engine) as conn:
        log.make_checkpoint(conn, b.fund.id, b.partners[0], key)
    return b


def _refused(book: Book, *statements, says: str | tuple[str, ...]) -> None:
    """The statements fail with one of the messages `says`, and no table grew."""
    before = counts(book.engine)
    with pytest.raises(DBAPIError) as caught:
        with db.transaction(book.engine) as conn:
            for s in statements:
                conn.execute(text(s) if isinstance(s, str) else s)
    message = str(caught.value.orig)
    assert any(s in message for s in ((says,) if isinstance(says, str) else says)), message
    assert counts(book.engine) == before


@pytest.mark.parametrize(
    "table", ["entry", "posting", "leaf", "event", "checkpoint", "account", "partner_key", "fund"]
)
def test_update_and_delete_are_refused(book, table):
    column = {
        "entry": "narration",
        "posting": "amount_minor",
        "leaf": "kind",
        "event": "actor",
        "checkpoint": "signature",
        "account": "description",
        "partner_key": "partner",
        "fund": "name",
    }[table]
    value = "0" if column == "amount_minor" else "'tampered'"
    if column == "kind":
        value = "'event'"
    _refused(book, f"UPDATE {table} SET {column} = {value}", says=f"{table} is append-only")
    _refused(book, f"DELETE FROM {table}", says=f"{table} is append-only")


def test_truncate_is_refused_on_postgresql(book, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE is refused above")
    for table in ("posting", "leaf", "event", "checkpoint"):
        _refused(book, f"TRUNCATE {table} CASCADE", says="append-only")


def _next_seq(book: Book) -> int:
    return counts(book.engine)["leaf"] + 1


def _entry_row(book: Book, seq: int, day_offset: int = 2) -> object:
    return insert(t.entry).values(
        seq=seq,
        date=book.day(day_offset),
        recorded_at=clock.now(),
        key=f"raw-{seq}",
        narration="raw",
        links="[]",
    )


def _posting_row(
    book: Book,
    seq: int,
    line: int,
    account: str,
    minor: int,
    currency: str | None = None,
    day_offset: int = 2,
) -> object:
    with db.transaction(book.engine) as conn:
        account_id = journal.load_accounts(conn)[account].id
    return insert(t.posting).values(
        entry_seq=seq,
        line=line,
        account_id=account_id,
        currency=currency or book.base,
        amount_minor=minor,
        date=book.day(day_offset),
        balance_after_minor=0,
    )


def _leaf_row(seq: int, kind: str = "entry") -> object:
    return insert(t.leaf).values(seq=seq, kind=kind, hash=b"\x00" * 32)


def test_an_unbalanced_entry_cannot_be_sealed(book):
    seq = _next_seq(book)
    _refused(
        book,
        _entry_row(book, seq),
        _posting_row(book, seq, 0, book.cash(), 1000),
        _posting_row(book, seq, 1, book.capital(), -999),
        _leaf_row(seq),
        says="does not balance in each currency",
    )
    _refused(
        book,
        _entry_row(book, seq),
        _posting_row(book, seq, 0, book.cash(), 1000),
        _leaf_row(seq),
        says="does not balance in each currency",
    )


def test_an_entry_in_two_currencies_must_balance_in_each(book):
    """Sums to zero over both currencies but not in each: refused; balanced in each: sealed."""
    seq = _next_seq(book)
    _refused(
        book,
        _entry_row(book, seq),
        _posting_row(book, seq, 0, book.cash(), 1000),
        _posting_row(book, seq, 1, book.capital(), -1000, currency=book.other),
        _leaf_row(seq),
        says="does not balance in each currency",
    )
    with db.transaction(book.engine) as conn:
        for statement in (
            _entry_row(book, seq),
            _posting_row(book, seq, 0, book.cash(), 1000),
            _posting_row(book, seq, 1, book.capital(), -1000),
            _posting_row(book, seq, 2, book.cash(book.other), 700, currency=book.other),
            _posting_row(book, seq, 3, book.capital(), -700, currency=book.other),
            _leaf_row(seq),
        ):
            conn.execute(statement)
    assert counts(book.engine)["leaf"] == seq


def test_a_sealed_entry_takes_no_more_postings(book):
    _refused(
        book,
        _posting_row(book, _sealed_entry_seq(book), 9, book.cash(), 5, day_offset=1),
        says="entry is already sealed",
    )


def _sealed_entry_seq(book: Book) -> int:
    with db.transaction(book.engine) as conn:
        return next(iter(journal.entries(conn))).seq


def test_a_currency_the_account_does_not_allow_is_refused(book):
    seq = _next_seq(book)
    _refused(
        book,
        _entry_row(book, seq),
        _posting_row(book, seq, 0, book.cash(book.base), 1000, currency=book.other),
        says="currency not allowed",
    )


def test_a_posting_dated_unlike_its_entry_or_outside_the_account_is_refused(book):
    seq = _next_seq(book)
    _refused(
        book,
        _entry_row(book, seq),
        _posting_row(book, seq, 0, book.cash(), 1000, day_offset=3),
        says="date differs from its entry",
    )
    _refused(
        book,
        _entry_row(book, seq, day_offset=-1),
        _posting_row(book, seq, 0, book.cash(), 1000, day_offset=-1),
        says="account not open",
    )


def test_log_records_must_be_contiguous(book):
    seq = _next_seq(book)
    _refused(
        book,
        _entry_row(book, seq + 1),
        _posting_row(book, seq + 1, 0, book.cash(), 1),
        _posting_row(book, seq + 1, 1, book.capital(), -1),
        _leaf_row(seq + 1),
        says="appended in sequence",
    )
    # A second leaf at a taken position: whichever guard fires first (SQLite does not order them), it is
    # refused.
    _refused(
        book,
        _leaf_row(seq - 1),
        says=("appended in sequence", "does not balance", "UNIQUE", "unique", "duplicate"),
    )
    _refused(book, _leaf_row(seq, kind="event"), says="no event with that sequence number")


def test_a_zero_posting_and_an_unknown_leaf_kind_are_refused_by_constraints(book):
    seq = _next_seq(book)
    with pytest.raises(DBAPIError):
        with db.transaction(book.engine) as conn:
            conn.execute(_entry_row(book, seq))
            conn.execute(_posting_row(book, seq, 0, book.cash(), 0))
    before = counts(book.engine)
    with pytest.raises(DBAPIError):
        with db.transaction(book.engine) as conn:
            conn.execute(
                insert(t.event).values(
                    seq=seq, recorded_at=clock.now(), actor="x", action="y", subject="z", data="{}"
                )
            )
            conn.execute(_leaf_row(seq, kind="gossip"))
    assert counts(book.engine) == before


def test_raw_inserts_that_keep_the_rules_are_accepted(book):
    """The guards refuse what breaks the book, not every raw write: the positive twin of the tests above."""
    seq = _next_seq(book)
    with db.transaction(book.engine) as conn:
        conn.execute(_entry_row(book, seq))
        conn.execute(_posting_row(book, seq, 0, book.cash(), 1000))
        conn.execute(_posting_row(book, seq, 1, book.capital(), -1000))
        conn.execute(_leaf_row(seq))
    assert counts(book.engine)["leaf"] == seq
    # 100.00 seeded + 10.00 raw. The raw leaf hash is wrong on purpose: verify is what catches that.
    assert book.balance(book.cash()) == {book.base: Decimal("110.00")}


def test_guard_text_is_declared_not_built_and_an_undeclared_one_is_refused_by_name() -> None:  # issue 17
    from jointfund.store import triggers

    # Every append-only table of store.tables has its rendered guards in both dialects, naming the table.
    for table in triggers.APPEND_ONLY_TABLES:
        assert all(f" ON {table} " in s for s in triggers.append_only_statements("sqlite", (table,)))
        assert len(triggers.append_only_statements("postgresql", (table,))) == 3
    with pytest.raises(ValueError, match="'no_such_table' is not declared in store.triggers"):
        triggers.append_only_statements("sqlite", ("no_such_table",))
    with pytest.raises(ValueError, match="database dialect 'mysql': jointfund runs on sqlite or postgresql"):
        triggers.guard_statements("mysql", "vote_open")
    with pytest.raises(ValueError, match="'vote_closed' is not declared"):
        triggers.guard_statements("postgresql", "vote_closed")
