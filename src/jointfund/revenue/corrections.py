"""Correcting a rate, a licence field or a receipt field: checked, recorded, and the accruals re-booked.

The shell around revenue/correction.py. A correction is checked by the same parser as an import of the
corrected record (bounds, the terms' plausible rates, known codes), recorded as a correction row and an
event of the log (book.record_correction), and every receipt whose contribution it changes has its accrual
reversed and booked again (accrual.rebook), all in the caller's one write transaction.

A correction changes what partners are owed, so one person cannot make it alone: it carries a seated member's
countersignature of exactly the values it records (governance.countersign, the one four-eyes mechanism), and
the database and verify refuse one without it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Connection, select

from jointfund import bounds
from jointfund.errors import InputError, NotFound, Problem
from jointfund.fund import FundInfo
from jointfund.governance import countersign
from jointfund.revenue import accrual, book, fx, licence, receipt
from jointfund.revenue.correction import FIELDS, Correction, cell, rate_subject
from jointfund.revenue.fields import Cells
from jointfund.revenue.reader import Row
from jointfund.store import tables as t

# The columns a user names to correct a licence: its import's columns ("resource" takes "gas;condensate",
# which sets the stored resource and other_resources), less its id: the stored fields but other_resources.
LICENCE_FIELDS = tuple(f for f in FIELDS["licence"] if f != "other_resources")
RECEIPT_FIELDS = FIELDS["receipt"]


class Outcome(NamedTuple):
    """What a correction did: the corrections recorded (one per stored field it changed) and the
    re-booking."""

    kind: str
    subject: str
    corrections: tuple[Correction, ...]
    receipts: int  # receipts looked at again
    reversals: int
    rebookings: int

    def rows(self) -> list[dict]:
        return [
            {
                "correction": c.seq,
                "kind": c.kind,
                "subject": c.subject,
                "field": c.field,
                "previous": c.previous,
                "value": c.value,
                "supersedes": c.supersedes,
                "reason": c.reason,
                "actor": c.actor,
                "accruals_reversed": self.reversals,
                "accruals_rebooked": self.rebookings,
            }
            for c in self.corrections
        ]


def check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InputError([Problem.of("reason", "a correction needs a reason (why the value was wrong)")])
    if len(text) > bounds.MAX_TEXT_CHARS:
        raise InputError(
            [Problem.of("reason", f"longer than {bounds.MAX_TEXT_CHARS} characters", text[:40] + "…")]
        )
    return text


def correct_rate(
    conn: Connection,
    info: FundInfo,
    actor: str,
    currency: str,
    day: dt.date,
    rate_text: str,
    reason: str,
    accept_jump: bool = False,
    countersigner: countersign.Signer | None = None,
) -> Outcome:
    """Supersede the rate of `currency` on `day` with `rate_text`."""
    why = check_reason(reason)
    terms = info.base_terms()
    currency = currency.upper()
    rates = {(r.currency, r.date): r for r in book.effective_rates(conn) if r.currency == currency}
    old = rates.get((currency, day))
    if old is None:
        raise NotFound(f"no {currency} rate on {day} was imported; import it with: jointfund fx import FILE")
    cells = Cells(
        Row(0, "correction", {"date": day.isoformat(), "currency": currency, "rate": rate_text.strip()})
    )
    new = fx.parse(cells, terms.fx, terms.fund.entry_into_force)
    if new is None:
        raise InputError(cells.problems, "correction refused")
    limit = None if accept_jump else terms.fx.max_daily_change
    days = sorted(d for _, d in rates)
    at = days.index(day)
    before = rates[(currency, days[at - 1])] if at else None
    after = rates[(currency, days[at + 1])] if at + 1 < len(days) else None
    found = fx.jumps(new, before, after, limit)
    if found:
        raise InputError(
            [Problem.of("rate", why.replace("import again", "correct again"), rate_text) for why in found],
            "correction refused",
        )
    subject = rate_subject(currency, day)
    return _record(conn, info, actor, "rate", subject, old, new, ("rate",), why, countersigner)


def correct_licence(
    conn: Connection,
    info: FundInfo,
    actor: str,
    licence_id: str,
    field: str,
    value: str,
    reason: str,
    countersigner: countersign.Signer | None = None,
) -> Outcome:
    """Supersede one field of a licence (`field` as the import names its column)."""
    why = check_reason(reason)
    _field(field, LICENCE_FIELDS)
    old = book.licences(conn).get(licence_id)
    if old is None:
        raise NotFound(f"no licence {licence_id!r}; see: jointfund licences list")
    values = {
        "licence_id": old.licence_id,
        "holder": old.holder,
        "holder_code": old.holder_code,
        "resource": cell(old.resources),
        "deposit": old.deposit,
        "region": old.region,
        "issued": cell(old.issued),
        "basis": old.basis,
        "psa": cell(old.psa),
        "flags": cell(old.flags),
    }
    if old.psa_signed is not None or field == "psa_signed":
        values["psa_signed"] = cell(old.psa_signed)
    cells = Cells(Row(0, "correction", {**values, field: value.strip()}, names={field: field}))
    new = licence.parse(cells, info.base_terms())
    if new is None:
        raise InputError(cells.problems, "correction refused")
    return _record(conn, info, actor, "licence", licence_id, old, new, FIELDS["licence"], why, countersigner)


def correct_receipt(
    conn: Connection,
    info: FundInfo,
    actor: str,
    receipt_id: str,
    field: str,
    value: str,
    reason: str,
    countersigner: countersign.Signer | None = None,
) -> Outcome:
    """Supersede one field of a receipt (amount, stream, licence_id, resource, budget or flags)."""
    why = check_reason(reason)
    _field(
        field,
        RECEIPT_FIELDS,
        " (a wrong date or currency: import a receipt that `corrects` it, then the right one)",
    )
    found = accrual.receipts_by_id(conn, [receipt_id])
    if not found:
        raise NotFound(f"no receipt {receipt_id!r}; see: jointfund receipts list")
    old = found[0]
    terms = info.base_terms()
    values = {
        "receipt_id": old.receipt_id,
        "date": cell(old.date),
        "licence_id": old.licence_id,
        "stream": old.stream,
        "amount": cell(old.amount),
        "currency": old.currency,
        "corrects": cell(old.corrects),
        "resource": cell(old.resource),
        "budget": cell(old.budget),
        "flags": cell(old.flags),
    }
    cells = Cells(Row(0, "correction", {**values, field: value.strip()}, names={field: field}))
    new = receipt.parse(cells, terms, book.licence_ids(conn))
    if new is None:
        raise InputError(cells.problems, "correction refused")
    return _record(conn, info, actor, "receipt", receipt_id, old, new, RECEIPT_FIELDS, why, countersigner)


def _field(field: str, allowed: tuple[str, ...], hint: str = "") -> None:
    if field not in allowed:
        raise InputError(
            [Problem.of("field", f"expected one of {', '.join(allowed)}{hint}", field)], "correction refused"
        )


def _record(
    conn: Connection,
    info: FundInfo,
    actor: str,
    kind: str,
    subject: str,
    old: NamedTuple,
    new: NamedTuple,
    fields: Iterable[str],
    reason: str,
    countersigner: countersign.Signer | None,
) -> Outcome:
    """One correction per stored field that changes, countersigned as one request, then the re-booking of the
    receipts they touch."""
    changed = [f for f in fields if getattr(new, f) != getattr(old, f)]
    if not changed:
        raise InputError(
            [Problem.of("value", f"{kind} {subject} already has that value; nothing to correct")],
            "correction refused",
        )
    changes = [(f, cell(getattr(old, f)), cell(getattr(new, f))) for f in changed]
    carried = countersign.require(
        conn, request(info.id, actor, kind, subject, changes, reason), countersigner
    )
    before = affected_rates(conn, info)
    made = tuple(
        book.record_correction(conn, actor, kind, subject, f, value, previous, reason, carried)
        for f, previous, value in changes
    )
    touched = affected(conn, info, made, before)
    reversals, rebookings = accrual.rebook(conn, info, touched, made[-1].seq)
    return Outcome(kind, subject, made, len(touched), reversals, rebookings)


def request(
    fund_id: str, actor: str, kind: str, subject: str, changes: Iterable[tuple[str, str, str]], reason: str
) -> countersign.Request:
    """What the member countersigns: each stored field's previous and new value (as the correction records
    them), the reason and who asks; verify rebuilds it from the correction rows."""
    return countersign.Request(
        fund_id,
        countersign.CORRECTION,
        f"{kind}:{subject}",
        {"changes": [list(c) for c in changes], "reason": reason},
        actor,
    )


def affected_rates(conn: Connection, info: FundInfo) -> fx.RateTable:
    terms = info.base_terms()
    return book.rates(conn, terms.fx.domestic_currency, terms.fx.max_age_days)


def rates_without(conn: Connection, info: FundInfo, subjects: Iterable[str]) -> fx.RateTable:
    """The rates as imported, less those of `subjects` ('USD 2026-12-20'): against it, every receipt converted
    at one of those rates differs from now, whatever its value (what verify needs to judge them all)."""
    terms = info.base_terms()
    left_out = set(subjects)
    imported = (book.rate_of(r) for r in conn.execute(select(t.fx_rate)))
    return fx.RateTable(
        (r for r in imported if rate_subject(r.currency, r.date) not in left_out),
        terms.fx.domestic_currency,
        terms.fx.max_age_days,
    )


def affected(conn: Connection, info: FundInfo, made: Iterable[Correction], before: fx.RateTable) -> set[str]:
    """The receipts whose contribution `made` may change: the corrected receipts, those of a corrected licence
    (by its id before or after), and those converted at a rate that differs between `before` and now."""
    made = list(made)
    receipts = {c.subject for c in made if c.kind == "receipt"}
    licences = {c.subject for c in made if c.kind == "licence"}
    if not any(c.kind in ("rate", "licence") for c in made):
        return receipts
    now = affected_rates(conn, info) if any(c.kind == "rate" for c in made) else before
    base = info.base_terms().fund.base_currency
    rate_days = book.rate_days(conn)
    for r in book.receipts(conn):
        if r.licence_id in licences:
            receipts.add(r.receipt_id)
        elif now is not before and r.currency != base:
            day = rate_days.get(r.receipt_id, r.date)
            if any(before.rate(c, day) != now.rate(c, day) for c in (r.currency, base)):
                receipts.add(r.receipt_id)
    return receipts
