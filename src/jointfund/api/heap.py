"""A web worker's garbage collector, kept from stopping its requests for long (issue 13).

CPython's full collection looks at every object the collector tracks, with every thread of the worker
stopped meanwhile. A worker builds most of what it keeps once (modules, routes, templates, the caches'
catalogues and compiled statements), and looking at all of that again on each full collection stopped the
mixed run's requests for 30 to 170 ms some ten times a minute per worker.

So a worker's full collections are made here instead of when the collector's counters say: every
`period_s`, one collection of whatever survived since the last (the young part, small), after which what is
still alive is frozen (`gc.freeze`: moved where collections no longer look). Frozen objects are still freed
the moment nothing refers to them; only garbage cycles among them would be kept, so every `thaw_every`-th
round unfreezes everything first and collects it all once: one long pause an hour rather than several a
minute, and no cycle kept for longer than that. The collector's young generations run as before.
"""

from __future__ import annotations

import gc
import os
import threading

PERIOD_S = 30.0  # seconds between full collections of what survived since the last
THAW_EVERY = 120  # rounds between collections of everything (at 30 s: an hour)
NEVER = 1 << 30  # a full-collection threshold the collector's counters never reach


class Heap:
    """The worker's full collections, on a timer of their own (see the module).

    Attributes:
      period_s: seconds between rounds; thaw_every: rounds between collections of everything.
      rounds: rounds made so far; collected: objects the rounds found unreachable and freed.
    """

    def __init__(self, period_s: float = PERIOD_S, thaw_every: int = THAW_EVERY) -> None:
        if period_s <= 0 or thaw_every < 1:
            raise ValueError(f"need period_s > 0 and thaw_every >= 1, not {period_s!r} and {thaw_every!r}")
        self.period_s, self.thaw_every = period_s, thaw_every
        self.rounds = self.collected = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._thresholds = gc.get_threshold()

    def tend(self) -> int:
        """One round: collect what survived since the last round (everything, on a thawing round), then
        freeze what is still alive. Returns the number of objects found unreachable."""
        if self.rounds % self.thaw_every == self.thaw_every - 1:
            gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self.rounds += 1
        self.collected += found
        return found

    def start(self) -> None:
        """Turn off the collector's own full collections; make them every `period_s` from a daemon thread."""
        if self._thread is not None:
            return
        young, middle, _full = self._thresholds
        gc.set_threshold(young, middle, NEVER)
        # A process forked from the worker (a forecast's or verify's pool) has no timer thread: it gets the
        # collector's own full collections back, or its cycles would never be collected.
        os.register_at_fork(after_in_child=self._in_child)
        self._thread = threading.Thread(target=self._run, name="jointfund-heap", daemon=True)
        self._thread.start()

    def _in_child(self) -> None:
        if self._thread is not None:  # this heap's timer was running in the parent when it forked
            gc.set_threshold(*self._thresholds)

    def stop(self) -> None:
        """Stop the rounds and give the collector back its own full collections (frozen objects stay frozen
        until a collection of everything: `gc.unfreeze`)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        gc.set_threshold(*self._thresholds)

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            self.tend()
