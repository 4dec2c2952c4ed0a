"""A fund ready for the web: a user and a bearer token per role, a seated board, an open proposal,
and checkpoints signed by both partners. Shared by the API tests and the browser journeys."""

from __future__ import annotations

import copy
import datetime as dt
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from support import authorize, ceremony, pem_text

from jointfund import fund as fund_mod
from jointfund.governance import canonical, member, policy, proposal, token, user
from jointfund.ledger import log
from jointfund.ledger.checkpoint import key_id, load_public, new_key_pair
from jointfund.store import db

DAY = dt.date(2026, 2, 2)
ROLES = tuple(r for r in policy.ROLES if r != policy.PUBLIC)


def pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class Site:
    """What the tests act with: `passwords[role]`, `tokens[role]`, `keys[member name]`, `proposal` (an open
    board proposal)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with db.transaction(engine) as conn:
            self.fund = fund_mod.load(conn)
        terms = self.fund.terms(DAY)
        ceremony(engine)
        self.passwords: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.keys: dict[str, Ed25519PrivateKey] = {}
        self.members: dict[str, int] = {}
        with db.write(engine) as conn:
            for role in ROLES:
                self.passwords[role] = secrets.token_urlsafe(12)
                user.add(conn, "test", self.name(role), role, self.passwords[role])
                self.tokens[role] = token.issue(conn, "test", self.name(role), "tests")[1]
            board = terms.body("board")
            for partner, seats in board.seats.items():
                for n in range(1, seats + 1):
                    name = f"{partner.lower()}-board-{n}"
                    self.keys[name] = Ed25519PrivateKey.generate()
                    st = authorize(
                        self.fund.id,
                        partner,
                        "member.appoint",
                        body=board.code,
                        name=name,
                        public_pem=pem_text(pem(self.keys[name])),
                    )
                    self.members[name] = member.appoint(
                        conn,
                        self.fund,
                        "test",
                        partner,
                        name,
                        board.code,
                        pem(self.keys[name]),
                        DAY,
                        statement=st,
                    ).id
            kind = next(
                d.kind
                for d in terms.governance.decisions
                if d.body == board.code and d.requires_recommendation is None
            )
            proposer = next(iter(self.keys))
            draft = proposal.draft(conn, self.fund, kind, "Budget for the first year", proposer, DAY)
            self.proposal = proposal.submit(
                conn,
                self.fund,
                "test",
                draft,
                canonical.sign(self.keys[proposer], canonical.proposal_bytes(self.fund.id, draft)),
            )
        self.sign_checkpoints()

    def on(self, engine: Engine) -> Site:
        """The same site over a copy of its database."""
        clone = copy.copy(self)
        clone.engine = engine
        return clone

    @staticmethod
    def name(role: str) -> str:
        return "t-" + role.replace("_", "-")

    def sign_checkpoints(self) -> None:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        with db.write(self.engine) as conn:
            privates = {}
            for partner in self.fund.base_terms().partner_codes:
                private, public = new_key_pair()
                kid = key_id(load_public(public, "test"))
                st = authorize(self.fund.id, partner, "key.register", key_id=kid, public_pem=pem_text(public))
                log.register_key(
                    conn, self.fund.id, partner, public, f"{partner}.pub", actor="test", statement=st
                )
                privates[partner] = load_pem_private_key(private, None)
            for partner, private in privates.items():  # after every key: both sign the same tree head
                log.make_checkpoint(conn, self.fund.id, partner, private)

    def trust(self):  # noqa: ANN201 - a ledger.trust.Trust
        """What a verifier obtains out of band: the partners' authority keys (and their checkpoint keys)."""
        from jointfund.ledger import trust

        with db.transaction(self.engine) as conn:
            return trust.parse(trust.export(conn, self.fund.id, with_checkpoint=False), "test trust")

    def link(self, role: str, member_name: str) -> None:
        """Link the user of `role` to the seat of member `member_name`, with that partner's authority."""
        from jointfund.governance import book

        with db.write(self.engine) as conn:
            m = book.members(conn, [self.members[member_name]])[0]
            st = authorize(self.fund.id, m.partner, "user.member", user=self.name(role), member=m.id)
            user.link_member(conn, self.fund.id, "test", self.name(role), m.id, st)

    def key_file(self, folder: Path, member_name: str) -> Path:
        path = folder / f"{member_name}.key"
        path.write_bytes(private_pem(self.keys[member_name]))
        return path
