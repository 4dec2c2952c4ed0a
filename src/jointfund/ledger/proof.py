"""Inclusion and consistency proofs as self-contained bundles an auditor can check offline.

A bundle holds the record's canonical bytes, its audit path and a signed checkpoint with
the signer's public key; `check_inclusion` needs nothing else (no database, no jointfund
state), and docs/auditing.md shows the same check in a dozen lines of plain Python.
"""

from __future__ import annotations

import base64
from typing import Any, NamedTuple

from jointfund.errors import InputError, Problem
from jointfund.ledger import canonical, merkle
from jointfund.ledger.checkpoint import Checkpoint, key_id, load_public, signature_valid
from jointfund.ledger.trust import Trust, checkpoint_of, with_key_ids

BUNDLE_VERSION = 1


class Verdict(NamedTuple):
    """`ok` only when every check held and a trusted key signed; `signer` is the partner the trusted key
    belongs to (never the bundle's own `partner` field), or None when the trust does not name one."""

    ok: bool
    reasons: tuple[str, ...]
    signer: str | None = None


def checkpoint_json(
    cp: Checkpoint, public_pem: str, registration: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A checkpoint as bundles carry it; `registration` is the key.register statement, signed by the partner's
    authority key, that makes its key a checkpoint key (so a verifier holding authority keys can trust it)."""
    out = {
        "fund_id": cp.fund_id,
        "tree_size": cp.tree_size,
        "root": cp.root_hex,
        "signed_at": canonical.timestamp(cp.signed_at),
        "partner": cp.partner,
        "key_id": cp.key_id,
        "signature": cp.signature_hex,
        "public_key_pem": public_pem,
    }
    if registration is not None:
        out["registration"] = registration
    return out


def inclusion_bundle(
    fund_id: str,
    seq: int,
    record: bytes,
    tree: merkle.Tree,
    cp: Checkpoint,
    public_pem: str,
    registration: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`tree` is the log's tree at the checkpoint's size (`log.tree(conn, cp.tree_size)`). `record` is a
    readable
    copy of `record_base64` for people; check_inclusion refuses a bundle where they differ."""
    assert 1 <= seq <= cp.tree_size == tree.size, (seq, cp.tree_size, tree.size)
    return {
        "type": "inclusion",
        "version": BUNDLE_VERSION,
        "fund_id": fund_id,
        "seq": seq,
        "leaf_index": seq - 1,
        "record_base64": base64.b64encode(record).decode(),
        "record": record.decode("utf-8"),
        "leaf_hash": canonical.leaf_hash(record).hex(),
        "path": [h.hex() for h in merkle.inclusion_path(seq - 1, tree)],
        "checkpoint": checkpoint_json(cp, public_pem, registration),
    }


def consistency_bundle(
    old: tuple[Checkpoint, str],
    new: tuple[Checkpoint, str],
    tree: merkle.Tree,
    registrations: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`tree` is the log's tree at the newer checkpoint's size (`log.tree(conn, new.tree_size)`)."""
    (a, a_pem), (b, b_pem) = old, new
    regs = registrations or {}
    assert a.tree_size <= b.tree_size == tree.size, (a.tree_size, b.tree_size, tree.size)
    return {
        "type": "consistency",
        "version": BUNDLE_VERSION,
        "old": checkpoint_json(a, a_pem, regs.get(a.key_id)),
        "new": checkpoint_json(b, b_pem, regs.get(b.key_id)),
        "path": [h.hex() for h in merkle.consistency_path(a.tree_size, tree)],
    }


def _checkpoint_of(data: dict[str, Any], where: str) -> tuple[Checkpoint, str]:
    return checkpoint_of(data, where)


def _trusted_signer(
    data: dict[str, Any], fund_id: object, trust: Trust | None, where: str, reasons: list[str]
) -> str | None:
    """Check the checkpoint in `data` against the trust; returns the signer the trust names (None if none)."""
    cp, pem = _checkpoint_of(data, where)
    try:
        public = load_public(pem.encode(), f"{where}: public_key_pem")
    except InputError:
        reasons.append(f"{where}: the enclosed public key is not an Ed25519 public key")
        return None
    actual = key_id(public)
    if actual != cp.key_id:
        reasons.append(
            f"{where}: key_id {cp.key_id} is not the hash of the enclosed public key (that is {actual})"
        )
    if not signature_valid(cp, public):
        reasons.append(f"{where}: the signature does not verify with the enclosed public key")
    if trust is None:
        reasons.append(
            f"{where}: signed by key {actual}, which you have not said you trust; "
            "give the partners' keys (--trust FILE, or --key-id PARTNER=KEY_ID)"
        )
        return None
    found = trust.key_for(actual, data.get("registration"), str(fund_id) if fund_id else None)
    if found is None:
        reasons.append(
            f"{where}: key {actual} is not one you trust (nor registered by a trusted authority key)"
        )
        return None
    partner, trusted_pem = found
    if trusted_pem is not None and trusted_pem.strip() != pem.strip():
        reasons.append(f"{where}: the enclosed public key differs from the trusted key {actual}")
    if partner is not None and cp.partner != partner:
        reasons.append(f"{where}: the bundle names {cp.partner} as signer, but key {actual} is {partner}'s")
    if trust.fund_id is not None and cp.fund_id != trust.fund_id:
        reasons.append(f"{where}: signed for fund {cp.fund_id}, you trust fund {trust.fund_id}")
    return partner or f"key {actual}"


def check_inclusion(
    bundle: dict[str, Any], trust: Trust | None = None, trusted_key_ids: set[str] | None = None
) -> Verdict:
    """Is the record in the log whose head a trusted key signed? OK only for a trusted key (`trust`, or
    `trusted_key_ids`); the signer is the partner the trust names for that key."""
    if trusted_key_ids is not None:
        trust = with_key_ids(trust, sorted(trusted_key_ids))
    reasons: list[str] = []
    try:
        record = base64.b64decode(bundle["record_base64"], validate=True)
        path = [bytes.fromhex(h) for h in bundle["path"]]
        index = int(bundle["leaf_index"])
        data = bundle["checkpoint"]
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(
            [Problem("bundle", f"malformed inclusion proof: {exc}")], "bad proof bundle"
        ) from None
    cp, _pem = _checkpoint_of(data, "checkpoint")
    signer = _trusted_signer(data, bundle.get("fund_id"), trust, "checkpoint", reasons)
    if bundle.get("fund_id") != cp.fund_id:
        reasons.append(f"the bundle is of fund {bundle.get('fund_id')}, its checkpoint of fund {cp.fund_id}")
    if "record" in bundle and bundle["record"] != record.decode("utf-8", errors="replace"):
        reasons.append("the readable record differs from record_base64, the bytes the proof is about")
    if not merkle.verify_inclusion(
        canonical.leaf_hash(record), index, cp.tree_size, path, bytes.fromhex(cp.root_hex)
    ):
        reasons.append("the audit path does not lead from this record to the signed root")
    return Verdict(not reasons, tuple(reasons), signer if not reasons else None)


def check_consistency(
    bundle: dict[str, Any], trust: Trust | None = None, trusted_key_ids: set[str] | None = None
) -> Verdict:
    if trusted_key_ids is not None:
        trust = with_key_ids(trust, sorted(trusted_key_ids))
    reasons: list[str] = []
    old, new = bundle.get("old", {}), bundle.get("new", {})
    a, _ = _checkpoint_of(old, "old")
    b, _ = _checkpoint_of(new, "new")
    signers = [
        _trusted_signer(old, a.fund_id, trust, "old", reasons),
        _trusted_signer(new, b.fund_id, trust, "new", reasons),
    ]
    if a.fund_id != b.fund_id:
        reasons.append("the checkpoints are of different funds")
    try:
        path = [bytes.fromhex(h) for h in bundle.get("path", [])]
    except (ValueError, TypeError) as exc:
        raise InputError(
            [Problem("bundle", f"malformed consistency proof: {exc}")], "bad proof bundle"
        ) from None
    if not merkle.verify_consistency(
        a.tree_size, b.tree_size, bytes.fromhex(a.root_hex), bytes.fromhex(b.root_hex), path
    ):
        reasons.append("the proof does not show the old tree as a prefix of the new one")
    return Verdict(not reasons, tuple(reasons), " and ".join(dict.fromkeys(s for s in signers if s)) or None)
