"""Four eyes that one operator cannot fake: a seated member countersigns the change another user asks for.

A second *user* is not a second person: an administrator adds users at will, so "a different user confirms"
stops a slip, not an insider. What an administrator cannot mint alone is a member's key: members are seated,
and their keys rotated, only with their partner's authority statement (ledger.authority), and verify traces
every member key back to the genesis. So a change that decides what partners are owed, or lets money reach a
company, carries a **countersignature**: the Ed25519 signature of a seated member over the canonical bytes of
exactly that change, naming the user who asked for it. The member must not be linked to that user (links are
authority-signed too, governance.user): a person does not countersign their own request.

The one mechanism for every such change (a sanctions clearance's confirmation, a correction of a rate, a
licence or a receipt): the request is canonical JSON, the signature travels in the change's log event under
FIELD, a `countersignature` row beside the change lets the database refuse one without it (store.triggers),
and `check_event` replays the same rule for `jointfund verify`.

Each kind needs a countersignature from the log position its rule took effect at (`start_rules`, at the
migration that brings the rule): a change made before that, under the rules of its time, is not held to it
(`applies`). The positions are rows of `countersign_rule`, read by the triggers, and an event of the log,
which the partners' checkpoints cover; `check_rules` holds the two to each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from sqlalchemy import Connection, func, insert, select

from jointfund.errors import Refused
from jointfund.governance import book, canonical
from jointfund.governance.model import Member
from jointfund.ledger.canonical import data_json
from jointfund.store import tables as t

VERSION = 1
TYPE = "jointfund countersignature"
FIELD = "countersignature"  # the key of an event's data that carries it
CLEARANCE = "screening.clear"  # the confirmation of another user's sanctions clearance
CORRECTION = "correction"  # a correction of a rate, a licence field or a receipt field
RULE_ACTION = "countersign.rule"  # the event that says from where kinds need a countersignature
RULE_ACTOR = "migration"  # a rule starts with the schema that brings it, not with a user
# How to give one, named for every surface (the CLI's options, the API's field).
HOW = (
    "a seated member other than the one asking signs it: in the CLI with --countersign-as MEMBER "
    "--countersign-key KEY, in the API with the request's member and signature"
)


class Countersignature(NamedTuple):
    """A member's signature (hex) over `message(...)` of one request."""

    member: int
    signature_hex: str

    def to_json(self, requested_by: str) -> dict:
        return {"member": self.member, "signature": self.signature_hex, "requested_by": requested_by}


class Request(NamedTuple):
    """What is countersigned: a kind, its subject, its exact fields, on this fund, asked by `requested_by`."""

    fund: str
    kind: str
    subject: str
    fields: Mapping
    requested_by: str

    def message(self, member_id: int) -> bytes:
        body = {
            "v": VERSION,
            "type": TYPE,
            "fund": self.fund,
            "kind": self.kind,
            "subject": self.subject,
            "fields": dict(self.fields),
            "requested_by": self.requested_by,
            "member": member_id,
        }
        return data_json(body).encode("utf-8")


def links_at(conn: Connection, before_seq: int | None = None) -> dict[str, set[int]]:
    """The members each user was linked to just before `before_seq` (now, when None), by user name."""
    from jointfund.governance.user import LINK_ACTION, UNLINK_ACTION
    from jointfund.ledger import log

    out: dict[str, set[int]] = {}
    for ev in log.events(conn, actions=(LINK_ACTION, UNLINK_ACTION)):
        if before_seq is not None and ev.seq >= before_seq:
            break
        held = out.setdefault(ev.data["name"], set())
        (held.add if ev.action == LINK_ACTION else held.discard)(int(ev.data["member"]))
    return out


