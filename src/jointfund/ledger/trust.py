"""Trust anchors: what a verifier obtained out of band, so that it need not trust the server.

A trust file is JSON:

    {"type": "jointfund trust", "version": 1, "fund_id": ID,
     "authorities": {P: {"key_id": ..., "public_pem": ...}, ...},
     "checkpoint_keys": [{"statement": ..., "signature": ...}, ...],
     "checkpoint": {...a signed checkpoint with its public key...} | null}

The partners' **authority keys** are the anchor. A checkpoint key is trusted only through a key.register
statement that its partner's authority key signed (carried in the file, or in a proof bundle). The
optional **checkpoint** is the last one the verifier saw: a log shorter than it, or different from it,
is a rewritten log. `jointfund trust export` writes such a file from a fund the exporter trusts (a
partner's own copy); the verifier gets it from the partner, not from the server it checks.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Connection

from jointfund.errors import InputError, JointfundError, Problem
from jointfund.ledger import authority
from jointfund.ledger.checkpoint import Checkpoint, key_id, load_public, signature_valid

TRUST_TYPE = "jointfund trust"
VERSION = 1
MAX_FILE_BYTES = 1_000_000


class Trust(NamedTuple):
    """Keys and a checkpoint the verifier trusts.

    Attributes:
      fund_id: the fund they anchor, or None (a bare --key-id).
      authorities: partner -> authority public key (PEM).
      keys: checkpoint key id -> (partner or None, public PEM or None): keys trusted directly (a --key-id,
        or a registration statement the authorities signed).
      checkpoint: the last checkpoint the verifier saw, with its public key PEM, or None.
    """

    fund_id: str | None
    authorities: Mapping[str, str]
    keys: Mapping[str, tuple[str | None, str | None]]
    checkpoint: tuple[Checkpoint, str] | None = None

    def key_for(
        self, kid: str, registration: object = None, fund_id: str | None = None
    ) -> tuple[str | None, str | None] | None:
        """(partner, PEM) of checkpoint key `kid` if trusted: directly, or through `registration` (a
        key.register
        statement) signed by its partner's trusted authority key; None if not."""
        if kid in self.keys:
            return self.keys[kid]
        if registration is None:
            return None
        found = registered_key(registration, self.authorities, fund_id or self.fund_id)
        return found if found is not None and key_id(load_public(found[1].encode(), "key")) == kid else None


def registered_key(
    obj: object, authorities: Mapping[str, str], fund_id: str | None
) -> tuple[str, str] | None:
    """(partner, PEM) that a key.register statement registers, if its partner's authority key in `authorities`
    signed it for fund `fund_id`; None otherwise (never an exception: it may come from a forger)."""
    try:
        st = authority.from_json(obj, "registration")
    except InputError:
        return None
    pem = authorities.get(st.partner)
    if st.kind != "key.register" or pem is None or (fund_id is not None and st.fund != fund_id):
        return None
    if not authority.signature_valid(st.message(), st.signature_hex, pem):
        return None
    try:
        if key_id(load_public(str(st.fields["public_pem"]).encode(), "key")) != st.fields["key_id"]:
            return None
    except JointfundError:
        return None
    return st.partner, str(st.fields["public_pem"])


def with_key_ids(trust: Trust | None, values: list[str]) -> Trust:
    """`trust` plus checkpoint keys named on the command line: KEY_ID, or PARTNER=KEY_ID."""
    keys = dict(trust.keys) if trust else {}
    for value in values:
        partner, sep, kid = value.rpartition("=")
        keys[kid.strip().lower()] = (partner if sep else None, None)
    base = trust or Trust(None, {}, {})
    return base._replace(keys=keys)


def load(path: Path) -> Trust:
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(where, f"cannot read: {exc.strerror}")], "no trust file") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(
            [Problem(where, f"over {MAX_FILE_BYTES} bytes; a trust file is small")], "bad trust file"
        )
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError([Problem(where, f"not JSON: {exc}")], "bad trust file") from None
    return parse(obj, where)


def parse(obj: object, where: str) -> Trust:
    def bad(detail: str, value: object = None) -> InputError:
        return InputError(
            [Problem(where, detail, None if value is None else str(value)[:80])], "bad trust file"
        )

    if not isinstance(obj, dict) or obj.get("type") != TRUST_TYPE or obj.get("version") != VERSION:
        raise bad(f'not a version {VERSION} trust file (its "type" must be "{TRUST_TYPE}")')
    fund_id = obj.get("fund_id")
    if not isinstance(fund_id, str):
        raise bad("fund_id: a fund id is needed")
    authorities: dict[str, str] = {}
    listed = obj.get("authorities")
    for partner, v in listed.items() if isinstance(listed, dict) else ():
        try:
            pem, claimed = str(v["public_pem"]), v["key_id"]
            actual = key_id(load_public(pem.encode(), "key"))
        except (KeyError, TypeError, JointfundError):
            raise bad(f"authorities.{partner}: a key_id and an Ed25519 public_pem are needed") from None
        if actual != claimed:
            raise bad(f"authorities.{partner}: key_id is not the hash of the public key", claimed)
        authorities[partner] = pem
    if not authorities:
        raise bad("authorities: no authority key; the partners' authority keys are the anchor")
    keys: dict[str, tuple[str | None, str | None]] = {}
    for i, reg in enumerate(obj.get("checkpoint_keys") or []):
        found = registered_key(reg, authorities, fund_id)
        if found is None:
            raise bad(f"checkpoint_keys[{i}]: not a key.register statement signed by a trusted authority key")
        keys[key_id(load_public(found[1].encode(), "key"))] = found
    cp = None
    if obj.get("checkpoint"):
        cp = checkpoint_of(obj["checkpoint"], f"{where}: checkpoint")
        if cp[0].fund_id != fund_id:
            raise bad("checkpoint: of another fund", cp[0].fund_id)
    return Trust(fund_id, authorities, keys, cp)


