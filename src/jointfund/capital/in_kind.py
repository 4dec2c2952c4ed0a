"""In-kind contributions: the assessed value of new military assistance, as reported and as approved.

Reporting one records it (the reported value, a first figure) and opens the proposal the terms
name for it (`capital.kinds[].needs_decision`, an in_kind_valuation) with the value put to the
board. Only when that proposal is approved and executed does the approved value, the second
figure, become the partner's capital: the effect posts it (see portfolio.effects).

The approved value is a capital credit, not an asset (terms `accounting.in_kind =
"capital_credit"`): the fund never holds the assistance, so its net assets do not change. The
credit entry raises the partner's contributed capital (`Equity:Capital:{partner}:InKind`) by the
approved value V and offsets the same V over every partner's capital
(`Equity:Capital:{partner}:InKindOffset`), split by the partners' capital on the approval date
with V added to the contributor's (largest remainder). So with capital C in all and C_p the
contributor's, the contributor's claim becomes (C_p + V) / (C + V) of the net assets, exactly
as if V had been contributed in cash and the net assets had then been shared; each other
partner's claim is scaled by C / (C + V). Nothing is lost or created: the entry sums to zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection, insert, select

from jointfund.capital.accounts import closing_by_partner
from jointfund.capital.allocation import split_minor
from jointfund.capital.proposing import open_proposal
from jointfund.errors import InputError, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import book, countersign
from jointfund.governance.model import Proposal
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.ledger.log import append_event
from jointfund.money import check_amount, convert, format_amount, from_minor, to_minor
from jointfund.store import tables as t
from jointfund.terms.model import ContributionKind, Terms

LINK = "in-kind:"
IN_KIND = "capital.in_kind"  # the countersignature kind of an in-kind report
# Who paid for a delivery: the United States (new US assistance), allies (e.g. through PURL), or a buyer (a
# sale).
FUNDING = ("us_funded", "allied_funded", "sold")


class InKind(NamedTuple):
    """A reported in-kind contribution and where its valuation stands.

    Attributes:
      reference: the reporting ministry's reference; partner, description: whose and what.
      reported: the value as reported; currency: its currency.
      delivered_on: when the assistance was delivered.
      proposal: the in_kind_valuation proposal; proposed: the value it puts to the board.
      approved: the value booked as capital once the proposal was executed, else None.
      booked_on: the date it became capital, else None.
      funded_by: who paid for the delivery (FUNDING); None for a contribution recorded before it was asked.
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
    funded_by: str | None = None


def assessed_kind(terms: Terms, partner: str) -> ContributionKind | None:
    """The partner's contribution kind valued by assessment and decided by a proposal, if it has one."""
    for k in terms.capital.kinds.get(partner, ()):
        if k.valuation == "assessed" and k.needs_decision:
            return k
    return None


def credit_entry(
    terms: Terms, item: InKind, value: Decimal, day: dt.date, proposal: int, capital: Mapping[str, Decimal]
) -> Entry:
    """The capital credit of `value` (functional currency) for `item`, by the partners' `capital` that day."""
    base = terms.fund.base_currency
    assert value > 0 and item.partner in capital
    minor = to_minor(value, base)
    weights = {p: max(to_minor(c, base), 0) + (minor if p == item.partner else 0) for p, c in capital.items()}
    offsets = split_minor(minor, weights)
    legs = [Posting(terms.account_name("capital_in_kind", partner=item.partner), -value, base)]
    legs += [
        Posting(terms.account_name("capital_in_kind_offset", partner=p), from_minor(x, base), base)
        for p, x in offsets.items()
        if x
    ]
    return Entry(
        day,
        f"In-kind contribution {item.reference} of {item.partner}: capital credit at the approved value "
        f"{format_amount(value, base)} {base} (proposal {proposal}); no asset of the fund",
        tuple(legs),
        f"{LINK}{item.reference}",
        (f"{LINK}{item.reference}", f"proposal:{proposal}"),
    )


