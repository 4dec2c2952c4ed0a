"""Reconciliation: company-reported payments against Treasury receipts, per company x licence x stream.

Both sides are summed per (holder code, licence, stream, currency). A group present on
both sides whose sums differ by more than the tolerance is a discrepancy; a group present
on one side only lists the payments or receipts that have no counterpart.

A payment and its receipt may fall in different years (paid on 31 December, received on
2 January). With a window (the terms' reconciliation.window_days), items of the year are first
paired one to one with items of the neighbouring year of the same group, amounts within the
tolerance and dates within the window; such a pair is no discrepancy, and is listed as matched
across the period boundary, with the date (so the year) each side was recorded on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

from jointfund.revenue.licence import Licence
from jointfund.revenue.payment import Payment
from jointfund.revenue.receipt import Receipt

DISCREPANCY = "discrepancy"
ACROSS = "matched across periods"
NO_RECEIPT = "payment without receipt"
NO_PAYMENT = "receipt without payment"


class Finding(NamedTuple):
    """One line of the reconciliation.

    Attributes:
      kind: discrepancy, payment without receipt, or receipt without payment.
      holder_code, licence_id, stream, currency: the group.
      treasury, company: the two sums (None for the side that has nothing).
      difference: company - treasury.
      difference_pct: the difference as a percentage of the Treasury's sum; None when that is zero.
      ids: the payments or receipts concerned.
    """

    kind: str
    holder_code: str
    licence_id: str
    stream: str
    currency: str
    treasury: Decimal | None
    company: Decimal | None
    difference: Decimal
    difference_pct: Decimal | None
    ids: str


# A group compared: holder_code, licence_id, stream, currency (the Finding's fields 1 to 4).
Group = tuple[str, str, str, str]


def bounds(year: int, window_days: int) -> tuple[dt.date, dt.date]:
    """The dates whose items are read to reconcile `year`: the year and twice the window either side (an item
    just outside the year needs its own counterpart further out, to be paired with that rather than ours)."""
    pad = dt.timedelta(days=2 * window_days)
    return dt.date(year, 1, 1) - pad, dt.date(year, 12, 31) + pad


def reconcile(
    receipts: Iterable[Receipt],
    licences: Mapping[str, Licence],
    payments: Iterable[Payment],
    tolerance: Decimal,
    year: int | None = None,
    window_days: int = 0,
) -> tuple[int, list[Finding]]:
    """(groups compared, findings in group order). With `year`, only items dated in it are reconciled, and
    items of the neighbouring years (within `window_days`) may be their counterparts."""

    def group_r(r: Receipt) -> Group:
        return (licences[r.licence_id].holder_code, r.licence_id, r.stream, r.currency)

    def group_p(p: Payment) -> Group:
        return (p.holder_code, p.licence_id, p.stream, p.currency)

    rs, ps = list(receipts), list(payments)
    across: list[Finding] = []
    if year is not None:
        rs, ps, across = _pair_across(rs, ps, group_r, group_p, tolerance, year, window_days)
    treasury: dict[Group, list] = defaultdict(lambda: [Decimal(0), []])
    for r in rs:
        slot = treasury[group_r(r)]
        slot[0] += r.amount
        slot[1].append(r.receipt_id)
    company: dict[Group, list] = defaultdict(lambda: [Decimal(0), []])
    for p in ps:
        slot = company[group_p(p)]
        slot[0] += p.amount
        slot[1].append(p.payment_id)
    out = []
    groups = sorted(set(treasury) | set(company))
    for key in groups:
        ours, theirs = treasury.get(key), company.get(key)
        # Each group has at least one side (the groups are the union of both).
        if ours is None and theirs is not None:
            out.append(Finding(NO_RECEIPT, *key, None, theirs[0], theirs[0], None, " ".join(theirs[1])))
        elif theirs is None and ours is not None:
            out.append(Finding(NO_PAYMENT, *key, ours[0], None, -ours[0], None, " ".join(ours[1])))
        elif ours is not None and theirs is not None and abs(theirs[0] - ours[0]) > tolerance:
            diff = theirs[0] - ours[0]
            pct = (diff * 100 / ours[0]).quantize(Decimal("0.01")) if ours[0] else None
            out.append(
                Finding(DISCREPANCY, *key, ours[0], theirs[0], diff, pct, " ".join(ours[1] + theirs[1]))
            )
    for f in across:
        if f[1:5] not in treasury and f[1:5] not in company:
            groups.append(f[1:5])
    return len(groups), sorted(out + across, key=lambda f: (f[1:5], f.kind))


def _pair_across(
    receipts: list[Receipt],
    payments: list[Payment],
    group_r: Callable[[Receipt], Group],
    group_p: Callable[[Payment], Group],
    tolerance: Decimal,
    year: int,
    window_days: int,
) -> tuple[list[Receipt], list[Payment], list[Finding]]:
    """(the year's receipts and payments left once pairs across the year's boundaries are taken out, those
    pairs).

    Every payment is paired one to one with a receipt of its group, amounts within the tolerance and dates
    at most `window_days` apart, the closest amounts and then the closest dates first, whatever their years
    (so an item's counterpart in its own year is found before one across the boundary). A pair with one
    side in the year and one outside is taken out of the year's sums; any other item of the year stays.
    """

    def inside(day: dt.date) -> bool:
        return day.year == year

    by_group: dict[Group, list[Receipt]] = defaultdict(list)
    for r in receipts:
        by_group[group_r(r)].append(r)
    window = dt.timedelta(days=window_days)
    candidates = []
    for p in payments:
        for r in by_group.get(group_p(p), ()):
            if abs(p.amount - r.amount) <= tolerance and abs(p.date - r.date) <= window:
                candidates.append(
                    (abs(p.amount - r.amount), abs(p.date - r.date), p.payment_id, r.receipt_id, p, r)
                )
    candidates.sort(key=lambda c: c[:4])
    used_p: set[str] = set()
    used_r: set[str] = set()
    found, out_p, out_r = [], set(), set()
    for _, _, pid, rid, p, r in candidates:
        if pid in used_p or rid in used_r:
            continue
        used_p.add(pid)
        used_r.add(rid)
        if inside(p.date) != inside(r.date):
            out_p.add(pid)
            out_r.add(rid)
            diff = p.amount - r.amount
            pct = (diff * 100 / r.amount).quantize(Decimal("0.01")) if r.amount else None
            found.append(
                Finding(
                    ACROSS,
                    *group_r(r),
                    r.amount,
                    p.amount,
                    diff,
                    pct,
                    f"{p.payment_id} (paid {p.date}) {r.receipt_id} (received {r.date})",
                )
            )
    return (
        [r for r in receipts if inside(r.date) and r.receipt_id not in out_r],
        [p for p in payments if inside(p.date) and p.payment_id not in out_p],
        found,
    )
