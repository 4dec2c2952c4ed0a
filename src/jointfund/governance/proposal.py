"""Proposals: drafting and submitting one, withdrawing, expiring, and where each stands.

A proposal's deciding body and rule are those of the terms in force on the day it is
made; they are part of what the proposer and every voter sign, so a later amendment
of the terms cannot change the rule of a vote already under way.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund import bounds
from jointfund.errors import InputError, IntegrityError, NotFound, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import amendment, book, canonical, counting, effects
from jointfund.governance.member import find
from jointfund.governance.model import (
    APPROVED,
    EXECUTED,
    EXPIRED,
    MAX_REF_CHARS,
    MAX_TITLE_CHARS,
    OPEN,
    REJECTED,
    WITHDRAW,
    WITHDRAWN,
    Closing,
    Member,
    Proposal,
    Supporting,
    Vote,
)
from jointfund.governance.rule import Seat, Verdict, attainable, requirements
from jointfund.ledger import document
from jointfund.money import check_amount, format_amount, to_minor
from jointfund.store import tables as t

PROPOSAL_REF = "proposal:"
MAX_DOCUMENTS = 20  # supporting documents of one proposal: a memo, a term sheet, minutes; not an archive
# The largest supporting document, and all of one proposal's together (they travel in one request: a server
# whose request limit, JOINTFUND_MAX_UPLOAD_BYTES, is lower holds them to that; see api.proposal_documents).
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class Standing(NamedTuple):
    """Where a proposal stands on a day.

    Attributes:
      proposal: the proposal.
      state: open, approved, rejected, expired, withdrawn or executed.
      reason: why, in words ("6 of 6 board seats approved", "waiting for UA seat 2 and US seat 3").
      seats: the deciding body's ballot now (each seat, its holder and last vote).
      closings: the recorded state changes, in log order.
      recommendation: the approved proposal that recommends it, when one is needed and exists.
      recorded: False when the state follows from the day but is not recorded yet (an expiry).
    """

    proposal: Proposal
    state: str
    reason: str
    seats: list[Seat]
    closings: list[Closing]
    recommendation: Proposal | None
    recorded: bool = True

    @property
    def words(self) -> str:
        return f"{self.state}: {self.reason}"


def get(conn: Connection, proposal_id: int) -> Proposal:
    found = book.proposals(conn, [proposal_id])
    if not found:
        raise NotFound(f"no proposal {proposal_id}; see: jointfund proposals list")
    return found[0]


def signed_content(fund: FundInfo, p: Proposal) -> str:
    """The hash votes sign: recomputed from the stored content, which must still be what the proposer
    signed."""
    digest = canonical.proposal_sha256(fund.id, p)
    if digest != p.content_sha256:
        raise IntegrityError(
            f"proposal {p.id} was edited after it was signed (its content hash is {digest[:16]}…, "
            f"the signed one {p.content_sha256[:16]}…); no vote can count on it: run jointfund verify"
        )
    return digest


def draft(
    conn: Connection,
    fund: FundInfo,
    kind: str,
    title: str,
    proposer: str,
    on: dt.date,
    amount: Decimal | None = None,
    currency: str | None = None,
    about: str | None = None,
    deadline: dt.date | None = None,
    change: amendment.Change | None = None,
    documents: Sequence[Supporting] = (),
    document_max_bytes: int = DOCUMENT_MAX_BYTES,
) -> Proposal:
    """The proposal as it will be signed, numbered and with the terms' body and rule; nothing is written.

    An amendment proposal needs its `change` (amendment.parse), and is about the change's hash. Its
    supporting `documents` (name, hash and size of each) are signed with it; their bytes come with the
    submission (submit's `files`).
    """
    terms = fund.terms(on)
    problems: list[Problem] = document_problems(documents, document_max_bytes)
    kinds = [d.kind for d in terms.governance.decisions]
    if kind not in kinds:
        raise InputError(
            [
                Problem.of(
                    "kind", f"not a kind of decision in the terms; expected one of {', '.join(kinds)}", kind
                )
            ]
        )
    decision = terms.decision(kind)
    if not title.strip() or len(title) > MAX_TITLE_CHARS:
        problems.append(Problem.of("title", f"a title of 1 to {MAX_TITLE_CHARS} characters is needed", title))
    value: Decimal | None = None
    if (amount is None) != (currency is None):
        problems.append(
            Problem.of("amount" if amount is None else "currency", "an amount and its currency go together")
        )
    elif amount is not None and currency is not None:
        if currency not in terms.fund.currencies:
            problems.append(
                Problem.of(
                    "currency",
                    f"not a currency of the fund; expected one of {', '.join(terms.fund.currencies)}",
                    currency,
                )
            )
        else:
            value, problem = check_amount(amount, currency, "amount")
            if problem:
                problems.append(problem)
            elif value is not None and value <= 0:
                problems.append(Problem.of("amount", "must be more than zero", str(amount)))
    if kind == amendment.KIND and change is None:
        problems.append(Problem.of("amendment", "an amendment proposal needs its amendment file"))
    elif kind != amendment.KIND and change is not None:
        problems.append(
            Problem.of("amendment", f"only an amendment proposal carries one, not a {kind} proposal")
        )
    elif change is not None and about is not None:
        problems.append(
            Problem.of(
                "about", "an amendment proposal is about its amendment's hash; give no other reference", about
            )
        )
    elif change is not None:
        about = change.about
    if about is not None and (not about.strip() or len(about) > MAX_REF_CHARS):
        problems.append(
            Problem.of("about", f"a reference of 1 to {MAX_REF_CHARS} characters is needed", about)
        )
    elif about is not None and about.startswith(PROPOSAL_REF):
        target = bounds.id_in(about[len(PROPOSAL_REF) :])
        if target is None or not book.proposals(conn, [target]):
            problems.append(Problem.of("about", "names no existing proposal", about))
    if deadline is not None and deadline < on:
        problems.append(Problem.of("deadline", f"is before the proposal is made ({on})", str(deadline)))
    if on < fund.start_date:
        problems.append(Problem("date", f"before the fund exists (it starts {fund.start_date})", str(on)))
    if problems:
        raise InputError(problems, "proposal not made")
    why_not = effects.refusal_to_open(fund, kind, on)
    if why_not:
        raise Refused(f"a {kind} proposal cannot be opened on {on}: {why_not}")
    body = terms.body(decision.body)
    never = attainable(decision.rule, body.seats)
    if never:
        raise Refused(f"a {kind} proposal can never be decided under these terms: {never}")
    member = find(conn, proposer, decision.body)
    may_propose = {b for b in (decision.body, decision.requires_recommendation) if b is not None}
    if member.body not in may_propose:
        raise Refused(
            f"member {member.id} ({member.name}) sits on {member.body}; a {kind} proposal is made by a "
            f"member of {' or '.join(sorted(may_propose))}"
        )
    return Proposal(
        book.next_id(conn, t.proposal.c.id),
        kind,
        title.strip(),
        decision.body,
        decision.rule,
        decision.requires_recommendation,
        value,
        currency,
        about,
        deadline,
        member.id,
        on,
        documents=tuple(Supporting(d.name.strip(), d.sha256, d.size_bytes) for d in documents),
    )


def document_problems(documents: Sequence[Supporting], max_bytes: int) -> list[Problem]:
    """What is wrong with a proposal's list of supporting documents (checked with `if`s: they are user
    input, and `python -O` removes asserts)."""
    problems: list[Problem] = []
    if len(documents) > MAX_DOCUMENTS:
        problems.append(
            Problem("documents", f"at most {MAX_DOCUMENTS} documents per proposal", len(documents))
        )
    seen: set[str] = set()
    for d in documents:
        name = d.name.strip()
        where = f"documents: {name[:60] or d.sha256[:16]}"
        if not name or len(name) > document.MAX_NAME_CHARS or any(ord(c) < 32 for c in name):
            problems.append(
                Problem(
                    where, f"a file name of 1 to {document.MAX_NAME_CHARS} printable characters is needed"
                )
            )
        if not SHA256_HEX.fullmatch(d.sha256):
            problems.append(
                Problem(where, "the hash is not 64 lowercase hexadecimal digits (SHA-256)", d.sha256)
            )
        elif d.sha256 in seen:
            problems.append(Problem(where, "the same file is listed twice", d.sha256))
        seen.add(d.sha256)
        if not 1 <= d.size_bytes <= max_bytes:
            problems.append(
                Problem(where, f"a document of 1 to {max_bytes:,} bytes is needed", f"{d.size_bytes:,} bytes")
            )
    total = sum(d.size_bytes for d in documents)
    if len(documents) > 1 and total > max_bytes:
        problems.append(
            Problem(
                "documents", f"the documents together may be at most {max_bytes:,} bytes", f"{total:,} bytes"
            )
        )
    return problems


def store_documents(
    conn: Connection, actor: str, p: Proposal, files: Mapping[str, bytes], max_bytes: int
) -> None:
    """Keep the bytes of each document `p` lists (by its SHA-256), or find them kept already; refuse (nothing
    written, the caller's transaction rolls back) a file that is not the one signed, missing or not listed."""
    problems: list[Problem] = []
    listed = {d.sha256 for d in p.documents}
    for sha in files:
        if sha not in listed:
            problems.append(
                Problem("documents", "a file was sent that the signed proposal does not list", sha)
            )
    for d in p.documents:
        where = f"documents: {d.name[:60]}"
        content = files.get(d.sha256)
        if content is None:
            kept = document.get(conn, d.sha256)
            if kept is None or kept.size_bytes != d.size_bytes:
                problems.append(
                    Problem(where, "its bytes were not sent, and no stored document has its hash")
                )
        elif document.digest(content) != d.sha256 or len(content) != d.size_bytes:
            problems.append(
                Problem(where, "the file sent is not the one signed (its SHA-256 or size differs)")
            )
    if problems:
        raise InputError(problems, "proposal not made")
    for d in p.documents:
        if d.sha256 in files:
            document.store(conn, actor, d.name, files[d.sha256], max_bytes, where=f"documents: {d.name[:60]}")


def submit(
    conn: Connection,
    fund: FundInfo,
    actor: str,
    p: Proposal,
    signature_hex: str,
    change: amendment.Change | None = None,
    files: Mapping[str, bytes] | None = None,
    document_max_bytes: int = DOCUMENT_MAX_BYTES,
) -> Proposal:
    """Record a drafted proposal once its proposer's signature checks out (with its amendment's content, if
    any)."""
    assert (change is None) == (p.kind != amendment.KIND) and (change is None or change.about == p.about), (
        "an amendment proposal is submitted with the change it was drafted with"
    )
    proposer = book.members(conn, [p.proposer])[0]
    message = canonical.proposal_bytes(fund.id, p)
    check_signature(proposer, signature_hex, message, f"proposal {p.id}")
    store_documents(conn, actor, p, files or {}, document_max_bytes)
    digest = canonical.proposal_sha256(fund.id, p)
    data = {**content(p), "signature": signature_hex, "content_sha256": digest, "before": None, "after": OPEN}
    row = {
        "id": p.id,
        "kind": p.kind,
        "title": p.title,
        "body": p.body,
        "rule": p.rule,
        "requires_recommendation": p.requires_recommendation,
        "amount_minor": None if p.amount is None else to_minor(p.amount, p.currency or ""),
        "currency": p.currency,
        "about": p.about,
        "deadline": p.deadline,
        "proposer": p.proposer,
        "created_on": p.created_on,
        "signature": signature_hex,
        "content_sha256": digest,
        "documents": json.dumps([d.signed() for d in p.documents]),
    }
    seq = book.record(conn, actor, "proposal.new", f"proposal:{p.id}", data, t.proposal, row)
    if change is not None:
        amendment.record(conn, actor, change)
    return p._replace(signature_hex=signature_hex, content_sha256=digest, seq=seq)


def content(p: Proposal) -> dict:
    """A proposal's content as its log event records it (and verify compares the stored row with)."""
    return {
        "id": p.id,
        "kind": p.kind,
        "title": p.title,
        "body": p.body,
        "rule": p.rule,
        "proposer": p.proposer,
        "requires_recommendation": p.requires_recommendation,
        "about": p.about,
        "currency": p.currency,
        "amount": None if p.amount is None else format_amount(p.amount, p.currency or ""),
        "deadline": None if p.deadline is None else p.deadline.isoformat(),
        "created_on": p.created_on.isoformat(),
    } | ({"documents": [d.signed() for d in p.documents]} if p.documents else {})


def check_signature(member: Member, signature_hex: str, message: bytes, what: str) -> None:
    if not canonical.signature_valid(member.public_pem, signature_hex, message):
        raise Refused(
            f"signature refused: {what} does not verify with the key {member.key_id} of member {member.id} "
            f"({member.name}); it must be signed with that member's own key, over exactly these bytes"
        )


def close(
    conn: Connection,
    actor: str,
    p: Proposal,
    status: str,
    on: dt.date,
    reason: str,
    member: int | None = None,
    signature_hex: str = "",
) -> Closing:
    """Record the closing (or, with EXECUTED, the execution) of `p`; the database allows each once."""
    before = APPROVED if status == EXECUTED else OPEN
    data = {
        "proposal": p.id,
        "status": status,
        "effective": on.isoformat(),
        "reason": reason,
        "member": member,
        "signature": signature_hex,
        "before": before,
        "after": status,
    }
    step = "execute" if status == EXECUTED else "close"
    seq = book.record(
        conn,
        actor,
        f"proposal.{status}",
        f"proposal:{p.id}",
        data,
        t.proposal_status,
        {
            "proposal_id": p.id,
            "status": status,
            "step": step,
            "effective": on,
            "reason": reason,
            "member_id": member,
            "signature": signature_hex,
        },
    )
    return Closing(p.id, status, on, reason, member, signature_hex, seq)


def recommendation(conn: Connection, p: Proposal) -> Proposal | None:
    """The approved proposal of the recommending body about `p`, if `p` needs one and it exists."""
    return recommendations(conn, [p]).get(p.id)


def recommendations(conn: Connection, ps: list[Proposal]) -> dict[int, Proposal]:
    """Each of `ps` that needs a recommendation -> the earliest approved proposal of its recommending body
    about it.

    Two queries for the whole list: the proposals about any of them, then those proposals' closings (listing n
    proposals used to read all n, and their closings, for each: quadratic).
    """
    wanted = {f"{PROPOSAL_REF}{p.id}": p for p in ps if p.requires_recommendation is not None}
    if not wanted:
        return {}
    about = book.proposals_about(conn, wanted)
    approved = {c.proposal for c in book.closings(conn, [q.id for q in about]) if c.status == APPROVED}
    out: dict[int, Proposal] = {}
    for q in about:
        p = wanted[q.about or ""]
        if q.body == p.requires_recommendation and q.id in approved and p.id not in out:
            out[p.id] = q
    return out


def seats_now(conn: Connection, fund: FundInfo, p: Proposal) -> list[Seat]:
    """The deciding body's seats as they stand, with each holder's last vote on `p` (counting.seats)."""
    recused = {m for (_, m) in book.recused(conn, p.id)}
    return counting.seats(fund.terms(p.created_on), p, book.members(conn), book.votes(conn, p.id), recused)


def verdict(fund: FundInfo, p: Proposal, seats: list[Seat]) -> Verdict:
    return counting.verdict(fund.terms(p.created_on), p, seats)


def standing(conn: Connection, fund: FundInfo, proposal_id: int, on: dt.date) -> Standing:
    return standings(conn, fund, [get(conn, proposal_id)], on)[0]


def standings(conn: Connection, fund: FundInfo, ps: list[Proposal], on: dt.date) -> list[Standing]:
    """Where each of `ps` stands on `on`, read in a fixed number of queries whatever the number of proposals
    (members once; votes, recusals, closings and recommendations of all of `ps` at once)."""
    ids = [p.id for p in ps]
    members = book.members(conn)
    votes: dict[int, list[Vote]] = {i: [] for i in ids}
    for v in book.votes(conn, ids):
        votes[v.proposal].append(v)
    done: dict[int, list[Closing]] = {i: [] for i in ids}
    for c in book.closings(conn, ids):
        done[c.proposal].append(c)
    recused: dict[int, set[int]] = {i: set() for i in ids}
    for pid, m in book.recused(conn, ids):
        recused[pid].add(m)
    recs = recommendations(conn, ps)
    return [
        stand(
            fund,
            p,
            counting.seats(fund.terms(p.created_on), p, members, votes[p.id], recused[p.id]),
            done[p.id],
            recs.get(p.id),
            on,
        )
        for p in ps
    ]


def stand(
    fund: FundInfo, p: Proposal, seats: list[Seat], done: list[Closing], rec: Proposal | None, on: dt.date
) -> Standing:
    """Where `p` stands on `on`, from what was read of it (pure)."""
    if done:
        last = done[-1]
        reason = last.reason
        if last.status == EXECUTED:
            reason = f"on {last.effective}; {done[0].status}: {done[0].reason}"
        return Standing(p, last.status, reason, seats, done, rec)
    now = verdict(fund, p, seats)
    if p.deadline is not None and on > p.deadline:
        return Standing(
            p,
            EXPIRED,
            f"{expiry_reason(p, now.reason)}; not recorded yet: jointfund proposals expire",
            seats,
            done,
            rec,
            recorded=False,
        )
    if p.requires_recommendation and rec is None:
        committee = fund.terms(p.created_on).body(p.requires_recommendation).name
        return Standing(
            p,
            OPEN,
            f"waiting for a recommendation of the {committee}: an approved proposal of it "
            f"about {PROPOSAL_REF}{p.id}",
            seats,
            done,
            rec,
        )
    return Standing(p, now.outcome, now.reason, seats, done, rec)


def settle(conn: Connection, fund: FundInfo, actor: str, proposal_id: int, on: dt.date) -> Standing:
    """After a vote or a recusal: record the approval or rejection if the rule now decides the proposal."""
    after = standing(conn, fund, proposal_id, on)
    if after.closings:
        return after
    now = verdict(fund, after.proposal, after.seats)
    if now.outcome == OPEN:
        return after
    close(conn, actor, after.proposal, now.outcome, on, now.reason)
    return standing(conn, fund, proposal_id, on)


def settle_body(conn: Connection, fund: FundInfo, actor: str, body: str, on: dt.date) -> list[Closing]:
    """After a seat of `body` falls vacant: record each of its unclosed proposals that the seats now decide.

    A removal can leave a reject standing with every held seat voted (no one is left to persuade: rejected),
    or, where the terms leave vacant seats out, every seat left approving. The decision is recorded then, as
    after a vote, so that a proposal which says it is rejected is closed, and a later appointment does not
    reopen it. A proposal past its deadline is left to expire."""
    closed = {c.proposal for c in book.closings(conn)}
    unclosed = [p for p in book.proposals(conn) if p.body == body and p.id not in closed]
    return [
        close(conn, actor, s.proposal, s.state, on, s.reason)
        for s in standings(conn, fund, unclosed, on)
        if s.state in (APPROVED, REJECTED) and not s.closings
    ]


def refuse_unless_open(s: Standing, doing: str) -> None:
    if s.state == EXPIRED and not s.recorded:
        raise Refused(
            f"proposal {s.proposal.id} is closed: its deadline {s.proposal.deadline} passed; "
            f"no one can {doing} it"
        )
    if s.closings:
        raise Refused(f"proposal {s.proposal.id} is closed ({s.words}); no one can {doing} it")


def withdrawal_message(fund: FundInfo, p: Proposal) -> bytes:
    return canonical.vote_bytes(fund.id, p.id, signed_content(fund, p), p.proposer, WITHDRAW, 1)


def withdraw(
    conn: Connection,
    fund: FundInfo,
    actor: str,
    proposal_id: int,
    member_id: int,
    signature_hex: str,
    on: dt.date,
) -> Closing:
    """Withdraw an open proposal: only its proposer can, by signing the withdrawal."""
    s = standing(conn, fund, proposal_id, on)
    refuse_unless_open(s, "withdraw")
    p = s.proposal
    if member_id != p.proposer:
        raise Refused(f"only the proposer (member {p.proposer}) can withdraw proposal {p.id}")
    proposer = book.members(conn, [p.proposer])[0]
    check_signature(
        proposer, signature_hex, withdrawal_message(fund, p), f"the withdrawal of proposal {p.id}"
    )
    return close(
        conn,
        actor,
        p,
        WITHDRAWN,
        on,
        f"withdrawn by its proposer, member {p.proposer} ({proposer.name})",
        p.proposer,
        signature_hex,
    )


def expire_due(conn: Connection, fund: FundInfo, actor: str, on: dt.date) -> list[Closing]:
    """Record the expiry of every open proposal whose deadline is before `on`."""
    closed = {c.proposal for c in book.closings(conn)}
    out = []
    for p in book.proposals(conn):
        if p.id in closed or p.deadline is None or on <= p.deadline:
            continue
        seats = seats_now(conn, fund, p)
        out.append(close(conn, actor, p, EXPIRED, on, expiry_reason(p, verdict(fund, p, seats).reason)))
    return out


def expiry_reason(p: Proposal, verdict_reason: str) -> str:
    return f"its deadline {p.deadline} passed before the rule was met: {verdict_reason}"


# -- what every surface shows of a proposal (the API's JSON and the web pages alike) --


def shown(s: Standing) -> dict:
    """A proposal as it stands, in the fields every list of proposals shows."""
    p = s.proposal
    return {
        "id": p.id,
        "kind": p.kind,
        "title": p.title,
        "body": p.body,
        "rule": p.rule,
        "amount": None if p.amount is None else format_amount(p.amount, p.currency or ""),
        "currency": p.currency,
        "about": p.about,
        "deadline": p.deadline,
        "proposer": p.proposer,
        "created_on": p.created_on,
        "state": s.state,
        "reason": s.reason,
    }


def rule_words(fund: FundInfo, s: Standing) -> str:
    """The proposal's rule, said in words from the terms in force when it was made."""
    p = s.proposal
    body = fund.terms(p.created_on).body(p.body)
    needs = "; ".join(r.words for r in requirements(p.rule, body.seats))
    return f"{p.rule}: {needs} of the {body.name} must approve"


def detail(conn: Connection, fund: FundInfo, proposal_id: int, on: dt.date) -> dict:
    """Proposal `proposal_id` as it stands on `on`: its fields, its rule in words, documents, seats, votes and
    closings."""
    s = standing(conn, fund, proposal_id, on)
    votes = book.votes(conn, proposal_id)
    # Members by name, as the seats show them (a member since removed is still named on their vote).
    names = {m.id: m.name for m in book.members(conn, sorted({v.member for v in votes}))}
    return {
        **shown(s),
        "rule_words": rule_words(fund, s),
        "content_sha256": s.proposal.content_sha256,
        "documents": [d._asdict() for d in s.proposal.documents],
        "seats": [seat._asdict() for seat in s.seats],
        "votes": [
            {
                "member": v.member,
                "name": names.get(v.member),
                "choice": v.choice,
                "round": v.round,
                "cast_on": v.cast_on,
                "signature": v.signature_hex,
                "seq": v.seq,
            }
            for v in votes
        ],
        "closings": [
            {"status": c.status, "effective": c.effective, "reason": c.reason, "seq": c.seq}
            for c in s.closings
        ],
    }


def document_of(conn: Connection, proposal_id: int, sha256: str) -> tuple[Supporting, bytes]:
    """A supporting document of a proposal and its bytes; only a document the proposal lists is served."""
    p = get(conn, proposal_id)
    listed = next((d for d in p.documents if d.sha256 == sha256), None)
    content = None if listed is None else document.content(conn, sha256)
    if listed is None or content is None:
        raise NotFound(f"proposal {proposal_id} has no document {sha256[:16]}")
    return listed, bytes(content)
