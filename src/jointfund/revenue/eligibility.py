"""Which receipts count, and why not: the rules of the terms in force on the receipt date.

`Rules` is the part of the terms the rules read, flattened for speed (they run once per
receipt, a million times in a large year). `RuleBook` holds one `Rules` per period between
the terms' amendments, so a receipt is always judged by the terms as they stood on its date.
`explain` is the one definition of eligibility: None when a receipt counts, else the first
rule that excluded it, in plain words.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from jointfund.i18n import N_
from jointfund.revenue.licence import Licence
from jointfund.revenue.receipt import Receipt
from jointfund.terms import terms_in_force
from jointfund.terms.model import Terms

# The reasons, as gettext templates: the pages show them in the reader's language by recognising the
# English text (i18n.recognise), so the reason stored and exported stays one plain English string.
EARLY_RECEIPT = N_("receipt dated %(date)s, before entry into force %(start)s")
EXCLUDED_FLAG = N_("excluded: %(flag)s")
OTHER_BUDGET = N_("%(budget)s budget share")
UNCOVERED = N_("resource %(resource)s is not covered")
NONE_COVERED = N_("none of the licence's resources (%(resources)s) is covered")
EXCLUDED_BASIS = N_("licence basis %(basis)s: %(why)s")
EARLY_LICENCE = N_("licence issued %(date)s, before entry into force %(start)s")
OTHER_BASIS = N_("licence basis %(basis)s does not count under the terms in force")
NO_STREAM = N_("stream %(stream)s carries no contribution")
EARLY_STREAM = N_("stream %(stream)s counts only from %(start)s")
NO_PSA = N_(
    "stream %(stream)s counts only under a production sharing agreement; licence %(licence)s has none"
)
EARLY_PSA = N_("PSA signed %(signed)s, before entry into force %(start)s")
REASONS = (
    EARLY_RECEIPT,
    EXCLUDED_FLAG,
    OTHER_BUDGET,
    UNCOVERED,
    NONE_COVERED,
    EXCLUDED_BASIS,
    EARLY_LICENCE,
    OTHER_BASIS,
    NO_STREAM,
    EARLY_STREAM,
    NO_PSA,
    EARLY_PSA,
)


class StreamRule(NamedTuple):
    """A stream's contribution rule: the share owed, from when, and whether only under a PSA."""

    share: Decimal
    in_force_from: dt.date
    psa_only: bool


class Rules(NamedTuple):
    """The eligibility and contribution rules of one version of the terms.

    Attributes:
      receipts_from: receipts dated earlier never count (the entry into force).
      issued_from: licences of a `new_bases` basis count when issued on or after it.
      new_bases, always_bases: bases that count (by issue date / whatever the date).
      excluded_bases: bases that never count -> the reason the terms give.
      excluded_flags: flags of a receipt or its licence that exclude it -> the terms' explanation.
      default_budget, base_budgets: the budget of a receipt that names none; the budgets whose receipts count.
      psa_signed_from: PSA streams count only for PSAs signed on or after it; None: no such rule.
      multi_coverage: any, all or primary: which resources of a several-resource licence must be covered
        when its receipt names none.
      covered: resource codes whose revenue counts.
      streams: stream code -> its rule; a stream absent here carries no contribution.
      rounding: how a contribution is rounded to the currency's minor unit.
      rounding_level: per_receipt, or per_day_stream (see contribution.rounding_differences).
      rounding_account: where the difference of rounding per day and stream is booked (the ledger role
        contribution_rounding); None when the terms name none (they then round per receipt).
      base_currency: the fund's currency (USD), in which contributions are also shown.
      domestic_currency: the rates' quote currency (UAH): conversions go through it.
      receivable, obligation: the contributing partner's accounts an accrual posts to.
    """

    receipts_from: dt.date
    issued_from: dt.date
    new_bases: frozenset[str]
    always_bases: frozenset[str]
    excluded_bases: Mapping[str, str]
    excluded_flags: Mapping[str, str]
    default_budget: str
    base_budgets: frozenset[str]
    psa_signed_from: dt.date | None
    multi_coverage: str
    covered: frozenset[str]
    streams: Mapping[str, StreamRule]
    rounding: str
    rounding_level: str
    rounding_account: str | None
    base_currency: str
    domestic_currency: str
    receivable: str
    obligation: str

    @classmethod
    def from_terms(cls, terms: Terms) -> Rules:
        e = terms.eligibility
        partner = terms.contribution.partner
        return cls(
            receipts_from=e.receipts_on_or_after,
            issued_from=e.issued_on_or_after,
            new_bases=frozenset(e.new_bases),
            always_bases=frozenset(e.always_bases),
            excluded_bases=dict(e.excluded_bases),
            excluded_flags=dict(e.excluded_flags),
            default_budget=terms.contribution.budgets[0],
            base_budgets=frozenset(terms.contribution.base_budgets),
            psa_signed_from=e.psa_signed_on_or_after,
            multi_coverage=e.multi_resource_coverage,
            covered=frozenset(r.code for r in terms.resources if r.covered),
            streams={
                s.code: StreamRule(s.share, s.in_force_from, s.psa_only) for s in terms.contribution.streams
            },
            rounding=terms.contribution.rounding,
            rounding_level=terms.contribution.rounding_level,
            rounding_account=(
                terms.account_name("contribution_rounding", partner=partner)
                if "contribution_rounding" in terms.ledger.roles
                else None
            ),
            base_currency=terms.fund.base_currency,
            domestic_currency=terms.fx.domestic_currency,
            receivable=terms.account_name("contribution_receivable", partner=partner),
            obligation=terms.account_name("contribution_obligation", partner=partner),
        )


