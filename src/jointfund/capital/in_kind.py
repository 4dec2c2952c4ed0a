"""In-kind contributions: the assessed value of new military assistance, as reported and as approved.

Reporting one records it (the reported value, a first figure) and opens the proposal the terms
name for it (`capital.kinds[].needs_decision`, an in_kind_valuation) with the value put to the
board. Only when that proposal is approved and executed does the approved value, the second
figure, become the partner's capital: the effect posts it (see portfolio.effects).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection, select

from jointfund.capital.proposing import open_proposal
from jointfund.errors import InputError, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import book
from jointfund.governance.model import Proposal
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.money import format_amount, from_minor, to_minor
from jointfund.store import tables as t
from jointfund.terms.model import ContributionKind, Terms

LINK = "in-kind:"


class InKind(NamedTuple):
    """A reported in-kind contribution and where its valuation stands.

    Attributes:
      reference: the reporting ministry's reference; partner, description: whose and what.
      reported: the value as reported; currency: its currency.
      delivered_on: when the assistance was delivered.
      proposal: the in_kind_valuation proposal; proposed: the value it puts to the board.
      approved: the value booked as capital once the proposal was executed, else None.
      booked_on: the date it became capital, else None.
    """

    reference: str
    partner: str
    description: str
    reported: Decimal
    currency: str
    delivered_on: dt.date
    proposal: int
    proposed: Decimal | None
    approved: Decimal | None = None
    booked_on: dt.date | None = None


def assessed_kind(terms: Terms, partner: str) -> ContributionKind | None:
    """The partner's contribution kind valued by assessment and decided by a proposal, if it has one."""
    for k in terms.capital.kinds.get(partner, ()):
        if k.valuation == "assessed" and k.needs_decision:
            return k
    return None


def entry(terms: Terms, item: InKind, value: Decimal, day: dt.date, proposal: int) -> Entry:
    c = item.currency
    return Entry(day, f"In-kind contribution {item.reference} of {item.partner} at the approved value (proposal {proposal})", (
        Posting(terms.account_name("in_kind_asset"), value, c),
        Posting(terms.account_name("capital_in_kind", partner=item.partner), -value, c),
    ), f"{LINK}{item.reference}", (f"{LINK}{item.reference}", f"proposal:{proposal}"))


def report(conn: Connection, info: FundInfo, actor: str, partner: str, description: str, value: Decimal,
           currency: str, delivered_on: dt.date, reference: str, proposer: str, private, on: dt.date,  # noqa: ANN001
           proposed: Decimal | None = None) -> tuple[InKind, Proposal]:
    """Record the reported value and open the valuation proposal, in the caller's write transaction."""
    terms = info.terms(on)
    problems = []
    kind = assessed_kind(terms, partner) if partner in terms.partner_codes else None
    if kind is None:
        who = [p for p in terms.partner_codes if assessed_kind(terms, p)]
        problems.append(Problem("--partner", f"the terms give no assessed in-kind contribution to this partner; "
                                f"only to {', '.join(who) or 'none'}", partner))
    if currency not in terms.fund.currencies:
        problems.append(Problem("--currency", f"expected one of {', '.join(terms.fund.currencies)}", currency))
    for name, x in (("--value", value), ("--proposed-value", proposed)):
        if x is not None and x <= 0:
            problems.append(Problem(name, "must be more than zero", str(x)))
    if not description.strip() or len(description) > 500:
        problems.append(Problem("--description", "a description of 1 to 500 characters is needed", description))
    if not reference.strip() or len(reference) > 64 or any(ch.isspace() for ch in reference):
        problems.append(Problem("--reference", "a reference of 1 to 64 characters without spaces is needed", reference))
    if delivered_on < info.start_date:
        problems.append(Problem("--date", f"assistance delivered before the entry into force ({info.start_date}) does not count",
                                str(delivered_on)))
    if delivered_on > on:
        problems.append(Problem("--date", f"after today ({on})", str(delivered_on)))
    if problems:
        raise InputError(problems, "in-kind contribution not recorded")
    assert kind is not None and kind.needs_decision
    if get(conn, info, reference) is not None:
        raise Refused(f"in-kind contribution {reference} is already recorded; see: jointfund capital in-kind-list")
    put = proposed if proposed is not None else value
    p = open_proposal(conn, info, actor, kind.needs_decision,
                      f"Valuation of {partner}'s in-kind contribution {reference}: {description.strip()}",
                      proposer, private, on, put, currency, f"{LINK}{reference}")
    item = InKind(reference, partner, description.strip(), value, currency, delivered_on, p.id, put)
    book.record(conn, actor, "capital.in_kind", f"{LINK}{reference}",
                {"reference": reference, "partner": partner, "description": item.description, "currency": currency,
                 "reported": format_amount(value, currency), "proposed": format_amount(put, currency),
                 "delivered_on": delivered_on.isoformat(), "proposal": p.id, "before": None, "after": "reported"},
                t.in_kind, {"reference": reference, "partner": partner, "description": item.description,
                            "reported_minor": to_minor(value, currency), "currency": currency,
                            "delivered_on": delivered_on, "proposal_id": p.id})
    return item, p


def book_approved(conn: Connection, info: FundInfo, p: Proposal, on: dt.date) -> InKind | None:
    """The effect of an executed in_kind_valuation proposal: its amount becomes the partner's capital."""
    item = by_reference(conn, info, p.about)
    if item is None:
        return None
    if item.proposal != p.id:
        raise Refused(f"proposal {p.id} is not the valuation proposal of in-kind contribution {item.reference} "
                      f"(that is proposal {item.proposal})")
    assert p.amount is not None and p.currency == item.currency
    journal.post(conn, [entry(info.terms(on), item, p.amount, on, p.id)], info.start_date)
    return item._replace(approved=p.amount, booked_on=on)


def _of(r, proposals: dict[int, Proposal], booked: dict[str, tuple[Decimal, dt.date]]) -> InKind:  # noqa: ANN001
    p = proposals.get(r.proposal_id)
    approved, on = booked.get(r.reference, (None, None))
    return InKind(r.reference, r.partner, r.description, from_minor(r.reported_minor, r.currency), r.currency,
                  r.delivered_on, r.proposal_id, p.amount if p else None, approved, on)


def items(conn: Connection, info: FundInfo, as_of: dt.date | None = None) -> list[InKind]:
    rows = list(conn.execute(select(t.in_kind).order_by(t.in_kind.c.delivered_on, t.in_kind.c.reference)))
    if not rows:  # a fund on terms without in-kind contributions has no account for them to read
        return []
    proposals = {p.id: p for p in book.proposals(conn, [r.proposal_id for r in rows])}
    booked: dict[str, tuple[Decimal, dt.date]] = {}
    for e in journal.entries(conn, until=as_of, account=info.base_terms().account_name("in_kind_asset")):
        ref = next((x.removeprefix(LINK) for x in e.links if x.startswith(LINK)), None)
        if ref:
            booked[ref] = (max(p.amount for p in e.postings), e.date)
    return [_of(r, proposals, booked) for r in rows]


def get(conn: Connection, info: FundInfo, reference: str) -> InKind | None:
    return next((x for x in items(conn, info) if x.reference == reference), None)


def by_reference(conn: Connection, info: FundInfo, about: str | None) -> InKind | None:
    if not about or not about.startswith(LINK):
        return None
    return get(conn, info, about[len(LINK):])
