"""`jointfund verify`, for the ledger's derived rows. Listed in `jointfund.verify.registry`.

- tree nodes: each stored node equals the root recomputed from the leaves, and none that a log of this size
  must hold is missing (a missing node only slows proofs; a wrong one would make honest proofs fail).
- posting totals: each day's and month's sums of an account's postings in a currency (net and credits) equal
  the postings, and no sum is stored that the postings do not make (a wrong one would change the capital
  accounts, which read them).
- checkpoint notes: each partner's C2SP note signature verifies over the note of the head its v1 checkpoint
  signed, with that partner's registered key; each witness cosignature verifies with the key of a witness the
  terms name (a cosignature by an unnamed witness is reported: it proves nothing to the fund's readers).
"""

from __future__ import annotations

from sqlalchemy import Connection, String, case, cast, func, select

from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.ledger import log, tiles
from jointfund.store import entries as entries_store
from jointfund.store import rows
from jointfund.store import tables as t

NAME = "tree nodes"


def check_tree_nodes(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    stored = {
        (lv, i): bytes(h)
        for lv, i, h in conn.execute(select(t.tree_node.c.level, t.tree_node.c.idx, t.tree_node.c.hash))
    }
    findings: list[Finding] = []
    checked = 0
    size = log.size(conn)
    leaves = conn.execute(select(func.count()).select_from(t.leaf)).scalar_one()
    for level, idx, h in tiles.recompute(conn, size):
        checked += 1
        first = idx * tiles.WIDTH**level + 1  # the node's first record
        found = stored.pop((level, idx), None)
        if found is None:
            findings.append(
                Finding(
                    NAME,
                    first,
                    f"tree node {level}/{idx} (records {first}.."
                    f"{first + tiles.WIDTH**level - 1}) is not stored",
                )
            )
        elif found != h:
            findings.append(
                Finding(
                    NAME,
                    first,
                    f"tree node {level}/{idx} is {found.hex()}, but its records hash to {h.hex()}",
                )
            )
    for level, idx in sorted(stored) if leaves == size else ():  # with a leaf missing, only what it reaches
        findings.append(
            Finding(NAME, None, f"tree node {level}/{idx} is stored, but the log has no such node")
        )
    return NAME, checked, findings


TOTALS = "posting totals"
SHOWN = 50  # findings named one by one; past them, one says how many more (a wiped table names no 250k rows)


def check_posting_totals(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    p, s = t.posting.c, t.posting_total.c
    day, month = entries_store.DAY, entries_store.MONTH
    # Driver tuples, dates as ISO text (verify sets DateStyle ISO for its transaction): a quarter of a
    # million rows each way at 1M postings, where a SQLAlchemy Row and a parsed date cost more than comparing
    # them. Grouped in the covering index's order (account, date, currency), so the sums need no sort.
    expected: dict[tuple[str, str, str, int], tuple[int, int]] = {}
    for c, d, a, net, neg in rows.tuples(
        conn,
        select(
            p.currency,
            cast(p.date, String),
            p.account_id,
            func.sum(p.amount_minor),
            func.sum(case((p.amount_minor < 0, p.amount_minor), else_=0)),
        ).group_by(p.account_id, p.date, p.currency),
    ):
        net, neg = int(net), int(neg)
        expected[(day, c, d, a)] = (net, neg)
        m = (month, c, d[:8] + "01", a)
        n0, k0 = expected.get(m, (0, 0))
        expected[m] = (n0 + net, k0 + neg)
    stored = {
        (span, c, d, a): (int(n), int(k))
        for span, c, d, a, n, k in rows.tuples(
            conn,
            select(s.span, s.currency, cast(s.first_day, String), s.account_id, s.net_minor, s.credits_minor),
        )
    }
    if expected == stored:  # the usual case: no key to sort
        return TOTALS, len(expected), []
    wrong = [key for key in sorted(set(expected) | set(stored)) if expected.get(key) != stored.get(key)]
    names = dict(conn.execute(select(t.account.c.id, t.account.c.name)).all()) if wrong else {}
    findings = [
        Finding(
            TOTALS,
            None,
            f"{names.get(a, a)} {c}, the {span} of {d}: the totals say {stored.get(key, 'nothing')}, the "
            f"postings say {expected.get(key, 'nothing')} (net and credits in minor units)",
        )
        for key in wrong[:SHOWN]
        for span, c, d, a in (key,)
    ]
    if len(wrong) > SHOWN:
        findings.append(Finding(TOTALS, None, f"and {len(wrong) - SHOWN} more wrong or missing totals"))
    return TOTALS, len(expected), findings


NOTES = "checkpoint notes"


def check_notes(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    import base64

    from jointfund.ledger import checkpoint_note, note

    transparency = fund.base_terms().transparency
    origin = transparency.origin_for(fund.id)
    keys = log.partner_keys(conn)
    findings: list[Finding] = []
    checked = 0
    for r in conn.execute(select(t.checkpoint).where(t.checkpoint.c.note_signature.is_not(None))):
        checked += 1
        body = note.CheckpointBody(origin, r.tree_size, bytes.fromhex(r.root))
        raw = base64.b64decode(r.note_signature)
        sig = note.Signature(origin, raw[:4], raw[4:])
        registered = keys.get(r.key_id)
        if registered is None or not note.signature_valid(
            body.text(), sig, checkpoint_note.partner_verifier(origin, registered[1])
        ):
            findings.append(
                Finding(
                    NOTES,
                    r.tree_size,
                    f"checkpoint {r.id} ({r.partner}): its note signature does "
                    f"not verify with key {r.key_id} over the note of size {r.tree_size}",
                )
            )
    # The witnesses of the terms as written and as amended since: a witness added by an amendment counts.
    named = dict.fromkeys([*transparency.witnesses, *fund.terms().transparency.witnesses])
    witnesses = {(v.name, v.key_id): v for v in map(note.parse_vkey, named)}
    for r in conn.execute(select(t.cosignature)):
        checked += 1
        raw = base64.b64decode(r.signature)
        sig = note.Signature(r.name, raw[:4], raw[4:])
        v = witnesses.get((r.name, raw[:4]))
        body = note.CheckpointBody(origin, r.tree_size, bytes.fromhex(r.root))
        if v is None:
            findings.append(
                Finding(
                    NOTES,
                    r.tree_size,
                    f"cosignature {r.id} by {r.name} ({r.key_id}): not a witness the terms name",
                )
            )
        elif not note.signature_valid(body.text(), sig, v):
            findings.append(Finding(NOTES, r.tree_size, f"cosignature {r.id} by {r.name}: does not verify"))
    return NOTES, checked, findings
