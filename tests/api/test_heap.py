"""A web worker's full collections on a timer of their own, freezing what survives (api.heap, issue 13)."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from jointfund.api.heap import NEVER, Heap


class Node:
    """An object that can be in a cycle and be watched through a weak reference."""

    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture
def thawed():  # noqa: ANN201
    """No frozen objects before or after a test (other tests' collections must see everything again)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_round_collects_the_garbage_made_since_the_last_and_freezes_what_lives(thawed) -> None:  # noqa: ANN001
    heap = Heap(period_s=60, thaw_every=1000)
    garbage = cycle()
    kept = Node()
    kept.other = kept  # alive (we hold it), and a cycle: tracked by the collector
    assert heap.tend() >= 2 and garbage() is None
    assert gc.is_tracked(kept) and gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    later = cycle()
    assert heap.tend() >= 2 and later() is None  # young garbage is still collected
    assert gc.get_freeze_count() >= frozen and heap.rounds == 2 and heap.collected >= 4


def test_a_cycle_that_dies_frozen_is_freed_by_the_thawing_round(thawed) -> None:  # noqa: ANN001
    """Frozen objects are out of the collector's sight: a cycle among them that becomes garbage stays until
    the round that collects everything (every `thaw_every`-th), and no longer."""
    heap = Heap(period_s=60, thaw_every=3)
    held = [Node()]
    held[0].other = held[0]
    watched = weakref.ref(held[0])
    heap.tend()  # round 1: the cycle is alive, and frozen
    held.clear()  # now garbage, but frozen
    heap.tend()  # round 2: not a thawing round
    assert watched() is not None
    heap.tend()  # round 3: thaws everything and collects it
    assert watched() is None


def test_the_timer_makes_the_rounds_and_gives_the_collector_back_its_thresholds(thawed) -> None:  # noqa: ANN001
    before = gc.get_threshold()
    heap = Heap(period_s=0.01, thaw_every=5)
    done = threading.Event()
    original = heap.tend

    def tend() -> int:
        found = original()
        if heap.rounds >= 3:
            done.set()
        return found

    heap.tend = tend  # type: ignore[method-assign]
    heap.start()
    try:
        assert gc.get_threshold() == (before[0], before[1], NEVER)  # no full collection of the counters' own
        assert done.wait(30), "the timer made fewer than three rounds in 30 s"
    finally:
        heap.stop()
    assert gc.get_threshold() == before


def _thresholds() -> tuple[int, int, int]:
    return gc.get_threshold()


def test_a_process_forked_from_the_worker_gets_the_collector_s_own_full_collections_back(thawed) -> None:  # noqa: ANN001
    """A forecast's or verify's pool forks the worker; the child has no timer thread, so it must not keep
    the worker's 'never' threshold (its garbage cycles would never be collected)."""
    import multiprocessing

    before = gc.get_threshold()
    heap = Heap(period_s=60)
    heap.start()
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            assert pool.apply(_thresholds) == before
        assert gc.get_threshold()[2] == NEVER  # the worker itself keeps its timer
    finally:
        heap.stop()


@pytest.mark.parametrize(("period_s", "thaw_every"), [(0, 10), (-1, 10), (1, 0)])
def test_a_heap_refuses_a_period_or_a_thaw_that_cannot_be(period_s: float, thaw_every: int) -> None:
    with pytest.raises(ValueError, match="period_s > 0 and thaw_every >= 1"):
        Heap(period_s=period_s, thaw_every=thaw_every)
