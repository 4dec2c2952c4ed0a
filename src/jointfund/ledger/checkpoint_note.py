"""The fund's checkpoints as C2SP notes: the stored partners' note signatures and witnesses' cosignatures of
one
tree head, put together; and the verifier keys a verifier should trust, taken from its own anchor.

The partners' note key name is the fund's origin (tlog-checkpoint: "the log's key name SHOULD match the origin
line"); each partner's key has its own key ID, and which partner a key belongs to comes from the key.register
statements its authority key signed (trust.py), never from the note.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from sqlalchemy import Connection, insert, select

from jointfund import clock
from jointfund.errors import JointfundError
from jointfund.ledger import log, note
from jointfund.ledger.checkpoint import load_public
from jointfund.store import tables as t


class SignedHead(NamedTuple):
    """A checkpoint note as stored: its body, the note (partners' signatures, then witnesses'), and who
    signed."""

    body: note.CheckpointBody
    note: note.Note
    partners: tuple[str, ...]
    witnesses: tuple[str, ...]

    def render(self) -> str:
        return self.note.render()

    def witnessed(self, required: int) -> bool:
        """Cosigned by at least `required` distinct witnesses (only the terms' witnesses are ever stored)."""
        return len(set(self.witnesses)) >= required


def fund_origin(conn: Connection, fund_id: str) -> str:
    from jointfund import fund

    return fund.load(conn).base_terms().transparency.origin_for(fund_id)


def partner_verifier(origin: str, public_pem: str) -> note.Verifier:
    return note.verifier(origin, load_public(public_pem.encode(), "checkpoint key"))


def verifiers_of(keys: Mapping[str, tuple[str | None, str | None]], origin: str) -> dict[note.Verifier, str]:
    """Note verifiers for checkpoint keys (key id -> (partner, PEM), as `Trust.keys` and `log.partner_keys`
    hold them) -> the partner each belongs to. A key known by id alone (no PEM) cannot verify a note."""
    return {
        partner_verifier(origin, pem): partner or "key " + kid for kid, (partner, pem) in keys.items() if pem
    }


def signed_heads(conn: Connection, fund_id: str) -> list[SignedHead]:
    """Every tree head some partner signed as a note, oldest first, each with all its stored signatures."""
    origin = fund_origin(conn, fund_id)
    keys = log.partner_keys(conn)
    heads: dict[tuple[int, str], dict[str, note.Signature]] = {}
    partners: dict[tuple[int, str], list[str]] = {}
    q = select(t.checkpoint).where(t.checkpoint.c.note_signature.is_not(None)).order_by(t.checkpoint.c.id)
    for r in conn.execute(q):
        raw = base64.b64decode(r.note_signature)
        sigs = heads.setdefault((r.tree_size, r.root), {})
        if r.key_id not in sigs:  # one signature per key: a key signs a head the same way each time
            sigs[r.key_id] = note.Signature(origin, raw[:4], raw[4:])
            partners.setdefault((r.tree_size, r.root), []).append(keys[r.key_id][0])
    cosigs: dict[tuple[int, str], list[note.Signature]] = {}
    for r in conn.execute(select(t.cosignature).order_by(t.cosignature.c.id)):
        raw = base64.b64decode(r.signature)
        cosigs.setdefault((r.tree_size, r.root), []).append(note.Signature(r.name, raw[:4], raw[4:]))
    out = []
    for (size, root_hex), sigs in sorted(heads.items()):
        body = note.CheckpointBody(origin, size, bytes.fromhex(root_hex))
        wit = cosigs.get((size, root_hex), [])
        out.append(
            SignedHead(
                body,
                note.checkpoint_note(body, [*sigs.values(), *wit]),
                tuple(dict.fromkeys(partners[(size, root_hex)])),
                tuple(w.name for w in wit),
            )
        )
    return out


def latest(conn: Connection, fund_id: str, partners: Iterable[str] = ()) -> SignedHead | None:
    """The largest head signed by every partner in `partners` (all partners' heads are preferred by callers
    that pass them); None when there is none."""
    wanted = set(partners)
    heads = [h for h in signed_heads(conn, fund_id) if wanted <= set(h.partners)]
    return heads[-1] if heads else None


def head(conn: Connection, fund_id: str, tree_size: int) -> SignedHead | None:
    return next((h for h in reversed(signed_heads(conn, fund_id)) if h.body.size == tree_size), None)


def add_cosignatures(
    conn: Connection,
    body: note.CheckpointBody,
    sigs: Iterable[note.Signature],
    received_at: dt.datetime | None = None,
) -> int:
    """Store witnesses' cosignatures of `body` (already verified by the caller); returns how many were new."""
    added = 0
    for s in sigs:
        exists = conn.execute(
            select(t.cosignature.c.id).where(
                t.cosignature.c.name == s.name,
                t.cosignature.c.key_id == s.key_id.hex(),
                t.cosignature.c.tree_size == body.size,
            )
        ).first()
        if exists:
            continue
        if len(s.signature) != 72:
            raise JointfundError(f"cosignature of {s.name}: not a timestamped Ed25519 signature")
        conn.execute(
            insert(t.cosignature).values(
                tree_size=body.size,
                root=body.root.hex(),
                name=s.name,
                key_id=s.key_id.hex(),
                timestamp=note.cosignature_time(s),
                signature=base64.b64encode(s.key_id + s.signature).decode(),
                received_at=received_at or clock.now(),
            )
        )
        added += 1
    return added
