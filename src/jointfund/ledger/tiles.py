"""Stored interior nodes of the log's Merkle tree, so a proof reads O(log n) rows instead of every leaf.

The nodes are those of C2SP tlog-tiles with tiles of height 8: a node of level L is the root of the
aligned perfect subtree of 256**L leaves, numbered from 0 (level 0 is the leaf table itself). Only
complete nodes are stored, each once, in the transaction that appends its last leaf, and never
changed. Any RFC 6962 subtree [lo, hi) splits into aligned perfect subtrees, and an aligned perfect
subtree of 2**k leaves is the root of at most 2**(k mod 8) = 128 stored nodes of level k // 8, so a
proof over a log of n records reads at most 128 * log2(n) hashes in O(log n) range queries, whatever n.

A stored node is only a cache of what the leaves already fix: a proof built from a wrong node fails the
client's check against the signed root, and `jointfund verify` recomputes every stored node from the
leaves. A node that is not stored (a log written before migration 0007 was back-filled, or a range not yet
sealed) is computed from the level below, so proofs never depend on the nodes being there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from sqlalchemy import Connection, func, insert, select

from jointfund.ledger import merkle
from jointfund.store import rows
from jointfund.store import tables as t

HEIGHT = 8  # C2SP tlog-tiles' tile height: a node of level L covers WIDTH**L leaves
WIDTH = 1 << HEIGHT
READ_CHUNK = 256 * WIDTH  # leaves read per query when checking every node (bounded memory)

# (level, first index, end index) -> the hashes of that level in [first, end); level 0 is the leaves.
Reader = Callable[[int, int, int], Sequence[bytes]]


def subroot(read: Reader, lo: int, hi: int, height: int = HEIGHT) -> bytes:
    """Root of leaves [lo, hi) from the stored levels (pure: `read` is the only access to storage).

    `height` is a parameter so the property tests can exercise several levels on small trees.
    """
    assert 0 <= lo < hi, (lo, hi)
    n = hi - lo
    if n & (n - 1) == 0 and lo % n == 0:  # an aligned perfect subtree: the root of stored nodes
        level = (n.bit_length() - 1) // height
        width = 1 << (level * height)
        return merkle.root(read(level, lo // width, hi // width))
    k = merkle._split(n)
    return merkle.node_hash(subroot(read, lo, lo + k, height), subroot(read, lo + k, hi, height))


def new_nodes(
    read: Reader, old_size: int, added: Sequence[bytes], height: int = HEIGHT
) -> Iterator[tuple[int, int, bytes]]:
    """(level, index, hash) of every node completed by appending `added` leaf hashes to a log of `old_size`.

    Pure: `read` gives the nodes stored before (only the ones a new node needs to its left, fewer than
    2**height per level). A level's new nodes are the hashes the next level needs, so they are carried up.
    """
    width = 1 << height
    level, before, after, fresh = 1, old_size, old_size + len(added), list(added)
    while after // width > before // width:
        first, last = before // width, after // width
        start = first * width
        below = list(read(level - 1, start, before)) + fresh if start < before else fresh[start - before :]
        made = [merkle.root(below[i * width : (i + 1) * width]) for i in range(last - first)]
        for i, h in enumerate(made):
            yield level, first + i, h
        level, before, after, fresh = level + 1, first, last, made


class StoredTree:
    """The log's tree of `size` records as stored: proofs and roots in O(log n) reads (see module doc)."""

    def __init__(self, conn: Connection, size: int) -> None:
        self.conn = conn
        self.size = size
        self._tiles: dict[tuple[int, int], list[bytes]] = {}  # (level, tile) -> its stored hashes

    def subroot(self, lo: int, hi: int) -> bytes:
        assert 0 <= lo < hi <= self.size, (lo, hi, self.size)
        return subroot(self._read, lo, hi)

    def hashes(self, level: int, lo: int, hi: int) -> list[bytes]:
        """The nodes of `level` with indexes [lo, hi), stored or computed (a C2SP tile's content)."""
        return self._read(level, lo, hi)

    def _read(self, level: int, lo: int, hi: int) -> list[bytes]:
        # Whole tiles are read and kept: the siblings of one path within a tile cost one query, not one each,
        # so a proof costs about one query per level (3 at a million records).
        stored: list[bytes] = []
        for tile in range(lo // WIDTH, (hi - 1) // WIDTH + 1):
            hashes = self._tiles.get((level, tile))
            if hashes is None:
                hashes = self._tiles[(level, tile)] = read_level(
                    self.conn, level, tile * WIDTH, (tile + 1) * WIDTH
                )
            stored += hashes[max(lo - tile * WIDTH, 0) : hi - tile * WIDTH]
            if len(hashes) < WIDTH:
                break  # the log's last, partial tile
        if len(stored) == hi - lo:
            return stored
        assert level > 0, f"leaves {lo + 1}..{hi} of the log are missing"
        # Not stored (not back-filled, or not sealed yet): compute each node of the range from the level
        # below.
        return [merkle.root(self._read(level - 1, i * WIDTH, (i + 1) * WIDTH)) for i in range(lo, hi)]


def read_level(conn: Connection, level: int, lo: int, hi: int) -> list[bytes]:
    """Stored hashes of `level` with indexes lo, lo+1, ... below hi, in order, up to the first one missing
    (level 0: the leaves, seq = index + 1). A gap ends the run, so a hash is never taken for its
    neighbour's."""
    if hi <= lo:
        return []
    if level == 0:
        q = (
            select(t.leaf.c.seq - 1, t.leaf.c.hash)
            .where(t.leaf.c.seq > lo, t.leaf.c.seq <= hi)
            .order_by(t.leaf.c.seq)
        )
    else:
        q = (
            select(t.tree_node.c.idx, t.tree_node.c.hash)
            .where(t.tree_node.c.level == level, t.tree_node.c.idx >= lo, t.tree_node.c.idx < hi)
            .order_by(t.tree_node.c.idx)
        )
    run: list[bytes] = []
    for idx, h in conn.execute(q):
        if idx != lo + len(run):
            break
        run.append(bytes(h))
    return run


def seal(conn: Connection, old_size: int, added: Sequence[bytes]) -> None:
    """Store the nodes completed by the leaves just appended (in the caller's transaction, after the
    leaves)."""
    if (old_size + len(added)) // WIDTH == old_size // WIDTH:
        return  # the usual case for one record: no node completed, no query
    stored = StoredTree(conn, old_size)  # reads with the fallback, should a node to the left be missing
    rows = [{"level": lv, "idx": i, "hash": h} for lv, i, h in new_nodes(stored._read, old_size, added)]
    conn.execute(insert(t.tree_node), rows)


def recompute(conn: Connection, size: int) -> Iterator[tuple[int, int, bytes]]:
    """Every node a log of `size` records should store, recomputed from its leaves (for verify and the
    migration that back-fills), from one stream of the leaves as driver tuples (a SQLAlchemy Row per leaf
    cost more than hashing it), a bounded chunk at a time, up to the first missing leaf."""
    pending: dict[int, list[bytes]] = {}  # level -> the completed nodes of the level below not yet joined
    leaves = rows.tuples(
        conn,
        select(t.leaf.c.seq - 1, t.leaf.c.hash)
        .where(t.leaf.c.seq > 0, t.leaf.c.seq <= size)
        .order_by(t.leaf.c.seq),
    )
    done, chunk = 0, list[bytes]()
    for idx, h in leaves:
        if idx != done + len(chunk):
            break  # a leaf is missing (verify's log checks name it): no node past it can be recomputed
        chunk.append(bytes(h))
        if len(chunk) == READ_CHUNK:
            yield from _joined(pending, done, chunk)
            done, chunk = done + len(chunk), []
    yield from _joined(pending, done, chunk)


def _joined(
    pending: dict[int, list[bytes]], done: int, chunk: list[bytes]
) -> Iterator[tuple[int, int, bytes]]:
    """The nodes completed by `chunk` after `done` leaves, kept in `pending` for the chunks after it."""
    for level, idx, h in list(new_nodes(lambda lv, lo, hi: pending_read(pending, lv, lo, hi), done, chunk)):
        pending.setdefault(level, []).append(h)
        yield level, idx, h


def pending_read(pending: dict[int, list[bytes]], level: int, lo: int, hi: int) -> list[bytes]:
    """The nodes of `level` [lo, hi) from what `recompute` has made so far (level 0 is never needed from it:
    chunks are whole multiples of WIDTH, so a chunk never starts inside a level-1 node)."""
    made = pending.get(level, [])
    return made[lo:hi]


def stored_counts(conn: Connection) -> dict[int, int]:
    q = select(t.tree_node.c.level, func.count()).group_by(t.tree_node.c.level)
    return {level: int(n) for level, n in conn.execute(q)}
