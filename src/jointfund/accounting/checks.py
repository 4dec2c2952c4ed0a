"""`jointfund verify`'s period checks: no entry was written into a closed period after its close, and each
close rests on an executed proposal of the terms' close kind about that period, executed before it; and each
entry a person posted by hand is countersigned by a seated member (accounting.manual)."""

from __future__ import annotations

import json

from sqlalchemy import Connection, and_, select

from jointfund.accounting.close import closes, decision
from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.store import tables as t

NAME = "closed periods"


def closed_periods_hold(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    findings: list[Finding] = []
    done = closes(conn)
    for c in done:
        decided = decision(conn, fund.terms(c.last), c.period)
        if decided is None or decided[0] != c.proposal_id:
            findings.append(
                Finding(
                    NAME,
                    c.seq,
                    f"period {c.period} was closed without an executed proposal of the "
                    f"close kind about it (record names proposal {c.proposal_id})",
                )
            )
        elif decided[1] > c.seq:
            findings.append(
                Finding(
                    NAME,
                    c.seq,
                    f"period {c.period} was closed before proposal {c.proposal_id} "
                    f"was executed (record {decided[1]})",
                )
            )
        late = conn.execute(
            select(t.entry.c.seq, t.entry.c.date)
            .where(and_(t.entry.c.seq > c.seq, t.entry.c.date.between(c.first, c.last)))
            .order_by(t.entry.c.seq)
            .limit(10)
        )
        for seq, day in late:
            findings.append(
                Finding(
                    NAME,
                    seq,
                    f"entry dated {day} was written after period {c.period} closed (record {c.seq})",
                )
            )
    return NAME, len(done), findings


def manual_entries_countersigned(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Each entry a person posted by hand since the rule took effect comes right after its `ledger.post` or
    `ledger.reverse` event, which carries a seated member's countersignature of exactly that entry, by someone
    other than the user who posted it (accounting.manual). Entries the system posts are not keyed so."""
    from jointfund.accounting import manual
    from jointfund.governance import book, countersign
    from jointfund.ledger import journal

    name = "manual entries"
    since = countersign.rules(conn)
    e = t.entry.c
    seqs = [
        s
        for s in conn.execute(select(e.seq).where(e.key.startswith(manual.MANUAL_PREFIX)).order_by(e.seq))
        .scalars()
        .all()
        if countersign.applies(since, manual.COUNTERSIGNED, s)
    ]
    events = {r.seq: r for r in conn.execute(select(t.event).where(t.event.c.seq.in_([s - 1 for s in seqs])))}
    signed = countersign.of(conn, [s - 1 for s in seqs])
    members = {m.id: m for m in book.members(conn)}
    findings = []
    for seq in seqs:
        entry = journal.get_entry(conn, seq)
        ev = events.get(seq - 1)
        if ev is None or ev.action not in (manual.POST, manual.REVERSE):
            findings.append(Finding(name, seq, f"entry {seq} ({entry.key}) was posted by hand with no event"))
            continue
        carried = json.loads(ev.data).get(countersign.FIELD)
        why = countersign.check_event(
            manual.request(fund.id, ev.actor, entry),
            carried,
            signed.get(ev.seq),
            members,
            countersign.links_at(conn, ev.seq),
            ev.seq,
        )
        if why:
            findings.append(Finding(name, seq, f"entry {seq} ({entry.key}): {why}"))
    return name, len(seqs), findings
