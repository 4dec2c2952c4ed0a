"""Partner authority keys: who may speak for a partner (the trust model in /work/shared/DESIGN.md).

Each partner holds an Ed25519 **authority key**, typically offline. The fund's genesis record names
both authority public keys and is signed by both. From then on, every change to the set of keys that
can sign for a partner (seating or removing a member, registering a checkpoint key, linking a user to
a seat or unlinking it) needs an **authority statement**: canonical bytes, version 1, signed by that partner's
authority key. The statement travels in the log event of the change, so the signed checkpoints cover
it and `jointfund verify` traces every member key and every checkpoint key back to the genesis.

Canonical bytes are those of the log (ledger.canonical.data_json: UTF-8 JSON, sorted keys, no
insignificant white space). A statement is

    {"fields": {...}, "fund": ID, "kind": KIND, "nonce": HEX, "partner": P,
     "type": "jointfund authority statement", "v": 1}

and the genesis is

    {"authorities": {P: {"key_id": ..., "public_pem": ...}, ...}, "fund": ID,
     "type": "jointfund genesis", "v": 1}

The fund id makes a statement worthless on another fund; the random nonce makes each statement
usable once (a statement already in the log is refused, and verify flags a repeat). Kinds are listed
in KINDS with their fields, so a new kind (a key rotation, an appointment by the board) is one line.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

from jointfund.errors import InputError, JointfundError, Problem, Refused
from jointfund.ledger.canonical import data_json
from jointfund.ledger.checkpoint import key_id, load_public, public_pem

if TYPE_CHECKING:  # log imports this module: its Event is named for the type checker alone
    from jointfund.ledger.log import Event

VERSION = 1
STATEMENT_TYPE = "jointfund authority statement"
GENESIS_TYPE = "jointfund genesis"

# Kinds of statement and the fields each must carry (all of them, nothing else).
KINDS: dict[str, tuple[str, ...]] = {
    "member.appoint": ("body", "name", "public_pem"),  # seat a member holding this key on a body
    "member.remove": ("member", "key_id"),  # unseat member `member`, whose key is `key_id`
    "key.register": ("key_id", "public_pem"),  # a checkpoint key of the partner
    "key.retire": ("key_id",),  # that checkpoint key may sign no checkpoint covering this statement's record
    "user.member": ("user", "member"),  # user `user` is member `member` (a seat of the partner)
    "user.unmember": ("user", "member"),  # user `user` is no longer member `member`
    # member `member` replaces key `old_key_id` with this key; signed by the old key, or by the authority if
    # lost
    "member.key": ("member", "old_key_id", "public_pem"),
}

GENESIS_ACTION = "authority.genesis"  # the genesis record: the authority public keys
GENESIS_SIGN_ACTION = "authority.genesis.sign"  # one partner's signature over it
FIELD = "authority"  # the key of an event's data that carries the statement and its signature
MAX_FILE_BYTES = 1_000_000


class Statement(NamedTuple):
    """A partner's authority speaking: `kind` with its `fields`, for `partner` of fund `fund`.

    Attributes:
      fund: the fund's id.
      partner: the partner whose authority key signs.
      kind: one of KINDS.
      fields: the kind's fields (text and integers only).
      nonce: random hex, so that each statement is used once.
      signature_hex: Ed25519 signature by the partner's authority key over `message()`, or "".
    """

    fund: str
    partner: str
    kind: str
    fields: Mapping[str, Any]
    nonce: str
    signature_hex: str = ""

    def body(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "type": STATEMENT_TYPE,
            "fund": self.fund,
            "partner": self.partner,
            "kind": self.kind,
            "fields": dict(self.fields),
            "nonce": self.nonce,
        }

    def message(self) -> bytes:
        return data_json(self.body()).encode("utf-8")

    def sha256(self) -> str:
        return hashlib.sha256(self.message()).hexdigest()

    def signed(self, private: Ed25519PrivateKey) -> Statement:
        return self._replace(signature_hex=private.sign(self.message()).hex())

    def to_json(self) -> dict[str, Any]:
        """What a statement file holds, and what the log event carries under FIELD."""
        return {"statement": self.body(), "signature": self.signature_hex or None}

    def describe(self) -> str:
        shown = ", ".join(f"{k}={_short(v)}" for k, v in sorted(self.fields.items()))
        return f"{self.partner} authority: {self.kind} ({shown}) on fund {self.fund}"


def statement(fund_id: str, partner: str, kind: str, **fields: object) -> Statement:
    """An unsigned statement with a fresh nonce; refuses a kind or fields the registry does not list."""
    assert kind in KINDS, f"unknown statement kind {kind!r}"
    assert set(fields) == set(KINDS[kind]), (kind, sorted(fields))
    return Statement(fund_id, partner, kind, dict(fields), secrets.token_hex(16))


def from_json(obj: object, where: str) -> Statement:
    """A statement read from a file or an event; every malformed part is named."""
    try:
        if not isinstance(obj, dict):
            raise TypeError("not a JSON object")
        body = obj["statement"]
        sig = obj.get("signature") or ""
        st = Statement(body["fund"], body["partner"], body["kind"], dict(body["fields"]), body["nonce"], sig)
        ok = (
            body.get("v") == VERSION
            and body.get("type") == STATEMENT_TYPE
            and all(isinstance(x, str) for x in (st.fund, st.partner, st.kind, st.nonce, sig))
        )
    except (KeyError, TypeError, AttributeError, ValueError):
        ok = False
    if not ok:
        raise InputError([Problem(where, f"not a version {VERSION} authority statement")], "bad statement")
    if st.kind not in KINDS:
        raise InputError(
            [Problem(where, f"unknown kind; expected one of {', '.join(KINDS)}", st.kind)], "bad statement"
        )
    if set(st.fields) != set(KINDS[st.kind]):
        raise InputError(
            [
                Problem(
                    where,
                    f"a {st.kind} statement has the fields {', '.join(KINDS[st.kind])}",
                    ", ".join(sorted(st.fields)),
                )
            ],
            "bad statement",
        )
    return st


def signature_valid(message: bytes, signature_hex: str, pem: str) -> bool:
    try:
        load_public(pem.encode(), "authority key").verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError, JointfundError):
        return False
    return True


# -- the genesis record --


class Genesis(NamedTuple):
    """The fund's authority keys as its genesis record names them, and who has signed it.

    Attributes:
      fund: the fund's id.
      authorities: partner -> authority public key (SPKI PEM).
      signatures: partner -> signature hex over `message()`, for those who signed (checked or not).
      seq: log position of the genesis record.
      complete_seq: log position of the last signature that completed it, None while incomplete.
    """

    fund: str
    authorities: Mapping[str, str]
    signatures: Mapping[str, str]
    seq: int
    complete_seq: int | None

    def body(self) -> dict[str, Any]:
        return genesis_body(self.fund, self.authorities)

    def message(self) -> bytes:
        return data_json(self.body()).encode("utf-8")

    def key_ids(self) -> dict[str, str]:
        return {
            p: key_id(load_public(pem.encode(), f"authority key of {p}"))
            for p, pem in self.authorities.items()
        }

    def missing(self) -> list[str]:
        return [
            p
            for p in self.authorities
            if not signature_valid(self.message(), self.signatures.get(p, ""), self.authorities[p])
        ]


def genesis_body(fund_id: str, authorities: Mapping[str, str]) -> dict[str, Any]:
    keys = {
        p: {"key_id": key_id(load_public(pem.encode(), f"authority key of {p}")), "public_pem": pem}
        for p, pem in sorted(authorities.items())
    }
    return {"v": VERSION, "type": GENESIS_TYPE, "fund": fund_id, "authorities": keys}


def genesis_of(events: list[Event]) -> Genesis | None:
    """The genesis from the log's genesis events, in log order (the first record and the valid signatures
    after it)."""
    first = next((e for e in events if e.action == GENESIS_ACTION), None)
    if first is None:
        return None
    authorities = {p: v["public_pem"] for p, v in first.data["authorities"].items()}
    g = Genesis(first.data["fund"], authorities, {}, first.seq, None)
    signatures: dict[str, str] = {}
    for e in events:
        if e.action != GENESIS_SIGN_ACTION or e.seq < first.seq:
            continue
        p: str = e.data.get("partner", "")
        sig: str = e.data.get("signature", "")
        if p in authorities and p not in signatures and signature_valid(g.message(), sig, authorities[p]):
            signatures[p] = sig
            if len(signatures) == len(authorities):
                return g._replace(signatures=signatures, complete_seq=e.seq)
    return g._replace(signatures=signatures)


def genesis(conn: Connection) -> Genesis | None:
    from jointfund.ledger import log

    return genesis_of(list(log.events(conn, prefix=GENESIS_ACTION)))


def record_genesis(
    conn: Connection,
    actor: str,
    fund_id: str,
    partners: tuple[str, ...],
    authorities: Mapping[str, bytes],
    where: str = "authorities",
) -> Genesis:
    """Log the genesis record naming each partner's authority public key; once per fund."""
    from jointfund.ledger import log

    if genesis(conn) is not None:
        raise Refused("this fund already has its genesis record; see: jointfund genesis show")
    pems = validated(partners, authorities, where)
    body = genesis_body(fund_id, pems)
    seq = log.append_event(conn, actor, GENESIS_ACTION, f"fund:{fund_id}", body)
    return Genesis(fund_id, pems, {}, seq, None)


