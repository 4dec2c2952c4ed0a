"""Two writers at once, on SQLite (two threads, two connections) and PostgreSQL (two connections):
both succeed, the log positions stay contiguous, and verify passes."""

import threading
from decimal import Decimal

from sqlalchemy import select
from support import Book

from jointfund.ledger import journal
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.verify import verify

PER_WRITER = 15


def test_two_writers_at_once(fund_engine):
    book = Book(fund_engine)
    with db.transaction(fund_engine) as conn:
        start_size = len(conn.execute(select(t.leaf.c.seq)).all())
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    results: dict[int, list[int]] = {0: [], 1: []}

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(PER_WRITER):
                entry = book.contribution(f"w{n}-{i}", f"{n + 1}.{i:02d}", i, partner=book.partners[n])
                with db.write(fund_engine) as conn:
                    results[n] += journal.post(conn, [entry], book.start)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in (0, 1)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, errors
    assert not any(th.is_alive() for th in threads)

    with db.transaction(fund_engine) as conn:
        seqs = [s for (s,) in conn.execute(select(t.leaf.c.seq).order_by(t.leaf.c.seq))]
    assert seqs == list(range(1, start_size + 2 * PER_WRITER + 1)), "log positions must be contiguous"
    assert sorted(results[0] + results[1]) == seqs[start_size:]
    assert len(set(results[0]) & set(results[1])) == 0
    report = verify(fund_engine)
    assert report.ok, report.first_failure
    assert book.balance(book.cash()) == {
        book.base: sum(Decimal(f"{n + 1}.{i:02d}") for n in (0, 1) for i in range(PER_WRITER))
    }
