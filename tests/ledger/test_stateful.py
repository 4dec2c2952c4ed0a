"""A Hypothesis state machine of the ledger, on SQLite and PostgreSQL.

It draws random posts (single- and cross-currency), reversals, invalid entries and idempotent retries
against a fresh fund per example, keeps a model of what the book must hold, and after every step
checks that each currency sums to zero, that the book equals the model, that verify passes, and
that every rejected entry left no row.
"""

from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from support import Book, counts

from jointfund.errors import ConflictError, InputError, NotFound, Refused
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting, fx_postings, reversal
from jointfund.money import from_minor
from jointfund.store import db
from jointfund.verify import verify

minor_amounts = st.integers(min_value=1, max_value=10**11)
days = st.integers(min_value=0, max_value=400)
BAD_KINDS = (
    "unbalanced",
    "decimals",
    "unknown_account",
    "before_start",
    "currency_not_allowed",
    "zero",
    "one_leg",
    "nul",
)


def machine_for(backend: str, fresh_fund_url):  # noqa: ANN001, ANN201 - the factory fixture
    class Ledger(RuleBasedStateMachine):
        """The book of one fresh fund, and the model of it the test keeps."""

        def __init__(self) -> None:
            super().__init__()
            self.url = fresh_fund_url(backend)
            self.engine = db.make_engine(self.url)
            self.book = Book(self.engine)
            self.expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
            self.posted: dict[str, tuple[Entry, int]] = {}  # key -> (entry as offered, seq)
            self.reversed: set[int] = set()
            self.reversals: set[int] = set()
            self.serial = 0

        def teardown(self) -> None:
            self.engine.dispose()
            fresh_fund_url.drop(self.url)

        # -- helpers --
        def _key(self) -> str:
            self.serial += 1
            return f"k-{self.serial}"

        def _apply(self, entry: Entry, sign: int = 1) -> None:
            for p in entry.postings:
                self.expected[(p.account, p.currency)] += sign * p.amount

        def _post_new(self, entry: Entry) -> int:
            before = counts(self.engine)["leaf"]
            (seq,) = self.book.post(entry)
            assert seq == before + 1, "log positions are contiguous"
            self.posted[entry.key] = (entry, seq)
            self._apply(entry)
            return seq

        def _refused(self, exc_type: type[Exception], *entries: Entry) -> None:
            before = counts(self.engine)
            with pytest.raises(exc_type):
                self.book.post(*entries)
            assert counts(self.engine) == before, "a rejected entry left rows behind"

        # -- rules --
        @initialize(minor=minor_amounts)
        def seed(self, minor: int) -> None:
            self._post_new(self.book.contribution(self._key(), from_minor(minor, self.book.base), 0))

        @rule(
            minor=minor_amounts,
            day=days,
            partner=st.integers(0, 1),
            other=st.booleans(),
            narration=st.text(
                alphabet=st.characters(codec="utf-8", blacklist_characters="\x00"), max_size=30
            ),
        )
        def post_contribution(self, minor: int, day: int, partner: int, other: bool, narration: str) -> None:
            currency = self.book.other if other else self.book.base
            self._post_new(
                self.book.contribution(
                    self._key(),
                    from_minor(minor, currency),
                    day,
                    partner=self.book.partners[partner],
                    currency=currency,
                    narration=narration or "contribution",
                )
            )

        @rule(pay=minor_amounts, get=minor_amounts, day=days)
        def post_conversion(self, pay: int, get: int, day: int) -> None:
            b = self.book
            legs = fx_postings(
                b.cash(b.base),
                from_minor(pay, b.base),
                b.base,
                b.cash(b.other),
                from_minor(get, b.other),
                b.other,
                b.terms.ledger.roles["trading"],
                b.base,
            )
            self._post_new(Entry(b.day(day), "conversion", legs, self._key()))

        @rule(data=st.data())
        def retry_same_content(self, data: st.DataObject) -> None:
            key = data.draw(st.sampled_from(sorted(self.posted)))
            entry, seq = self.posted[key]
            before = counts(self.engine)
            assert self.book.post(entry) == [seq]
            assert counts(self.engine) == before

        @rule(data=st.data(), extra=minor_amounts)
        def retry_different_content(self, data: st.DataObject, extra: int) -> None:
            key = data.draw(st.sampled_from(sorted(self.posted)))
            entry, _seq = self.posted[key]
            bump = from_minor(extra, entry.postings[0].currency)
            changed = entry._replace(
                postings=(
                    entry.postings[0]._replace(amount=entry.postings[0].amount + bump),
                    entry.postings[1]._replace(amount=entry.postings[1].amount - bump),
                    *entry.postings[2:],
                )
            )
            self._refused(ConflictError, changed)

        @rule(data=st.data(), later=st.integers(min_value=0, max_value=30))
        def reverse(self, data: st.DataObject, later: int) -> None:
            key = data.draw(st.sampled_from(sorted(self.posted)))
            entry, seq = self.posted[key]
            with db.transaction(self.engine) as conn:
                original = journal.get_entry(conn, seq)
            undo = reversal(original, original.date + (self.book.day(later) - self.book.start), self._key())
            if seq in self.reversed:
                self._refused(Refused, undo)
            elif seq in self.reversals:
                self._refused(Refused, undo)
            else:
                new = self._post_new(undo)
                self.reversed.add(seq)
                self.reversals.add(new)

        @precondition(lambda self: self.reversals)
        @rule(data=st.data())
        def reverse_missing_entry(self, data: st.DataObject) -> None:
            bogus = counts(self.engine)["leaf"] + data.draw(st.integers(min_value=1, max_value=100))
            entry = self.book.contribution(self._key(), "1.00", 1)._replace(reverses=bogus)
            self._refused(NotFound, entry)

        @rule(kind=st.sampled_from(BAD_KINDS), minor=minor_amounts, day=days, with_good=st.booleans())
        def post_invalid(self, kind: str, minor: int, day: int, with_good: bool) -> None:
            b = self.book
            amount = from_minor(minor, b.base)
            good = b.contribution(self._key(), amount, day)
            cash, capital = Posting(b.cash(), amount, b.base), Posting(b.capital(), -amount, b.base)
            legs = {
                "unbalanced": (cash, capital._replace(amount=-amount + Decimal("0.01"))),
                "decimals": (
                    cash._replace(amount=amount + Decimal("0.001")),
                    capital._replace(amount=-amount - Decimal("0.001")),
                ),
                "unknown_account": (cash, capital._replace(account=b.capital() + ":Nowhere")),
                "before_start": (cash, capital),
                "currency_not_allowed": (cash._replace(currency=b.other), capital._replace(currency=b.other)),
                "zero": (cash._replace(amount=Decimal(0)), capital._replace(amount=Decimal(0))),
                "one_leg": (cash,),
                "nul": (cash, capital),
            }[kind]
            date = b.day(-1 - day % 30) if kind == "before_start" else b.day(day)
            bad = Entry(date, "in\x00valid" if kind == "nul" else "invalid", legs, self._key())
            # A batch with one bad entry lands nowhere, however many good ones it holds.
            self._refused(InputError, *((good, bad) if with_good else (bad,)))

        # -- invariants, after every step --
        @invariant()
        def each_currency_sums_to_zero_and_the_book_equals_the_model(self) -> None:
            rows = self.book.trial_balance()
            totals: dict[str, Decimal] = defaultdict(Decimal)
            for _a, currency, amount in rows:
                totals[currency] += amount
            assert all(v == 0 for v in totals.values()), totals
            assert {(a, c): v for a, c, v in rows} == {k: v for k, v in self.expected.items() if v}

        @invariant()
        def verify_passes(self) -> None:
            report = verify(self.engine)
            assert report.ok, report.first_failure

    return Ledger


def test_ledger_state_machine(backend, fresh_fund_url):
    # Shrinking replays the machine hundreds of times; on PostgreSQL (a database per example) that takes
    # minutes, so a failure there is reported as found. The same machine shrinks quickly on SQLite.
    phases = list(Phase) if backend == "sqlite" else [Phase.explicit, Phase.reuse, Phase.generate]
    run_state_machine_as_test(
        machine_for(backend, fresh_fund_url),
        settings=settings(
            max_examples=15,
            stateful_step_count=15,
            deadline=None,
            phases=phases,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
