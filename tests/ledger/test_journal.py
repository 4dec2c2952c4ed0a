"""ledger.journal on SQLite and PostgreSQL: posting, balances, FX, idempotency, reversals, closing."""

from collections import defaultdict
from decimal import Decimal

import pytest
from support import Book, counts

from jointfund.errors import ConflictError, InputError, NotFound, Refused
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting, fx_postings
from jointfund.store import db
from jointfund.verify import verify


@pytest.fixture
def book(fund_engine) -> Book:
    return Book(fund_engine)


def _sums(rows) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for _account, currency, amount in rows:
        totals[currency] += amount
    return dict(totals)


def test_post_assigns_log_positions_and_keeps_the_entry(book):
    before = counts(book.engine)["leaf"]
    e = book.contribution("c-1", "1000.50", offset_days=10)._replace(links=("receipt:R-1",))
    (seq,) = book.post(e)
    assert seq == before + 1
    with db.transaction(book.engine) as conn:
        stored = journal.get_entry(conn, seq)
    assert (stored.date, stored.narration, stored.postings, stored.key, stored.links) == (
        e.date,
        e.narration,
        e.postings,
        e.key,
        e.links,
    )
    assert stored.recorded_at is not None and stored.recorded_at.utcoffset().total_seconds() == 0
    report = verify(book.engine)
    assert report.ok, report.first_failure


def test_balances_as_of_dates_and_subtrees(book):
    a, b = book.partners[:2]
    book.post(
        book.contribution("c-1", "100.00", 1, partner=a),
        book.contribution("c-2", "250.25", 20, partner=b),
        book.contribution("c-3", "0.75", 40, partner=a),
    )
    cash = book.cash()
    assert book.balance(cash, as_of=book.day(0)) == {}
    assert book.balance(cash, as_of=book.day(1)) == {book.base: Decimal("100.00")}
    assert book.balance(cash, as_of=book.day(20)) == {book.base: Decimal("350.25")}
    assert book.balance(cash) == {book.base: Decimal("351.00")}
    assert book.balance(book.capital(a)) == {book.base: Decimal("-100.75")}
    # The parent of both partners' capital accounts sums its subtree; --only excludes it.
    parent = book.terms.account_name("capital", partner=a).rsplit(":", 1)[0]
    assert book.balance(parent) == {book.base: Decimal("-351.00")}
    assert book.balance(book.terms.account_name("capital", partner=a)) == {book.base: Decimal("-100.75")}
    assert book.balance(book.capital(a), subtree=False) == {book.base: Decimal("-100.75")}
    with pytest.raises(NotFound):
        book.balance(parent, subtree=False)  # a parent that is not itself an account holds nothing alone
    with pytest.raises(NotFound):
        book.balance("Assets:Nowhere")


def test_trial_balance_sums_to_zero_per_currency(book):
    book.post(
        book.contribution("c-1", "100.00", 1),
        book.contribution("c-2", "4000.00", 2, currency=book.other, partner=book.partners[1]),
    )
    rows = book.trial_balance()
    assert {c for _a, c, _v in rows} == {book.base, book.other}
    assert all(v == 0 for v in _sums(rows).values())
    assert book.trial_balance(as_of=book.day(1)) == [r for r in rows if r[1] == book.base]


def test_the_trial_balance_of_all_dates_reads_the_heads_and_equals_the_sum_of_the_postings(book):
    """With no date it reads account_head (O(accounts)); it must equal summing every posting, and it does
    not count an account whose postings net to zero."""
    book.post(
        book.contribution("c-1", "100.00", 1),
        book.contribution("c-2", "4000.00", 2, currency=book.other, partner=book.partners[1]),
        book.contribution("c-3", "25.50", 3, partner=book.partners[1]),
    )
    with db.write(book.engine) as conn:
        first = next(iter(journal.entries(conn)))
        journal.reverse(conn, first.seq, book.day(4), "r-1", book.start)  # nets its accounts to zero
    rows = book.trial_balance()
    assert rows == book.trial_balance(as_of=book.day(4))  # the date form sums the postings
    assert rows and all(v != 0 for _a, _c, v in rows)


