"""Where an incremental read keeps its latest state for the next computation.

A page's figures are computed again after every write (keyed on the book's version), but most of what they
are made of was read already: a read that can start from its last computation (the capital's pieces, a
year's contribution tallies, the receivable's postings) keeps that state in a `Carry` (api.cache.Carried in
the web server) and reads only what the book gained since. Each state says how far into the book it goes,
and the read checks that before reusing any of it, so whichever computation stored last is a sound start."""

from __future__ import annotations

from typing import Any, Protocol


class Carry(Protocol):
    """Where a read keeps its latest state for the next computation (api.cache.Carried)."""

    def get(self, name: str) -> Any | None: ...

    def put(self, name: str, state: Any) -> None: ...
