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

from jointfund.revenue.licence import Licence
from jointfund.revenue.receipt import Receipt
from jointfund.terms import terms_in_force
from jointfund.terms.model import Terms


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
      covered: resource codes whose revenue counts.
      streams: stream code -> its rule; a stream absent here carries no contribution.
      rounding: how a contribution is rounded to the currency's minor unit.
      base_currency: the fund's currency (USD), in which contributions are also shown.
      domestic_currency: the rates' quote currency (UAH): conversions go through it.
      receivable, obligation: the contributing partner's accounts an accrual posts to.
    """

    receipts_from: dt.date
    issued_from: dt.date
    new_bases: frozenset[str]
    always_bases: frozenset[str]
    excluded_bases: Mapping[str, str]
    covered: frozenset[str]
    streams: Mapping[str, StreamRule]
    rounding: str
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
            covered=frozenset(r.code for r in terms.resources if r.covered),
            streams={s.code: StreamRule(s.share, s.in_force_from, s.psa_only) for s in terms.contribution.streams},
            rounding=terms.contribution.rounding,
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
        return list(zip(self._starts, ends, self._rules))


def explain(receipt: Receipt, licence: Licence, rules: Rules) -> str | None:
    """None when `receipt` counts for the fund; otherwise the first rule that excludes it."""
    if receipt.date < rules.receipts_from:
        return f"receipt dated {receipt.date}, before entry into force {rules.receipts_from}"
    if licence.resource not in rules.covered:
        return f"resource {licence.resource} is not covered"
    basis = licence.basis
    if basis in rules.excluded_bases:
        return f"licence basis {basis}: {rules.excluded_bases[basis]}"
    if basis in rules.new_bases:
        if licence.issued < rules.issued_from:
            return f"licence issued {licence.issued}, before entry into force {rules.issued_from}"
    elif basis not in rules.always_bases:
        return f"licence basis {basis} does not count under the terms in force"
    stream = rules.streams.get(receipt.stream)
    if stream is None:
        return f"stream {receipt.stream} carries no contribution"
    if receipt.date < stream.in_force_from:
        return f"stream {receipt.stream} counts only from {stream.in_force_from}"
    if stream.psa_only and not licence.psa:
        return f"stream {receipt.stream} counts only under a production sharing agreement; licence {licence.licence_id} has none"
    return None
