"""`jointfund verify`'s revenue check: the contributions the rules give equal what the ledger holds.

Each receipt is judged again by the terms (column-wise, bulk.py); its accrual entry must exist exactly when it owes
something, for exactly that amount, and no accrual may exist for any other key. The
contributing partner's receivable must then hold the accruals less the transfers, per currency.
Under terms that round per day and stream, each group's rounding difference is recomputed (bulk.FrameRounding)
and the group's rounding entries must sum to it on the receivable; the receivable holds those too.
"""

from __future__ import annotations

from collections import defaultdict

import polars as pl
from sqlalchemy import Connection, select

from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.money import from_minor, to_minor
from jointfund.revenue import book, bulk
from jointfund.revenue.accrual import KEY_PREFIX, booked_roundings, key_of
from jointfund.revenue.transfer import transfers
from jointfund.store import tables as t
from jointfund.verify import DOMAIN_CHECKS, Finding

NAME = "contributions = ledger"
MAX_FINDINGS = 100


def contributions_match_ledger(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    terms = fund.base_terms()
    receivable = terms.account_name("contribution_receivable", partner=terms.contribution.partner)
    account = journal.load_accounts(conn).get(receivable)
    if account is None:
        return NAME, 0, [Finding(NAME, None, f"the chart has no account {receivable}")]
    posted: dict[str, tuple[int, str, int]] = {}
    q = (select(t.entry.c.key, t.entry.c.seq, t.posting.c.currency, t.posting.c.amount_minor)
         .join(t.posting, t.posting.c.entry_seq == t.entry.c.seq)
         .where(t.posting.c.account_id == account.id, t.entry.c.key.startswith(KEY_PREFIX)))
    for key, seq, currency, minor in conn.execution_options(yield_per=book.STREAM_ROWS).execute(q):
        posted[key] = (minor, currency, seq)
    findings: list[Finding] = []
    expected_total: dict[str, int] = defaultdict(int)
    checked = 0
    assess = book.Assessor(conn, fund)
    rounding = bulk.FrameRounding(assess.book)
    for frame in book.receipt_frames(conn):
        judged = assess.frame(frame)
        rounding.add(judged)
        columns = judged.select("receipt_id", "currency", "eligible", "contribution_minor")
        for rid, currency, eligible, minor in columns.iter_rows():
            checked += 1
            owed = minor if eligible else 0
            expected_total[currency] += owed
            got = posted.pop(key_of(rid), None)
            if got is None:
                if owed:
                    findings.append(Finding(NAME, None, f"receipt {rid} owes {from_minor(owed, currency)} {currency} "
                                                        "but has no accrual entry"))
            elif (got[0], got[1]) != (owed, currency):
                # The reason in words comes from the per-receipt rules, for the few receipts that differ.
                row = judged.filter(pl.col("receipt_id") == rid).select(book.RECEIPT_COLUMNS.split(", ")).row(0)
                e = assess(book.receipt_of_tuple(row))
                findings.append(Finding(NAME, got[2], f"receipt {rid}: accrued {from_minor(got[0], got[1])} {got[1]}, "
                                                      f"the rules give {from_minor(owed, currency)} {currency} ({e.reason})"))
    for key, (minor, currency, seq) in posted.items():
        findings.append(Finding(NAME, seq, f"accrual {key} of {from_minor(minor, currency)} {currency} has no receipt that owes it"))
    findings += _roundings(conn, rounding, assess, receivable, expected_total)
    transferred: dict[str, int] = defaultdict(int)
    for tr in transfers(conn, terms):
        transferred[tr.currency] += to_minor(tr.amount, tr.currency)
    balances = journal.balance(conn, receivable, subtree=False)
    for currency in sorted(set(expected_total) | set(balances) | set(transferred)):
        expected = expected_total[currency] - transferred[currency]
        actual = to_minor(balances.get(currency, from_minor(0, currency)), currency)
        if expected != actual:
            findings.append(Finding(NAME, None, f"{receivable} holds {from_minor(actual, currency)} {currency}; contributions "
                                                f"less transfers are {from_minor(expected, currency)} {currency}"))
    return NAME, checked, findings[:MAX_FINDINGS]


DOMAIN_CHECKS.append(contributions_match_ledger)


def _roundings(conn: Connection, rounding: bulk.FrameRounding, assess: book.Assessor, receivable: str,
               expected_total: dict[str, int]) -> list[Finding]:
    """Each group's rounding entries against the difference the rules give; adds the differences to
    `expected_total` (what the receivable holds)."""
    owed = {d.group: to_minor(d.difference, d.group.currency) for d in rounding.rows(assess.rates)}
    booked = booked_roundings(conn, receivable)
    findings = []
    for group in sorted(set(owed) | set(booked)):
        expected, (got, _n) = owed.get(group, 0), booked.get(group, (0, 0))
        expected_total[group.currency] += expected
        if got != expected:
            c = group.currency
            findings.append(Finding(NAME, None, f"rounding of {group.day}, licence {group.licence_id}, {group.stream}: "
                                                f"booked {from_minor(got, c)} {c}, the rules give {from_minor(expected, c)} {c}"))
    return findings
