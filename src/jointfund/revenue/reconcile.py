"""Reconciliation: company-reported payments against Treasury receipts, per company x licence x stream.

Both sides are summed per (holder code, licence, stream, currency). A group present on
both sides whose sums differ by more than the tolerance is a discrepancy; a group present
on one side only lists the payments or receipts that have no counterpart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

from jointfund.revenue.licence import Licence
from jointfund.revenue.payment import Payment
from jointfund.revenue.receipt import Receipt

DISCREPANCY = "discrepancy"
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


def reconcile(receipts: Iterable[Receipt], licences: Mapping[str, Licence], payments: Iterable[Payment],
              tolerance: Decimal) -> tuple[int, list[Finding]]:
    """(groups compared, findings in group order)."""
    treasury: dict[tuple, list] = defaultdict(lambda: [Decimal(0), []])
    for r in receipts:
        slot = treasury[(licences[r.licence_id].holder_code, r.licence_id, r.stream, r.currency)]
        slot[0] += r.amount
        slot[1].append(r.receipt_id)
    company: dict[tuple, list] = defaultdict(lambda: [Decimal(0), []])
    for p in payments:
        slot = company[(p.holder_code, p.licence_id, p.stream, p.currency)]
        slot[0] += p.amount
        slot[1].append(p.payment_id)
    out = []
    groups = sorted(set(treasury) | set(company))
    for key in groups:
        ours, theirs = treasury.get(key), company.get(key)
        if ours is None:
            out.append(Finding(NO_RECEIPT, *key, None, theirs[0], theirs[0], None, " ".join(theirs[1])))
        elif theirs is None:
            out.append(Finding(NO_PAYMENT, *key, ours[0], None, -ours[0], None, " ".join(ours[1])))
        elif abs(theirs[0] - ours[0]) > tolerance:
            diff = theirs[0] - ours[0]
            pct = (diff * 100 / ours[0]).quantize(Decimal("0.01")) if ours[0] else None
            out.append(Finding(DISCREPANCY, *key, ours[0], theirs[0], diff, pct, " ".join(ours[1] + theirs[1])))
    return len(groups), out
