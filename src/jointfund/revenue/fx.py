"""Reference exchange rates (NBU: domestic currency per one unit of a foreign one) and their lookup.

The rule (from the terms): a receipt takes the rate of its own date or, when that day
has none (a weekend, a holiday), the latest earlier one, if it is not older than the
terms' `fx.max_age_days`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from jointfund.i18n import N_
from jointfund.revenue import cell_rules
from jointfund.revenue.fields import Cells
from jointfund.revenue.reader import Columns
from jointfund.terms.model import FxSource

COLUMNS = Columns(("date", "currency", "rate"))
# NBU's open-data JSON: {"r030": 840, "txt": "Долар США", "rate": 41.2345, "cc": "USD", "exchangedate":
# "DD.MM.YYYY"}
NBU_KEYS = {"date": "exchangedate", "currency": "cc", "rate": "rate"}
_CODE = re.compile(r"^[A-Z]{3}$")


class Rate(NamedTuple):
    """One official rate.

    Attributes:
      currency: the foreign currency (ISO 4217 code).
      date: the day the rate is set for.
      rate: units of the domestic currency per one unit of `currency`, exact.
    """

    currency: str
    date: dt.date
    rate: Decimal


def rules(terms: FxSource, start: dt.date) -> cell_rules.Rules:
    """A rate's columns and their rules, in the order a row is read: within the fund's dates (from `start`)
    and the terms' plausible range for its currency."""
    return {"date": cell_rules.Date(start), "currency": _Code(), "rate": _Plausible(terms, "currency")}


def parse(cells: Cells, terms: FxSource, start: dt.date) -> Rate | None:
    """A rate row, within the fund's dates and the terms' plausible range for its currency."""
    return read(cells, rules(terms, start))


def read(cells: Cells, declared: cell_rules.Rules) -> Rate | None:
    """A rate from its cells by the `rules` declared (built once for a file)."""
    got = cell_rules.read(declared, cells)
    return None if got is None else Rate(**got)


class _Code(cell_rules.Rule):
    """A three-letter ISO 4217 code, in any case (NBU's files write it in capitals)."""

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> str:
        currency = cells.raw(column).upper()
        if not _CODE.match(currency):
            cells.fail(column, "expected a three-letter ISO 4217 code", cells.raw(column))
        return currency


class _Plausible(cell_rules.Rule):
    """A positive exact rate, within the terms' plausible range for the currency read from `currency`."""

    def __init__(self, terms: FxSource, currency: str) -> None:
        self.terms, self.currency = terms, currency

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> Decimal | None:
        rate, currency = cells.positive_decimal(column), got[self.currency]
        if rate is None or not _CODE.match(currency):
            return rate
        bound = self.terms.plausible_rates.get(currency)
        if bound is None:
            cells.fail(
                self.currency,
                "the terms give no plausible range for this currency (fx.plausible_rates)",
                currency,
            )
        elif not bound[0] <= rate <= bound[1]:
            cells.fail(
                column,
                f"outside the terms' plausible range for {currency}: {bound[0]} to {bound[1]} "
                f"{self.terms.domestic_currency} per unit (fx.plausible_rates)",
                cells.raw(column),
            )
        return rate


# A jump beyond the terms' daily limit, which the importer may confirm (the CLI's --accept-jump, the web's
# preview): gettext templates, which a page recognises (web.texts) and web.imports tells from other problems.
# The CLI's hint is a sentence of its own, which a page drops (web.texts.without_commands).
JUMP = N_(
    "changes %(change)s from the rate of %(date)s (%(rate)s); the terms allow %(limit)s "
    "(fx.max_daily_change). If it is right, import again with --accept-jump"
)
NEXT_JUMP = N_("the next rate, of %(date)s (%(rate)s), %(why)s")


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile(".+?".join(re.escape(part) for part in re.split(r"%\(\w+\)s", template)), re.S)


_JUMPS = (_template_regex(JUMP), _template_regex(NEXT_JUMP))


def is_jump(message: str) -> bool:
    """Whether a problem's message is a jump the importer may confirm (and nothing else)."""
    return any(r.fullmatch(message) for r in _JUMPS)


def jump(before: Rate, after: Rate, limit: Decimal | None) -> str | None:
    """Why `after` (the next rate of the currency after `before`) is refused without confirmation, or None."""
    change = abs(after.rate / before.rate - 1)
    if limit is None or change <= limit:
        return None
    return JUMP % {
        "change": f"{change:.1%}",
        "date": before.date,
        "rate": before.rate,
        "limit": f"{limit:.0%}",
    }


def jumps(rate: Rate, before: Rate | None, after: Rate | None, limit: Decimal | None) -> list[str]:
    """Why `rate` is refused without confirmation against its neighbours of the same currency: the rate before
    it, and the rate after it (a rate inserted between two days, or corrected, must fit both)."""
    found = []
    if before is not None and (why := jump(before, rate, limit)):
        found.append(why)
    if after is not None and (why := jump(rate, after, limit)):
        found.append(NEXT_JUMP % {"date": after.date, "rate": after.rate, "why": why})
    return found


class RateTable:
    """Every known rate, for lookups by (currency, day); pure and immutable once built."""

    def __init__(self, rates: Iterable[Rate], domestic: str, max_age_days: int | None) -> None:
        by_currency: dict[str, list[tuple[dt.date, Decimal]]] = {}
        for r in rates:
            by_currency.setdefault(r.currency, []).append((r.date, r.rate))
        self._dates = {c: [d for d, _ in sorted(v)] for c, v in by_currency.items()}
        self._rates = {c: [x for _, x in sorted(v)] for c, v in by_currency.items()}
        self.domestic = domestic
        self.max_age_days = max_age_days
        self._memo: dict[tuple[str, dt.date], Decimal | None] = {}

    def rate(self, currency: str, day: dt.date) -> Decimal | None:
        """Domestic units per one `currency` usable on `day`, or None when there is none."""
        if currency == self.domestic:
            return Decimal(1)
        key = (currency, day)
        if key in self._memo:
            return self._memo[key]
        dates = self._dates.get(currency, [])
        i = bisect.bisect_right(dates, day) - 1
        found = None
        if i >= 0 and (self.max_age_days is None or (day - dates[i]).days <= self.max_age_days):
            found = self._rates[currency][i]
        self._memo[key] = found
        return found

    def __len__(self) -> int:
        return sum(len(v) for v in self._dates.values())
