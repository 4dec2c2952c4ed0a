"""ledger.logged_rows: a stored row against the event at its log position, and events whose row is gone."""

import json
from typing import NamedTuple

from jointfund.findings import Finding
from jointfund.ledger.logged_rows import LoggedRow, differences, missing_rows


class _Event(NamedTuple):
    action: str
    subject: str
    data: str


ROW = LoggedRow("member 1", "member.appoint", "member:1", {"member": 1, "name": "Ana"})


def _event(action: str = "member.appoint", subject: str = "member:1", **data: object) -> _Event:
    return _Event(action, subject, json.dumps({"member": 1, "name": "Ana", "extra": "not compared"} | data))


def test_a_row_saying_what_its_event_says_is_not_named():
    assert differences("c", {5: ROW}, {5: _event()}) == []


def test_a_row_without_its_event_is_named():
    assert differences("c", {5: ROW}, {}) == [
        Finding("c", 5, "member 1: the row points at record 5, which is no member.appoint event")
    ]


def test_a_field_that_differs_is_named_and_the_fields_in_order():
    found = differences("c", {5: ROW}, {5: _event(name="Bo", member=2)})
    assert found == [
        Finding("c", 5, "member 1: the stored row differs from the signed log (fields member, name)")
    ]


def test_another_action_or_subject_is_named():
    assert differences("c", {5: ROW}, {5: _event(subject="member:2")}) == [
        Finding("c", 5, "member 1: the stored row differs from the signed log (member.appoint member:2)")
    ]


def test_missing_rows_are_the_events_without_a_row_of_the_given_actions():
    events = {5: _event(), 6: _event(subject="member:2"), 7: _event(action="member.note")}
    assert missing_rows("c", {5: ROW}, events) == [
        Finding("c", 6, "member:2: the log records member.appoint, but its row is missing"),
        Finding("c", 7, "member:1: the log records member.note, but its row is missing"),
    ]
    assert missing_rows("c", {5: ROW}, events, {"member.appoint"}) == [
        Finding("c", 6, "member:2: the log records member.appoint, but its row is missing")
    ]
