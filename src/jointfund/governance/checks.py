"""What `jointfund verify` checks of joint management, from the stored rows alone.

  governance records  every governance row has its event in the signed log, saying the same, and back
  seats               no partner ever held more seats than the terms gave it, nor two members one seat
  proposals           each proposal's hash, its proposer's signature, and the body and rule of its terms;
                      each supporting document it signed resolves to stored bytes with that hash and size
  vote signatures     every vote verifies with its member's key, over the proposal as stored, in round order,
                      by a member seated on the deciding body, while the proposal was open
  amendments          each amendment proposal logged the content its hash names, and each adopted amendment
                      is that content, adopted once by the execution of its approved proposal
  decisions           every closing is replayed: an approval had its rule met by the votes before it, a
                      rejection could no longer meet it, an expiry came after the deadline, a withdrawal
                      was signed by the proposer, and an execution followed an approval, once
  countersignature rules  from where each kind needs a countersignature: the rows the triggers read say
                      what the log says, and no rule starts after a countersigned change of its kind

An approval inserted by editing the database fails `decisions` (its votes do not meet the
rule) and `governance records` (the signed log never recorded it).
"""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import Connection, select

from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.governance import amendment, book, canonical, countersign, counting
from jointfund.governance.model import (
    APPROVED,
    EXECUTED,
    EXPIRED,
    REJECTED,
    WITHDRAW,
    WITHDRAWN,
    Closing,
    Member,
    Proposal,
    Vote,
)
from jointfund.governance.proposal import PROPOSAL_REF, content
from jointfund.ledger import document, logged_rows
from jointfund.ledger.logged_rows import LoggedRow
from jointfund.store import tables as t

ACTIONS = ("member.", "proposal.", "user.")


class _Book:
    """Everything the checks read, once."""

    def __init__(self, conn: Connection, fund: FundInfo) -> None:
        self.fund = fund
        self.members = {m.id: m for m in book.members(conn)}
        self.proposals = {p.id: p for p in book.proposals(conn)}
        self.votes: dict[int, list[Vote]] = defaultdict(list)
        for v in book.votes(conn):
            self.votes[v.proposal].append(v)
        self.recused = book.recused(conn)
        self.closings: dict[int, list[Closing]] = defaultdict(list)
        for c in book.closings(conn):
            self.closings[c.proposal].append(c)

    def approval(self, proposal_id: int) -> Closing | None:
        return next((c for c in self.closings[proposal_id] if c.status == APPROVED), None)

    def recommendation_seq(self, p: Proposal) -> int | None:
        """Log position of the approval that recommends `p`, the earliest if several."""
        seqs = [
            c.seq
            for q in self.proposals.values()
            if q.about == f"{PROPOSAL_REF}{p.id}" and q.body == p.requires_recommendation
            for c in [self.approval(q.id)]
            if c is not None
        ]
        return min(seqs) if seqs else None


