"""Small helpers the ledger, store and CLI tests share (fixtures live in conftest.py).

Names of accounts come from the fund's own terms, so these helpers carry no business literal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import Engine, func, select

from jointfund import fund as fund_mod
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db
from jointfund.store import tables as t

# Every table a posting, an entry or an event can touch: "nothing was written" means none of them grew.
JOURNAL_TABLES = (t.entry, t.posting, t.leaf, t.event, t.account, t.account_closure, t.checkpoint, t.partner_key)


def counts(engine: Engine) -> dict[str, int]:
    """Row count of every journal table: compared before and after a refused write."""
    with db.transaction(engine) as conn:
        return {tb.name: conn.execute(select(func.count()).select_from(tb)).scalar_one() for tb in JOURNAL_TABLES}


def info(engine: Engine) -> fund_mod.FundInfo:
    with db.transaction(engine) as conn:
        return fund_mod.load(conn)


class Book:
    """The fund of a test, with the names its terms give the accounts.

    Attributes:
      engine: the fund's database.
      fund: the stored fund.
      terms: its terms as written.
      base: the base currency; other: another booked currency (both from the terms).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.fund = info(engine)
        self.terms = self.fund.base_terms()
        self.base = self.terms.fund.base_currency
        self.other = next(c for c in self.terms.fund.currencies if c != self.base)
        self.partners = self.terms.partner_codes
        self.start = self.fund.start_date

    def cash(self, currency: str | None = None) -> str:
        return self.terms.account_name("cash", currency=currency or self.base)

    def capital(self, partner: str | None = None) -> str:
        return self.terms.account_name("capital_cash", partner=partner or self.partners[0])

    def trading(self, currency: str) -> str:
        return self.terms.account_name("trading", currency=currency)

    def day(self, offset_days: int = 0) -> dt.date:
        return self.start + dt.timedelta(days=offset_days)

    def contribution(self, key: str, amount: str | Decimal, offset_days: int = 0, partner: str | None = None,
                     currency: str | None = None, narration: str = "cash contribution") -> Entry:
        """Cash in against a partner's capital: the simplest balanced entry."""
        cur = currency or self.base
        value = Decimal(amount)
        return Entry(self.day(offset_days), narration,
                     (Posting(self.cash(cur), value, cur), Posting(self.capital(partner), -value, cur)), key)

    def post(self, *entries: Entry) -> list[int]:
        with db.write(self.engine) as conn:
            return journal.post(conn, list(entries), self.start)

    def trial_balance(self, as_of: dt.date | None = None) -> list[tuple[str, str, Decimal]]:
        with db.transaction(self.engine) as conn:
            return journal.trial_balance(conn, as_of)

    def balance(self, account: str, as_of: dt.date | None = None, subtree: bool = True) -> dict[str, Decimal]:
        with db.transaction(self.engine) as conn:
            return journal.balance(conn, account, as_of, subtree=subtree)


@contextlib.contextmanager
def holding_the_write_lock(engine: Engine) -> Iterator[threading.Event]:
    """Another connection holds the book's write lock (as a long import would) until the block ends, or until
    the event yielded is set."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write(engine):
            taken.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10), "the write lock was not taken"
        yield release
    finally:
        release.set()
        holder.join(10)
