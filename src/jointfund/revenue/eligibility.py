"""Which receipts count, and why not: the rules of the terms in force on the receipt date.

`Rules` is the part of the terms the rules read, flattened for speed (they run once per
receipt, a million times in a large year). `RuleBook` holds one `Rules` per period between
the terms' amendments, so a receipt is always judged by the terms as they stood on its date.
`EXCLUSIONS` is the one definition of eligibility: each rule declared once, in the words of
vocabulary.py, from which both readings come: `explain` (one receipt: None when it counts, else the
first rule that excluded it, in plain words) and `excluded` (a polars expression over a frame of
receipts, for bulk.py).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from jointfund.i18n import N_
from jointfund.revenue.licence import Licence
from jointfund.revenue.receipt import Receipt
from jointfund.revenue.vocabulary import COLUMNS, Row, Vocabulary
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


class Exclusion(NamedTuple):
    """One rule that excludes a receipt, declared once.

    Attributes:
      reason: the gettext template of the reason it gives.
      applies: (vocabulary, rules) -> whether it excludes: read on a `Row`, a bool for one receipt; read on
        `COLUMNS`, a Boolean expression over bulk.py's frame. Each stands alone (it does not rely on an
        earlier rule having let the receipt through), so the frame may test them all at once.
      detail: (row, rules) -> the reason's parameters, for a receipt it applies to (words only).
      of_licence: whether it also judges a licence on its own (the public register, `explain_licence`).
    """

    reason: str
    applies: Callable[[Vocabulary, Rules], Any]
    detail: Callable[[Row, Rules], dict[str, object]]
    of_licence: bool = False


def _single(v: Vocabulary) -> Any:
    """The receipt's resource is its own, or its licence's only one (else the terms' multi-coverage rule)."""
    return v.or_(v.not_(v.is_null(v.col("resource"))), v.no_codes("other_resources"))


def resource_of(v: Vocabulary) -> Any:
    """The receipt's resource: its own, else its licence's primary one."""
    return v.coalesce(v.col("resource"), v.col("primary_resource"))


def _budget(v: Vocabulary, r: Rules) -> Any:
    return v.coalesce(v.col("budget"), v.lit(r.default_budget))


def _several_uncovered(v: Vocabulary, r: Rules) -> Any:
    """A licence of several resources, for a receipt naming none: `primary` or `all` not covered."""
    if r.multi_coverage == "primary":
        missing = v.not_(v.is_in(v.col("primary_resource"), r.covered))
    elif r.multi_coverage == "all":
        missing = v.not_(v.all_codes_in(("primary_resource", "other_resources"), r.covered))
    else:
        assert r.multi_coverage == "any", r.multi_coverage
        return v.lit(False)
    return v.and_(v.not_(_single(v)), missing)


def _none_covered(v: Vocabulary, r: Rules) -> Any:
    if r.multi_coverage != "any":
        return v.lit(False)
    return v.and_(
        v.not_(_single(v)), v.not_(v.any_code_in(("primary_resource", "other_resources"), r.covered))
    )


def _psa_only(r: Rules) -> frozenset[str]:
    return frozenset(code for code, s in r.streams.items() if s.psa_only)


def _first_flag(row: Row, r: Rules) -> str:
    flag: str = next(f for f in (*row.col("flags"), *row.col("licence_flags")) if f in r.excluded_flags)
    return flag


def _first_missing(row: Row, r: Rules) -> str:
    resources = (row.col("primary_resource"), *row.col("other_resources"))
    missing: str = next(x for x in resources if x not in r.covered)
    return missing


# The rules of eligibility, in the order the reasons are given: a receipt counts when none applies.
EXCLUSIONS = (
    Exclusion(
        EARLY_RECEIPT,
        lambda v, r: v.before(v.col("date"), r.receipts_from),
        lambda row, r: {"date": row.col("date"), "start": r.receipts_from},
    ),
    Exclusion(
        EXCLUDED_FLAG,
        lambda v, r: v.any_code_in(("flags", "licence_flags"), r.excluded_flags),
        lambda row, r: {"flag": _first_flag(row, r)},
        of_licence=True,
    ),
    Exclusion(
        OTHER_BUDGET,
        lambda v, r: v.not_(v.is_in(_budget(v, r), r.base_budgets)),
        lambda row, r: {"budget": _budget(row, r)},
    ),
    Exclusion(
        UNCOVERED,
        lambda v, r: v.and_(_single(v), v.not_(v.is_in(resource_of(v), r.covered))),
        lambda row, r: {"resource": resource_of(row)},
        of_licence=True,
    ),
    Exclusion(
        UNCOVERED,
        _several_uncovered,
        lambda row, r: {"resource": _first_missing(row, r)},
        of_licence=True,
    ),
    Exclusion(
        NONE_COVERED,
        _none_covered,
        lambda row, r: {"resources": ", ".join((row.col("primary_resource"), *row.col("other_resources")))},
        of_licence=True,
    ),
    Exclusion(
        EXCLUDED_BASIS,
        lambda v, r: v.is_in(v.col("basis"), r.excluded_bases),
        lambda row, r: {"basis": row.col("basis"), "why": r.excluded_bases[row.col("basis")]},
        of_licence=True,
    ),
    Exclusion(
        EARLY_LICENCE,
        lambda v, r: v.and_(v.is_in(v.col("basis"), r.new_bases), v.before(v.col("issued"), r.issued_from)),
        lambda row, r: {"date": row.col("issued"), "start": r.issued_from},
        of_licence=True,
    ),
    Exclusion(
        OTHER_BASIS,
        lambda v, r: v.not_(
            v.or_(v.is_in(v.col("basis"), r.new_bases), v.is_in(v.col("basis"), r.always_bases))
        ),
        lambda row, r: {"basis": row.col("basis")},
        of_licence=True,
    ),
    Exclusion(
        NO_STREAM,
        lambda v, r: v.not_(v.is_in(v.col("stream"), r.streams)),
        lambda row, r: {"stream": row.col("stream")},
    ),
    Exclusion(
        EARLY_STREAM,
        lambda v, r: v.lt(
            v.col("date"), v.lookup(v.col("stream"), {c: s.in_force_from for c, s in r.streams.items()})
        ),
        lambda row, r: {"stream": row.col("stream"), "start": r.streams[row.col("stream")].in_force_from},
    ),
    Exclusion(
        NO_PSA,
        lambda v, r: v.and_(v.is_in(v.col("stream"), _psa_only(r)), v.not_(v.col("psa"))),
        lambda row, r: {"stream": row.col("stream"), "licence": row.col("licence_id")},
    ),
    Exclusion(
        EARLY_PSA,
        lambda v, r: (
            v.lit(False)
            if r.psa_signed_from is None
            else v.and_(
                v.is_in(v.col("stream"), _psa_only(r)), v.before(v.col("psa_signed"), r.psa_signed_from)
            )
        ),
        lambda row, r: {"signed": row.col("psa_signed"), "start": r.psa_signed_from},
    ),
)
LICENCE_EXCLUSIONS = tuple(x for x in EXCLUSIONS if x.of_licence)


def explain(receipt: Receipt, licence: Licence, rules: Rules) -> str | None:
    """None when `receipt` counts for the fund; otherwise the first rule of EXCLUSIONS that excludes it."""
    return first_reason(Row(receipt, licence), rules, EXCLUSIONS)


def explain_licence(licence: Licence, rules: Rules) -> str | None:
    """None when a licence's revenue can count (for the public register); else the first rule that excludes
    all of it: a flag, its resources (as a receipt naming none would be judged), its basis or issue date."""
    no_resource = Receipt(
        "", rules.receipts_from, licence.licence_id, "", Decimal(0), rules.domestic_currency
    )
    return first_reason(Row(no_resource, licence), rules, LICENCE_EXCLUSIONS)


def first_reason(row: Row, rules: Rules, exclusions: tuple[Exclusion, ...]) -> str | None:
    """The reason of the first of `exclusions` that applies to the receipt of `row`, or None."""
    for x in exclusions:
        if x.applies(row, rules):
            return x.reason % x.detail(row, rules)
    return None


def excluded(rules: Rules) -> Any:
    """The column-wise reading: a Boolean expression, True where some rule of EXCLUSIONS applies."""
    return COLUMNS.or_(*(x.applies(COLUMNS, rules) for x in EXCLUSIONS))
