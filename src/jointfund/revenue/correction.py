"""Corrections of reference data: a wrong rate, licence field or receipt field superseded, never edited.

Rates, licences and receipts stay as they were imported. A correction says which field of which record
now holds which value, why, and who said so; it names the correction it supersedes (None: the imported
value), so each field's corrections form one chain and the effective value is the last of it. Values are
kept as an input cell writes them ("41.2345", "2025-06-01", "yes", "a;b"), so a correction is checked by
the same parser as an import and read back by `typed` below.

Pure: no storage here (revenue/book.py reads and writes the rows, revenue/rebook.py re-books the accruals).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple, TypeVar

from jointfund.revenue.licence import SEPARATOR

KINDS = ("rate", "licence", "receipt")
# What each kind lets a correction change. A record's own key never changes (it is how the source names it);
# nor do a receipt's date and currency, which decide its period and its books: a receipt with those wrong is
# undone by a correcting receipt (`corrects`, issue 14) and imported again right.
FIELDS: Mapping[str, tuple[str, ...]] = {
    "rate": ("rate",),
    "licence": (
        "holder",
        "holder_code",
        "resource",
        "deposit",
        "region",
        "issued",
        "basis",
        "psa",
        "psa_signed",
        "flags",
        "other_resources",
    ),
    "receipt": ("amount", "stream", "licence_id", "resource", "budget", "flags"),
}
_DATES = {"issued", "psa_signed"}
_LISTS = {"flags", "other_resources"}
_OPTIONAL = {
    "psa_signed",
    "resource",
    "budget",
}  # of a receipt, resource and budget; of a licence, psa_signed


class Correction(NamedTuple):
    """One correction as stored.

    Attributes:
      seq: its event in the log (also its id).
      kind: rate, licence or receipt; subject: the record ('USD 2026-12-20', a licence id, a receipt id).
      field: the field corrected; value: its effective value from now on; previous: the value superseded.
      supersedes: the correction before it in the field's chain; None when it supersedes the imported value.
      reason: why; actor: who; recorded_at: when (UTC).
    """

    seq: int
    kind: str
    subject: str
    field: str
    value: str
    previous: str
    supersedes: int | None
    reason: str
    actor: str
    recorded_at: dt.datetime

    def event_data(self) -> dict[str, object]:
        """What the correction's event logs: everything but its own position and time (the event's)."""
        return {
            "kind": self.kind,
            "subject": self.subject,
            "field": self.field,
            "value": self.value,
            "previous": self.previous,
            "supersedes": self.supersedes,
            "reason": self.reason,
        }


def rate_subject(currency: str, day: dt.date) -> str:
    return f"{currency} {day.isoformat()}"


def cell(value: object) -> str:
    """A field's value as an input cell writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple):
        return SEPARATOR.join(value)
    return str(value)


def typed(field: str, text: str) -> object:
    """A stored correction value back as the record's own type (the parser checked it when it was made)."""
    if field in _DATES:
        return dt.date.fromisoformat(text) if text else None
    if field in _LISTS:
        return tuple(text.split(SEPARATOR)) if text else ()
    if field == "psa":
        return text == "yes"
    if field in ("rate", "amount"):
        return Decimal(text)
    if field in _OPTIONAL and not text:
        return None
    return text


class Chain(NamedTuple):
    """The corrections of one field, oldest first."""

    kind: str
    subject: str
    field: str
    links: tuple[Correction, ...]

    @property
    def effective(self) -> str:
        return self.links[-1].value


def chains(corrections: Iterable[Correction]) -> dict[tuple[str, str, str], Chain]:
    """Each (kind, subject, field)'s chain, following `supersedes` from the first link (the database keeps
    each chain one line; `problems` says where it is not)."""
    by_field: dict[tuple[str, str, str], list[Correction]] = {}
    for c in sorted(corrections, key=lambda c: c.seq):
        by_field.setdefault((c.kind, c.subject, c.field), []).append(c)
    return {k: Chain(*k, tuple(v)) for k, v in by_field.items()}


def effective(corrections: Iterable[Correction], kind: str) -> dict[str, dict[str, object]]:
    """subject -> {field: effective value, typed} for every corrected record of `kind`."""
    out: dict[str, dict[str, object]] = {}
    for (k, subject, field), chain in chains(corrections).items():
        if k == kind:
            out.setdefault(subject, {})[field] = typed(field, chain.effective)
    return out


Record = TypeVar("Record", bound=NamedTuple)  # a licence, receipt, ...: what is corrected comes back


def apply(record: Record, fixes: Mapping[str, object] | None) -> Record:
    """`record` with its corrected fields; itself when none is corrected."""
    return record._replace(**fixes) if fixes else record


def problems(chain: Chain, original: str | None) -> list[tuple[int, str]]:
    """(correction seq, what is wrong) for a chain that is not one unbroken line from the imported value
    `original` (None: no such record was imported)."""
    found: list[tuple[int, str]] = []
    where = f"{chain.kind} {chain.subject} {chain.field}"
    if original is None:
        found.append(
            (
                chain.links[0].seq,
                f"correction {chain.links[0].seq} of {where}: no such {chain.kind} was imported",
            )
        )
    before, previous = None, original
    for c in chain.links:
        if c.supersedes != before:
            found.append(
                (
                    c.seq,
                    f"correction {c.seq} of {where} supersedes {c.supersedes}, "
                    f"but the chain's previous link is {before or 'the imported value'}",
                )
            )
        if previous is not None and c.previous != previous:
            found.append(
                (
                    c.seq,
                    f"correction {c.seq} of {where} says it supersedes {c.previous!r}, "
                    f"but the value before it was {previous!r}",
                )
            )
        if not c.reason.strip():
            found.append((c.seq, f"correction {c.seq} of {where} gives no reason"))
        before, previous = c.seq, c.value
    return found
