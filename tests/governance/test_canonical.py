"""Canonical bytes of proposals and votes: exact, deterministic, and binding everything a signature must."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointfund.governance import canonical
from jointfund.governance.model import Proposal
from jointfund.ledger.checkpoint import public_pem

P = Proposal(
    7,
    "investment",
    "Dobra — lithium",
    "board",
    "unanimous",
    "investment",
    Decimal("25000000.00"),
    "USD",
    "project:dobra",
    dt.date(2026, 3, 31),
    1,
    dt.date(2026, 2, 2),
)


def test_proposal_bytes_are_the_documented_json() -> None:
    assert (
        canonical.proposal_bytes("F", P)
        == (
            '{"about":"project:dobra","amount":"25000000.00","body":"board","created_on":"2026-02-02","currency":"USD",'
            '"deadline":"2026-03-31","fund":"F","id":7,"kind":"investment","proposer":1,"requires_recommendation":"investment",'
            '"rule":"unanimous","title":"Dobra — lithium","type":"proposal","v":1}'
        ).encode()
    )


def test_vote_bytes_are_the_documented_json() -> None:
    assert (
        canonical.vote_bytes("F", 7, "ab" * 32, 3, "approve", 2)
        == (
            '{"choice":"approve","fund":"F","member":3,"proposal":7,"proposal_sha256":"'
            + "ab" * 32
            + '","round":2,"type":"vote","v":1}'
        ).encode()
    )


def test_any_change_of_content_changes_the_hash() -> None:
    base = canonical.proposal_sha256("F", P)
    for changed in (
        P._replace(title="Dobra"),
        P._replace(amount=Decimal("25000000.01")),
        P._replace(deadline=None),
        P._replace(rule="majority"),
        P._replace(proposer=2),
        P._replace(id=8),
    ):
        assert canonical.proposal_sha256("F", changed) != base
    assert canonical.proposal_sha256("G", P) != base
    # What is not content (signature, hash, log position) does not change it.
    assert canonical.proposal_sha256("F", P._replace(signature_hex="00", seq=99)) == base


def test_a_signature_holds_only_for_its_own_bytes() -> None:
    key = Ed25519PrivateKey.generate()
    other = Ed25519PrivateKey.generate()
    mine = public_pem(key.public_key())
    msg = canonical.vote_bytes("F", 7, "00" * 32, 3, "approve", 1)
    sig = canonical.sign(key, msg)
    assert canonical.signature_valid(mine, sig, msg)
    assert not canonical.signature_valid(mine, sig, canonical.vote_bytes("F", 7, "00" * 32, 3, "reject", 1))
    assert not canonical.signature_valid(mine, sig, canonical.vote_bytes("F", 7, "00" * 32, 3, "approve", 2))
    assert not canonical.signature_valid(public_pem(other.public_key()), sig, msg)
    assert not canonical.signature_valid(mine, "not hex", msg)
    assert not canonical.signature_valid("not a key", sig, msg)