class RuleBook:
    """The rules in force on any day: one `Rules` per stretch between amendments."""

    def __init__(self, terms_text: str, adopted: tuple[str, ...] = ()) -> None:
        base = terms_in_force(terms_text, dt.date.min, adopted)
        starts = sorted({a.effective for a in base.amendments})
        self._starts = [dt.date.min, *starts]
        self._rules = [Rules.from_terms(terms_in_force(terms_text, day, adopted)) for day in self._starts]
        self.max_age_days = base.fx.max_age_days

    def on(self, day: dt.date) -> Rules:
        return self._rules[bisect.bisect_right(self._starts, day) - 1]

    def periods(self) -> list[tuple[dt.date, dt.date | None, Rules]]:
        """(first day, first day after or None, rules) of each stretch, for column-wise evaluation."""
        ends: list[dt.date | None] = [*self._starts[1:], None]
        return list(zip(self._starts, ends, self._rules, strict=True))


def explain(receipt: Receipt, licence: Licence, rules: Rules) -> str | None:
    """None when `receipt` counts for the fund; otherwise the first rule that excludes it."""
    if receipt.date < rules.receipts_from:
        return EARLY_RECEIPT % {"date": receipt.date, "start": rules.receipts_from}
    flag = next((f for f in (*receipt.flags, *licence.flags) if f in rules.excluded_flags), None)
    if flag is not None:
        return EXCLUDED_FLAG % {"flag": flag}
    budget = receipt.budget or rules.default_budget
    if budget not in rules.base_budgets:
        return OTHER_BUDGET % {"budget": budget}
    uncovered = _uncovered(receipt, licence, rules)
    if uncovered is not None:
        return uncovered
    basis = _basis(licence, rules)
    if basis is not None:
        return basis
    stream = rules.streams.get(receipt.stream)
    if stream is None:
        return NO_STREAM % {"stream": receipt.stream}
    if receipt.date < stream.in_force_from:
        return EARLY_STREAM % {"stream": receipt.stream, "start": stream.in_force_from}
    if stream.psa_only and not licence.psa:
        return NO_PSA % {"stream": receipt.stream, "licence": licence.licence_id}
    if (
        stream.psa_only
        and rules.psa_signed_from is not None
        and licence.psa_signed is not None
        and licence.psa_signed < rules.psa_signed_from
    ):
        return EARLY_PSA % {"signed": licence.psa_signed, "start": rules.psa_signed_from}
    return None


def _basis(licence: Licence, rules: Rules) -> str | None:
    """Why the licence's basis or issue date excludes its revenue, or None."""
    basis = licence.basis
    if basis in rules.excluded_bases:
        return EXCLUDED_BASIS % {"basis": basis, "why": rules.excluded_bases[basis]}
    if basis in rules.new_bases:
        if licence.issued < rules.issued_from:
            return EARLY_LICENCE % {"date": licence.issued, "start": rules.issued_from}
    elif basis not in rules.always_bases:
        return OTHER_BASIS % {"basis": basis}
    return None


def explain_licence(licence: Licence, rules: Rules) -> str | None:
    """None when a licence's revenue can count (for the public register); else the first rule that excludes
    all of it: a flag, its resources (as a receipt naming none would be judged), its basis or issue date."""
    flag = next((f for f in licence.flags if f in rules.excluded_flags), None)
    if flag is not None:
        return EXCLUDED_FLAG % {"flag": flag}
    no_resource = Receipt(
        "", rules.receipts_from, licence.licence_id, "", Decimal(0), rules.domestic_currency
    )
    return _uncovered(no_resource, licence, rules) or _basis(licence, rules)


def _uncovered(receipt: Receipt, licence: Licence, rules: Rules) -> str | None:
    """Why the receipt's resource is not covered, or None. The resource is the receipt's own, or its
    licence's only one; for a licence of several and a receipt that names none, the terms decide."""
    if receipt.resource is not None or not licence.other_resources:
        resource = receipt.resource or licence.resource
        return None if resource in rules.covered else UNCOVERED % {"resource": resource}
    if rules.multi_coverage == "primary":
        return None if licence.resource in rules.covered else UNCOVERED % {"resource": licence.resource}
    if rules.multi_coverage == "all":
        missing = next((r for r in licence.resources if r not in rules.covered), None)
        return None if missing is None else UNCOVERED % {"resource": missing}
    assert rules.multi_coverage == "any", rules.multi_coverage
    if any(r in rules.covered for r in licence.resources):
        return None
    return NONE_COVERED % {"resources": ", ".join(licence.resources)}
