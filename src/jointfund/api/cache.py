"""A small, bounded cache of expensive reads, keyed on the size of the book.

The book only grows: every money movement and every other fact that a cached read shows
appends a leaf to the log (revenue imports, votes, capital, ...), and checkpoints add a
row of their own. So a read is a pure function of (log size, checkpoint count, endpoint,
normalised parameters, and the role where the output depends on it), and any write
invalidates by changing the version part of the key: no explicit invalidation.

Only book figures are cached. Users, tokens and sessions do not append to the log and are
never read through this cache.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import cachetools
from sqlalchemy import Connection, func, select

from jointfund.store import tables as t

# One statement, not three: it is read on every request that may be served from a cache (with the session,
# api.response_cache reads it in that same statement).
VERSION_PARTS = (
    select(func.max(t.leaf.c.seq)).scalar_subquery(),
    select(func.max(t.checkpoint.c.id)).scalar_subquery(),
    select(func.max(t.cosignature.c.id)).scalar_subquery(),
)
_VERSION = select(*VERSION_PARTS)


def version(conn: Connection) -> tuple[int, int, int]:
    """The book's version: (last log seq, last checkpoint id, last witness cosignature id); index reads.

    A cosignature is not a log record, but it changes what the public page says (witnessed or not)."""
    return version_of(conn.execute(_VERSION).one())


def version_of(parts: Sequence[int | None]) -> tuple[int, int, int]:
    """The version from the values of VERSION_PARTS, in order (None: an empty table)."""
    seq, cp, cosigned = parts[:3]
    return seq or 0, cp or 0, cosigned or 0


def _size(value: Any, depth: int = 0) -> int:
    """A rough size in bytes of a cached value (containers walked a few levels deep)."""
    n = sys.getsizeof(value)
    if depth > 4:
        return n
    if isinstance(value, dict):
        return n + sum(_size(k, depth + 1) + _size(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return n + sum(_size(v, depth + 1) for v in value)
    return n


class _LRU(cachetools.LRUCache):
    """cachetools' LRU, bounded by approximate bytes (its `maxsize`, with `_size`) and also by entries."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        super().__init__(maxsize=max_bytes, getsizeof=_size)
        self.max_entries = max_entries

    def __setitem__(self, key: Hashable, value: Any) -> None:
        super().__setitem__(key, value)
        while len(self) > self.max_entries:
            self.popitem()  # the least recently used


class _Flight:
    """One computation of a key in progress: its followers wait on `done`."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None


class ReadCache:
    """A thread-safe LRU of read results (cachetools), bounded by entry count and by approximate memory.

    Attributes:
      max_entries: most results kept.
      max_bytes: most (approximate) bytes kept; a single larger result is not cached.
      hits, misses: counters, for tests and tuning.
    """

    def __init__(self, max_entries: int = 256, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items = _LRU(max_entries, max_bytes)
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self._flights: dict[Hashable, _Flight] = {}  # keys being computed now

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached result for `key`, else `compute()` (stored unless it alone exceeds the memory bound).

        Concurrent misses of one key compute it once: the first computes, outside the lock, and the others
        wait for its result (or, if it failed, compute it themselves). On a big book a read is a scan of the
        postings, and several pages need the same one after each write: computing it once per request in
        parallel multiplied the work exactly when the machine was busiest.

        Results must be treated as read-only by callers: they are shared between requests.
        """
        found = self.peek(key)
        if found is not None:
            return found
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            flight.done.wait()
            return flight.value if flight.ok else compute()
        try:
            flight.value = compute()
            flight.ok = True
            self.put(key, flight.value)
            return flight.value
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def peek(self, key: Hashable) -> Any | None:
        """The cached result for `key` (counted as a hit), or None (counted as a miss)."""
        with self._lock:
            found = self._items.get(key)  # a hit marks it recently used
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
            return found

    def put(self, key: Hashable, value: Any) -> None:
        """Keep `value` under `key`, unless it alone exceeds the memory bound; the least recently used go
        first."""
        with self._lock:
            if key in self._items:
                return
            try:
                self._items[key] = value
            except ValueError:  # cachetools refuses a value larger than the whole bound: not cached
                pass

    def __len__(self) -> int:
        return len(self._items)


class Carried:
    """The latest state of each incremental read (by name), for the next computation to start from.

    A key on the book's version says when a figure must be computed again; what a read carries from its last
    computation says how little of it must be read (capital.accounts.Pieces: only the pieces a write fell
    in). Each state says itself how far into the log it goes, and a read checks that before reusing any of
    it, so whichever thread stored last is a sound start. A few names, fixed in code: bounded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Any] = {}

    def get(self, name: str) -> Any | None:
        with self._lock:
            return self._items.get(name)

    def put(self, name: str, state: Any) -> None:
        with self._lock:
            self._items[name] = state