def functional_value(
    conn: Connection, info: FundInfo, amount: Decimal, currency: str, day: dt.date
) -> Decimal:
    """`amount` in the functional currency at the reference rate of `day`, rounded once (half up)."""
    terms = info.terms(day)
    base = terms.fund.base_currency
    if currency == base:
        return amount
    from jointfund.revenue.book import rates  # only a credit in another currency needs the rates

    table = rates(conn, terms.fx.domestic_currency, terms.fx.max_age_days)
    own, quote = table.rate(currency, day), table.rate(base, day)
    if own is None or quote is None:
        raise Refused(
            f"the in-kind credit needs the {currency if own is None else base} reference rate of {day} "
            "to value it in the functional currency; import it with: jointfund fx import FILE"
        )
    return convert(amount, own, quote, base)


def report(
    conn: Connection,
    info: FundInfo,
    actor: str,
    partner: str,
    description: str,
    value: Decimal,
    currency: str,
    delivered_on: dt.date,
    reference: str,
    proposer: str,
    private,
    on: dt.date,  # noqa: ANN001
    proposed: Decimal | None = None,
    funded_by: str | None = None,
    countersigner: countersign.Signer | None = None,
) -> tuple[InKind, Proposal]:
    """Record the reported value and open the valuation proposal, in the caller's write transaction; the
    report is countersigned by a seated member other than `actor` (governance.countersign).

    The terms say which fundings count (the kind's `funded_by`); a delivery funded otherwise is refused, with
    the
    reason, before any proposal is opened."""
    terms = info.terms(on)
    problems = []
    kind = assessed_kind(terms, partner) if partner in terms.partner_codes else None
    if kind is None:
        who = [p for p in terms.partner_codes if assessed_kind(terms, p)]
        problems.append(
            Problem.of(
                "partner",
                f"the terms give no assessed in-kind contribution to this partner; "
                f"only to {', '.join(who) or 'none'}",
                partner,
            )
        )
    if currency not in terms.fund.currencies:
        problems.append(
            Problem.of("currency", f"expected one of {', '.join(terms.fund.currencies)}", currency)
        )
    for name, x in (("value", value), ("proposed_value", proposed)):
        if x is not None and x <= 0:
            problems.append(Problem.of(name, "must be more than zero", str(x)))
        elif x is not None and currency in terms.fund.currencies:  # no more decimals than the currency has
            problems += [p for p in (check_amount(x, currency, name)[1],) if p is not None]
    if not description.strip() or len(description) > 500:
        problems.append(
            Problem.of("description", "a description of 1 to 500 characters is needed", description)
        )
    if not reference.strip() or len(reference) > 64 or any(ch.isspace() for ch in reference):
        problems.append(
            Problem.of("reference", "a reference of 1 to 64 characters without spaces is needed", reference)
        )
    if delivered_on < info.start_date:
        problems.append(
            Problem.of(
                "date",
                f"assistance delivered before the entry into force ({info.start_date}) does not count",
                str(delivered_on),
            )
        )
    if delivered_on > on:
        problems.append(Problem.of("date", f"after today ({on})", str(delivered_on)))
    problems += funding_problems(kind, funded_by)
    if problems:
        raise InputError(problems, "in-kind contribution not recorded")
    assert kind is not None and kind.needs_decision
    if get(conn, info, reference) is not None:
        raise Refused(
            f"in-kind contribution {reference} is already recorded; see: jointfund capital in-kind-list"
        )
    put = proposed if proposed is not None else value
    p = open_proposal(
        conn,
        info,
        actor,
        kind.needs_decision,
        f"Valuation of {partner}'s in-kind contribution {reference}: {description.strip()}",
        proposer,
        private,
        on,
        put,
        currency,
        f"{LINK}{reference}",
    )
    item = InKind(
        reference, partner, description.strip(), value, currency, delivered_on, p.id, put, funded_by=funded_by
    )
    row = {
        "reference": reference,
        "partner": partner,
        "description": item.description,
        "reported_minor": to_minor(value, currency),
        "currency": currency,
        "delivered_on": delivered_on,
        "proposal_id": p.id,
        "funded_by": funded_by,
    }
    carried = countersign.require(conn, request(info.id, actor, row), countersigner)
    seq = append_event(
        conn,
        actor,
        "capital.in_kind",
        f"{LINK}{reference}",
        {
            "reference": reference,
            "partner": partner,
            "description": item.description,
            "currency": currency,
            "reported": format_amount(value, currency),
            "proposed": format_amount(put, currency),
            "delivered_on": delivered_on.isoformat(),
            "proposal": p.id,
            "funded_by": funded_by,
            "before": None,
            "after": "reported",
            countersign.FIELD: carried,
        },
    )
    countersign.record(conn, seq, IN_KIND, carried)  # before the row, which the database refuses without it
    conn.execute(insert(t.in_kind).values(**row, seq=seq))
    return item, p


