"""RFC 6962 (Certificate Transparency) Merkle tree hashing, inclusion and consistency proofs.

leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right). The tree over n
leaves splits at the largest power of two below n. The verification functions follow
RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step, so an auditor can compare them
with the standard line by line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

EMPTY_ROOT = hashlib.sha256(b"").digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly less than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """Tree head of the leaf hashes. Bottom-up pairing with the odd node carried up gives RFC 6962's tree."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    sha = hashlib.sha256
    while len(level) > 1:
        nxt = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


class Frontier:
    """Roots of every prefix of a growing log in one pass: the perfect subtrees of the current size.

    verify uses it to check each signed checkpoint's root while streaming the leaves once.

    A frontier may also start at `offset` leaves (a later range of the log, hashed by another
    process): it then holds the aligned perfect subtrees of its range, and `extend` appends them to
    the frontier of the range before, which gives the same nodes as appending every leaf there.
    """

    def __init__(self, offset: int = 0) -> None:
        self._nodes: list[tuple[int, bytes]] = []  # (height, hash) of aligned perfect subtrees, left to right
        self.size = offset

    def append(self, leaf: bytes) -> None:
        self._push(0, leaf)

    def _push(self, height: int, h: bytes) -> None:
        self.size += 1 << height
        nodes = self._nodes
        # Two neighbours of one height join when the pair starts at a multiple of its own width: always
        # from offset 0, and not across the start of a range that began elsewhere.
        while nodes and nodes[-1][0] == height and self.size % (2 << height) == 0:
            _, left = nodes.pop()
            h = node_hash(left, h)
            height += 1
        nodes.append((height, h))

    @property
    def nodes(self) -> tuple[tuple[int, bytes], ...]:
        return tuple(self._nodes)

    def extend(self, nodes: tuple[tuple[int, bytes], ...]) -> None:
        """Append the `nodes` of the range that follows this frontier (a Frontier started at this size)."""
        for height, h in nodes:
            self._push(height, h)

    def copy(self) -> Frontier:
        twin = Frontier(self.size)
        twin._nodes = list(self._nodes)
        return twin

    def root(self) -> bytes:
        if not self._nodes:
            return EMPTY_ROOT
        h = self._nodes[-1][1]
        for _, left in reversed(self._nodes[:-1]):
            h = node_hash(left, h)
        return h


class Tree(Protocol):
    """A log's tree as the proofs need it: its size and the root of any of its RFC 6962 subtrees.

    A list of leaves in memory (`ListTree`) answers by hashing the range; the stored tree
    (`ledger.tiles.StoredTree`) answers from stored interior nodes in O(log n) reads.
    """

    size: int

    def subroot(self, lo: int, hi: int) -> bytes:
        """Root of the subtree over leaves [lo, hi)."""
        ...


class ListTree:
    """The tree over leaf hashes held in memory."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = leaves
        self.size = len(leaves)

    def subroot(self, lo: int, hi: int) -> bytes:
        return root(self.leaves[lo:hi])


def tree_root(tree: Tree) -> bytes:
    return tree.subroot(0, tree.size) if tree.size else EMPTY_ROOT


def inclusion_path(index: int, tree: Tree) -> list[bytes]:
    """Audit path of leaf `index` in `tree` (RFC 6962 PATH): one subtree root per level, O(log n) of them."""
    assert 0 <= index < tree.size, (index, tree.size)
    path: list[bytes] = []
    lo, hi, m = 0, tree.size, index
    # Iterative form of PATH(m, D[lo:hi]); siblings are collected top-down, returned bottom-up.
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            path.append(tree.subroot(lo + k, hi))
            hi = lo + k
        else:
            path.append(tree.subroot(lo, lo + k))
            lo, m = lo + k, m - k
    return path[::-1]


def consistency_path(old_size: int, tree: Tree) -> list[bytes]:
    """Proof that the tree of `old_size` leaves is a prefix of `tree` (RFC 6962 PROOF)."""
    assert 0 < old_size <= tree.size, (old_size, tree.size)
    return _subproof(old_size, tree, 0, tree.size, True)


def _subproof(m: int, tree: Tree, lo: int, hi: int, complete: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if complete else [tree.subroot(lo, hi)]
    k = _split(n)
    if m <= k:
        return _subproof(m, tree, lo, lo + k, complete) + [tree.subroot(lo + k, hi)]
    return _subproof(m - k, tree, lo + k, hi, False) + [tree.subroot(lo, lo + k)]


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Audit path of leaf `index` in the tree over `leaves` held in memory."""
    return inclusion_path(index, ListTree(leaves))


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Proof that the tree of `old_size` leaves is a prefix of the tree over `leaves` held in memory."""
    return consistency_path(old_size, ListTree(leaves))


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Iterable[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does `proof` show `leaf` at `index` in the tree of `size` with `expected_root`?"""
    proof = list(proof)
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Iterable[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: is the tree (old_size, old_root) a prefix of (new_size, new_root)?"""
    path = list(proof)
    if old_size > new_size or old_size == 0:
        return False
    if old_size == new_size:
        return not path and old_root == new_root
    if not path:
        return False
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself the first node
        path = [old_root] + path
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