def why_not(
    request: Request,
    cs: Countersignature,
    members: Mapping[int, Member],
    links: Mapping[str, set[int]],
    at_seq: int | None,
) -> str | None:
    """Why `cs` does not countersign `request` (None: it does): the one rule the change and verify share.
    `at_seq` is the change's log position (None: now), for the member's seat and key then."""
    m = members.get(cs.member)
    if m is None:
        return f"member {cs.member} does not exist"
    if not m.seated_at(at_seq):
        return f"member {m.id} ({m.name}) was not seated, so cannot countersign"
    if cs.member in links.get(request.requested_by, set()):
        return (
            f"member {m.id} ({m.name}) is linked to user {request.requested_by}, who asked for it: "
            "a person does not countersign their own request"
        )
    pem = m.public_pem if at_seq is None else m.pem_at(at_seq)
    if not canonical.signature_valid(pem, cs.signature_hex, request.message(m.id)):
        return (
            f"the countersignature does not verify with the key of member {m.id} ({m.name}) over this "
            f"{request.kind} of {request.subject} asked by {request.requested_by}"
        )
    return None


def require(conn: Connection, request: Request, by: Signer | None) -> dict:
    """Refuse, saying why, unless `by` gives a seated member's countersignature of `request` by someone other
    than the asker; returns what the change's event carries under FIELD."""
    what = f"{request.kind} of {request.subject}"
    if by is None:
        raise Refused(
            f"{what} needs a second person: a seated member's countersignature ({HOW}); another user is not "
            "enough, since an administrator can add users"
        )
    cs = by(request)
    why = why_not(request, cs, {m.id: m for m in book.members(conn, [cs.member])}, links_at(conn), None)
    if why:
        raise Refused(f"{what} refused: {why}")
    return cs.to_json(request.requested_by)


def sign(request: Request, member: Member, private) -> Countersignature:  # noqa: ANN001 - Ed25519PrivateKey
    """What the CLI and the demo do with the member's key file: sign the request's bytes."""
    return Countersignature(member.id, canonical.sign(private, request.message(member.id)))


Signer = Callable[[Request], Countersignature]  # what a change asks for its request, once it knows it


def signer(conn: Connection, member_ref: str | None, private) -> Signer | None:  # noqa: ANN001
    """A Signer with seated member `member_ref`'s private key (None when no member is named): the CLI's and
    the demo's way to countersign a request the change builds itself."""
    if member_ref is None:
        return None
    from jointfund.governance.member import find

    m = find(conn, member_ref)
    return lambda request: sign(request, m, private)


def given(member_id: int, signature_hex: str) -> Signer:
    """A Signer for a countersignature made elsewhere (the API: the member signed the request's bytes)."""
    return lambda _request: Countersignature(member_id, signature_hex.strip().lower())


def record(conn: Connection, seq: int, kind: str, carried: dict) -> None:
    """The row beside the change's event `seq` (written after the event, before the change's own row, which
    the database refuses without it)."""
    conn.execute(
        insert(t.countersignature).values(
            seq=seq,
            kind=kind,
            member_id=carried["member"],
            requested_by=carried["requested_by"],
            signature=carried["signature"],
        )
    )


def of(conn: Connection, seqs: Iterable[int] | None = None) -> dict[int, dict]:
    """The countersignature rows by the seq of the event they stand beside."""
    q = select(t.countersignature)
    if seqs is not None:
        q = q.where(t.countersignature.c.seq.in_(sorted(set(seqs))))
    return {
        r.seq: {
            "member": r.member_id,
            "signature": r.signature,
            "requested_by": r.requested_by,
            "kind": r.kind,
        }
        for r in conn.execute(q)
    }


def check_event(
    request: Request,
    carried: object,
    row: Mapping | None,
    members: Mapping[int, Member],
    links: Mapping[str, set[int]],
    seq: int,
) -> str | None:
    """verify: why the change at `seq` is not countersigned as `request` (None: it is). `carried` is what its
    event holds under FIELD, `row` the database's countersignature row; they must agree."""
    if not isinstance(carried, dict) or not {"member", "signature", "requested_by"} <= set(carried):
        return f"{request.kind} of {request.subject} carries no countersignature (one person alone made it)"
    if row is None or any(row[k] != carried[k] for k in ("member", "signature", "requested_by")):
        return "its countersignature row differs from its event's"
    if carried["requested_by"] != request.requested_by:
        return f"the countersignature names {carried['requested_by']} as asking, not {request.requested_by}"
    try:
        cs = Countersignature(int(carried["member"]), str(carried["signature"]))
    except (TypeError, ValueError):
        return "its countersignature is malformed"
    return why_not(request, cs, members, links, seq)


