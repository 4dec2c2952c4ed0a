"""The fund's verifiable log: leaves, events, tree heads, partner keys and checkpoints.

Every record, money or not, is a leaf of one RFC 6962 tree in one sequence, so the
partners' signed checkpoints cover entries and governance events alike.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import ColumnElement, Connection, and_, distinct, func, insert, or_, select

from jointfund import clock
from jointfund.errors import JointfundError, NotFound, Refused
from jointfund.ledger import authority, canonical, merkle, note, tiles
from jointfund.ledger.checkpoint import Checkpoint, key_id, load_public, public_pem, sign
from jointfund.store import tables as t

MAX_EVENT_BYTES = 1_000_000


class Event(NamedTuple):
    """A non-money record of the log: who did what to which subject, with before/after data."""

    seq: int
    recorded_at: dt.datetime
    actor: str
    action: str
    subject: str
    data: dict[str, Any]


def size(conn: Connection) -> int:
    seq: int = conn.execute(select(func.coalesce(func.max(t.leaf.c.seq), 0))).scalar_one()
    return seq


def append_event(conn: Connection, actor: str, action: str, subject: str, data: dict[str, Any]) -> int:
    """Append one event to the log inside the caller's write transaction; returns its seq."""
    seq = size(conn) + 1
    recorded_at = clock.now()
    body = canonical.event_bytes(seq, recorded_at, actor, action, subject, data)
    if len(body) > MAX_EVENT_BYTES:  # a check, not an assert: python -O must not drop a limit
        raise Refused(
            f"event {action} on {subject} is {len(body):,} bytes, over the limit of {MAX_EVENT_BYTES:,}: "
            "an event is a record, not a file; keep bulk data in its own table"
        )
    conn.execute(
        insert(t.event).values(
            seq=seq,
            recorded_at=recorded_at,
            actor=actor,
            action=action,
            subject=subject,
            data=canonical.data_json(data),
        )
    )
    leaf = canonical.leaf_hash(body)
    conn.execute(insert(t.leaf).values(seq=seq, kind="event", hash=leaf))
    tiles.seal(conn, seq - 1, [leaf])
    return seq


def first_event_data(conn: Connection, action: str, subject: str) -> str | None:
    """The canonical data JSON of the first `action` event on `subject` (None: there is none): the content a
    hashed proposal (a budget plan, an amendment) logged when it was proposed."""
    row = conn.execute(
        select(t.event.c.data)
        .where(t.event.c.action == action, t.event.c.subject == subject)
        .order_by(t.event.c.seq)
        .limit(1)
    ).first()
    return None if row is None else canonical.data_json(json.loads(row.data))


