"""Journal entries a person posts by hand (`jointfund ledger post` and `ledger reverse`): two people, not one.

Every other entry is the consequence of an act already decided or countersigned (a receipt's accrual, an
executed proposal, a fee the terms define, a period's close), and its key says which (`contribution:`,
`expense:`, `fee:`, `close:` ...). A hand-made entry is none of these, so it is kept under its own key
prefix, MANUAL_PREFIX, and needs a seated member's countersignature over its canonical content (date,
narration, postings, links, key, the entry it reverses; governance.countersign). The countersignature travels
in the `ledger.post` or `ledger.reverse` event logged right before the entry, a `countersignature` row stands
beside that event, and the database refuses a manual entry without both (store.triggers); verify rebuilds the
request from the stored entry and checks the signature (accounting.checks).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from jointfund.fund import FundInfo
from jointfund.governance import countersign
from jointfund.ledger import journal, log
from jointfund.ledger.entry import Entry
from jointfund.money import format_amount

MANUAL_PREFIX = "manual:"
COUNTERSIGNED = "entry"  # the countersignature's kind
POST, REVERSE = "ledger.post", "ledger.reverse"


def stored_key(key: str) -> str:
    """The key a hand-made entry is stored under: the person's own reference, in the manual namespace (so it
    can never pass for, or collide with, an entry the system posts)."""
    key = key.strip()
    return key if key.startswith(MANUAL_PREFIX) else MANUAL_PREFIX + key


def is_manual(key: str) -> bool:
    return key.startswith(MANUAL_PREFIX)


def request(fund_id: str, actor: str, entry: Entry) -> countersign.Request:
    """What a member countersigns for a hand-made entry: its canonical content. Pure; verify rebuilds it from
    the stored entry."""
    return countersign.Request(
        fund_id,
        COUNTERSIGNED,
        f"entry:{entry.key}",
        {
            "date": entry.date.isoformat(),
            "narration": entry.narration.strip(),
            "postings": [
                [p.account, format_amount(p.amount, p.currency), p.currency] for p in entry.postings
            ],
            "links": list(entry.links),
            "key": entry.key,
            "reverses": entry.reverses,
        },
        actor,
    )


def post(
    conn: Connection,
    info: FundInfo,
    actor: str,
    entry: Entry,
    countersigner: countersign.Signer | None,
) -> tuple[int, bool]:
    """Post a hand-made entry in the caller's write transaction; (its seq, whether it is new). The same key
    with the same content again returns the original; with other content it is a conflict."""
    entry = entry._replace(key=stored_key(entry.key))
    return _post(conn, info, actor, entry, countersigner, POST, lambda seq: f"entry:{seq}")


def reverse(
    conn: Connection,
    info: FundInfo,
    actor: str,
    seq: int,
    day: dt.date,
    key: str,
    narration: str | None,
    countersigner: countersign.Signer | None,
) -> tuple[int, bool]:
    """Post by hand the exact reversal of entry `seq`; (the reversal's seq, whether it is new)."""
    entry = journal.reversal_of(conn, seq, day, stored_key(key), narration)
    return _post(conn, info, actor, entry, countersigner, REVERSE, lambda _new: f"entry:{seq}")


def _post(conn, info, actor, entry, countersigner, action, subject) -> tuple[int, bool]:  # noqa: ANN001
    journal.check(conn, [entry], info.start_date)  # bad input is named before a second person is asked
    if journal.posted(conn, entry.key) is not None:  # the same again returns it, other content conflicts
        return journal.post(conn, [entry], info.start_date)[0], False
    carried = countersign.require(conn, request(info.id, actor, entry), countersigner)
    at = log.size(conn) + 2  # the entry comes right after its event (the database checks that pairing)
    data = {
        "key": entry.key,
        "before": None if entry.reverses is None else "posted",
        countersign.FIELD: carried,
    }
    data["after"] = "posted" if entry.reverses is None else f"reversed by entry {at}"
    event = log.append_event(conn, actor, action, subject(at), data)
    countersign.record(conn, event, COUNTERSIGNED, carried)
    (seq,) = journal.post(conn, [entry], info.start_date)
    assert seq == at == event + 1, (seq, at, event)
    return seq, True