def validated(
    partners: tuple[str, ...], authorities: Mapping[str, bytes], where: str = "authorities"
) -> dict[str, str]:
    """One distinct Ed25519 public key per partner, as PEM text; every problem named."""
    problems = []
    if sorted(authorities) != sorted(partners):
        problems.append(
            Problem(
                where,
                f"one authority key per partner is needed: {', '.join(partners)}",
                ", ".join(sorted(authorities)) or "none",
            )
        )
    pems: dict[str, str] = {}
    for p, pem in authorities.items():
        try:
            pems[p] = public_pem(load_public(pem, f"{where} {p}"))
        except InputError as exc:
            problems.extend(exc.problems)
    if len({*pems.values()}) != len(pems):
        problems.append(Problem(where, "each partner needs its own authority key; two are the same"))
    if problems:
        raise InputError(problems, "genesis not recorded")
    return pems


def sign_genesis(conn: Connection, actor: str, partner: str, signature_hex: str) -> Genesis:
    """Log `partner`'s signature over the genesis record, after checking it with the partner's authority
    key."""
    from jointfund.ledger import log

    g = genesis(conn)
    if g is None:
        raise Refused(
            "this fund has no genesis record yet; create the fund with: jointfund init --authority "
            "P=FILE.pub ..."
        )
    if partner not in g.authorities:
        raise InputError(
            [
                Problem.of(
                    "partner",
                    f"not a partner of the genesis; expected one of {', '.join(g.authorities)}",
                    partner,
                )
            ]
        )
    if partner in g.signatures:
        raise Refused(f"{partner} has already signed the genesis record")
    if not signature_valid(g.message(), signature_hex, g.authorities[partner]):
        raise Refused(
            f"the signature is not by {partner}'s authority key {g.key_ids()[partner]} "
            "(the key the genesis record names)"
        )
    log.append_event(
        conn,
        actor,
        GENESIS_SIGN_ACTION,
        f"partner:{partner}",
        {"partner": partner, "key_id": g.key_ids()[partner], "signature": signature_hex},
    )
    return genesis(conn)  # type: ignore[return-value]