def events(
    conn: Connection,
    action: str | None = None,
    since: dt.date | None = None,
    actor: str | None = None,
    prefix: str | None = None,
    actions: tuple[str, ...] = (),
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> Iterator[Event]:
    """The events chosen, in log order (or newest first); `limit` and `offset` page them in SQL, so a page
    never reads the whole log."""
    q = select(t.event).order_by(t.event.c.seq.desc() if newest_first else t.event.c.seq)
    if since:
        # Recorded times are UTC; the first instant of `since` bounds them in SQL (the check below stays
        # exact).
        q = q.where(t.event.c.recorded_at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if action:
        q = q.where(t.event.c.action == action)
    if actions:
        q = q.where(t.event.c.action.in_(actions))
    if prefix:
        q = q.where(t.event.c.action.startswith(prefix))
    if actor:
        q = q.where(t.event.c.actor == actor)
    if limit is not None:
        q = q.limit(limit)
    if offset:
        q = q.offset(offset)
    for row in conn.execute(q):
        recorded = _utc(row.recorded_at)
        if since and recorded.date() < since:
            continue
        yield Event(row.seq, recorded, row.actor, row.action, row.subject, json.loads(row.data))


def leaf_hashes(conn: Connection, upto: int | None = None) -> list[bytes]:
    q = select(t.leaf.c.hash).order_by(t.leaf.c.seq)
    if upto is not None:
        q = q.where(t.leaf.c.seq <= upto)
    return [bytes(h) for (h,) in conn.execute(q)]


def tree(conn: Connection, upto: int | None = None) -> tiles.StoredTree:
    """The log's tree of `upto` records (default: all), answering proofs from stored nodes in O(log n)
    reads."""
    return tiles.StoredTree(conn, size(conn) if upto is None else upto)


def tree_head(conn: Connection) -> tuple[int, bytes]:
    whole = tree(conn)
    return whole.size, merkle.tree_root(whole)


# -- partner keys and checkpoints --

KEY_REGISTER = "key.register"


def register_key(
    conn: Connection,
    fund_id: str,
    partner: str,
    pem: bytes,
    where: str,
    actor: str = "cli",
    statement: authority.Statement | None = None,
) -> str:
    """Register a checkpoint key of `partner`; `statement` is the partner's authority saying so
    (key.register)."""
    public = load_public(pem, where)
    kid = key_id(public)
    existing = conn.execute(select(t.partner_key).where(t.partner_key.c.key_id == kid)).first()
    if existing:
        if existing.partner != partner:
            raise JointfundError(f"{where}: key {kid} is already registered to partner {existing.partner}")
        return kid
    signed = authority.require(
        conn, fund_id, statement, partner, KEY_REGISTER, {"key_id": kid, "public_pem": public_pem(public)}
    )
    conn.execute(
        insert(t.partner_key).values(
            key_id=kid, partner=partner, public_pem=public_pem(public), registered_at=clock.now()
        )
    )
    append_event(
        conn,
        actor,
        KEY_REGISTER,
        f"partner:{partner}",
        {"key_id": kid, "public_pem": public_pem(public), authority.FIELD: signed},
    )
    return kid


KEY_RETIRE = "key.retire"


def retire_key(
    conn: Connection,
    fund_id: str,
    partner: str,
    kid: str,
    actor: str = "cli",
    statement: authority.Statement | None = None,
) -> int:
    """Retire a checkpoint key of `partner` (lost, compromised, or simply replaced); returns the log position.

    Rotation is: register the new key, then retire the old one. A retired key may sign no checkpoint of a
    tree that includes its retirement record, so whoever holds it can no longer speak for the partner,
    while every checkpoint it signed before stays valid. `statement` is the partner's authority (key.retire).
    """
    row = conn.execute(select(t.partner_key).where(t.partner_key.c.key_id == kid)).first()
    if row is None or row.partner != partner:
        raise JointfundError(
            f"key {kid} is not a registered checkpoint key of partner {partner} (see: jointfund keys list)"
        )
    if kid in retired_keys(conn):
        raise JointfundError(f"key {kid} of partner {partner} is already retired")
    signed = authority.require(conn, fund_id, statement, partner, KEY_RETIRE, {"key_id": kid})
    return append_event(
        conn, actor, KEY_RETIRE, f"partner:{partner}", {"key_id": kid, authority.FIELD: signed}
    )


def retired_keys(conn: Connection) -> dict[str, int]:
    """key_id -> the log position of its retirement."""
    return {e.data["key_id"]: e.seq for e in events(conn, action=KEY_RETIRE)}


def key_registrations(conn: Connection) -> dict[str, dict[str, Any]]:
    """key_id -> the key.register statement (with its authority signature) that the log holds for it."""
    return {
        e.data["key_id"]: e.data[authority.FIELD]
        for e in events(conn, action=KEY_REGISTER)
        if isinstance(e.data.get(authority.FIELD), dict)
    }


def partner_keys(conn: Connection, limit: int | None = None, offset: int = 0) -> dict[str, tuple[str, str]]:
    """key_id -> (partner, public PEM), by key_id: `limit` of them from `offset` (default: every one)."""
    q = select(t.partner_key).order_by(t.partner_key.c.key_id).limit(limit).offset(offset)
    return {r.key_id: (r.partner, r.public_pem) for r in conn.execute(q)}


def make_checkpoint(
    conn: Connection, fund_id: str, partner: str, private: Ed25519PrivateKey, origin: str | None = None
) -> Checkpoint:
    """Sign the current tree head as `partner` and store the checkpoint: the v1 message, and the C2SP
    checkpoint
    note of the same head (key name = `origin`, by default the one the fund's terms name)."""
    kid = key_id(private.public_key())
    row = conn.execute(select(t.partner_key).where(t.partner_key.c.key_id == kid)).first()
    if row is None:
        raise JointfundError(
            f"key {kid} is not registered; register it with: jointfund keys register --partner {partner} "
            "--pubkey FILE.pub"
        )
    if row.partner != partner:
        raise JointfundError(f"key {kid} belongs to partner {row.partner}, not {partner}")
    if kid in retired_keys(conn):
        raise JointfundError(
            f"key {kid} of partner {partner} was retired at record {retired_keys(conn)[kid]}; "
            "sign with the partner's current checkpoint key (see: jointfund keys list)"
        )
    n, head = tree_head(conn)
    if n == 0:
        raise JointfundError("the log is empty; there is nothing to sign yet")
    cp = sign(Checkpoint(fund_id, n, head.hex(), clock.now(), partner, kid), private)
    if origin is None:
        from jointfund.ledger.checkpoint_note import fund_origin

        origin = fund_origin(conn, fund_id)
    body = note.CheckpointBody(origin, n, head)
    signed = note.sign(body.text(), origin, private)
    conn.execute(
        insert(t.checkpoint).values(
            partner=partner,
            key_id=kid,
            tree_size=n,
            root=cp.root_hex,
            signed_at=cp.signed_at,
            signature=cp.signature_hex,
            note_signature=signed.line().split(" ")[-1].strip(),
        )
    )
    return cp


def checkpoints(
    conn: Connection, fund_id: str, limit: int | None = None, offset: int = 0
) -> list[tuple[int, Checkpoint]]:
    """(id, checkpoint) in signing order: `limit` of them from `offset` (default: every one), chosen in
    SQL."""
    rows = conn.execute(select(t.checkpoint).order_by(t.checkpoint.c.id).limit(limit).offset(offset))
    return [
        (r.id, Checkpoint(fund_id, r.tree_size, r.root, _utc(r.signed_at), r.partner, r.key_id, r.signature))
        for r in rows
    ]


def summary_checkpoints(
    conn: Connection, fund_id: str, partners: tuple[str, ...]
) -> list[tuple[int, Checkpoint]]:
    """(id, checkpoint) of each partner's largest signed head (the later on a tie) and of every signature of
    the largest head (size and root) that all of `partners` signed: what the public summary shows, chosen in
    SQL, a few rows however many checkpoints were signed."""
    c = t.checkpoint.c
    largest = select(c.partner, func.max(c.tree_size).label("size")).group_by(c.partner).subquery()
    latest = (
        select(func.max(c.id))
        .join(largest, and_(largest.c.partner == c.partner, largest.c.size == c.tree_size))
        .group_by(c.partner)
    )
    head = conn.execute(
        select(c.tree_size, c.root)
        .where(c.partner.in_(partners))
        .group_by(c.tree_size, c.root)
        .having(func.count(distinct(c.partner)) == len(set(partners)))
        .order_by(c.tree_size.desc(), c.root.desc())
        .limit(1)
    ).first()
    chosen: ColumnElement[bool] = c.id.in_(latest)
    if head is not None:
        chosen = or_(chosen, and_(c.tree_size == head.tree_size, c.root == head.root))
    rows = conn.execute(select(t.checkpoint).where(chosen).order_by(c.id))
    return [
        (r.id, Checkpoint(fund_id, r.tree_size, r.root, _utc(r.signed_at), r.partner, r.key_id, r.signature))
        for r in rows
    ]


def checkpoint(conn: Connection, fund_id: str, cp_id: int, where: str = "") -> Checkpoint:
    """Checkpoint `cp_id` (one indexed read); NotFound, prefixed with `where`, if there is none."""
    r = conn.execute(select(t.checkpoint).where(t.checkpoint.c.id == cp_id)).first()
    if r is None:
        raise NotFound(f"{where}no checkpoint {cp_id}")
    return Checkpoint(fund_id, r.tree_size, r.root, _utc(r.signed_at), r.partner, r.key_id, r.signature)


def newest_checkpoints(conn: Connection, fund_id: str, limit: int) -> list[tuple[int, Checkpoint]]:
    """(id, checkpoint) of the `limit` largest signed heads, the latest signed first on a tie."""
    c = t.checkpoint.c
    rows = conn.execute(
        select(t.checkpoint).order_by(c.tree_size.desc(), c.signed_at.desc(), c.id.desc()).limit(limit)
    )
    return [
        (r.id, Checkpoint(fund_id, r.tree_size, r.root, _utc(r.signed_at), r.partner, r.key_id, r.signature))
        for r in rows
    ]


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
