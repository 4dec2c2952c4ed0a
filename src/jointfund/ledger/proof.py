"""Inclusion and consistency proofs as self-contained bundles an auditor can check offline.

A bundle holds the record's canonical bytes, its audit path and a signed checkpoint with
the signer's public key; `check_inclusion` needs nothing else (no database, no jointfund
state), and docs/auditing.md shows the same check in a dozen lines of plain Python.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import NamedTuple

from jointfund.errors import InputError, Problem
from jointfund.ledger import canonical, merkle
from jointfund.ledger.checkpoint import Checkpoint, load_public, signature_valid

BUNDLE_VERSION = 1


class Verdict(NamedTuple):
    ok: bool
    reasons: tuple[str, ...]


def checkpoint_json(cp: Checkpoint, public_pem: str) -> dict:
    return {"fund_id": cp.fund_id, "tree_size": cp.tree_size, "root": cp.root_hex,
            "signed_at": canonical.timestamp(cp.signed_at), "partner": cp.partner, "key_id": cp.key_id,
            "signature": cp.signature_hex, "public_key_pem": public_pem}


def inclusion_bundle(fund_id: str, seq: int, record: bytes, tree: merkle.Tree, cp: Checkpoint, public_pem: str) -> dict:
    """`tree` is the log's tree at the checkpoint's size (`log.tree(conn, cp.tree_size)`)."""
    assert 1 <= seq <= cp.tree_size == tree.size, (seq, cp.tree_size, tree.size)
    return {
        "type": "inclusion", "version": BUNDLE_VERSION, "fund_id": fund_id, "seq": seq, "leaf_index": seq - 1,
        "record_base64": base64.b64encode(record).decode(), "record": record.decode("utf-8"),
        "leaf_hash": canonical.leaf_hash(record).hex(),
        "path": [h.hex() for h in merkle.inclusion_path(seq - 1, tree)],
        "checkpoint": checkpoint_json(cp, public_pem),
    }


def consistency_bundle(old: tuple[Checkpoint, str], new: tuple[Checkpoint, str], tree: merkle.Tree) -> dict:
    """`tree` is the log's tree at the newer checkpoint's size (`log.tree(conn, new.tree_size)`)."""
    (a, a_pem), (b, b_pem) = old, new
    assert a.tree_size <= b.tree_size == tree.size, (a.tree_size, b.tree_size, tree.size)
    return {
        "type": "consistency", "version": BUNDLE_VERSION,
        "old": checkpoint_json(a, a_pem), "new": checkpoint_json(b, b_pem),
        "path": [h.hex() for h in merkle.consistency_path(a.tree_size, tree)],
    }


def _checkpoint_of(data: dict, where: str) -> tuple[Checkpoint, str]:
    try:
        cp = Checkpoint(data["fund_id"], int(data["tree_size"]), data["root"],
                        dt.datetime.fromisoformat(data["signed_at"].replace("Z", "+00:00")),
                        data["partner"], data["key_id"], data["signature"])
        return cp, data["public_key_pem"]
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError([Problem(where, f"malformed checkpoint: {exc}")], "bad proof bundle") from None


def _signed(cp: Checkpoint, pem: str, where: str, reasons: list[str]) -> None:
    if not signature_valid(cp, load_public(pem.encode(), where)):
        reasons.append(f"{where}: the signature does not verify with the enclosed public key")


def check_inclusion(bundle: dict, trusted_key_ids: set[str] | None = None) -> Verdict:
    """Is the record in the log whose head the partner signed? Trusted key ids, if given, must include the signer."""
    reasons: list[str] = []
    cp, pem = _checkpoint_of(bundle.get("checkpoint", {}), "checkpoint")
    try:
        record = base64.b64decode(bundle["record_base64"])
        path = [bytes.fromhex(h) for h in bundle["path"]]
        index = int(bundle["leaf_index"])
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError([Problem("bundle", f"malformed inclusion proof: {exc}")], "bad proof bundle") from None
    _signed(cp, pem, "checkpoint", reasons)
    if trusted_key_ids is not None and cp.key_id not in trusted_key_ids:
        reasons.append(f"checkpoint: key {cp.key_id} is not one you trust")
    if not merkle.verify_inclusion(canonical.leaf_hash(record), index, cp.tree_size, path, bytes.fromhex(cp.root_hex)):
        reasons.append("the audit path does not lead from this record to the signed root")
    return Verdict(not reasons, tuple(reasons))


def check_consistency(bundle: dict) -> Verdict:
    reasons: list[str] = []
    a, a_pem = _checkpoint_of(bundle.get("old", {}), "old")
    b, b_pem = _checkpoint_of(bundle.get("new", {}), "new")
    _signed(a, a_pem, "old", reasons)
    _signed(b, b_pem, "new", reasons)
    if a.fund_id != b.fund_id:
        reasons.append("the checkpoints are of different funds")
    path = [bytes.fromhex(h) for h in bundle.get("path", [])]
    if not merkle.verify_consistency(a.tree_size, b.tree_size, bytes.fromhex(a.root_hex), bytes.fromhex(b.root_hex), path):
        reasons.append("the proof does not show the old tree as a prefix of the new one")
    return Verdict(not reasons, tuple(reasons))
