"""verify: the money that credits a partner's capital was countersigned by a second person.

Transfers, capital call lines and cash received against calls are journal entries posted beside a seated
member's countersignature (governance.countersigned); an in-kind report is a row beside one (capital.in_kind).
Each request is rebuilt from the stored rows and checked against the member's key, seat and links of then
(governance.countersign.check_event), so an entry or a report written past the domain, or changed after,
is named. Each kind is checked from the log position from which the rule applies.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from jointfund.capital import calls, in_kind
from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.governance import countersign, countersigned
from jointfund.ledger.log import events
from jointfund.revenue import transfer
from jointfund.store import tables as t

NAME = "countersigned money"
# Every kind of countersigned entries, in the order verify names them.
ENTRY_KINDS = (transfer.COUNTERSIGNED, calls.CALL, calls.CONTRIBUTION)


def check_countersigned(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Every transfer, call line, contribution and in-kind report from its kind's start on is countersigned
    as its stored rows say."""
    since = countersign.rules(conn)  # from where each kind needs one (migration 0025 on an older book)
    checked, found = countersigned.findings(conn, fund, NAME, ENTRY_KINDS, since)
    more, reports = _in_kind(conn, fund, since.get(in_kind.IN_KIND, 1))
    return NAME, checked + more, found + reports


def _in_kind(conn: Connection, fund: FundInfo, since: int) -> tuple[int, list[Finding]]:
    from jointfund.governance import book

    rows = list(conn.execute(select(t.in_kind).where(t.in_kind.c.seq >= since).order_by(t.in_kind.c.seq)))
    if not rows:
        return 0, []
    logged = {e.seq: e for e in events(conn, action="capital.in_kind")}
    cs_rows = countersign.of(conn, [r.seq for r in rows])
    members = {m.id: m for m in book.members(conn)}
    out = []
    for r in rows:
        ev = logged.get(r.seq)
        if ev is None:
            out.append(
                Finding(NAME, r.seq, f"in-kind contribution {r.reference}: no report event at its position")
            )
            continue
        asked = in_kind.request(fund.id, ev.actor, r._mapping)
        links = countersign.links_at(conn, r.seq)
        why = countersign.check_event(
            asked, ev.data.get(countersign.FIELD), cs_rows.get(r.seq), members, links, r.seq
        )
        if why:
            out.append(Finding(NAME, r.seq, f"in-kind contribution {r.reference}: {why}"))
    return len(rows), out
