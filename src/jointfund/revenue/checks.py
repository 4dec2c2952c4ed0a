"""`jointfund verify`'s revenue check: the contributions the rules give equal what the ledger holds.

Each receipt is judged again by the terms, one receipt at a time (`evaluate`: the per-receipt reading of the
declared rules, independent of the column-wise reading, bulk.py, with which accrual wrote); its accrual entry
must exist exactly when it owes something, for exactly that amount, and no accrual may exist for any other
key. The contributing partner's receivable must then hold the accruals less the transfers, per currency.
Under terms that round per day and stream, each group's rounding difference is recomputed
(`contribution.rounding_differences`) and the group's rounding entries must sum to it on the receivable;
the receivable holds those too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import Connection, select

from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.governance import countersign
from jointfund.ledger import journal
from jointfund.ledger.log import events
from jointfund.money import from_minor, to_minor
from jointfund.revenue import accrual, book, correction, corrections
from jointfund.revenue.accrual import KEY_PREFIX, booked_roundings, key_of, receipt_of_key
from jointfund.revenue.contribution import Evaluation, RoundingDifference, rounding_differences
from jointfund.revenue.transfer import transfers
from jointfund.store import tables as t

NAME = "contributions = ledger"
MAX_FINDINGS = 100


def contributions_match_ledger(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    terms = fund.base_terms()
    receivable = terms.account_name("contribution_receivable", partner=terms.contribution.partner)
    account = journal.load_accounts(conn).get(receivable)
    if account is None:
        return NAME, 0, [Finding(NAME, None, f"the chart has no account {receivable}")]
    # A receipt's accruals: its first entry, and the reversals and re-bookings after corrections
    # (accrual.rebook),
    # netted per currency; the seq named is its latest entry's.
    posted: dict[str, tuple[dict[str, int], int]] = {}
    q = (
        select(t.entry.c.key, t.entry.c.seq, t.posting.c.currency, t.posting.c.amount_minor)
        .join(t.posting, t.posting.c.entry_seq == t.entry.c.seq)
        .where(t.posting.c.account_id == account.id, t.entry.c.key.startswith(KEY_PREFIX))
        .order_by(t.entry.c.seq)
    )
    for key, seq, currency, minor in conn.execution_options(yield_per=book.STREAM_ROWS).execute(q):
        sums, _ = posted.get(receipt_of_key(key)) or ({}, seq)
        sums[currency] = sums.get(currency, 0) + minor
        posted[receipt_of_key(key)] = (sums, seq)
    findings: list[Finding] = []
    expected_total: dict[str, int] = defaultdict(int)
    checked = 0
    # Recomputed through the per-receipt reading of the declared rules (`evaluate`), not the column-wise
    # one (bulk.py) that accrual wrote with: the two share only the declarations.
    assess = book.Assessor(conn, fund)

    def each_checked() -> Iterator[Evaluation]:
        nonlocal checked
        for r in book.receipts(conn):
            e = assess(r)
            checked += 1
            findings.extend(_against_accruals(e, posted, expected_total))
            yield e

    differences = rounding_differences(each_checked(), assess.book.on, assess.rates)
    for rid, (sums, seq) in posted.items():
        for currency, minor in sorted(sums.items()):
            if minor:
                findings.append(
                    Finding(
                        NAME,
                        seq,
                        f"accrual {key_of(rid)} of {from_minor(minor, currency)} {currency} "
                        "has no receipt that owes it",
                    )
                )
    findings += _roundings(conn, differences, receivable, expected_total)
    transferred: dict[str, int] = defaultdict(int)
    for tr in transfers(conn, terms):
        transferred[tr.currency] += to_minor(tr.amount, tr.currency)
    balances = journal.balance(conn, receivable, subtree=False)
    for currency in sorted(set(expected_total) | set(balances) | set(transferred)):
        expected = expected_total[currency] - transferred[currency]
        actual = to_minor(balances.get(currency, from_minor(0, currency)), currency)
        if expected != actual:
            findings.append(
                Finding(
                    NAME,
                    None,
                    f"{receivable} holds {from_minor(actual, currency)} {currency}; contributions "
                    f"less transfers are {from_minor(expected, currency)} {currency}",
                )
            )
    return NAME, checked, findings[:MAX_FINDINGS]


CORRECTIONS = "corrections"
CORRECTION_ACTIONS = tuple(f"{kind}.correct" for kind in correction.KINDS)


def corrections_hold(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    """Each correction row is what its event logged; each field's corrections form one unbroken chain from the
    imported value; and every receipt a correction touches has accruals that net to what the rules give on the
    effective (last corrected) values, in every leg."""
    made = book.corrections(conn)
    logged = {e.seq: e for e in events(conn, actions=CORRECTION_ACTIONS)}
    findings = _countersigned(conn, fund, made, {seq: e.data for seq, e in logged.items()})
    for c in made:
        e = logged.pop(c.seq, None)
        where = f"correction {c.seq} ({c.kind} {c.subject} {c.field})"
        if e is None or e.action != f"{c.kind}.correct":
            findings.append(
                Finding(CORRECTIONS, c.seq, f"{where}: no correction event at its position in the log")
            )
            continue
        stored = {**c.event_data(), "actor": c.actor}
        for name, value in {**e.data, "actor": e.actor}.items():
            if name != countersign.FIELD and stored.get(name) != value:
                findings.append(
                    Finding(
                        CORRECTIONS,
                        c.seq,
                        f"{where}: the stored row says {name} {stored.get(name)!r}, "
                        f"its logged event {value!r}",
                    )
                )
    for seq, e in logged.items():
        findings.append(
            Finding(CORRECTIONS, seq, f"the correction logged at {seq} ({e.subject}) has no correction row")
        )
    for chain in correction.chains(made).values():
        findings += [
            Finding(CORRECTIONS, seq, why) for seq, why in correction.problems(chain, _imported(conn, chain))
        ]
    touched = (
        corrections.affected(
            conn,
            fund,
            made,
            corrections.rates_without(conn, fund, {c.subject for c in made if c.kind == "rate"}),
        )
        if made
        else set()
    )
    assess = book.Assessor(conn, fund)
    carry = accrual.carrying(conn, fund)
    for r in accrual.receipts_by_id(conn, touched):
        _, want = accrual.expected_legs(assess(r), assess.book.on(r.date), carry)
        have = accrual.accruals_of(conn, r.receipt_id)
        if accrual.net_legs(have) != want:
            findings.append(
                Finding(
                    CORRECTIONS,
                    have[-1].seq if have else None,
                    f"receipt {r.receipt_id}: its accruals do not match the corrected values "
                    "(a correction was not re-booked, or a correction row was changed)",
                )
            )
    return CORRECTIONS, len(made) + len(touched), findings[:MAX_FINDINGS]


def _countersigned(
    conn: Connection, fund: FundInfo, made: list[correction.Correction], data: dict[int, dict]
) -> list[Finding]:
    """Each correction stands on a seated member's countersignature of the request it was part of: the
    corrections of one request (one asker, subject and reason, the same countersignature) are grouped back,
    and the request is rebuilt from their rows (governance.countersign.check_event)."""
    from jointfund.governance import book as governance

    requests: dict[tuple, list[correction.Correction]] = {}
    since = countersign.rules(conn)
    # A correction made before its rule took effect (migration 0023) was made without one, as then allowed.
    made = [c for c in made if countersign.applies(since, countersign.CORRECTION, c.seq)]
    for c in made:
        carried = data.get(c.seq, {}).get(countersign.FIELD)
        key = (c.kind, c.subject, c.actor, c.reason, json.dumps(carried, sort_keys=True))
        requests.setdefault(key, []).append(c)
    rows = countersign.of(conn, [c.seq for c in made])
    members = {m.id: m for m in governance.members(conn)}
    out = []
    for (kind, subject, actor, reason, _), group in requests.items():
        asked = corrections.request(
            fund.id, actor, kind, subject, [(c.field, c.previous, c.value) for c in group], reason
        )
        for c in group:
            carried = data.get(c.seq, {}).get(countersign.FIELD)
            links = countersign.links_at(conn, c.seq)
            why = countersign.check_event(asked, carried, rows.get(c.seq), members, links, c.seq)
            if why:
                out.append(
                    Finding(CORRECTIONS, c.seq, f"correction {c.seq} ({kind} {subject} {c.field}): {why}")
                )
    return out


def _imported(conn: Connection, chain: correction.Chain) -> str | None:
    """The imported value of the chain's field, as a cell writes it; None when no such record was imported."""
    if chain.kind == "rate":
        currency, day = chain.subject.split(" ")
        row = conn.execute(
            select(t.fx_rate).where(
                t.fx_rate.c.currency == currency, t.fx_rate.c.date == dt.date.fromisoformat(day)
            )
        ).first()
        return None if row is None else correction.cell(book.rate_of(row).rate)
    table, key, of = (
        (t.licence, "licence_id", book.licence_of)
        if chain.kind == "licence"
        else (t.receipt, "receipt_id", book.receipt_of)
    )
    row = conn.execute(select(table).where(table.c[key] == chain.subject)).first()
    return None if row is None else correction.cell(getattr(of(row), chain.field))