def checkpoint_of(data: object, where: str) -> tuple[Checkpoint, str]:
    try:
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        cp = Checkpoint(
            str(data["fund_id"]),
            int(data["tree_size"]),
            str(data["root"]),
            dt.datetime.fromisoformat(str(data["signed_at"]).replace("Z", "+00:00")),
            str(data["partner"]),
            str(data["key_id"]),
            str(data["signature"]),
        )
        return cp, str(data["public_key_pem"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError([Problem(where, f"malformed checkpoint: {exc}")], "bad checkpoint") from None


def checkpoint_signed(cp: Checkpoint, pem: str) -> bool:
    """The checkpoint's signature verifies with `pem`, and `pem` is the key its key_id names."""
    try:
        public = load_public(pem.encode(), "checkpoint key")
    except JointfundError:
        return False
    try:
        return key_id(public) == cp.key_id and signature_valid(cp, public)
    except InvalidSignature:
        return False


def export(conn: Connection, fund_id: str, with_checkpoint: bool = True) -> dict[str, Any]:
    """A trust file of this fund: its genesis authority keys, its checkpoint keys with their authority
    statements, and (by default) its newest checkpoint."""
    from jointfund.ledger import log

    g = authority.genesis(conn)
    if g is None or g.complete_seq is None:
        raise JointfundError(
            "this fund has no genesis record signed by every partner; there is no anchor to export "
            "(see: jointfund genesis show)"
        )
    regs = [
        e.data[authority.FIELD]
        for e in log.events(conn, action=log.KEY_REGISTER)
        if authority.FIELD in e.data
    ]
    cps = log.checkpoints(conn, fund_id)
    keys = log.partner_keys(conn)
    newest = max(cps, key=lambda c: (c[1].tree_size, c[0]), default=None)
    from jointfund.ledger.proof import checkpoint_json

    return {
        "type": TRUST_TYPE,
        "version": VERSION,
        "fund_id": fund_id,
        "authorities": {p: {"key_id": k, "public_pem": g.authorities[p]} for p, k in g.key_ids().items()},
        "checkpoint_keys": regs,
        "checkpoint": checkpoint_json(newest[1], keys[newest[1].key_id][1])
        if with_checkpoint and newest is not None and newest[1].key_id in keys
        else None,
    }


def anchor_problems(conn: Connection, fund_id: str, trust: Trust) -> tuple[int, list[tuple[int | None, str]]]:
    """What differs between the stored fund and the anchor: (checks made, [(log position or None, problem)]).

    The authority keys of the genesis must be the trusted ones (every other check of the chain starts
    from them); the trusted checkpoint must be signed by a key its partner's authority registered, the log
    must be at least as long, its first records must hash to the checkpoint's root, and the database must
    still hold it (a deleted checkpoint is a deleted signature)."""
    from jointfund.ledger import log, merkle

    out: list[tuple[int | None, str]] = []
    checked = 1
    if trust.fund_id is not None and trust.fund_id != fund_id:
        out.append(
            (None, f"the trusted keys are of fund {trust.fund_id}, this database holds fund {fund_id}")
        )
    g = authority.genesis(conn)
    if g is None:
        out.append(
            (None, "the fund has no genesis record, so nothing ties its keys to the trusted authority keys")
        )
    else:
        for p in sorted({*g.authorities, *trust.authorities}):
            checked += 1
            if g.authorities.get(p) != trust.authorities.get(p):
                stored = g.key_ids().get(p, "none")
                trusted = (
                    key_id(load_public(trust.authorities[p].encode(), "key"))
                    if p in trust.authorities
                    else "none"
                )
                out.append(
                    (g.seq, f"the genesis record names {p}'s authority key {stored}, you trust {trusted}")
                )
    if trust.checkpoint is None:
        return checked, out
    cp, pem = trust.checkpoint
    checked += 1
    at = f"the trusted checkpoint ({cp.partner}, size {cp.tree_size}, root {cp.root_hex[:16]}…)"
    partner = trust.key_for(cp.key_id, _registration(conn, cp.key_id), fund_id)
    if not checkpoint_signed(cp, pem) or partner is None or partner[0] not in (None, cp.partner):
        out.append(
            (
                None,
                f"{at} is not signed by a checkpoint key that {cp.partner}'s trusted authority key "
                "registered",
            )
        )
    size = log.size(conn)
    if size < cp.tree_size:
        out.append(
            (
                None,
                f"the log holds {size} records, fewer than the {cp.tree_size} of {at}: records were removed",
            )
        )
        return checked, out
    if merkle.root(log.leaf_hashes(conn, cp.tree_size)).hex() != cp.root_hex:
        out.append(
            (
                cp.tree_size,
                f"the log's first {cp.tree_size} records are not those {at} signed: history was rewritten",
            )
        )
    kept = {(c.tree_size, c.root_hex, c.key_id, c.signature_hex) for _, c in log.checkpoints(conn, fund_id)}
    if (cp.tree_size, cp.root_hex, cp.key_id, cp.signature_hex) not in kept:
        out.append(
            (None, f"{at} is missing from the database's checkpoints: a signed checkpoint was deleted")
        )
    return checked, out


def _registration(conn: Connection, kid: str) -> object:
    from jointfund.ledger import log

    return next(
        (
            e.data.get(authority.FIELD)
            for e in log.events(conn, action=log.KEY_REGISTER)
            if e.data.get("key_id") == kid
        ),
        None,
    )
