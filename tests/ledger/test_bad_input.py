"""Bad input on both backends: a clear error naming the field, and nothing written."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import inspect
from support import Book, counts

from jointfund import fund as fund_mod
from jointfund.errors import InputError
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db
from jointfund.terms import shipped_text


@pytest.fixture
def book(fund_engine) -> Book:
    b = Book(fund_engine)
    b.post(b.contribution("seed", "100.00", 1))
    return b


def _refused(book: Book, *entries: Entry) -> InputError:
    before = counts(book.engine)
    with pytest.raises(InputError) as caught:
        book.post(*entries)
    assert counts(book.engine) == before, "a refused entry must leave no row"
    assert "nothing was posted" in str(caught.value)
    return caught.value


def _legs(book: Book, *legs: tuple[str, str, str]) -> tuple[Posting, ...]:
    return tuple(Posting(a, Decimal(v), c) for a, v, c in legs)


def test_unbalanced_entry(book):
    e = Entry(
        book.day(2),
        "x",
        _legs(book, (book.cash(), "10.00", book.base), (book.capital(), "-9.99", book.base)),
        "u",
    )
    err = _refused(book, e)
    (p,) = err.problems
    assert (
        p.location == "entry[0].postings"
        and f"does not balance in {book.base}: postings sum to 0.01" in p.message
    )


def test_unknown_account(book):
    e = Entry(
        book.day(2),
        "x",
        _legs(book, ("Assets:Cash:XYZ", "10.00", book.base), (book.capital(), "-10.00", book.base)),
        "u",
    )
    (p,) = _refused(book, e).problems
    assert (p.location, p.message, p.value) == (
        "entry[0].postings[0].account",
        "unknown account",
        "Assets:Cash:XYZ",
    )


def test_closed_account(book):
    with db.write(book.engine) as conn:
        journal.open_account(conn, "Expenses:Administration:Closed", book.start)
        journal.close_account(conn, "Expenses:Administration:Closed", book.day(10))
    e = Entry(
        book.day(10),
        "x",
        _legs(book, ("Expenses:Administration:Closed", "1.00", book.base), (book.cash(), "-1.00", book.base)),
        "u",
    )
    (p,) = _refused(book, e).problems
    assert p.location == "entry[0].postings[0].account" and "closed on" in p.message


def test_currency_the_account_does_not_allow(book):
    e = Entry(
        book.day(2),
        "x",
        _legs(book, (book.cash(book.base), "10.00", book.other), (book.capital(), "-10.00", book.other)),
        "u",
    )
    (p,) = _refused(book, e).problems
    assert p.location == "entry[0].postings[0].currency" and f"allows only {book.base}" in p.message
    assert p.value == book.other


def test_more_decimals_than_the_currency_has(book):
    e = Entry(
        book.day(2),
        "x",
        _legs(book, (book.cash(), "10.001", book.base), (book.capital(), "-10.001", book.base)),
        "u",
    )
    problems = _refused(book, e).problems
    assert [p.location for p in problems] == ["entry[0].postings[0].amount", "entry[0].postings[1].amount"]
    assert "has 2 decimal place(s); amount has more" in problems[0].message and problems[0].value == "10.001"


def test_date_before_the_fund_exists(book):
    e = book.contribution("u", "1.00")._replace(date=book.start - dt.timedelta(days=1))
    p, *accounts = _refused(book, e).problems
    assert p.location == "entry[0].date" and f"before the fund exists (it starts {book.start})" in p.message
    assert all(f"(opened on {book.start})" in a.message for a in accounts)  # and no account is open yet


def test_other_shapes_of_bad_entries(book):
    one_leg = Entry(book.day(2), "x", _legs(book, (book.cash(), "0.00", book.base)), "")
    problems = _refused(book, one_leg).problems
    assert {p.location for p in problems} == {
        "entry[0].key",
        "entry[0].postings",
        "entry[0].postings[0].amount",
    }
    unknown_currency = Entry(
        book.day(2), "x", _legs(book, (book.cash(), "1", "XXX"), (book.capital(), "-1", "XXX")), "u"
    )
    assert _refused(book, unknown_currency).problems[0].message == "unknown currency"


def test_nul_characters_are_refused_on_both_backends(book):
    """PostgreSQL text cannot hold U+0000; SQLite can. Refusing it up front keeps the backends alike."""
    e = book.contribution("nul\x00key", "1.00", 2, narration="a\x00b")._replace(links=("receipt:\x00",))
    problems = _refused(book, e).problems
    assert [p.location for p in problems] == ["entry[0].key", "entry[0].narration", "entry[0].links[0]"]
    assert all("NUL" in p.message for p in problems)


def test_one_bad_entry_refuses_the_whole_batch_and_names_every_problem(book):
    good = book.contribution("good", "5.00", 2)
    bad1 = book.contribution("bad1", "5.001", 2)
    bad2 = book.contribution("bad2", "5.00", 2)._replace(date=book.start - dt.timedelta(days=3))
    err = _refused(book, good, bad1, bad2)
    assert {p.location.split(".")[0] for p in err.problems} == {"entry[1]", "entry[2]"}


def test_cli_names_the_field_and_writes_nothing(cli, fund_engine):
    b = Book(fund_engine)
    before = counts(fund_engine)
    cases = [
        ([f"{b.cash()} 10.00 {b.base}", f"{b.capital()} -9.00 {b.base}"], b.day(1), "does not balance"),
        ([f"{b.cash()} 10.001 {b.base}", f"{b.capital()} -10.001 {b.base}"], b.day(1), "--posting[0].amount"),
        ([f"Assets:Nowhere 10.00 {b.base}", f"{b.capital()} -10.00 {b.base}"], b.day(1), "unknown account"),
        (
            [f"{b.cash()} 10.00 {b.base}", f"{b.capital()} -10.00 {b.base}"],
            b.start - dt.timedelta(days=1),
            "before the fund exists",
        ),
        ([f"{b.cash()} ten {b.base}", f"{b.capital()} -10.00 {b.base}"], b.day(1), "not a number"),
        (
            [f"{b.cash()} 10.00", f"{b.capital()} -10.00 {b.base}"],
            b.day(1),
            "expected 'ACCOUNT AMOUNT CURRENCY'",
        ),
    ]
    for legs, day, says in cases:
        args = ["ledger", "post", "--date", day.isoformat(), "--narration", "x", "--key", "k"]
        for leg in legs:
            args += ["--posting", leg]
        r = cli(*args, ok=False)
        assert r.exit_code == 1 and says in r.stderr and "Traceback" not in r.stderr, (says, r.stderr)
    assert counts(fund_engine) == before


def test_malformed_terms_file_creates_nothing(engine):
    bad = shipped_text().replace('base_currency = "USD"', 'base_currency = "US Dollar"', 1)
    with pytest.raises(InputError) as caught:
        fund_mod.create(engine, bad, "bad.toml")
    assert "(fund.base_currency)" in caught.value.problems[0].location
    assert inspect(engine).get_table_names() == []
