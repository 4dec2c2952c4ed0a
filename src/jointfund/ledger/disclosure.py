"""What the log shows the public: which records are public (the terms' [transparency] section), a page of the
log
with private records reduced to their leaf hashes, and a public record with its inclusion proof against the
latest tree head every partner signed (issue 18).

One rule serves the API, the pages and the static mirror (publish.py), so a record the server withholds is
never
in a mirror's entry bundle, and the reverse.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from jointfund.errors import JointfundError, NotFound
from jointfund.ledger import log
from jointfund.ledger.checkpoint import Checkpoint
from jointfund.ledger.proof import checkpoint_json, inclusion_bundle
from jointfund.ledger.records import record_bytes
from jointfund.store import tables as t
from jointfund.terms.model import VOTE_ACTION, Transparency


class Row(NamedTuple):
    """One record as the public sees it: its leaf hash always; its kind and action only when it is public."""

    seq: int
    leaf_hash: str
    public: bool
    kind: str | None
    action: str | None


class Visibility:
    """The terms' rule for one connection's log (a vote's proposal closings are read once, on first need)."""

    def __init__(self, conn: Connection, transparency: Transparency) -> None:
        self.conn, self.transparency = conn, transparency
        self._closings: dict[str, set[str]] | None = None

    def closings(self, subject: str | None) -> set[str]:
        if self._closings is None:
            self._closings = {}
            for pid, status in self.conn.execute(
                select(t.proposal_status.c.proposal_id, t.proposal_status.c.status)
            ):
                self._closings.setdefault(f"proposal:{pid}", set()).add(status)
        return self._closings.get(subject or "", set())

    def public(self, kind: str, action: str | None, subject: str | None) -> bool:
        closings = self.closings(subject) if action == VOTE_ACTION else ()
        return self.transparency.is_public(kind, action, closings)


def _rows(conn: Connection, lo: int, hi: int) -> Iterable[tuple[int, str, bytes, str | None, str | None]]:
    """(seq, kind, hash, action, subject) of records lo < seq <= hi, in order."""
    q = (
        select(t.leaf.c.seq, t.leaf.c.kind, t.leaf.c.hash, t.event.c.action, t.event.c.subject)
        .outerjoin(t.event, t.event.c.seq == t.leaf.c.seq)
        .where(t.leaf.c.seq > lo, t.leaf.c.seq <= hi)
        .order_by(t.leaf.c.seq)
    )
    return (tuple(r) for r in conn.execute(q))  # Result.tuples() is deprecated: a Row is a tuple


def page(conn: Connection, transparency: Transparency, offset: int, limit: int) -> list[Row]:
    """Records offset+1 .. offset+limit: each public one with its kind and action, each private one as its
    hash."""
    seen = Visibility(conn, transparency)
    out = []
    for seq, kind, digest, action, subject in _rows(conn, offset, offset + limit):
        shown = seen.public(kind, action, subject)
        out.append(Row(seq, bytes(digest).hex(), shown, kind if shown else None, action if shown else None))
    return out


def public_flags(conn: Connection, transparency: Transparency, lo: int, hi: int) -> list[tuple[int, bool]]:
    """(seq, public) of records lo < seq <= hi (publish.py's entry bundles)."""
    seen = Visibility(conn, transparency)
    return [
        (seq, seen.public(kind, action, subject)) for seq, kind, _h, action, subject in _rows(conn, lo, hi)
    ]


class Private(NotFound):
    """The record exists but the terms keep it private: only its leaf hash is public."""


def public_record(conn: Connection, transparency: Transparency, seq: int) -> bytes:
    """The canonical bytes of record `seq`, if public; NotFound or Private otherwise (never its content)."""
    rows = list(_rows(conn, seq - 1, seq))
    if not rows:
        raise NotFound(f"no record {seq} in the log")
    _s, kind, _h, action, subject = rows[0]
    if not Visibility(conn, transparency).public(kind, action, subject):
        raise Private(
            f"record {seq} is private under the terms ([transparency] public_records): only its leaf hash "
            "is public"
        )
    return record_bytes(conn, seq)


def jointly_signed(conn: Connection, fund_id: str, partners: Iterable[str]) -> list[Checkpoint]:
    """The v1 checkpoints of the largest tree head that every partner signed (one per partner), or []."""
    heads: dict[tuple[int, str], dict[str, Checkpoint]] = {}
    for _id, cp in log.checkpoints(conn, fund_id):
        heads.setdefault((cp.tree_size, cp.root_hex), {}).setdefault(cp.partner, cp)
    full = [h for h, by in heads.items() if set(partners) <= set(by)]
    if not full:
        return []
    by = heads[max(full)]
    return [by[p] for p in sorted(by)]


def proof(
    conn: Connection, fund_id: str, transparency: Transparency, partners: tuple[str, ...], seq: int
) -> dict[str, Any]:
    """A public record with its inclusion bundle against the latest head both partners signed, every partner's
    signature of that head, and how many records were logged after it (not yet signed by both)."""
    record = public_record(conn, transparency, seq)
    cps = jointly_signed(conn, fund_id, partners)
    size = log.size(conn)
    if not cps or cps[0].tree_size < seq:
        raise JointfundError(
            f"record {seq} is not yet in a tree head both partners signed"
            + (f" (the latest has {cps[0].tree_size} records)" if cps else "")
            + "; the partners sign one with: jointfund checkpoint --partner P --key FILE"
        )
    keys = log.partner_keys(conn)
    regs = log.key_registrations(conn)
    first = cps[0]
    bundle = inclusion_bundle(
        fund_id,
        seq,
        record,
        log.tree(conn, first.tree_size),
        first,
        keys[first.key_id][1],
        regs.get(first.key_id),
    )
    return {
        **bundle,
        "signatures": [checkpoint_json(cp, keys[cp.key_id][1], regs.get(cp.key_id)) for cp in cps],
        "log_size": size,
        "unsigned": size - first.tree_size,
    }
