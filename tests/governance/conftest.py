"""A small driver for governance tests: members with real keys, proposals and signed votes on a fresh fund."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support import authority_key, authorize, pem_text

from jointfund import fund as fund_mod
from jointfund.governance import (
    appointment,
    book,
    canonical,
    countersign,
    execution,
    member,
    proposal,
    vote,
)
from jointfund.governance.model import Member, Proposal
from jointfund.ledger import authority
from jointfund.store import db

DAY = dt.date(2026, 2, 2)


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class Gov:
    """Acts on one fund as the services do for the CLI; `keys` holds each member's private key by name."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine = engine
        with db.transaction(engine) as conn:
            self.fund = fund_mod.load(conn)
        self.day = DAY
        self.terms = self.fund.terms(DAY)
        self.keys: dict[str, Ed25519PrivateKey] = {}

    def appoint(self, name: str, partner: str, body: str = "board", on: dt.date = DAY) -> Member:
        """Seat `name`, with the statement of `partner`'s (test) authority key that the seat needs."""
        key = self.keys.setdefault(name, Ed25519PrivateKey.generate())
        st = authorize(
            self.engine,
            partner,
            "member.appoint",
            body=body,
            name=name.strip(),
            public_pem=pem_text(public_pem(key)),
        )
        with db.write(self.engine) as conn:
            return member.appoint(
                conn, self.fund, "test", partner, name, body, public_pem(key), on, statement=st
            )

    def remove(
        self, conn, member_id: int, on: dt.date = DAY, reason: str = "", actor: str = "test"
    ) -> Member:  # noqa: ANN001
        """Unseat a member inside the caller's transaction, with its partner's authority statement."""
        (m,) = book.members(conn, [member_id]) or [None]
        st = (
            None
            if m is None
            else authorize(self.fund.id, m.partner, "member.remove", member=m.id, key_id=m.key_id)
        )
        return member.remove(conn, self.fund.id, actor, member_id, on, reason, st)

    def decide(
        self, kind: str, partner: str, on: dt.date = DAY, proposer: str | None = None, **fields
    ) -> execution.Execution:  # noqa: ANN003
        """A seat given (kind member.appoint) or taken (member.remove) by an executed appointment decision:
        the statement proposed, approved by every seated board member, countersigned by `partner`'s authority
        key and executed, as the terms require once the board exists."""
        st = authority.statement(self.fund.id, partner, kind, **fields)
        with db.transaction(self.engine) as conn:
            board = [m.name for m in member.seated(conn, "board")]
        p = self.propose("appointment", proposer or board[0], on, about=appointment.about(st))
        for name in board:
            if self.vote(p.id, name, "approve", on).state != "open":
                break
        with db.write(self.engine) as conn:
            appointment.countersign(conn, self.fund, "test", st.signed(authority_key(partner)))
            return execution.execute(conn, self.fund, "test", p.id, on)

    def countersigned(self, actor: str = "test") -> dict:
        """The keyword arguments that make money countersigned (governance.countersigned): asked by `actor`,
        countersigned by the first seated board member whose key this driver holds (one is seated when there
        is none). Call it before opening the write transaction."""
        with db.transaction(self.engine) as conn:
            held = [m for m in member.seated(conn, "board") if m.name in self.keys]
        m = held[0] if held else self.appoint("cs-board-1", "UA")
        key = self.keys[m.name]
        return {"actor": actor, "countersigner": lambda request: countersign.sign(request, m, key)}

    def seat_by_decision(self, name: str, partner: str, body: str = "board", on: dt.date = DAY) -> Member:
        key = self.keys.setdefault(name, Ed25519PrivateKey.generate())
        self.decide("member.appoint", partner, on, body=body, name=name, public_pem=pem_text(public_pem(key)))
        with db.transaction(self.engine) as conn:
            return member.find(conn, name, body)

    def remove_by_decision(self, member_id: int, on: dt.date = DAY) -> execution.Execution:
        with db.transaction(self.engine) as conn:
            (m,) = book.members(conn, [member_id])
        return self.decide("member.remove", m.partner, on, member=m.id, key_id=m.key_id)

    def seat_body(self, body: str = "board", on: dt.date = DAY) -> list[str]:
        """Fill every seat of `body`; names are like us-board-1."""
        names = []
        for partner, seats in self.terms.body(body).seats.items():
            for n in range(1, seats + 1):
                names.append(f"{partner.lower()}-{body}-{n}")
                self.appoint(names[-1], partner, body, on)
        return names

    def propose(self, kind: str, proposer: str, on: dt.date = DAY, **kw) -> Proposal:  # noqa: ANN003
        if isinstance(kw.get("amount"), str):  # the domain takes a Decimal; tests write amounts as text
            kw["amount"] = Decimal(kw["amount"])
        with db.write(self.engine) as conn:
            d = proposal.draft(conn, self.fund, kind, kw.pop("title", f"a {kind}"), proposer, on, **kw)
            return proposal.submit(
                conn,
                self.fund,
                "test",
                d,
                canonical.sign(self.keys[proposer], canonical.proposal_bytes(self.fund.id, d)),
                kw.get("change"),
            )

    def vote(self, pid: int, name: str, choice: str, on: dt.date = DAY) -> proposal.Standing:
        with db.write(self.engine) as conn:
            return vote.sign_and_cast(conn, self.fund, "test", pid, name, choice, self.keys[name], on)

    def votes(self, pid: int, names: list[str], choice: str, on: dt.date = DAY) -> proposal.Standing:
        s = None
        for n in names:
            s = self.vote(pid, n, choice, on)
        return s

    def standing(self, pid: int, on: dt.date = DAY) -> proposal.Standing:
        with db.transaction(self.engine) as conn:
            return proposal.standing(conn, self.fund, pid, on)

    def execute(self, pid: int, on: dt.date = DAY) -> execution.Execution:
        with db.write(self.engine) as conn:
            return execution.execute(conn, self.fund, "test", pid, on)

    def recommend(self, pid: int, on: dt.date = DAY) -> Proposal:
        """Seat the recommending committee and have it approve a recommendation of proposal `pid`."""
        with db.transaction(self.engine) as conn:
            body = proposal.get(conn, pid).requires_recommendation
        names = self.seat_body(body, on)
        kind = next(d.kind for d in self.terms.governance.decisions if d.body == body)
        rec = self.propose(kind, names[0], on, about=f"proposal:{pid}")
        for n in names:
            if self.vote(rec.id, n, "approve", on).state != "open":
                break
        return rec


@pytest.fixture
def gov(fund_engine) -> Gov:  # noqa: ANN001
    return Gov(fund_engine)


def authority_only_terms() -> str:
    """The shipped terms without [governance.appointments]: seats change by the partners' authority keys
    alone,
    at any time, as in terms that do not require a board decision."""
    import re

    from jointfund.terms import shipped_text

    text, n = re.subn(r"\n\[governance\.appointments\]\n(?:[a-z_]+ = .*\n)+", "\n", shipped_text())
    assert n == 1, "the shipped terms have one [governance.appointments] section"
    return text


@pytest.fixture
def authority_only_gov(db_url) -> Gov:  # noqa: ANN001
    """A Gov on a fresh fund under authority_only_terms()."""
    eng = db.make_engine(db_url)
    fund_mod.create(eng, authority_only_terms(), "urif.toml", settable_clock=True)
    yield Gov(eng)
    eng.dispose()
