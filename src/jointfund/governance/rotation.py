"""Key rotation: a member replaces their key with a statement signed by the old key, or, when the old key is
lost, by their partner's authority key.

The statement is an authority statement of kind `member.key` (ledger.authority: fund, partner, member, the
old key's id and the new public key, a nonce), so both paths sign the same bytes and each is usable once.
Votes signed before the rotation stay valid (verify checks each signature with the key in force at its log
position, Member.pem_at); after it, only the new key signs. A new key must be no key already in use: any
member's (now or before), a partner's authority key or a checkpoint key.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select

from jointfund.errors import InputError, NotFound, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import book
from jointfund.governance.model import Member
from jointfund.governance.proposal import check_signature
from jointfund.ledger import authority
from jointfund.ledger.checkpoint import key_id, load_public, public_pem
from jointfund.store import tables as t

KIND = ACTION = "member.key"
MEMBER, AUTHORITY = "member", "authority"


def fields(m: Member, pem: str) -> dict:
    return {"member": m.id, "old_key_id": m.key_id, "public_pem": pem}


def keys_in_use(conn: Connection) -> dict[str, str]:
    """Every key id that signs or signed for someone -> whose it is, in words."""
    used = {kid: f"member {m.id} ({m.name})" for m in book.members(conn) for _, kid, _ in m.keys}
    used.update({kid: f"the checkpoint key of {p}" for kid, (p, _) in _partner_keys(conn).items()})
    g = authority.genesis(conn)
    if g is not None:
        used.update({kid: f"the authority key of {p}" for p, kid in g.key_ids().items()})
    return used


def _partner_keys(conn: Connection) -> dict[str, tuple[str, str]]:
    return {r.key_id: (r.partner, r.public_pem) for r in conn.execute(select(t.partner_key))}


def checked(
    conn: Connection, member_id: int, pem: bytes, where: str = "public_key"
) -> tuple[Member, str, str]:
    """The seated member `member_id` and the new key `pem` (its id and PEM text), once the key is one in use
    nowhere; refuses otherwise. What both paths check before anyone signs, and again when the change is
    made."""
    found = book.members(conn, [member_id])
    if not found or found[0].removed_seq is not None:
        raise NotFound(f"no seated member {member_id}; see: jointfund members list")
    m = found[0]
    public = load_public(pem, where)
    kid, text = key_id(public), public_pem(public)
    owner = keys_in_use(conn).get(kid)
    if owner is not None:
        raise Refused(
            f"key {kid} is already {owner}'s; each member signs with their own key, used nowhere else"
        )
    return m, kid, text


def prepare(
    conn: Connection, fund: FundInfo, member_id: int, pem: bytes, where: str = "public_key"
) -> tuple[Member, str, authority.Statement]:
    """The unsigned statement that replaces member `member_id`'s key with `pem` (and the new key's id): the
    same bytes whether the old key or the partner's authority key signs them."""
    m, kid, text = checked(conn, member_id, pem, where)
    return m, kid, authority.statement(fund.id, m.partner, KIND, **fields(m, text))


def rotate(
    conn: Connection,
    fund: FundInfo,
    actor: str,
    member_id: int,
    pem: bytes,
    st: authority.Statement | None,
    on: dt.date,
    where: str = "public_key",
    signer: str | None = None,
) -> Member:
    """Replace a seated member's key with `pem`, as `st` (signed by the member's current key, or by the
    partner's authority key) says; refuses a key in use and every statement that does not say exactly this.

    `signer` (MEMBER or AUTHORITY), when given, is the only signer accepted: the web lets a member replace
    their own key with their old key, and an administrator only with the partner's authority."""
    assert signer in (None, MEMBER, AUTHORITY), signer
    m, kid, text = checked(conn, member_id, pem, where)
    if st is None:
        raise Refused(
            f"a new key for member {m.id} needs a statement signed by the old key {m.key_id} (--old-key), "
            f"or, if it is lost, by {m.partner}'s authority key (--authority-key or --prepare)"
        )
    by_member = authority.signature_valid(st.message(), st.signature_hex, m.public_pem)
    if signer == MEMBER and not by_member:
        check_signature(m, st.signature_hex, st.message(), f"the replacement of the key of member {m.id}")
    if signer == AUTHORITY and by_member:
        raise Refused(
            f"the replacement of the key of member {m.id} is signed with the member's own key; "
            f"here only {m.partner}'s authority key signs it"
        )
    if by_member:
        signer = MEMBER
        carried = _by_old_key(conn, fund, m, st, text)
    else:
        signer = AUTHORITY
        carried = authority.require(conn, fund.id, st, m.partner, KIND, fields(m, text))
    data = {
        "member": m.id,
        "old_key_id": m.key_id,
        "key_id": kid,
        "public_pem": text,
        "signer": signer,
        "rotated_on": on.isoformat(),
        "before": f"key {m.key_id}",
        "after": f"key {kid}",
        authority.FIELD: carried,
    }
    seq = book.record(
        conn,
        actor,
        ACTION,
        f"member:{m.id}",
        data,
        t.member_key,
        {
            "member_id": m.id,
            "key_id": kid,
            "public_pem": text,
            "old_key_id": m.key_id,
            "signer": signer,
            "rotated_on": on,
        },
    )
    return m._replace(key_id=kid, public_pem=text, keys=(*m.keys, (seq, kid, text)))


def _by_old_key(conn: Connection, fund: FundInfo, m: Member, st: authority.Statement, pem: str) -> dict:
    """The checks authority.require makes, for a statement the member's current key signed."""
    problems = [
        Problem(f"statement {k}", f"the change has {want}", str(got)[:40])
        for k, want, got in (
            ("fund", fund.id, st.fund),
            ("partner", m.partner, st.partner),
            ("kind", KIND, st.kind),
        )
        if want != got
    ]
    problems += [
        Problem(f"statement field {k}", "differs from the change", str(st.fields.get(k))[:40])
        for k, v in fields(m, pem).items()
        if st.fields.get(k) != v
    ]
    if problems:
        raise InputError(problems, "the statement does not authorize this key")
    if st.sha256() in authority.used(conn):
        raise Refused("this statement was already used (each is good once; prepare a new one)")
    return st.to_json()
