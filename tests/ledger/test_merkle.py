"""ledger.merkle against a direct, recursive transcription of RFC 6962 section 2.1 (MTH, PATH, PROOF)."""

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointfund.ledger import merkle

# -- the reference: RFC 6962 2.1 word for word, recursive, slow and obviously right --


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) over the entries themselves (not their hashes)."""
    n = len(d)
    if n == 0:
        return _sha(b"")
    if n == 1:
        return _sha(b"\x00" + d[0])
    k = _k(n)
    return _sha(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    return _subproof(m, d, True)


def _subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return _subproof(m, d[:k], b) + [mth(d[k:])]
    return _subproof(m - k, d[k:], False) + [mth(d[:k])]


def entries(n: int) -> list[bytes]:
    return [f"record {i}".encode() for i in range(n)]


def leaves(d: list[bytes]) -> list[bytes]:
    return [_sha(b"\x00" + x) for x in d]


# -- known answers, computed by hand --


def test_known_answer_vectors():
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    a, b, c = b"a", b"b", b"c"
    la, lb, lc = (hashlib.sha256(b"\x00" + x).digest() for x in (a, b, c))
    assert merkle.root([la]) == la
    ab = hashlib.sha256(b"\x01" + la + lb).digest()
    assert merkle.root([la, lb]) == ab
    # Three leaves: the split is at 2, so the third leaf is carried up unhashed with a sibling.
    assert merkle.root([la, lb, lc]) == hashlib.sha256(b"\x01" + ab + lc).digest()
    assert merkle.root([la, lb, lc]).hex() == mth([a, b, c]).hex()
    assert merkle.inclusion_proof(2, [la, lb, lc]) == [ab]
    assert merkle.inclusion_proof(0, [la, lb, lc]) == [lb, lc]
    assert merkle.consistency_proof(2, [la, lb, lc]) == [lc]
    assert merkle.consistency_proof(1, [la, lb, lc]) == [lb, lc]


def test_rfc_6962_example_tree_of_seven():
    """RFC 6962 2.1.3: the tree d0..d6 and its published proofs, by their shape."""
    d = entries(7)
    lv = leaves(d)
    assert merkle.inclusion_proof(0, lv) == [lv[1], mth(d[2:4]), mth(d[4:7])]  # a: [b, h, l]
    assert merkle.inclusion_proof(3, lv) == [lv[2], mth(d[0:2]), mth(d[4:7])]  # d: [c, g, l]
    assert merkle.inclusion_proof(4, lv) == [lv[5], lv[6], mth(d[0:4])]  # e: [f, j, k]
    assert merkle.inclusion_proof(6, lv) == [mth(d[4:6]), mth(d[0:4])]  # j: [i, k]
    assert merkle.consistency_proof(3, lv) == [lv[2], lv[3], mth(d[0:2]), mth(d[4:7])]  # [c, d, g, l]
    assert merkle.consistency_proof(4, lv) == [mth(d[4:7])]  # [l]
    assert merkle.consistency_proof(6, lv) == [mth(d[4:6]), lv[6], mth(d[0:4])]  # [i, j, k]


# -- the implementation equals the reference, exhaustively for small trees --


@pytest.mark.parametrize("size", range(1, 65))
def test_all_inclusion_and_consistency_proofs_up_to_64(size):
    d = entries(size)
    lv = leaves(d)
    head = merkle.root(lv)
    assert head == mth(d)
    for m in range(size):
        p = merkle.inclusion_proof(m, lv)
        assert p == path(m, d)
        assert merkle.verify_inclusion(lv[m], m, size, p, head)
    for old in range(1, size + 1):
        c = merkle.consistency_proof(old, lv)
        assert c == proof(old, d)
        assert merkle.verify_consistency(old, size, mth(d[:old]), head, c)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=65, max_value=3000), st.data())
def test_random_larger_trees(size, data):
    d = entries(size)
    lv = leaves(d)
    head = merkle.root(lv)
    m = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=1, max_value=size))
    assert merkle.inclusion_proof(m, lv) == path(m, d)
    assert merkle.verify_inclusion(lv[m], m, size, merkle.inclusion_proof(m, lv), head)
    c = merkle.consistency_proof(old, lv)
    assert c == proof(old, d)
    assert merkle.verify_consistency(old, size, merkle.root(lv[:old]), head, c)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=0, max_size=200))
def test_frontier_root_equals_root_for_every_prefix(records):
    lv = leaves(records)
    frontier = merkle.Frontier()
    assert frontier.root() == merkle.root([]) == merkle.EMPTY_ROOT
    for i, leaf in enumerate(lv, start=1):
        frontier.append(leaf)
        assert frontier.size == i
        assert frontier.root() == merkle.root(lv[:i]) == mth(records[:i])


# -- tampering is rejected --


def _tree(size: int) -> tuple[list[bytes], bytes]:
    lv = leaves(entries(size))
    return lv, merkle.root(lv)


def _flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=2, max_value=300), st.data())
def test_tampered_inclusion_proofs_are_rejected(size, data):
    lv, head = _tree(size)
    m = data.draw(st.integers(min_value=0, max_value=size - 1))
    p = merkle.inclusion_proof(m, lv)
    assert merkle.verify_inclusion(lv[m], m, size, p, head)
    assert not merkle.verify_inclusion(_flip(lv[m]), m, size, p, head)  # another record
    assert not merkle.verify_inclusion(lv[m], m, size, p, _flip(head))  # another root
    j = data.draw(st.integers(min_value=0, max_value=len(p) - 1))
    assert not merkle.verify_inclusion(
        lv[m], m, size, p[:j] + [_flip(p[j])] + p[j + 1 :], head
    )  # changed path
    assert not merkle.verify_inclusion(lv[m], m, size, p[:-1], head)  # shortened path
    assert not merkle.verify_inclusion(lv[m], m, size, p + [head], head)  # lengthened path
    other = data.draw(st.integers(min_value=0, max_value=size - 1).filter(lambda i: lv[i] != lv[m]))
    assert not merkle.verify_inclusion(lv[other], m, size, p, head)  # another leaf of the tree
    assert not merkle.verify_inclusion(lv[m], m, size, p, merkle.root(lv[:-1]))  # a root of another size
    assert not merkle.verify_inclusion(lv[m], size, size, p, head)  # index out of range


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=2, max_value=300), st.data())
def test_tampered_consistency_proofs_are_rejected(size, data):
    lv, head = _tree(size)
    old = data.draw(st.integers(min_value=1, max_value=size - 1))
    old_root = merkle.root(lv[:old])
    c = merkle.consistency_proof(old, lv)
    assert merkle.verify_consistency(old, size, old_root, head, c)
    assert not merkle.verify_consistency(old, size, _flip(old_root), head, c)
    assert not merkle.verify_consistency(old, size, old_root, _flip(head), c)
    j = data.draw(st.integers(min_value=0, max_value=len(c) - 1))
    assert not merkle.verify_consistency(old, size, old_root, head, c[:j] + [_flip(c[j])] + c[j + 1 :])
    assert not merkle.verify_consistency(old, size, old_root, head, [])
    assert not merkle.verify_consistency(size, old, head, old_root, c)  # sizes swapped
    # A forked log: same old prefix size, one record changed in the old part.
    forked = list(lv)
    forked[old - 1] = _flip(forked[old - 1])
    assert not merkle.verify_consistency(old, size, merkle.root(forked[:old]), head, c)
    if old + 1 < size:
        assert not merkle.verify_consistency(old + 1, size, old_root, head, c)  # wrong old size
    assert not merkle.verify_consistency(0, size, merkle.EMPTY_ROOT, head, c)


def test_equal_sizes_need_equal_roots_and_an_empty_proof():
    lv = leaves(entries(5))
    head = merkle.root(lv)
    assert merkle.verify_consistency(5, 5, head, head, [])
    assert not merkle.verify_consistency(5, 5, head, head, [head])
    assert not merkle.verify_consistency(5, 5, head, _flip(head), [])


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 64, 100, 1000, 1025])
def test_frontiers_of_consecutive_ranges_join_into_the_frontier_of_the_whole(n):
    """verify hashes ranges of the log in separate processes; joining their frontiers gives the tree of the
    whole."""
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
    whole = merkle.Frontier()
    for leaf in leaves:
        whole.append(leaf)
    rng = random.Random(n)
    for _ in range(5):
        cuts = sorted(rng.sample(range(n + 1), min(3, n + 1)))
        joined, start = merkle.Frontier(), 0
        for end in [*cuts, n]:
            part = merkle.Frontier(start)
            for leaf in leaves[start:end]:
                part.append(leaf)
            joined.extend(part.nodes)
            start = end
        assert joined.size == n and joined.nodes == whole.nodes
        assert joined.root() == whole.root() == merkle.root(leaves)
