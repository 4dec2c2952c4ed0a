"""Stored rows against the signed log events that recorded them, for `jointfund verify`.

A domain's rows (members, votes, commitment outcomes...) are written beside the event that logs them; a row
edited in the database no longer says what its event says, and a deleted row leaves its event alone. Each
domain's check states what each row's event must say (`LoggedRow`); these two functions compare.
"""

from __future__ import annotations

import json
from collections.abc import Container, Mapping
from typing import Any, NamedTuple, Protocol

from jointfund.findings import Finding


class StoredEvent(Protocol):
    """An `event` table row as read: its action, subject and JSON data text."""

    @property
    def action(self) -> str: ...

    @property
    def subject(self) -> str: ...

    @property
    def data(self) -> str: ...


class LoggedRow(NamedTuple):
    """What the event at a row's log position must say: `label` names the row in findings."""

    label: str
    action: str
    subject: str
    data: dict[str, Any]


def differences(
    check: str, rows: Mapping[int, LoggedRow], events: Mapping[int, StoredEvent]
) -> list[Finding]:
    """Each row (by log position, in log order) whose event is missing or says otherwise: another action or
    subject, or another value for one of the row's fields (fields the row does not state are not compared)."""
    findings = []
    for seq, row in sorted(rows.items()):
        ev = events.get(seq)
        if ev is None:
            findings.append(
                Finding(
                    check, seq, f"{row.label}: the row points at record {seq}, which is no {row.action} event"
                )
            )
            continue
        logged = json.loads(ev.data)
        differ = sorted(k for k, v in row.data.items() if logged.get(k) != v)
        if ev.action != row.action or ev.subject != row.subject or differ:
            what = f"fields {', '.join(differ)}" if differ else f"{ev.action} {ev.subject}"
            findings.append(
                Finding(check, seq, f"{row.label}: the stored row differs from the signed log ({what})")
            )
    return findings


def missing_rows(
    check: str,
    rows: Mapping[int, LoggedRow],
    events: Mapping[int, StoredEvent],
    actions: Container[str] | None = None,
) -> list[Finding]:
    """Each event (in log order) whose row was deleted; with `actions`, only events of those actions have
    rows (the others among `events` record something kept elsewhere)."""
    return [
        Finding(check, seq, f"{ev.subject}: the log records {ev.action}, but its row is missing")
        for seq, ev in sorted(events.items())
        if seq not in rows and (actions is None or ev.action in actions)
    ]