def _against_accruals(
    e: Evaluation, posted: dict[str, tuple[dict[str, int], int]], expected_total: dict[str, int]
) -> list[Finding]:
    """The receipt's accruals (taken out of `posted`) against what it owes; adds that to `expected_total`."""
    r = e.receipt
    owed = to_minor(e.contribution, r.currency) if e.eligible else 0
    expected_total[r.currency] += owed
    held = posted.pop(r.receipt_id, None)
    if held is None:
        if not owed:
            return []
        return [
            Finding(
                NAME,
                None,
                f"receipt {r.receipt_id} owes {from_minor(owed, r.currency)} {r.currency} "
                "but has no accrual entry",
            )
        ]
    net, seq = {c: m for c, m in held[0].items() if m}, held[1]
    if net == ({r.currency: owed} if owed else {}):
        return []
    accrued = " + ".join(f"{from_minor(m, c)} {c}" for c, m in sorted(net.items())) or f"0 {r.currency}"
    return [
        Finding(
            NAME,
            seq,
            f"receipt {r.receipt_id}: accrued {accrued}, "
            f"the rules give {from_minor(owed, r.currency)} {r.currency} ({e.reason})",
        )
    ]


def _roundings(
    conn: Connection,
    differences: list[RoundingDifference],
    receivable: str,
    expected_total: dict[str, int],
) -> list[Finding]:
    """Each group's rounding entries against the difference the rules give; adds the differences to
    `expected_total` (what the receivable holds)."""
    owed = {d.group: to_minor(d.difference, d.group.currency) for d in differences}
    booked = booked_roundings(conn, receivable)
    findings = []
    for group in sorted(set(owed) | set(booked)):
        expected, (got, _n) = owed.get(group, 0), booked.get(group, (0, 0))
        expected_total[group.currency] += expected
        if got != expected:
            c = group.currency
            findings.append(
                Finding(
                    NAME,
                    None,
                    f"rounding of {group.day}, licence {group.licence_id}, {group.stream}: "
                    f"booked {from_minor(got, c)} {c}, the rules give {from_minor(expected, c)} {c}",
                )
            )
    return findings
