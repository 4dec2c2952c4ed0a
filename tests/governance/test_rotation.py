"""Key rotation (issue 16): signed by the old key, or by the partner's authority key when it is lost; votes
before
stay valid, votes after need the new key; forged rotations refused and named by verify. SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert
from support import authority_key, pem_text

from jointfund.errors import InputError, Refused
from jointfund.governance import book, member, rotation
from jointfund.ledger import authority, log
from jointfund.ledger.checkpoint import key_id
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.verify import verify

from .conftest import public_pem


@pytest.fixture
def board(gov):  # noqa: ANN001, ANN201
    gov.names = gov.seat_body("board")
    return gov


def failed(engine) -> dict[str, list[str]]:  # noqa: ANN001
    return {r.check: [f.detail for f in r.failures] for r in verify(engine).results if not r.ok}


def statement(board, name: str, new: Ed25519PrivateKey, signer) -> tuple:  # noqa: ANN001
    with db.transaction(board.engine) as conn:
        m = member.find(conn, name)
    pem = pem_text(public_pem(new))
    st = authority.statement(board.fund.id, m.partner, rotation.KIND, **rotation.fields(m, pem))
    return m, pem, (st.signed(signer) if signer is not None else st)


def rotate(board, name: str, new: Ed25519PrivateKey, signer) -> member.Member:  # noqa: ANN001
    m, pem, st = statement(board, name, new, signer)
    with db.write(board.engine) as conn:
        return rotation.rotate(conn, board.fund, "test", m.id, pem.encode(), st, board.day)


def test_old_votes_stay_valid_and_new_votes_need_the_new_key(board) -> None:
    p = board.propose("budget", "us-board-1")
    board.vote(p.id, "ua-board-1", "approve")  # signed with the old key
    old = board.keys["ua-board-1"]
    new = Ed25519PrivateKey.generate()
    m = rotate(board, "ua-board-1", new, old)  # the old key signs its replacement
    assert m.key_id == key_id(new.public_key())
    board.keys["ua-board-1"] = old
    with pytest.raises(Refused, match="signature refused"):
        board.vote(p.id, "ua-board-1", "approve")  # the old key no longer signs
    board.keys["ua-board-1"] = new
    board.vote(p.id, "ua-board-1", "approve")  # round 2, with the new key
    s = board.votes(p.id, [n for n in board.names if n != "ua-board-1"], "approve")
    assert s.state == "approved"
    assert failed(board.engine) == {}  # the first vote checks with the key of its time
    with db.transaction(board.engine) as conn:
        (e,) = log.events(conn, action="member.key")
    assert (e.data["signer"], e.data["old_key_id"], e.data["key_id"]) == (
        "member",
        key_id(old.public_key()),
        m.key_id,
    )


def test_a_lost_key_is_replaced_by_the_partners_authority_key(board) -> None:
    new = Ed25519PrivateKey.generate()
    rotate(board, "us-board-2", new, authority_key("US"))
    board.keys["us-board-2"] = new
    p = board.propose("other", "us-board-2")
    assert p.id == 1
    newer = Ed25519PrivateKey.generate()
    rotate(board, "us-board-2", newer, new)  # and later by the member's key again
    assert failed(board.engine) == {}


def test_forged_rotations_are_refused(board) -> None:
    new = Ed25519PrivateKey.generate()
    with pytest.raises(Refused, match="not signed by UA's authority key"):
        rotate(board, "ua-board-1", new, authority_key("US"))  # the other partner's authority
    with pytest.raises(Refused, match="not signed by UA's authority key"):
        rotate(board, "ua-board-1", new, board.keys["ua-board-2"])  # another member's key
    with pytest.raises(Refused, match="needs a statement"):
        _unsigned(board, "ua-board-1", new)
    with pytest.raises(Refused, match="already member .* \\(us-board-1\\)'s"):
        rotate(
            board, "ua-board-1", board.keys["us-board-1"], board.keys["ua-board-1"]
        )  # a key used elsewhere
    with pytest.raises(Refused, match="already the authority key of UA"):
        rotate(board, "ua-board-1", authority_key("UA"), board.keys["ua-board-1"])
    m, pem, st = statement(board, "ua-board-1", new, board.keys["ua-board-1"])
    other = Ed25519PrivateKey.generate()
    with db.write(board.engine) as conn, pytest.raises(InputError, match="does not authorize this key"):
        rotation.rotate(
            conn,
            board.fund,
            "test",
            m.id,
            public_pem(other),
            st._replace(fields={**st.fields, "public_pem": pem}).signed(board.keys["ua-board-1"]),
            board.day,
        )
    with db.write(board.engine) as conn:
        rotation.rotate(conn, board.fund, "test", m.id, pem.encode(), st, board.day)
    with db.write(board.engine) as conn, pytest.raises(Refused, match="already"):
        rotation.rotate(conn, board.fund, "test", m.id, pem.encode(), st, board.day)  # replayed
    assert failed(board.engine) == {}


def _unsigned(board, name: str, new) -> None:  # noqa: ANN001
    m, pem, _ = statement(board, name, new, None)
    with db.write(board.engine) as conn:
        rotation.rotate(conn, board.fund, "test", m.id, pem.encode(), None, board.day)


def test_verify_names_a_forged_rotation_and_the_database_a_reused_key(board) -> None:
    """An operator writes a rotation signed by a key of its own: verify's authority chain names it."""
    rogue = Ed25519PrivateKey.generate()
    m, pem, st = statement(board, "us-board-3", rogue, rogue)
    with db.write(board.engine) as conn:
        kid = key_id(rogue.public_key())
        data = {
            "member": m.id,
            "old_key_id": m.key_id,
            "key_id": kid,
            "public_pem": pem,
            "signer": "member",
            "rotated_on": board.day.isoformat(),
            authority.FIELD: st.to_json(),
        }
        seq = log.append_event(conn, "admin", "member.key", f"member:{m.id}", data)
        conn.execute(
            insert(t.member_key).values(
                member_id=m.id,
                key_id=kid,
                public_pem=pem,
                old_key_id=m.key_id,
                signer="member",
                rotated_on=board.day,
                seq=seq,
            )
        )
    found = failed(board.engine)["authority chain"]
    assert any(f"key {kid} of member {m.id}" in f and "not signed by the old key" in f for f in found), found
    with pytest.raises(Exception, match="already a member key"):
        with db.write(board.engine) as conn:
            seq = log.append_event(conn, "admin", "member.key", f"member:{m.id}", {})
            conn.execute(
                insert(t.member_key).values(
                    member_id=m.id,
                    key_id=book.members(conn, [1])[0].keys[0][1],
                    public_pem="p",
                    old_key_id="x",
                    signer="authority",
                    rotated_on=board.day,
                    seq=seq,
                )
            )
