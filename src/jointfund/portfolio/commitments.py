"""The memo register of commitments: what the fund has promised investees and not yet paid, and
what the partners have promised the fund and it has not yet called.

A commitment is a promise, not money (terms `accounting.commitments = "memo"`): it is never
posted as an asset or a liability. The register is read from the records that already hold
it, so it cannot drift from them:
- to investees: each investment's record (the commitment), its disbursement entries, and the
  day its application reached a final stage (which cancels what is left undrawn);
- from partners: the logged `capital.commit` events and the capital calls in the journal.
The notes to the financial statements disclose it (`notes_rows`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.capital.calls import partner_capital
from jointfund.fund import FundInfo
from jointfund.portfolio import investment


class MemoLine(NamedTuple):
    """One commitment in the memo register, as of a date.

    Attributes:
      kind: "investee" (the fund's promise to an investment) or "partner" (a partner's to the fund).
      subject: the investment (INV-3) or the partner code.
      currency: the commitment's currency.
      committed: the promise; drawn: what of it has been paid (disbursed, or called);
      undrawn: committed less drawn, nothing once an investment is closed (the rest is cancelled).
      cancelled: what was left undrawn when an investment closed.
    """

    kind: str
    subject: str
    currency: str
    committed: Decimal
    drawn: Decimal
    undrawn: Decimal
    cancelled: Decimal


def register(conn: Connection, info: FundInfo, as_of: dt.date) -> list[MemoLine]:
    """Every commitment to an investee and from a partner, as of `as_of`."""
    terms = info.terms(as_of)
    lines = []
    for inv in investment.investments(conn, as_of):
        pos = investment.position(conn, info, inv, as_of)
        cancelled = pos.committed - pos.disbursed - pos.undrawn
        lines.append(
            MemoLine(
                "investee",
                inv.label,
                inv.currency,
                pos.committed,
                pos.disbursed,
                pos.undrawn,
                max(cancelled, Decimal(0)),
            )
        )
    for cur in terms.fund.currencies:
        for c in partner_capital(conn, terms, as_of, cur):
            if c.committed or c.called:
                lines.append(
                    MemoLine("partner", c.partner, cur, c.committed, c.called, c.uncalled, Decimal(0))
                )
    return lines


def totals(lines: list[MemoLine]) -> dict[tuple[str, str], Decimal]:
    """Undrawn per (kind, currency): what the notes disclose as unfunded commitments."""
    out: dict[tuple[str, str], Decimal] = {}
    for x in lines:
        out[(x.kind, x.currency)] = out.get((x.kind, x.currency), Decimal(0)) + x.undrawn
    return out


def notes_rows(conn: Connection, info: FundInfo, as_of: dt.date) -> list[dict]:
    """The disclosure note's rows: each commitment, then the undrawn totals per kind and currency."""
    lines = register(conn, info, as_of)
    rows = [x._asdict() for x in lines]
    for (kind, cur), undrawn in sorted(totals(lines).items()):
        rows.append({"kind": kind, "subject": "TOTAL", "currency": cur, "undrawn": undrawn})
    return rows
