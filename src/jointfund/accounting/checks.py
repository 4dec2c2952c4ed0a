"""`jointfund verify`'s period checks: no entry was written into a closed period after its close, and each
close rests on an executed proposal of the terms' close kind about that period, executed before it."""

from __future__ import annotations

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