# -- accepting a statement --


def require(
    conn: Connection, fund_id: str, st: Statement | None, partner: str, kind: str, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Check that `st` is `partner`'s authority speaking `kind` with exactly `fields`, signed, on this fund,
    once; returns what the change's log event carries under FIELD. Refuses, saying why, otherwise."""
    what = f"{kind} for {partner}"
    if st is None:
        raise Refused(
            f"{what} needs a statement signed by {partner}'s authority key (--authority-key FILE, or "
            "--prepare FILE, then jointfund authority sign and jointfund authority submit)"
        )
    g = genesis(conn)
    if g is None or g.complete_seq is None:
        missing = ", ".join(g.missing()) if g else "every partner"
        raise Refused(
            f"{what}: the fund's genesis record is not signed yet (missing: {missing}); "
            "see: jointfund genesis show"
        )
    problems = []
    if st.fund != fund_id:
        problems.append(Problem("statement fund", "signed for another fund", st.fund))
    if st.partner != partner:
        problems.append(Problem("statement partner", f"the change is {partner}'s", st.partner))
    if st.kind != kind:
        problems.append(Problem("statement kind", f"the change is a {kind}", st.kind))
    differ = sorted(k for k in KINDS[kind] if st.fields.get(k) != fields.get(k))
    for k in differ:
        problems.append(
            Problem(
                f"statement field {k}", f"the change has {_short(fields.get(k))}", _short(st.fields.get(k))
            )
        )
    if problems:
        raise InputError(problems, f"the statement does not authorize this {kind}")
    pem = g.authorities.get(partner)
    if pem is None or not signature_valid(st.message(), st.signature_hex, pem):
        raise Refused(
            f"{what}: the statement is not signed by {partner}'s authority key "
            f"{g.key_ids().get(partner, '(none)')} named in the genesis record"
        )
    if st.sha256() in used(conn):
        raise Refused(f"{what}: this statement was already used (each is good once; prepare a new one)")
    return st.to_json()


def used(conn: Connection) -> set[str]:
    """Hashes of the statements already in the log."""
    from jointfund.ledger import log

    out = set()
    for e in log.events(conn, actions=tuple(KINDS)):  # a statement's kind is the action of its event
        if isinstance(e.data.get(FIELD), dict):
            try:
                out.add(from_json(e.data[FIELD], f"record {e.seq}").sha256())
            except InputError:
                continue
    return out


# -- statement files --


def read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(str(path), f"cannot read: {exc.strerror}")], "no statement") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(
            [Problem(str(path), f"over {MAX_FILE_BYTES} bytes; a statement is small")], "bad statement"
        )
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError([Problem(str(path), f"not JSON: {exc}")], "bad statement") from None
    if not isinstance(obj, dict) or not ({"statement", "genesis"} & set(obj)):
        raise InputError([Problem(str(path), "neither a statement nor a genesis file")], "bad statement")
    return obj


def write_file(path: Path, obj: dict[str, Any]) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _short(value: object, limit: int = 40) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