def check_records(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    name = "governance records"
    events = {
        r.seq: r
        for r in conn.execute(
            select(t.event).where(
                t.event.c.action.like("member.%")
                | t.event.c.action.like("proposal.%")
                | t.event.c.action.like("user.%")
            )
        )
    }
    expected: dict[int, LoggedRow] = {}
    for r in conn.execute(select(t.member)):
        expected[r.seq] = _row(
            "member.appoint",
            f"member:{r.id}",
            {
                "member": r.id,
                "body": r.body,
                "partner": r.partner,
                "seat": r.seat,
                "name": r.name,
                "key_id": r.key_id,
                "public_pem": r.public_pem,
                "appointed_on": r.appointed_on.isoformat(),
            },
        )
    for r in conn.execute(select(t.member_removal)):
        expected[r.seq] = _row(
            "member.remove",
            f"member:{r.member_id}",
            {"member": r.member_id, "removed_on": r.removed_on.isoformat(), "reason": r.reason},
        )
    for r in conn.execute(select(t.proposal)):
        p = book.proposal_of(r)
        expected[r.seq] = _row(
            "proposal.new",
            f"proposal:{r.id}",
            {**content(p), "signature": r.signature, "content_sha256": r.content_sha256},
        )
    for r in conn.execute(select(t.vote)):
        expected[r.seq] = _row(
            "proposal.vote",
            f"proposal:{r.proposal_id}",
            {
                "proposal": r.proposal_id,
                "member": r.member_id,
                "choice": r.choice,
                "round": r.round,
                "cast_on": r.cast_on.isoformat(),
                "signature": r.signature,
            },
        )
    for r in conn.execute(select(t.proposal_status)):
        expected[r.seq] = _row(
            f"proposal.{r.status}",
            f"proposal:{r.proposal_id}",
            {
                "proposal": r.proposal_id,
                "status": r.status,
                "effective": r.effective.isoformat(),
                "reason": r.reason,
                "member": r.member_id,
                "signature": r.signature,
            },
        )
    for r in conn.execute(select(t.interest)):
        expected[r.seq] = _row(
            "member.interest",
            f"member:{r.member_id}",
            {
                "interest": r.id,
                "member": r.member_id,
                "party": r.party,
                "nature": r.nature,
                "declared_on": r.declared_on.isoformat(),
                "signature": r.signature,
            },
        )
    for r in conn.execute(select(t.recusal)):
        expected[r.seq] = _row(
            "proposal.recuse",
            f"proposal:{r.proposal_id}",
            {
                "proposal": r.proposal_id,
                "member": r.member_id,
                "recused_on": r.recused_on.isoformat(),
                "signature": r.signature,
            },
        )
    for r in conn.execute(select(t.app_user)):
        expected[r.seq] = _row("user.add", f"user:{r.name}", {"name": r.name, "role": r.role})
    for r in conn.execute(select(t.user_status)):
        expected[r.seq] = _row(
            "user.enable" if r.enabled else "user.disable",
            f"user:{r.user_name}",
            {"name": r.user_name},
        )
    failures = logged_rows.differences(name, expected, events)
    # The other way round: a logged governance event whose row was deleted.
    failures += logged_rows.missing_rows(name, expected, events, _ROW_ACTIONS)
    return name, len(expected), failures


def _row(action: str, subject: str, data: dict) -> LoggedRow:
    """A governance row's event, the row named by its subject."""
    return LoggedRow(subject, action, subject, data)


_ROW_ACTIONS = {
    "member.appoint",
    "member.remove",
    "member.interest",
    "proposal.new",
    "proposal.vote",
    "proposal.recuse",
    "user.add",
    "user.enable",
    "user.disable",
} | {f"proposal.{s}" for s in (APPROVED, REJECTED, EXPIRED, WITHDRAWN, EXECUTED)}


def check_seats(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    name = "seats"
    b = _Book(conn, fund)
    failures = []
    for m in b.members.values():
        terms = fund.terms(m.appointed_on)
        bodies = {x.code: x for x in terms.governance.bodies}
        body = bodies.get(m.body)
        if body is None or m.partner not in body.seats:
            failures.append(
                Finding(name, m.seq, f"member {m.id}: no {m.partner} seats on {m.body!r} in the terms")
            )
            continue
        holders = [
            x
            for x in b.members.values()
            if x.body == m.body and x.partner == m.partner and x.seated_at(m.seq + 1)
        ]
        if m.seat > body.seats[m.partner] or len(holders) > body.seats[m.partner]:
            failures.append(
                Finding(
                    name,
                    m.seq,
                    f"member {m.id}: {m.partner} holds {len(holders)} seat(s) on {m.body}, "
                    f"the terms give it {body.seats[m.partner]}",
                )
            )
        if sum(1 for x in holders if x.seat == m.seat) > 1:
            failures.append(
                Finding(name, m.seq, f"member {m.id}: {m.partner} seat {m.seat} on {m.body} has two holders")
            )
    return name, len(b.members), failures


def check_proposals(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    name = "proposals"
    b = _Book(conn, fund)
    failures = []
    for p in b.proposals.values():
        at = f"proposal {p.id}"
        if canonical.proposal_sha256(fund.id, p) != p.content_sha256:
            failures.append(
                Finding(name, p.seq, f"{at}: its content differs from what was signed (hash mismatch)")
            )
        for d in p.documents:  # each signed document still resolves to bytes with its hash and size
            content = document.content(conn, d.sha256)
            if content is None or document.digest(bytes(content)) != d.sha256 or len(content) != d.size_bytes:
                failures.append(
                    Finding(
                        name,
                        p.seq,
                        f"{at}: its document {d.name!r} ({d.sha256[:16]}…) is missing from the document "
                        "store or its stored bytes no longer have that hash",
                    )
                )
        proposer = b.members.get(p.proposer)
        if proposer is None or not canonical.signature_valid(
            proposer.pem_at(p.seq), p.signature_hex, canonical.proposal_bytes(fund.id, p)
        ):
            failures.append(Finding(name, p.seq, f"{at}: the proposer's signature does not verify"))
        elif not proposer.seated_at(p.seq) or proposer.body not in (p.body, p.requires_recommendation):
            failures.append(
                Finding(
                    name, p.seq, f"{at}: member {p.proposer} was not seated on a body that may propose it"
                )
            )
        try:
            decision = fund.terms(p.created_on).decision(p.kind)
        except KeyError:
            failures.append(
                Finding(name, p.seq, f"{at}: kind {p.kind!r} is not in the terms of {p.created_on}")
            )
            continue
        if (decision.body, decision.rule, decision.requires_recommendation) != (
            p.body,
            p.rule,
            p.requires_recommendation,
        ):
            failures.append(
                Finding(
                    name,
                    p.seq,
                    f"{at}: body {p.body}, rule {p.rule} differ from the terms of "
                    f"{p.created_on} ({decision.body}, {decision.rule})",
                )
            )
    return name, len(b.proposals), failures


def check_votes(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    name = "vote signatures"
    b = _Book(conn, fund)
    failures = []
    count = 0
    for pid, vs in b.votes.items():
        p = b.proposals[pid]
        closed = next((c.seq for c in b.closings[pid] if c.status != EXECUTED), None)
        rec = b.recommendation_seq(p) if p.requires_recommendation else None
        rounds: dict[int, int] = defaultdict(int)
        for v in vs:
            count += 1
            at = f"proposal {pid}, member {v.member}, round {v.round}"
            m = b.members.get(v.member)
            message = canonical.vote_bytes(
                fund.id, p.id, canonical.proposal_sha256(fund.id, p), v.member, v.choice, v.round
            )
            if m is None or not canonical.signature_valid(m.pem_at(v.seq), v.signature_hex, message):
                failures.append(
                    Finding(
                        name,
                        v.seq,
                        f"{at}: the signature does not verify with the member's key "
                        f"over the proposal as stored",
                    )
                )
                continue
            rounds[v.member] += 1
            problems = []
            if v.round != rounds[v.member]:
                problems.append(
                    f"signed as round {v.round}, but it is the member's vote number {rounds[v.member]}"
                )
            if m.body != p.body or not m.seated_at(v.seq):
                problems.append(f"member {m.id} was not seated on {p.body}")
            if closed is not None and v.seq > closed:
                problems.append("cast after the proposal closed")
            if p.deadline is not None and v.cast_on > p.deadline:
                problems.append(f"cast on {v.cast_on}, after the deadline {p.deadline}")
            if p.requires_recommendation and (rec is None or v.seq < rec):
                problems.append(f"cast before the {p.requires_recommendation} recommendation")
            failures.extend(Finding(name, v.seq, f"{at}: {x}") for x in problems)
    return name, count, failures


def check_decisions(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    name = "decisions"
    b = _Book(conn, fund)
    failures = []
    count = 0
    members = list(b.members.values())
    for pid, cs in b.closings.items():
        p = b.proposals[pid]
        closes = [c for c in cs if c.status != EXECUTED]
        runs = [c for c in cs if c.status == EXECUTED]
        if len(closes) > 1 or len(runs) > 1:
            failures.append(
                Finding(
                    name,
                    cs[-1].seq,
                    f"proposal {pid}: closed {len(closes)} times, executed {len(runs)} times",
                )
            )
        for c in cs:
            count += 1
            at = f"proposal {pid} {c.status}"
            terms = fund.terms(p.created_on)
            recused = {m for (q, m), seq in b.recused.items() if q == pid and seq < c.seq}
            verdict = counting.verdict(
                terms, p, counting.seats(terms, p, members, b.votes[pid], recused, c.seq)
            )
            problem = None
            if c.status in (APPROVED, REJECTED):
                if verdict.outcome != c.status:
                    problem = (
                        f"the votes before it do not make it {c.status} under {p.rule}: "
                        f"{verdict.outcome}, {verdict.reason}"
                    )
                elif c.status == APPROVED and p.requires_recommendation:
                    rec = b.recommendation_seq(p)
                    if rec is None or rec > c.seq:
                        problem = f"approved without an earlier {p.requires_recommendation} recommendation"
            elif c.status == EXPIRED:
                if p.deadline is None or c.effective <= p.deadline:
                    problem = f"expired on {c.effective}, but its deadline is {p.deadline}"
                elif verdict.outcome == APPROVED:
                    problem = "expired although its rule was met"
            elif c.status == WITHDRAWN:
                proposer = b.members.get(p.proposer)
                message = canonical.vote_bytes(
                    fund.id, p.id, canonical.proposal_sha256(fund.id, p), p.proposer, WITHDRAW, 1
                )
                if (
                    c.member != p.proposer
                    or proposer is None
                    or not canonical.signature_valid(proposer.pem_at(c.seq), c.signature_hex, message)
                ):
                    problem = "the withdrawal is not signed by the proposer"
            elif c.status == EXECUTED:
                approval = b.approval(pid)
                if approval is None or approval.seq > c.seq:
                    problem = "executed without an earlier approval"
            if problem:
                failures.append(Finding(name, c.seq, f"{at}: {problem}"))
    return name, count, failures


def check_amendments(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Every amendment proposal logged the content its hash names; every adopted amendment is that content,
    adopted by the execution of its approved proposal, once, as the log's terms.amend event says."""
    name = "amendments"
    b = _Book(conn, fund)
    failures = []
    adopted = {a.proposal: a for a in amendment.adoptions(conn)}
    events = {r.seq: r for r in conn.execute(select(t.event).where(t.event.c.action == amendment.ADOPT))}
    for p in b.proposals.values():
        if p.kind != amendment.KIND:
            continue
        logged = amendment.recorded(conn, p.about or "")
        if logged is None or logged.about != p.about:
            failures.append(
                Finding(
                    name, p.seq, f"proposal {p.id}: no amendment content with its hash ({p.about}) was logged"
                )
            )
        executed = next((c for c in b.closings[p.id] if c.status == EXECUTED), None)
        if executed is not None and p.id not in adopted:
            failures.append(
                Finding(
                    name, executed.seq, f"proposal {p.id} was executed, but its amendment was never adopted"
                )
            )
    for a in adopted.values():
        at = f"amendment {a.id} (proposal {a.proposal})"
        decided = b.proposals.get(a.proposal)
        executed = next((c for c in b.closings[a.proposal] if c.status == EXECUTED), None)
        problems = []
        if decided is None or decided.kind != amendment.KIND:
            problems.append("it names no amendment proposal")
        elif executed is None or b.approval(decided.id) is None or executed.seq > a.seq:
            problems.append("its proposal was not approved and executed before it")
        if a.change.sha256 != a.sha256 or decided is None or a.change.about != decided.about:
            problems.append(
                f"its content hashes to {a.change.sha256[:16]}…, not the hash its proposal signed"
            )
        else:
            logged = amendment.recorded(conn, decided.about or "")
            if logged is None or logged.content_json != a.change.content_json:
                problems.append("its content differs from the content logged with the proposal")
        if (a.effective, a.reference) != (a.change.effective, a.change.reference):
            problems.append(f"its effective date {a.effective} or reference differ from its content")
        ev = events.get(a.seq)
        if ev is None or ev.subject != a.change.about or json.loads(ev.data).get("sha256") != a.sha256:
            problems.append(f"record {a.seq} is no {amendment.ADOPT} event of this content")
        failures.extend(Finding(name, a.seq, f"{at}: {x}") for x in problems)
    return name, len(adopted), failures


__all__ = [
    "Member",
    "check_amendments",
    "check_decisions",
    "check_proposals",
    "check_records",
    "check_seats",
    "check_votes",
]

from jointfund.governance import chain as _chain  # noqa: E402,F401 registers the authority chain check
from jointfund.governance import recusal as _recusal  # noqa: E402,F401 registers the recusals check


def check_countersign_rules(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """The start of each kind's countersignature rule (governance.countersign.check_rules)."""
    name = "countersignature rules"
    checked, problems = countersign.check_rules(conn)
    return name, checked, [Finding(name, seq, why) for seq, why in problems]