# -- from where each kind needs one (countersign_rule, migration 0024) --


def log_end(conn: Connection) -> int:
    """The last position of the log (0: empty); a migration's rule starts right after it."""
    return int(conn.execute(select(func.coalesce(func.max(t.leaf.c.seq), 0))).scalar_one())


def start_rules(conn: Connection, since_by_kind: Mapping[str, int], revision: str) -> None:
    """Record from which log position each kind needs a countersignature; the migration `revision` that
    installs a kind's trigger calls it, with the log's next position (`log_end + 1`) unless the database
    already held countersigned changes of the kind. An empty log needs no record: the rule applies from its
    start. Otherwise the positions are logged first, so that the partners' checkpoints cover them, and the
    rows the triggers read are written beside. Each kind starts once (its row is the primary key)."""
    from jointfund.ledger import log

    end = log_end(conn)
    if end == 0:
        return
    assert all(1 <= since <= end + 1 for since in since_by_kind.values()), since_by_kind
    rules = {kind: int(since) for kind, since in sorted(since_by_kind.items())}
    log.append_event(
        conn, RULE_ACTOR, RULE_ACTION, "countersign:rules", {"rules": rules, "migration": revision}
    )
    for kind, since in rules.items():
        conn.execute(insert(t.countersign_rule).values(kind=kind, since_seq=since))


def rules(conn: Connection) -> dict[str, int]:
    """The first log position from which each kind needs a countersignature (a kind not named: from 1)."""
    return {r.kind: r.since_seq for r in conn.execute(select(t.countersign_rule))}


def applies(since: Mapping[str, int], kind: str, seq: int) -> bool:
    """Whether the change of `kind` at log position `seq` needed a countersignature when it was made."""
    return seq >= since.get(kind, 1)


def check_rules(conn: Connection) -> tuple[int, list[tuple[int | None, str]]]:
    """verify: the rows the triggers read say what the log says, once per kind, and no kind's rule starts
    after a change of that kind was countersigned (a start moved later would excuse changes made without
    one). Returns (rules checked, [(seq, problem)])."""
    from jointfund.ledger import log

    logged: dict[str, tuple[int, int]] = {}  # kind -> (event seq, since)
    problems: list[tuple[int | None, str]] = []
    for ev in log.events(conn, action=RULE_ACTION):
        given = ev.data.get("rules")
        if ev.actor != RULE_ACTOR or not isinstance(given, dict):
            problems.append((ev.seq, "a countersignature rule event not made by a migration, or malformed"))
            continue
        for kind, since in sorted(given.items()):
            if kind in logged:
                problems.append((ev.seq, f"the countersignature rule of {kind} is logged twice"))
            elif not isinstance(since, int) or not 1 <= since <= ev.seq:
                problems.append(
                    (ev.seq, f"the countersignature rule of {kind} starts at {since!r}, not by then")
                )
            else:
                logged[kind] = (ev.seq, since)
    stored = rules(conn)
    for kind in sorted(set(stored) | set(logged)):
        at, since = logged.get(kind, (None, None))
        if stored.get(kind) != since:
            problems.append(
                (
                    at,
                    f"the database says {kind} needs a countersignature from position {stored.get(kind)}, "
                    f"the log says from {since}",
                )
            )
    first = dict(
        conn.execute(
            select(t.countersignature.c.kind, func.min(t.countersignature.c.seq)).group_by(
                t.countersignature.c.kind
            )
        ).all()
    )
    for kind, (at, since) in sorted(logged.items()):
        if kind in first and first[kind] < since:
            problems.append(
                (
                    at,
                    f"the countersignature rule of {kind} starts at position {since}, after the "
                    f"countersigned {kind} at {first[kind]}: the rule was in force before it",
                )
            )
    return len(logged), problems
