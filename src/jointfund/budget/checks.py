"""`jointfund verify` for budgets: lines adopted by their decisions, expenses within their lines with intact
evidence and entries, and every fee accrued exactly once, for exactly its computed amount.

Listed in `jointfund.verify.registry`; each reads the stored rows and the journal only. The same
refusals are the domain's (budget.expense) and the database's (store/triggers.py).
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from jointfund.accounting import period as calendar
from jointfund.accounting.close import closes
from jointfund.budget import fees
from jointfund.budget.expense import COUNTERSIGNED, KEY_PREFIX, RECORD, expenses, refusal, request
from jointfund.budget.lines import BudgetLine, recorded_plan, versions
from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.governance import book, countersign
from jointfund.governance.model import EXECUTED
from jointfund.ledger import document, journal
from jointfund.money import from_minor, to_minor
from jointfund.store import tables as t


def check_lines(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Each version of a line is a line of the plan its executed budget proposal signed, numbered in turn, and
    an amendment keeps the line's category, currency and period."""
    name, findings = "budget.lines", []
    proposals = {p.id: p for p in book.proposals(conn)}
    executed = {c.proposal: c.seq for c in book.closings(conn) if c.status == EXECUTED}
    last: dict[str, BudgetLine] = {}
    rows = versions(conn)
    for v in rows:
        p = proposals.get(v.proposal)
        plan = recorded_plan(conn, p.about or "") if p is not None else None
        held = plan is not None and p is not None and plan.about == p.about
        signed = {x.code: x for x in plan.lines} if plan is not None and held else {}
        mine = signed.get(v.code)
        if p is None or v.proposal not in executed or executed[v.proposal] > v.seq:
            findings.append(
                Finding(
                    name,
                    v.seq,
                    f"budget line {v.code} v{v.version} rests on no budget proposal "
                    f"executed before it (names proposal {v.proposal})",
                )
            )
        elif mine is None or (mine.category, mine.amount, mine.currency, mine.period) != (
            v.category,
            v.amount,
            v.currency,
            v.period,
        ):
            findings.append(
                Finding(
                    name,
                    v.seq,
                    f"budget line {v.code} v{v.version} is not the line proposal {v.proposal} signed",
                )
            )
        before = last.get(v.code)
        if v.version != (1 if before is None else before.version + 1):
            findings.append(Finding(name, v.seq, f"budget line {v.code} has version {v.version} out of turn"))
        elif before is not None and (before.category, before.currency, before.period) != (
            v.category,
            v.currency,
            v.period,
        ):
            findings.append(
                Finding(
                    name, v.seq, f"budget line {v.code} v{v.version} changes its category, currency or period"
                )
            )
        last[v.code] = v
    return name, len(rows), findings


def check_expenses(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Replaying the expenses in order, each fits the version of its line in force when it was recorded; its
    entry is its own and charges its amount; its evidence hashes to the hash it is kept under."""
    name, findings = "budget.expenses", []
    all_versions = versions(conn)
    spent: dict[str, int] = {}
    rows = expenses(conn)
    for x in rows:
        line = None
        for v in all_versions:
            if v.code == x.line and v.seq < x.seq:
                line = v
        if line is None:
            findings.append(
                Finding(
                    name,
                    x.seq,
                    f"expense {x.reference} is charged to {x.line}, which had no adopted "
                    "budget line when it was recorded",
                )
            )
            continue
        used = spent.get(x.line, 0)
        why = refusal(line, from_minor(used, line.currency), x.amount, x.currency, x.date)
        if why:
            findings.append(Finding(name, x.seq, f"expense {x.reference}: {why}"))
        spent[x.line] = used + to_minor(x.amount, x.currency)
        e = journal.get_entry(conn, x.entry_seq)
        till = fund.terms(x.date).account_name("cash", currency=x.currency)
        cash = sum((p.amount for p in e.postings if p.account == till and p.currency == x.currency), 0)
        if e.key != KEY_PREFIX + x.reference or e.date != x.date or cash != -x.amount:
            findings.append(
                Finding(
                    name,
                    x.entry_seq,
                    f"expense {x.reference}: entry {x.entry_seq} is not its entry "
                    f"(key {e.key}, {e.date}, cash {cash} {x.currency})",
                )
            )
        content = document.content(conn, x.document_sha256)
        if content is None or document.digest(content) != x.document_sha256:
            findings.append(
                Finding(
                    name,
                    x.seq,
                    f"expense {x.reference}: its evidence {x.document_sha256[:16]}… is "
                    "missing or no longer has that hash",
                )
            )
    return name, len(rows), findings


def check_fees(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Each closed period holds exactly the fee accruals its close owed (recomputed from the book), and no fee
    entry exists that no close owed."""
    name, findings = "budget.fees", []
    owed: dict[str, tuple[fees.Accrual, int]] = {}
    for c in closes(conn):
        p = calendar.Period(c.period, c.first, c.last)
        for a in fees.due(conn, fund, fund.terms(c.last), p):
            if a.amount:
                owed[a.key] = (a, c.seq)
    posted = {
        r.key: r.seq
        for r in conn.execute(
            select(t.entry.c.key, t.entry.c.seq).where(
                t.entry.c.key.startswith(fees.KEY_PREFIX, autoescape=True)
            )
        )
    }
    for key, (a, close_seq) in owed.items():
        seq = posted.get(key)
        if seq is None:
            findings.append(
                Finding(
                    name,
                    close_seq,
                    f"{key}: the close owed {a.amount} {a.currency}, and no such entry was posted",
                )
            )
            continue
        e = journal.get_entry(conn, seq)
        charged = sum((p.amount for p in e.postings if p.account == a.fee.account), 0)
        if charged != a.amount or e.date != a.span.last:
            findings.append(
                Finding(
                    name,
                    seq,
                    f"{key}: charges {charged} on {e.date}; the book says {a.amount} "
                    f"{a.currency} on {a.span.last}",
                )
            )
    for key, seq in posted.items():
        if key not in owed:
            findings.append(Finding(name, seq, f"{key}: a fee entry that no period close owed"))
    return name, len(owed), findings


def check_expense_countersignatures(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Each expense recorded since its rule took effect stands on a seated member's countersignature of
    exactly what it charges, by someone other than the user who recorded it (governance.countersign)."""
    from jointfund.ledger import log

    name = "budget.expense countersignatures"
    since = countersign.rules(conn)
    rows = [x for x in expenses(conn) if countersign.applies(since, COUNTERSIGNED, x.seq)]
    events = {e.seq: e for e in log.events(conn, action=RECORD)}
    signed = countersign.of(conn, [x.seq for x in rows])
    members = {m.id: m for m in book.members(conn)}
    findings = []
    for x in rows:
        ev = events.get(x.seq)
        actor = "" if ev is None else ev.actor
        asked = request(fund.id, actor, x.line, x.amount, x.currency, x.date, x.reference, x.document_sha256)
        carried = None if ev is None else ev.data.get(countersign.FIELD)
        links = countersign.links_at(conn, x.seq)
        why = countersign.check_event(asked, carried, signed.get(x.seq), members, links, x.seq)
        if why:
            findings.append(Finding(name, x.seq, f"expense {x.reference}: {why}"))
    return name, len(rows), findings
