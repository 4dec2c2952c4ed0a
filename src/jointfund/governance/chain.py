"""What `jointfund verify` checks of who may sign for a partner: the chain back to the genesis record.

  authority chain   the genesis record names one authority key per partner of this fund and is signed by
                    all of them; every seat given or taken, every checkpoint key registered and every user
                    linked to a seat or unlinked from it (and every checkpoint key retired) carries a
statement signed by its
                    partner's authority key, after the
                    genesis, saying exactly that, used once; the partner_key rows are the logged key events;
                    every checkpoint is signed by a key so registered and not retired before the checkpoint's
                    tree includes the retirement, and every member who signed a
                    proposal or a vote holds a seat so given

A break is named by record, member, key or checkpoint. The invariant it holds: the set of keys that can
sign for a partner changes only through that partner's authority key (docs/ceremony.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from jointfund.errors import InputError
from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.governance import appointment, book, rotation
from jointfund.governance.member import APPOINT, DECISION, REMOVE
from jointfund.governance.model import EXECUTED
from jointfund.governance.seats import was_complete
from jointfund.governance.user import LINK_ACTION, UNLINK_ACTION
from jointfund.ledger import authority, log
from jointfund.ledger.log import KEY_REGISTER, KEY_RETIRE
from jointfund.store import tables as t

NAME = "authority chain"


class Trace(NamedTuple):
    """What the chain found: members and checkpoint keys whose statements hold, and the findings."""

    members: frozenset[int]
    keys: dict[str, str]  # checkpoint key id -> partner
    findings: list[Finding]
    checked: int
    retired: dict[str, int]  # checkpoint key id -> log position of its authorised retirement


def trace(conn: Connection, fund: FundInfo) -> Trace:
    evs = list(
        log.events(
            conn,
            actions=(
                authority.GENESIS_ACTION,
                authority.GENESIS_SIGN_ACTION,
                APPOINT,
                REMOVE,
                KEY_REGISTER,
                KEY_RETIRE,
                LINK_ACTION,
                UNLINK_ACTION,
                rotation.ACTION,
            ),
        )
    )
    g = authority.genesis_of(evs)
    findings: list[Finding] = []
    partners = fund.base_terms().partner_codes
    geneses = [e for e in evs if e.action == authority.GENESIS_ACTION]
    if g is not None:
        if g.fund != fund.id:
            findings.append(
                Finding(NAME, g.seq, f"the genesis record names fund {g.fund}, not this fund {fund.id}")
            )
        if sorted(g.authorities) != sorted(partners):
            findings.append(
                Finding(
                    NAME,
                    g.seq,
                    f"the genesis record names authority keys of {', '.join(g.authorities)}, "
                    f"the partners are {', '.join(partners)}",
                )
            )
        if g.complete_seq is None:
            findings.append(
                Finding(NAME, g.seq, f"the genesis record is not signed by {', '.join(g.missing())}")
            )
    findings.extend(
        Finding(NAME, e.seq, "a second genesis record; only the first counts") for e in geneses[1:]
    )

    decisions = _Decisions(conn, fund)
    keys_ = _Keys(g)
    # Keyed by what the log says, which verify may not trust to be present or well-typed.
    appointed: dict[object, dict[str, Any]] = {}
    members: set[int] = set()
    keys: dict[str, str] = {}
    retired: dict[str, int] = {}
    used: dict[str, int] = {}
    checked = 0
    for e in evs:
        if e.action in (authority.GENESIS_ACTION, authority.GENESIS_SIGN_ACTION):
            continue
        checked += 1
        d = e.data
        partner: str | None
        if e.action == rotation.ACTION:
            problem = keys_.rotation(e, g, fund.id, appointed.get(d.get("member"), {}), used)
            if problem:
                findings.append(
                    Finding(NAME, e.seq, f"key {d.get('key_id')} of member {d.get('member')}: {problem}")
                )
            continue
        if e.action == APPOINT:
            keys_.seen(d.get("key_id"), e.seq)
            appointed[d.get("member")] = dict(d)  # a copy: a rotation moves its key on
            partner, what = (
                d.get("partner"),
                f"member {d.get('member')} ({d.get('name')}, key {d.get('key_id')})",
            )
            fields = {"body": d.get("body"), "name": d.get("name"), "public_pem": d.get("public_pem")}
        elif e.action == REMOVE:
            seat = appointed.get(d.get("member"), {})
            partner, what = d.get("partner"), f"removal of member {d.get('member')} ({d.get('name')})"
            fields = {"member": d.get("member"), "key_id": seat.get("key_id")}
        elif e.action == KEY_REGISTER:
            keys_.seen(d.get("key_id"), e.seq)
            partner, what = e.subject.removeprefix("partner:"), f"checkpoint key {d.get('key_id')}"
            fields = {"key_id": d.get("key_id"), "public_pem": d.get("public_pem")}
        elif e.action == KEY_RETIRE:
            partner, what = (
                e.subject.removeprefix("partner:"),
                f"retirement of checkpoint key {d.get('key_id')}",
            )
            fields = {"key_id": d.get("key_id")}
        else:
            partner = appointed.get(d.get("member"), {}).get("partner")
            undone = "unlinking" if e.action == UNLINK_ACTION else "link"
            what = f"{undone} of user {d.get('name')} to member {d.get('member')}"
            fields = {"user": d.get("name"), "member": d.get("member")}
        problem = _problem(g, fund.id, e.seq, d.get(authority.FIELD), partner, e.action, fields, used)
        if problem is None and e.action in (APPOINT, REMOVE):
            problem = decisions.problem(e, d.get("body"))
        if problem:
            findings.append(Finding(NAME, e.seq, f"{what} of {partner}: {problem}"))
            continue
        # Only ids of the types the log writes can name a member or a key; anything else names none.
        member, key_id = d.get("member"), d.get("key_id")
        if e.action == APPOINT and isinstance(member, int):
            members.add(member)
        elif e.action == KEY_REGISTER and isinstance(key_id, str) and partner is not None:
            keys[key_id] = partner
        elif e.action == KEY_RETIRE:
            if not isinstance(key_id, str) or keys.get(key_id) != partner:
                findings.append(
                    Finding(NAME, e.seq, f"{what} of {partner}: no earlier registration of it for {partner}")
                )
            if isinstance(key_id, str):
                retired.setdefault(key_id, e.seq)
    findings.extend(_rows_against_log(conn, evs))
    return Trace(frozenset(members), keys, findings, checked, retired)


class _Keys:
    """The chain of each member's keys: every rotation signed by the key it replaces (the one in force then)
    or by the partner's authority key, to a key no one used before (a member's, an authority key)."""

    def __init__(self, g: authority.Genesis | None) -> None:
        self.used: dict[str, int] = {kid: (g.seq if g else 0) for kid in (g.key_ids().values() if g else ())}

    def seen(self, kid: str | None, seq: int) -> None:
        if kid is not None:
            self.used.setdefault(kid, seq)

    def rotation(self, e, g, fund_id: str, seat: dict, used: dict[str, int]) -> str | None:  # noqa: ANN001
        d = e.data
        if not seat:
            return "it names no appointed member"
        old_kid, old_pem = seat.get("key_id"), seat.get("public_pem")
        fields = {"member": d.get("member"), "old_key_id": old_kid, "public_pem": d.get("public_pem")}
        partner = seat.get("partner")
        try:
            from jointfund.ledger.checkpoint import key_id, load_public

            kid = key_id(load_public(str(d.get("public_pem")).encode(), "key"))
        except Exception:  # noqa: BLE001 - any unreadable key is the same finding
            return "its public key does not load"
        if kid != d.get("key_id") or d.get("old_key_id") != old_kid:
            return (
                f"it replaces {d.get('old_key_id')} by {d.get('key_id')}, but the member held "
                f"{old_kid} and the key is {kid}"
            )
        if kid in self.used:
            return f"the new key was already in use (record {self.used[kid]})"
        if d.get("signer") == rotation.MEMBER:
            carried = d.get(authority.FIELD)
            try:
                st = authority.from_json(carried, f"record {e.seq}")
            except (InputError, TypeError):
                return "it carries no statement signed by the old key"
            if (st.fund, st.partner, st.kind) != (fund_id, partner, rotation.KIND) or any(
                st.fields.get(k) != v for k, v in fields.items()
            ):
                return "its statement says otherwise"
            if not authority.signature_valid(st.message(), st.signature_hex, str(old_pem)):
                return f"its statement is not signed by the old key {old_kid}"
            if st.sha256() in used:
                return f"its statement was already used at record {used[st.sha256()]}"
            used[st.sha256()] = e.seq
        else:
            problem = _problem(
                g, fund_id, e.seq, d.get(authority.FIELD), partner, rotation.KIND, fields, used
            )
            if problem:
                return problem
        self.used[kid] = e.seq
        seat["key_id"], seat["public_pem"] = kid, d.get("public_pem")
        return None


class _Decisions:
    """Whether a seat given or taken needed an executed appointment decision, and had it (the terms'
    [governance.appointments]: once a listed body was complete, governance.appointment)."""

    def __init__(self, conn: Connection, fund: FundInfo) -> None:
        self.fund = fund
        self.members = book.members(conn)
        self.proposals = {p.id: p for p in book.proposals(conn)}
        self.executed = {c.proposal: c.seq for c in book.closings(conn) if c.status == EXECUTED}

    def problem(self, e, body: str | None) -> str | None:  # noqa: ANN001 - a log event
        decision = e.data.get(DECISION)
        on = e.data.get("appointed_on") or e.data.get("removed_on")
        try:
            terms = self.fund.terms(dt.date.fromisoformat(on))
        except (TypeError, ValueError):
            terms = self.fund.base_terms()
        rule = terms.governance.appointments
        if decision is None:
            if rule is None or body not in rule.bodies:
                return None
            b = terms.body(body)
            if was_complete(b, self.members, e.seq):
                return (
                    f"the {b.name} was complete before it, so the terms needed an executed "
                    f"{rule.decision} decision, and it names none"
                )
            return None
        p = self.proposals.get(decision) if isinstance(decision, int) else None
        if p is None or p.kind != appointment.KIND:
            return f"decision {decision} is no {appointment.KIND} proposal"
        if self.executed.get(p.id) is None or self.executed[p.id] > e.seq:
            return f"proposal {p.id} was not executed before it"
        st = authority.from_json(e.data[authority.FIELD], f"record {e.seq}")
        if p.about != appointment.about(st):
            return f"proposal {p.id} decided {p.about}, not this statement ({appointment.about(st)[:28]}…)"
        return None


def _problem(
    g: authority.Genesis | None,
    fund_id: str,
    seq: int,
    carried: object,
    partner: object,
    kind: str,
    fields: dict,
    used: dict[str, int],
) -> str | None:
    if g is None or g.complete_seq is None or g.complete_seq > seq:
        return "no genesis record signed by every partner comes before it, so no authority key could allow it"
    if not isinstance(carried, dict):
        return f"it carries no statement of {partner}'s authority key"
    try:
        st = authority.from_json(carried, f"record {seq}")
    except InputError as exc:
        return str(exc.problems[0])
    if st.fund != fund_id or st.partner != partner or st.kind != kind:
        return (
            f"its statement is a {st.kind} of {st.partner} on fund {st.fund}, not a {kind} of "
            f"{partner} on this fund"
        )
    differ = sorted(k for k, v in fields.items() if st.fields.get(k) != v)
    if differ:
        return f"its statement says otherwise ({', '.join(differ)})"
    pem = g.authorities.get(str(partner))
    if pem is None or not authority.signature_valid(st.message(), st.signature_hex, pem):
        kid = g.key_ids().get(str(partner), "(none)")
        return f"its statement is not signed by {partner}'s authority key {kid} of the genesis record"
    digest = st.sha256()
    if digest in used:
        return f"its statement was already used at record {used[digest]}"
    used[digest] = seq
    return None


def _rows_against_log(conn: Connection, evs: list) -> list[Finding]:  # noqa: ANN001 - log events
    """partner_key must be the logged key.register events, no more, no less, and the same."""
    logged = {
        e.data.get("key_id"): (e.subject.removeprefix("partner:"), e.data.get("public_pem"), e.seq)
        for e in evs
        if e.action == KEY_REGISTER
    }
    out = []
    rows = {r.key_id: (r.partner, r.public_pem) for r in conn.execute(select(t.partner_key))}
    for kid, (partner, pem) in sorted(rows.items()):
        ev = logged.get(kid)
        if ev is None:
            out.append(
                Finding(NAME, None, f"partner_key row {kid} ({partner}) was never registered in the log")
            )
        elif (partner, pem) != ev[:2]:
            out.append(
                Finding(
                    NAME,
                    ev[2],
                    f"partner_key row {kid} differs from its logged key.register event "
                    f"(partner or public key changed outside jointfund)",
                )
            )
    for kid, (partner, _pem, seq) in sorted(logged.items(), key=lambda kv: kv[1][2]):
        if kid not in rows:
            out.append(
                Finding(
                    NAME,
                    seq,
                    f"checkpoint key {kid} of {partner} is logged, but its partner_key row is missing",
                )
            )
    return out


def check_chain(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    found = trace(conn, fund)
    failures = list(found.findings)
    for cp_id, cp in log.checkpoints(conn, fund.id):
        if found.keys.get(cp.key_id) != cp.partner:
            failures.append(
                Finding(
                    NAME,
                    None,
                    f"checkpoint {cp_id} ({cp.partner}, size {cp.tree_size}): key {cp.key_id} "
                    f"traces to no statement of {cp.partner}'s authority key",
                )
            )
        elif cp.key_id in found.retired and cp.tree_size >= found.retired[cp.key_id]:
            failures.append(
                Finding(
                    NAME,
                    found.retired[cp.key_id],
                    f"checkpoint {cp_id} ({cp.partner}, size {cp.tree_size}) is signed by key {cp.key_id}, "
                    f"which {cp.partner}'s authority retired at record {found.retired[cp.key_id]}",
                )
            )
    signers = Counter(v.member for v in book.votes(conn))
    signers.update(p.proposer for p in book.proposals(conn))
    for m in book.members(conn, sorted(signers)):
        if m.id not in found.members:
            failures.append(
                Finding(
                    NAME,
                    m.seq,
                    f"member {m.id} ({m.name}) of {m.partner} signed {signers[m.id]} "
                    f"proposal(s) or vote(s) with key {m.key_id}, which traces to no statement of "
                    f"{m.partner}'s authority key",
                )
            )
    return NAME, found.checked, failures