def test_trial_balances_of_several_days_in_one_pass_equal_one_trial_balance_per_day(book):
    """trial_balances sums each interval once and runs the sums on; each day's rows must be exactly
    trial_balance's on that day: days before, between, on and after the postings, an account netting to zero
    on a later day (its row goes), given out of order and repeated."""
    book.post(
        book.contribution("c-1", "100.00", 1),
        book.contribution("c-2", "4000.00", 2, currency=book.other, partner=book.partners[1]),
        book.contribution("c-3", "25.50", 5, partner=book.partners[1]),
    )
    with db.write(book.engine) as conn:
        first = next(iter(journal.entries(conn)))
        journal.reverse(conn, first.seq, book.day(7), "r-1", book.start)
    days = [book.day(9), book.day(0), book.day(2), book.day(1), book.day(5), book.day(7), book.day(-1)]
    with db.transaction(book.engine) as conn:
        many = journal.trial_balances(conn, [*days, book.day(2)])
        assert sorted(many) == sorted(set(days))
        for day in days:
            assert many[day] == journal.trial_balance(conn, day), day
        assert journal.trial_balances(conn, []) == {}
    assert many[book.day(0)] == [] and many[book.day(9)] != many[book.day(5)]  # the reversal moved it


def test_a_conversion_goes_through_trading_accounts_and_balances_in_each_currency(book):
    base, other = book.base, book.other
    book.post(book.contribution("seed", "1000.00", 1))
    legs = fx_postings(
        book.cash(base),
        Decimal("100.00"),
        base,
        book.cash(other),
        Decimal("4150.00"),
        other,
        book.terms.ledger.roles["trading"],
        base,
    )
    (seq,) = book.post(Entry(book.day(2), "convert", legs, "fx-1"))
    # The UAH position's trading account holds minus the position and, in the base currency, its carrying
    # amount.
    assert book.balance(book.trading(other)) == {other: Decimal("-4150.00"), base: Decimal("100.00")}
    assert book.balance(book.cash(other)) == {other: Decimal("4150.00")}
    assert all(v == 0 for v in _sums(book.trial_balance()).values())
    report = verify(book.engine)
    assert report.ok, report.first_failure
    # The same legs without the trading accounts balance in neither currency and are refused.
    direct = Entry(book.day(2), "convert", (legs[0], legs[3]), "fx-2")
    with pytest.raises(InputError, match=f"does not balance in {base}"):
        book.post(direct)
    assert seq


def test_same_key_same_content_returns_the_original_and_writes_nothing(book):
    e = book.contribution("once", "10.00", 3)
    (seq,) = book.post(e)
    before = counts(book.engine)
    assert book.post(e) == [seq]
    # Equal amounts written another way are the same content.
    assert book.post(
        e._replace(
            postings=tuple(p._replace(amount=p.amount.quantize(Decimal("0.0001"))) for p in e.postings)
        )
    ) == [seq]
    # Twice in one batch: one entry.
    f = book.contribution("twice", "1.00", 3)
    first, second = book.post(f, f)
    assert first == second == before["leaf"] + 1
    assert counts(book.engine)["entry"] == before["entry"] + 1


@pytest.mark.parametrize("change", ["amount", "date", "narration", "links", "account"])
def test_same_key_different_content_is_a_conflict_showing_both(book, change):
    e = book.contribution("k", "10.00", 3)
    (seq,) = book.post(e)
    other = {
        "amount": lambda: book.contribution("k", "11.00", 3),
        "date": lambda: book.contribution("k", "10.00", 4),
        "narration": lambda: e._replace(narration="something else"),
        "links": lambda: e._replace(links=("receipt:R-9",)),
        "account": lambda: book.contribution("k", "10.00", 3, partner=book.partners[1]),
    }[change]()
    before = counts(book.engine)
    with pytest.raises(ConflictError) as caught:
        book.post(other)
    message = str(caught.value)
    assert f"'k' was already used by entry {seq}" in message
    recorded, offered = message.split("\n")[1:3]
    assert recorded.strip().startswith("recorded:") and offered.strip().startswith("offered:")
    assert recorded.split(":", 1)[1] != offered.split(":", 1)[1]
    assert counts(book.engine) == before


