"""Canonical bytes of proposals and votes, version 1 (documented in docs/governance.md).

Each is one JSON object encoded as the log's records are (ledger.canonical): UTF-8,
keys sorted, no insignificant white space, non-ASCII characters unescaped, a version
field "v" and a "type". Amounts are strings with exactly the currency's decimals,
dates YYYY-MM-DD, ids integers; no floats. A vote carries the fund id, the proposal
id and the SHA-256 of the proposal's bytes, so its signature is worthless on another
fund, another proposal, or an edited one. A browser signs exactly these bytes. A proposal with supporting
documents also carries `documents` (name, SHA-256 and size of each), so its signature covers their bytes;
without documents the key is absent and the bytes are those version 1 always gave.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointfund.governance.model import Proposal
from jointfund.ledger import authority
from jointfund.ledger.canonical import data_json
from jointfund.money import format_amount

VERSION = 1


def proposal_bytes(fund_id: str, p: Proposal) -> bytes:
    obj = {
        "v": VERSION,
        "type": "proposal",
        "fund": fund_id,
        "id": p.id,
        "kind": p.kind,
        "title": p.title,
        "body": p.body,
        "rule": p.rule,
        "requires_recommendation": p.requires_recommendation,
        "amount": None if p.amount is None else format_amount(p.amount, p.currency or ""),
        "currency": p.currency,
        "about": p.about,
        "deadline": None if p.deadline is None else p.deadline.isoformat(),
        "proposer": p.proposer,
        "created_on": p.created_on.isoformat(),
    }
    if p.documents:  # present only when there are some: a proposal without any keeps its version-1 bytes
        obj["documents"] = [d.signed() for d in p.documents]
    return data_json(obj).encode("utf-8")


def proposal_sha256(fund_id: str, p: Proposal) -> str:
    return hashlib.sha256(proposal_bytes(fund_id, p)).hexdigest()


def vote_bytes(
    fund_id: str, proposal_id: int, proposal_hash: str, member_id: int, choice: str, round_: int
) -> bytes:
    """What a member signs to vote (`choice` approve, reject or abstain) or to withdraw ("withdraw")."""
    obj = {
        "v": VERSION,
        "type": "vote",
        "fund": fund_id,
        "proposal": proposal_id,
        "proposal_sha256": proposal_hash,
        "member": member_id,
        "choice": choice,
        "round": round_,
    }
    return data_json(obj).encode("utf-8")


def interest_bytes(fund_id: str, member_id: int, party: str, nature: str, declared_on: str) -> bytes:
    """What a member signs to declare an interest in `party` (a company's name or registration code)."""
    obj = {
        "v": VERSION,
        "type": "interest",
        "fund": fund_id,
        "member": member_id,
        "party": party,
        "nature": nature,
        "declared_on": declared_on,
    }
    return data_json(obj).encode("utf-8")


def sign(private: Ed25519PrivateKey, message: bytes) -> str:
    return private.sign(message).hex()


def signature_valid(public_pem: str, signature_hex: str, message: bytes) -> bool:
    """Whether `signature_hex` is the key `public_pem`'s signature of `message`: one check for a vote, a
    countersignature and an authority statement alike (ledger.authority.signature_valid)."""
    return authority.signature_valid(message, signature_hex, public_pem)
