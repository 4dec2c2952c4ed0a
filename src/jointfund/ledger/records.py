"""Rebuilding a log record's canonical bytes from the stored rows (for proofs and exports)."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from jointfund.errors import NotFound
from jointfund.ledger import canonical
from jointfund.money import exponent
from jointfund.store import tables as t


def record_bytes(conn: Connection, seq: int) -> bytes:
    leaf = conn.execute(select(t.leaf).where(t.leaf.c.seq == seq)).first()
    if leaf is None:
        raise NotFound(f"no record {seq} in the log")
    if leaf.kind == "event":
        ev = conn.execute(select(t.event).where(t.event.c.seq == seq)).one()
        return canonical.event_bytes(
            ev.seq, ev.recorded_at, ev.actor, ev.action, ev.subject, json.loads(ev.data)
        )
    e = conn.execute(select(t.entry).where(t.entry.c.seq == seq)).one()
    q = (
        select(t.account.c.name, t.posting.c.currency, t.posting.c.amount_minor)
        .join(t.account, t.account.c.id == t.posting.c.account_id)
        .where(t.posting.c.entry_seq == seq)
        .order_by(t.posting.c.line)
    )
    legs = [(a, c, canonical.amount_text(m, c, exponent(c))) for a, c, m in conn.execute(q)]
    return canonical.entry_bytes(
        e.seq, e.date, e.recorded_at, e.key, e.narration, json.loads(e.links), e.reverses, legs
    )