def test_reversal_points_at_the_original_and_happens_once(book):
    (seq,) = book.post(book.contribution("c", "80.00", 5))
    with db.write(book.engine) as conn:
        rev = journal.reverse(conn, seq, book.day(6), "c-reversal", book.start)
    with db.transaction(book.engine) as conn:
        r = journal.get_entry(conn, rev)
        original = journal.get_entry(conn, seq)
    assert r.reverses == seq
    assert r.postings == tuple(Posting(p.account, -p.amount, p.currency) for p in original.postings)
    assert book.balance(book.cash()) == {}
    assert book.balance(book.cash(), as_of=book.day(5)) == {book.base: Decimal("80.00")}
    report = verify(book.engine)
    assert report.ok, report.first_failure

    before = counts(book.engine)
    with pytest.raises(Refused, match=f"entry {seq} has already been reversed"):
        with db.write(book.engine) as conn:
            journal.reverse(conn, seq, book.day(7), "c-reversal-2", book.start)
    with pytest.raises(Refused, match="is itself a reversal"):
        with db.write(book.engine) as conn:
            journal.reverse(conn, rev, book.day(7), "c-reversal-3", book.start)
    with pytest.raises(NotFound):
        with db.write(book.engine) as conn:
            journal.reverse(conn, 10**6, book.day(7), "c-reversal-4", book.start)
    assert counts(book.engine) == before


def test_reversal_cannot_be_dated_before_the_original(book):
    (seq,) = book.post(book.contribution("c", "80.00", 5))
    before = counts(book.engine)
    with pytest.raises(InputError, match="cannot be dated before"):
        with db.write(book.engine) as conn:
            journal.reverse(conn, seq, book.day(4), "early", book.start)
    assert counts(book.engine) == before


def test_two_reversals_of_one_entry_in_one_batch_are_refused(book):
    (seq,) = book.post(book.contribution("c", "80.00", 5))
    with db.transaction(book.engine) as conn:
        original = journal.get_entry(conn, seq)
    from jointfund.ledger.entry import reversal

    before = counts(book.engine)
    with pytest.raises(Refused):
        book.post(reversal(original, book.day(6), "r1"), reversal(original, book.day(6), "r2"))
    assert counts(book.engine) == before


def test_closed_account_refuses_later_postings(book):
    extra = "Expenses:Administration:Travel"
    with db.write(book.engine) as conn:
        journal.open_account(conn, extra, book.start)
    cash = book.cash()

    def spend(key: str, day: int) -> Entry:
        legs = (Posting(extra, Decimal("5.00"), book.base), Posting(cash, Decimal("-5.00"), book.base))
        return Entry(book.day(day), "trip", legs, key)

    book.post(book.contribution("seed", "100.00", 1), spend("t-1", 2))
    with pytest.raises(Refused, match="posting"):
        with db.write(book.engine) as conn:
            journal.close_account(conn, extra, book.day(2))  # a posting is dated on the closing day
    with db.write(book.engine) as conn:
        journal.close_account(conn, extra, book.day(3))
    before = counts(book.engine)
    with pytest.raises(InputError) as caught:
        book.post(spend("t-2", 3))
    assert f"account {extra} is not open on {book.day(3)} (closed on {book.day(3)})" in str(caught.value)
    assert counts(book.engine) == before
    book.post(spend("t-3", 1))  # earlier dates are still open
    with pytest.raises(Refused, match="already closed"):
        with db.write(book.engine) as conn:
            journal.close_account(conn, extra, book.day(9))
    report = verify(book.engine)
    assert report.ok, report.first_failure


def test_open_account_validates_and_is_idempotent(book):
    with db.write(book.engine) as conn:
        a = journal.open_account(conn, "Income:Misc", book.start, ["USD"])
        assert journal.open_account(conn, "Income:Misc", book.start, ["USD"]) == a
    with pytest.raises(ConflictError):
        with db.write(book.engine) as conn:
            journal.open_account(conn, "Income:Misc", book.start, ["UAH"])
    for bad in ("Cash", "Assets", "Assets:cash", "Revenue:Misc", "Assets::X", "Assets:X Y"):
        with pytest.raises(InputError, match="not a valid account name"):
            with db.write(book.engine) as conn:
                journal.open_account(conn, bad, book.start)


def test_entries_filter_by_account_link_and_dates(book):
    book.post(
        book.contribution("c-1", "1.00", 1)._replace(links=("receipt:R-1",)),
        book.contribution("c-2", "2.00", 2, partner=book.partners[1]),
        book.contribution("c-3", "3.00", 3),
    )
    with db.transaction(book.engine) as conn:
        assert [e.key for e in journal.entries(conn, link="receipt:R-1")] == ["c-1"]
        assert [e.key for e in journal.entries(conn, account=book.capital(book.partners[0]))] == [
            "c-1",
            "c-3",
        ]
        assert [e.key for e in journal.entries(conn, since=book.day(2), until=book.day(2))] == ["c-2"]
        assert [e.key for e in journal.entries(conn, limit=1, offset=1)] == ["c-2"]
