"""`jointfund verify`, again for this domain: stage chains, investments, in-kind values and the lock.

Listed in `jointfund.verify.registry`; each reads the stored rows and the journal only.
Importing this module also registers the effects of executed proposals (portfolio.effects).
"""

from __future__ import annotations

import datetime as dt
import json
from itertools import pairwise

from sqlalchemy import Connection, select

from jointfund.capital import in_kind
from jointfund.findings import Finding
from jointfund.fund import FundInfo, screening_gate
from jointfund.governance import book, countersign
from jointfund.governance.model import EXECUTED
from jointfund.ledger import journal, log
from jointfund.portfolio import application as apps
from jointfund.portfolio import clearance, distribution, investment, owner, sanctions, screening
from jointfund.portfolio import pipeline as rules
from jointfund.store import tables as t


def _executed(conn: Connection) -> dict[int, int]:
    """proposal id -> log position of its execution."""
    return {c.proposal: c.seq for c in book.closings(conn) if c.status == EXECUTED}


def check_pipeline(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Every application's moves form one chain from the initial stage, each allowed by the terms,
    and each decision move was made by an executed proposal of the kind the terms name."""
    name, findings = "portfolio.pipeline", []
    terms = fund.base_terms()
    if terms.pipeline is None:
        return name, 0, []
    kinds = {p.id: p.kind for p in book.proposals(conn)}
    executed = _executed(conn)
    by_app: dict[int, list[apps.StageChange]] = {}
    for m in apps.history(conn):
        by_app.setdefault(m.application, []).append(m)
    for a in apps.applications(conn):
        moves = by_app.get(a.id, [])
        if not moves or moves[0].from_stage is not None or moves[0].to_stage != terms.pipeline.initial:
            findings.append(
                Finding(name, a.seq, f"application {a.id} does not start at {terms.pipeline.initial}")
            )
            continue
        for before, m in pairwise(moves):
            decision = kinds.get(m.proposal) if m.proposal is not None else None
            pipeline = fund.terms(m.effective).pipeline
            why = (
                f"leaves {m.from_stage} but was at {before.to_stage}"
                if m.from_stage != before.to_stage
                else f"the terms in force on {m.effective} define no pipeline"
                if pipeline is None
                else rules.refusal(pipeline, m.from_stage, m.to_stage, decision)
            )
            if why is None and m.proposal is not None and executed.get(m.proposal, m.seq + 1) > m.seq:
                why = f"proposal {m.proposal} was not executed before the move"
            if why:
                findings.append(
                    Finding(name, m.seq, f"application {a.id}: {m.from_stage} -> {m.to_stage}: {why}")
                )
    return name, len(by_app), findings


def check_investments(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Each investment comes from an executed investment proposal of its amount and is never disbursed beyond
    it (the commitment itself is memo: no entry); each in-kind credit is its executed proposal's amount and
    moves partners' capital only, never an asset or a liability."""
    name, findings = "portfolio.investments", []
    proposals = {p.id: p for p in book.proposals(conn)}
    executed = _executed(conn)
    invs = investment.investments(conn)
    for inv in invs:
        p = proposals.get(inv.proposal)
        if p is None or inv.proposal not in executed or (p.amount, p.currency) != (inv.amount, inv.currency):
            findings.append(
                Finding(name, inv.seq, f"{inv.label} does not match an executed proposal of its amount")
            )
            continue
        pos = investment.position(conn, fund, inv, dt.date.max)
        if pos.disbursed > inv.amount:
            findings.append(
                Finding(
                    name,
                    inv.seq,
                    f"{inv.label} disbursed {pos.disbursed}, more than its commitment "
                    f"of {inv.amount} {inv.currency}",
                )
            )
    types = dict(conn.execute(select(t.account.c.name, t.account.c.type)).all())
    for item in in_kind.items(conn, fund):
        p = proposals.get(item.proposal)
        if item.approved is not None and (
            p is None or item.proposal not in executed or p.amount != item.approved
        ):
            findings.append(
                Finding(
                    name,
                    None,
                    f"in-kind {item.reference} booked {item.approved}, not its executed proposal's amount",
                )
            )
        counts = in_kind.assessed_kind(fund.terms(item.delivered_on), item.partner)
        if (
            item.approved is not None
            and item.funded_by is not None
            and in_kind.funding_problems(counts, item.funded_by)
        ):
            findings.append(
                Finding(
                    name,
                    None,
                    f"in-kind {item.reference} was booked as capital, but the terms do not "
                    f"count a delivery {item.funded_by}",
                )
            )
        for e in journal.entries(conn, link=f"{in_kind.LINK}{item.reference}"):
            held = [x.account for x in e.postings if types.get(x.account) in ("asset", "liability")]
            if held:
                findings.append(
                    Finding(
                        name,
                        e.seq,
                        f"in-kind {item.reference} is a capital credit, but its entry "
                        f"posts to {held[0]} (the fund holds no asset for it)",
                    )
                )
    return name, len(invs), findings


def check_lock(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """No distribution entry is dated inside the reinvestment period (found by key, not by reading the
    journal)."""
    name, findings = "capital.distribution_lock", []
    rows = list(
        conn.execute(
            select(t.entry.c.seq, t.entry.c.date).where(
                t.entry.c.key.startswith(distribution.LINK, autoescape=True)
            )
        )
    )
    for seq, day in rows:
        why = distribution.lock_refusal(fund.terms(day), day)
        if why:
            findings.append(Finding(name, seq, f"distribution entry {seq} dated {day}: {why}"))
    return name, len(rows), findings


def _gate_words(rows: list[tuple[dt.date, tuple[str, ...]]]) -> str:
    return "; ".join(f"from {day}: {', '.join(stages) or 'no stage'}" for day, stages in rows) or "nothing"


def check_screening(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Every move into a stage the terms screen had, before it, a cleared screening against the lists then
    current, and the database's screening gate lists the stages the terms screen; a person's clearance was
    confirmed by a second user with a seated member's countersignature (four eyes); an automatic clearance
    only repeats hits a cleared outcome covered before; each list holds the entries its import recorded; each
    application's owners are those whose digest its submission logged (the log holds the digest, not the
    personal data)."""
    name, findings = "portfolio.screening", []
    terms = fund.base_terms()
    if terms.pipeline is None:
        return name, 0, []
    versions = clearance.lists(conn)
    for v in versions:
        held = sanctions.count(conn, v.id)
        if held != v.entries:
            findings.append(
                Finding(
                    name,
                    v.seq,
                    f"sanctions list {v.name} version {v.id} holds {held} entries, "
                    f"its import recorded {v.entries}",
                )
            )
    done = clearance.screenings(conn)
    decided = clearance.outcomes(conn)
    by_app: dict[int, list[clearance.Screened]] = {}
    for s in done:
        by_app.setdefault(s.application, []).append(s)
    # The database's stage guard reads the screened stages from screening_gate: it must say what the terms do.
    g = t.screening_gate.c
    stored = [
        (r.effective, tuple(json.loads(r.stages)))
        for r in conn.execute(select(g.effective, g.stages).order_by(g.effective))
    ]
    expected = screening_gate(fund)
    if stored != expected:
        findings.append(
            Finding(
                name,
                None,
                f"the database's screening gate lists {_gate_words(stored)}, but the terms screen "
                f"{_gate_words(expected)}: the database would not refuse an unscreened move as the terms say",
            )
        )
    firsts = clearance.clearances(conn)
    confirmations = {e.seq: e.data for e in log.events(conn, action="application.screening_outcome")}
    rows = countersign.of(conn)
    members = {m.id: m for m in book.members(conn)}
    since = countersign.rules(conn)
    cleared: dict[int, set] = {}  # application -> keys of the hits a cleared outcome covered, in log order
    for sc in done:
        o = decided.get(sc.id)
        first = firsts.get(sc.id)
        alone = None if o is None else clearance.unconfirmed(o, first)
        if o is not None and alone:
            findings.append(Finding(name, o.seq, f"application {sc.application}: {alone} (four eyes)"))
        elif (
            o is not None
            and first is not None
            and o.outcome == clearance.CLEARED
            and not o.automatic
            and countersign.applies(since, countersign.CLEARANCE, o.seq)
        ):
            # A second user is not a second person: the confirmation stands on a seated member's
            # countersignature (since the rule took effect; before it, a second user was the rule).
            why = countersign.check_event(
                clearance.request(fund.id, first),
                confirmations.get(o.seq, {}).get(countersign.FIELD),
                rows.get(o.seq),
                members,
                countersign.links_at(conn, o.seq),
                o.seq,
            )
            if why:
                findings.append(
                    Finding(
                        name, o.seq, f"application {sc.application}: screening {sc.id}'s clearance: {why}"
                    )
                )
        keys = {screening.hit_of(h).key for h in sc.hits}
        if o is not None and o.automatic and not keys <= cleared.get(sc.application, set()):
            findings.append(
                Finding(
                    name,
                    o.seq,
                    f"screening {sc.id} of application {sc.application} was cleared "
                    "automatically, but a person had not cleared all of its hits before",
                )
            )
        if o is not None and o.outcome == clearance.CLEARED:
            cleared.setdefault(sc.application, set()).update(keys)
    checked = 0
    for m in apps.history(conn):
        pipeline = fund.terms(m.effective).pipeline
        if m.from_stage is None or pipeline is None or m.to_stage not in pipeline.screening.stages:
            continue
        checked += 1
        why = clearance.why_not_cleared(
            m.application, versions, by_app.get(m.application, []), decided, m.seq
        )
        if why:
            findings.append(
                Finding(
                    name,
                    m.seq,
                    f"application {m.application}: {m.from_stage} -> {m.to_stage} "
                    f"without a cleared screening: {why}",
                )
            )
    logged = {e.subject: e.data for e in log.events(conn, action="application.submit")}
    held_owners = owner.of(conn)
    for a in apps.applications(conn):
        recorded = logged.get(f"application:{a.id}", {}).get("owners_sha256")
        mine = held_owners.get(a.id, ())
        if (owner.digest(mine) if mine else None) != recorded:
            findings.append(
                Finding(
                    name,
                    a.seq,
                    f"application {a.id}: its beneficial owners are not those its "
                    "submission recorded (digest differs)",
                )
            )
    return name, checked + len(versions), findings
