"""ledger.tiles: proofs from stored interior nodes equal the proofs from every leaf, read O(log n) rows,
and a stored node that is wrong or missing is named by verify (both backends)."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from support import Book

from jointfund.ledger import log, merkle, tiles
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify


def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest() for i in range(n)]


class MemoryTiles:
    """The stored levels kept in memory, built only through `new_nodes` as the writer builds them, in the
    given append batches, counting the hashes each proof reads."""

    def __init__(self, height: int) -> None:
        self.height = height
        self.levels: dict[int, list[bytes]] = {0: []}
        self.read_hashes = 0

    def append(self, batch: list[bytes]) -> None:
        made = list(tiles.new_nodes(self.read, len(self.levels[0]), batch, self.height))
        self.levels[0].extend(batch)
        for level, idx, h in made:
            row = self.levels.setdefault(level, [])
            assert idx == len(row), "nodes are made once each, in order"
            row.append(h)

    def read(self, level: int, lo: int, hi: int) -> list[bytes]:
        self.read_hashes += hi - lo
        return self.levels.get(level, [])[lo:hi]

    def tree(self) -> merkle.Tree:
        outer = self

        class _Tree:
            size = len(outer.levels[0])

            def subroot(self, lo: int, hi: int) -> bytes:
                return tiles.subroot(outer.read, lo, hi, outer.height)

        return _Tree()


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(1, 90), min_size=1, max_size=8), st.data())
def test_proofs_from_stored_nodes_equal_proofs_from_every_leaf(height, batches, data):
    leaves = _leaves(sum(batches))
    store, done = MemoryTiles(height), 0
    for b in batches:
        store.append(leaves[done : done + b])
        done += b
    n = len(leaves)
    assert merkle.tree_root(store.tree()) == merkle.root(leaves)
    index = data.draw(st.integers(0, n - 1))
    assert merkle.inclusion_path(index, store.tree()) == merkle.inclusion_proof(index, leaves)
    old = data.draw(st.integers(1, n))
    assert merkle.consistency_path(old, store.tree()) == merkle.consistency_proof(old, leaves)
    # Every node that should be stored is, exactly once (the append above asserts the order).
    for level in range(1, 8):
        assert len(store.levels.get(level, [])) == n // (1 << (height * level))


def test_a_proof_reads_a_bounded_number_of_hashes_whatever_the_size():
    """At height 8 a path reads at most 128 hashes per level of the tree: logarithmic, not linear."""
    store = MemoryTiles(8)
    n = 70_000  # three stored levels: leaves, 256-leaf nodes, 65,536-leaf nodes
    store.append(_leaves(n))
    for index in (0, 12_345, n - 1):
        store.read_hashes = 0
        merkle.inclusion_path(index, store.tree())
        assert store.read_hashes <= 128 * n.bit_length()
    assert store.read_hashes < n // 20


@pytest.mark.storage
def test_stored_tree_answers_like_the_leaves_and_verify_checks_its_nodes(fund_engine, backend):
    book = Book(fund_engine)
    book.post(
        *[book.contribution(f"tile-{i}", "1.00", i % 30) for i in range(600)]
    )  # one batch: 2 nodes sealed
    with db.write(fund_engine) as conn:
        for i in range(3):
            log.append_event(conn, "test", "test.note", f"note:{i}", {"i": i})  # one record at a time
    with db.transaction(fund_engine) as conn:
        size = log.size(conn)
        leaves = log.leaf_hashes(conn)
        stored = conn.execute(select(func.count()).select_from(t.tree_node)).scalar_one()
        assert stored == size // 256 and size >= 512
        tree = log.tree(conn)
        assert log.tree_head(conn) == (size, merkle.root(leaves))
        for index in (0, 255, 256, 300, size - 1):
            assert merkle.inclusion_path(index, tree) == merkle.inclusion_proof(index, leaves)
        for old in (1, 256, 257, size - 1):
            assert merkle.consistency_path(old, tree) == merkle.consistency_proof(old, leaves)
    report = verify(fund_engine)
    assert report.ok, report.first_failure
    assert next(r for r in report.results if r.check == "tree nodes").checked == size // 256

    # An operator with the database: a wrong node is named; a missing one is named and proofs stay right.
    with db.transaction(fund_engine) as conn:
        for s in drop_guard_statements(conn.dialect.name, "tree_node"):
            conn.execute(text(s))
        conn.execute(t.tree_node.update().where(t.tree_node.c.idx == 1).values(hash=b"\x00" * 32))
    failure = verify(fund_engine).first_failure
    assert failure.check == "tree nodes" and failure.seq == 257 and "tree node 1/1 is 0000" in failure.detail
    with db.transaction(fund_engine) as conn:
        conn.execute(t.tree_node.delete().where(t.tree_node.c.idx == 1))
        for index in (0, 300, 600, size - 1):  # paths through, beside and after the missing node
            assert merkle.inclusion_path(index, log.tree(conn)) == merkle.inclusion_proof(index, leaves)
        assert merkle.consistency_path(600, log.tree(conn)) == merkle.consistency_proof(600, leaves)
    failure = verify(fund_engine).first_failure
    assert (
        failure.check == "tree nodes" and "tree node 1/1 (records 257..512) is not stored" in failure.detail
    )


@pytest.mark.storage
def test_tree_nodes_are_append_only(fund_engine, backend):
    book = Book(fund_engine)
    book.post(*[book.contribution(f"tile-{i}", "1.00") for i in range(300)])
    for statement in ("UPDATE tree_node SET hash = hash", "DELETE FROM tree_node"):
        with pytest.raises(DBAPIError, match="tree_node is append-only"), db.transaction(fund_engine) as conn:
            conn.execute(text(statement))


@pytest.mark.storage
def test_account_heads_follow_every_post_and_verify_names_a_wrong_one(fund_engine, backend):
    """Posting reads where each running balance stands from account_head (not a sum of the book): after many
    posts in several batches and currencies, each head equals its postings, and every stored running balance
    is the one before it plus the amount (verify's running-balance check)."""
    book = Book(fund_engine)
    for batch in range(3):
        book.post(*[book.contribution(f"head-{batch}-{i}", f"{i + 1}.25", i) for i in range(40)])
    cash = book.cash()
    with db.transaction(fund_engine) as conn:
        account_id = conn.execute(select(t.account.c.id).where(t.account.c.name == cash)).scalar_one()
        head = conn.execute(
            select(t.account_head.c.balance_minor, t.account_head.c.last_seq).where(
                t.account_head.c.account_id == account_id, t.account_head.c.currency == book.base
            )
        ).one()
        last = conn.execute(
            select(t.posting.c.balance_after_minor, t.posting.c.entry_seq)
            .where(t.posting.c.account_id == account_id)
            .order_by(t.posting.c.entry_seq.desc())
            .limit(1)
        ).one()
    assert tuple(head) == tuple(last)
    assert book.balance(cash)[book.base] * 100 == head[0]
    report = verify(fund_engine)
    assert report.ok, report.first_failure
    assert next(r for r in report.results if r.check == "account heads").checked >= 2

    with db.transaction(fund_engine) as conn:
        conn.execute(
            t.account_head.update()
            .where(t.account_head.c.account_id == account_id)
            .values(balance_minor=t.account_head.c.balance_minor + 1)
        )
    failure = verify(fund_engine).first_failure
    assert failure.check == "account heads" and cash in failure.detail


@pytest.mark.storage
def test_verify_names_a_head_with_a_wrong_last_entry_a_missing_head_and_a_head_of_no_postings(
    fund_engine, backend
):
    """The heads check is one query joining the postings' sums to the heads both ways: each kind of drift is
    named once, with the key's account, and nothing else is."""
    book = Book(fund_engine)
    book.post(*[book.contribution(f"head-{i}", f"{i + 1}.00", i) for i in range(5)])
    book.post(book.contribution("other", "7.00", 6, currency=book.other, partner=book.partners[1]))
    cash, other_cash = book.cash(), book.cash(book.other)
    with db.transaction(fund_engine) as conn:
        ids = dict(conn.execute(select(t.account.c.name, t.account.c.id)).all())
        heads = conn.execute(select(func.count()).select_from(t.account_head)).scalar_one()
        unused = conn.execute(
            select(t.account.c.id, t.account.c.name)
            .where(t.account.c.id.not_in(select(t.account_head.c.account_id)))
            .order_by(t.account.c.id)
            .limit(1)
        ).one()
    assert next(r for r in verify(fund_engine).results if r.check == "account heads").checked == heads
    with db.transaction(fund_engine) as conn:
        h = t.account_head.c
        conn.execute(t.account_head.update().where(h.account_id == ids[cash]).values(last_seq=h.last_seq - 1))
        conn.execute(t.account_head.delete().where(h.account_id == ids[other_cash]))
        conn.execute(
            t.account_head.insert().values(
                account_id=unused.id, currency=book.base, balance_minor=0, last_seq=1
            )
        )
    result = next(r for r in verify(fund_engine).results if r.check == "account heads")
    details = sorted(f.detail for f in result.failures)
    assert len(details) == 3, details
    assert any(d.startswith(f"{cash} {book.base}: head says (") for d in details)
    assert any(
        d.startswith(f"{other_cash} {book.other}: head says nothing, the postings say (") for d in details
    )
    assert any(
        d.startswith(f"{unused.name} {book.base}: head says (0, 1), the postings say nothing")
        for d in details
    )