def request(fund_id: str, actor: str, row: Mapping) -> countersign.Request:
    """What a member countersigns of an in-kind report: the reported contribution as its row records it
    (verify rebuilds it from the row)."""
    return countersign.Request(
        fund_id,
        IN_KIND,
        f"{LINK}{row['reference']}",
        {
            "partner": row["partner"],
            "description": row["description"],
            "reported": format_amount(from_minor(row["reported_minor"], row["currency"]), row["currency"]),
            "currency": row["currency"],
            "delivered_on": row["delivered_on"].isoformat(),
            "proposal": row["proposal_id"],
            "funded_by": row["funded_by"],
        },
        actor,
    )


def funding_problems(kind: ContributionKind | None, funded_by: str | None) -> list[Problem]:
    """Why a delivery so funded cannot count as the partner's capital under the terms, if it cannot."""
    if funded_by is not None and funded_by not in FUNDING:
        return [Problem.of("funded_by", f"expected one of {', '.join(FUNDING)}", funded_by)]
    counts = kind.funded_by if kind is not None else ()
    if not counts:  # the terms do not ask who paid
        return []
    if funded_by is None:
        return [
            Problem.of(
                "funded_by",
                f"say who paid for the delivery ({', '.join(FUNDING)}); the terms count only "
                f"{', '.join(counts)}",
            )
        ]
    if funded_by not in counts:
        return [
            Problem.of(
                "funded_by",
                f"the terms count only {', '.join(counts)} assistance as capital: a delivery "
                f"{funded_by.replace('_', ' ')} is not new assistance the partner paid for",
                funded_by,
            )
        ]
    return []


def book_approved(conn: Connection, info: FundInfo, p: Proposal, on: dt.date) -> InKind | None:
    """The effect of an executed in_kind_valuation proposal: its amount becomes the partner's capital."""
    item = by_reference(conn, info, p.about)
    if item is None:
        return None
    if item.proposal != p.id:
        raise Refused(
            f"proposal {p.id} is not the valuation proposal of in-kind contribution {item.reference} "
            f"(that is proposal {item.proposal})"
        )
    assert p.amount is not None and p.currency == item.currency
    value = functional_value(conn, info, p.amount, p.currency, on)
    capital = closing_by_partner(conn, info, on)
    journal.post(conn, [credit_entry(info.terms(on), item, value, on, p.id, capital)], info.start_date)
    return item._replace(approved=p.amount, booked_on=on)


def _of(r, proposals: dict[int, Proposal], booked: dict[str, tuple[Decimal, dt.date]]) -> InKind:  # noqa: ANN001
    p = proposals.get(r.proposal_id)
    approved, on = booked.get(r.reference, (None, None))
    return InKind(
        r.reference,
        r.partner,
        r.description,
        from_minor(r.reported_minor, r.currency),
        r.currency,
        r.delivered_on,
        r.proposal_id,
        p.amount if p else None,
        approved,
        on,
        r.funded_by,
    )


def items(conn: Connection, info: FundInfo, as_of: dt.date | None = None) -> list[InKind]:
    rows = list(conn.execute(select(t.in_kind).order_by(t.in_kind.c.delivered_on, t.in_kind.c.reference)))
    if not rows:  # a fund on terms without in-kind contributions has no account for them to read
        return []
    proposals = {p.id: p for p in book.proposals(conn, [r.proposal_id for r in rows])}
    booked: dict[str, tuple[Decimal, dt.date]] = {}
    for r in rows:  # the credit entry of each, keyed by its reference; the approved value is the proposal's
        p = proposals.get(r.proposal_id)
        for e in journal.entries(conn, until=as_of, link=f"{LINK}{r.reference}"):
            if p is not None and p.amount is not None:
                booked[r.reference] = (p.amount, e.date)
    return [_of(r, proposals, booked) for r in rows]


def get(conn: Connection, info: FundInfo, reference: str) -> InKind | None:
    return next((x for x in items(conn, info) if x.reference == reference), None)


def by_reference(conn: Connection, info: FundInfo, about: str | None) -> InKind | None:
    if not about or not about.startswith(LINK):
        return None
    return get(conn, info, about[len(LINK) :])
