"""What each receipt owes the fund, in its own currency and in the fund's, and totals of it.

The contribution is declared once (`owed_minor`, `half_up`, `rate_factor`, in the words of vocabulary.py);
`evaluate` reads it on one receipt and bulk.py on a frame of receipts. What it says:
- contribution = amount x share, rounded once to the currency's minor unit (the terms' rounding);
- contribution in the base currency converts the contribution through the domestic currency at
  the reference rates of the receipt date (or the latest earlier usable one), with no
  intermediate rounding, rounded once to the base currency's minor unit; a receipt in the
  base currency keeps its contribution as it is. A correction (a receipt that `corrects` another)
  is converted at the rates of the receipt it corrects (its first one, along a chain of
  corrections), so that a receipt and its reversal net to zero in every currency.

Both roundings are done on exact integer ratios, not on Decimal arithmetic, whose context
precision would round silently before the named rounding point.

Where the terms round at the level `per_day_stream`, the contribution owed is rounded once on the
day's eligible total per licence, stream and currency (`DayStream`); each receipt still shows its own
rounded contribution, and `rounding_differences` gives, per such group, the difference between the
group's rounding and the sum of its receipts' roundings (what accrual books to the terms' rounding
account); `DayStreamRounding` sums the groups from evaluations or from bulk.py's judged frames alike.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from jointfund.i18n import N_
from jointfund.money import exponent, from_minor
from jointfund.revenue.eligibility import EXCLUSIONS, Rules, first_reason, resource_of
from jointfund.revenue.fx import RateTable
from jointfund.revenue.licence import Licence
from jointfund.revenue.receipt import Receipt
from jointfund.revenue.vocabulary import COLUMNS, VALUES, Row, Vocabulary

ELIGIBLE = N_("eligible")  # the reason of a receipt that counts (pages translate it)
GROUPINGS = ("licence", "holder", "resource", "region", "stream", "month", "year")


class Evaluation(NamedTuple):
    """A receipt judged by the rules.

    Attributes:
      receipt, licence: what was judged.
      eligible: whether the receipt counts for the fund.
      reason: "eligible", or the first rule that excluded it; for an eligible receipt with no
        usable rate, also which rate is missing.
      contribution: owed to the fund in the receipt's currency; zero when not eligible.
      contribution_base: the same in the fund's base currency; None when no rate is usable.
      missing_rate: (currency, receipt date) of the rate that was missing, else None.
    """

    receipt: Receipt
    licence: Licence
    eligible: bool
    reason: str
    contribution: Decimal
    contribution_base: Decimal | None
    missing_rate: tuple[str, dt.date] | None = None


def half_up(v: Vocabulary, numerator: Any, denominator: Any) -> Any:
    """numerator / denominator rounded to an integer, half away from zero (the terms' ROUND_HALF_UP), on
    integers: the one rounding of contributions, read on values or on columns (vocabulary.py)."""
    magnitude = (2 * v.abs(numerator) + denominator) // (2 * denominator)
    return v.when(v.lt(numerator, v.lit(0)), -magnitude, magnitude)


def share(v: Vocabulary, rules: Rules) -> tuple[Any, Any]:
    """The receipt's stream's share as an exact integer ratio (p, q); (0, 1) for a stream without a rule."""
    ratios = {code: s.share.as_integer_ratio() for code, s in rules.streams.items()}
    stream = v.col("stream")
    return (
        v.lookup(stream, {k: r[0] for k, r in ratios.items()}, 0),
        v.lookup(stream, {k: r[1] for k, r in ratios.items()}, 1),
    )


def owed_minor(v: Vocabulary, rules: Rules, amount_num: Any, amount_den: Any) -> Any:
    """What an eligible receipt owes in minor units of its currency: its amount (amount_num / amount_den,
    in minor units) x its stream's share, rounded once."""
    assert rules.rounding == "ROUND_HALF_UP", f"rounding {rules.rounding} is not implemented"
    p, q = share(v, rules)
    return half_up(v, amount_num * p, amount_den * q)


def rate_factor(currency: str, day: dt.date, rules: Rules, rates: RateTable) -> tuple[int, int] | str:
    """The exact factor (num, den) from minor units of `currency` to minor units of the base currency, at the
    rates `day` uses (`RateTable.rate`), through the domestic currency; else the currency whose rate is
    missing."""
    base = rules.base_currency
    if currency == base:
        return 1, 1
    own = rates.rate(currency, day)
    if own is None:
        return currency
    quote = rates.rate(base, day)
    if quote is None:
        return base
    p, q = own.as_integer_ratio()
    s, u = quote.as_integer_ratio()
    num = p * u * 10 ** exponent(base)
    den = q * s * 10 ** exponent(currency)
    g = math.gcd(num, den)
    return num // g, den // g


def round_half_up(numerator: int, denominator: int, currency: str) -> Decimal:
    """numerator / denominator (in whole units) rounded once to `currency`'s minor unit, half away from
    zero."""
    assert denominator > 0
    return from_minor(half_up(VALUES, numerator * 10 ** exponent(currency), denominator), currency)


def contribution_of(amount: Decimal, share: Decimal, currency: str, rounding: str) -> Decimal:
    assert rounding == "ROUND_HALF_UP", f"rounding {rounding} is not implemented"
    a, b = amount.scaleb(exponent(currency)).as_integer_ratio()
    p, q = share.as_integer_ratio()
    return from_minor(half_up(VALUES, a * p, b * q), currency)


def in_base(
    contribution: Decimal, currency: str, day: dt.date, rules: Rules, rates: RateTable
) -> tuple[Decimal | None, tuple[str, dt.date] | None]:
    """The contribution in the base currency, or (None, the missing rate)."""
    base = rules.base_currency
    if currency == base:
        return contribution, None
    if not contribution:
        return _zero(base), None
    factor = rate_factor(currency, day, rules, rates)
    if isinstance(factor, str):
        return None, (factor, day)
    a, b = contribution.scaleb(exponent(currency)).as_integer_ratio()
    return from_minor(half_up(VALUES, a * factor[0], b * factor[1]), base), None


def evaluate(
    receipt: Receipt, licence: Licence, rules: Rules, rates: RateTable, rate_day: dt.date | None = None
) -> Evaluation:
    """`receipt` judged by the declared rules read on it (eligibility.EXCLUSIONS, `owed_minor`, `in_base`);
    `rate_day` is the date of the receipt a correction corrects (None: its own date)."""
    assert receipt.licence_id == licence.licence_id
    row = Row(receipt, licence)
    why = first_reason(row, rules, EXCLUSIONS)
    if why is not None:
        return Evaluation(receipt, licence, False, why, _zero(receipt.currency), _zero(rules.base_currency))
    a, b = receipt.amount.scaleb(exponent(receipt.currency)).as_integer_ratio()
    owed = from_minor(owed_minor(row, rules, a, b), receipt.currency)
    base, missing = in_base(owed, receipt.currency, rate_day or receipt.date, rules, rates)
    if missing is None:
        return Evaluation(receipt, licence, True, ELIGIBLE, owed, base)
    reason = f"{ELIGIBLE}; no usable {missing[0]} rate on or before {missing[1]}"
    return Evaluation(receipt, licence, True, reason, owed, None, missing)


# -- rounding at the level of the day's total per stream and licence --

PER_DAY_STREAM = "per_day_stream"


class DayStream(NamedTuple):
    """A group of eligible receipts the terms round once: one day, licence, stream and currency."""

    day: dt.date
    licence_id: str
    stream: str
    currency: str

    @property
    def label(self) -> str:
        """The group in one string (entry keys, findings): the day, licence, stream and currency."""
        return f"{self.day}|{self.licence_id}|{self.stream}|{self.currency}"


class RoundingDifference(NamedTuple):
    """One group's rounding at the day-stream level against per-receipt rounding.

    Attributes:
      group: the day, licence, stream and currency.
      receipts: how many eligible receipts the group holds.
      amount: their total amount.
      per_receipt: the sum of their contributions, each rounded on its own.
      contribution: the share of `amount`, rounded once: what the group owes.
      difference: contribution - per_receipt (booked to the rounding account).
      difference_base: the same in the base currency at the rates of the day; None when a rate is missing.
    """

    group: DayStream
    receipts: int
    amount: Decimal
    per_receipt: Decimal
    contribution: Decimal
    difference: Decimal
    difference_base: Decimal | None


def rounded_at_day_stream(e: Evaluation, rules: Rules) -> bool:
    """Whether `e` belongs to a group rounded once (eligible, under terms rounding per day and stream)."""
    return e.eligible and rules.rounding_level == PER_DAY_STREAM


def group_difference(
    group: DayStream, receipts: int, amount: Decimal, per_receipt: Decimal, rules: Rules, rates: RateTable
) -> RoundingDifference:
    """The group's contribution rounded once, and its difference from the receipts' own roundings."""
    owed = contribution_of(amount, rules.streams[group.stream].share, group.currency, rules.rounding)
    difference = owed - per_receipt
    base, _missing = in_base(difference, group.currency, group.day, rules, rates)
    return RoundingDifference(group, receipts, amount, per_receipt, owed, difference, base)


@dataclasses.dataclass(slots=True)
class _Sums:
    """A day-and-stream group's running sums: its receipts, their amount and their contributions."""

    receipts: int = 0
    amount: Decimal = Decimal(0)
    owed: Decimal = Decimal(0)


class DayStreamRounding:
    """The eligible receipts the terms round once per day and stream, summed per `DayStream` group, and each
    group's rounding difference (`rows`).

    Fed one evaluation at a time (`add`) or a judged frame at a time (`add_frame`, bulk.py's frames), in any
    mix and order, a group split across frames: both feed the same running sums (`_count`), the frame's
    only summed per group first. `on` gives the rules of a day; `periods` (RuleBook.periods), needed by
    `add_frame`, says which stretches of the terms round per day and stream.
    """

    def __init__(
        self,
        on: Callable[[dt.date], Rules],
        periods: Iterable[tuple[dt.date, dt.date | None, Rules]] = (),
    ) -> None:
        self.on = on
        self._acc: dict[DayStream, _Sums] = {}
        # The stretches of the terms that round per day and stream; none: nothing to sum.
        self._spans = [
            (start, end) for start, end, rules in periods if rules.rounding_level == PER_DAY_STREAM
        ]

    @property
    def active(self) -> bool:
        """Whether any stretch of the terms given as `periods` rounds per day and stream."""
        return bool(self._spans)

    def add(self, e: Evaluation) -> None:
        if rounded_at_day_stream(e, self.on(e.receipt.date)):
            r = e.receipt
            self._count(DayStream(r.date, r.licence_id, r.stream, r.currency), 1, r.amount, e.contribution)

    def add_frame(self, judged: Any) -> None:
        """The eligible receipts of a judged frame (bulk.judge) dated within the stretches that round per
        day and stream."""
        import polars as pl

        if not self._spans:
            return
        date = pl.col("date")
        within = pl.any_horizontal(
            [(date >= pl.lit(s)) & (date < pl.lit(e)) if e else (date >= pl.lit(s)) for s, e in self._spans]
        )
        sums = (
            judged.filter(pl.col("eligible") & within)
            .group_by("date", "licence_id", "stream", "currency")
            .agg(pl.len(), pl.col("amount_minor").sum(), pl.col("contribution_minor").sum())
        )
        for day, licence_id, stream, currency, n, amount, owed in sums.iter_rows():
            group = DayStream(day, licence_id, stream, currency)
            self._count(group, n, from_minor(amount, currency), from_minor(owed, currency))

    def _count(self, group: DayStream, receipts: int, amount: Decimal, owed: Decimal) -> None:
        slot = self._acc.setdefault(group, _Sums())
        slot.receipts += receipts
        slot.amount += amount
        slot.owed += owed

    def rows(self, rates: RateTable) -> list[RoundingDifference]:
        """The groups whose rounding once differs from per-receipt rounding, by group."""
        found = (
            group_difference(g, s.receipts, s.amount, s.owed, self.on(g.day), rates)
            for g, s in sorted(self._acc.items(), key=lambda item: item[0])
        )
        return [d for d in found if d.difference]


def rounding_differences(
    evaluations: Iterable[Evaluation], on: Callable[[dt.date], Rules], rates: RateTable
) -> list[RoundingDifference]:
    """The groups whose rounding once differs from per-receipt rounding, by group; `on` gives the rules of a
    day."""
    rounding = DayStreamRounding(on)
    for e in evaluations:
        rounding.add(e)
    return rounding.rows(rates)


# -- totals --


class Totals(NamedTuple):
    """Receipts and contributions of one group, in one currency.

    Attributes:
      key, name: the group (a licence id and its deposit, a holder code and its name, a month...).
      currency: the receipts' currency.
      receipts, eligible: how many receipts, and how many of them count.
      amount: all receipts; eligible_amount: those that count.
      contribution: owed in `currency`; contribution_base: in the base currency, None when a rate is missing.
    """

    key: str
    name: str
    currency: str
    receipts: int
    eligible: int
    amount: Decimal
    eligible_amount: Decimal
    contribution: Decimal
    contribution_base: Decimal | None


# The groupings of totals, declared once: (key, name) of a receipt in the words of vocabulary.py, read on an
# evaluation (`Tally.add`) or on a judged frame (`Tally.add_frame`).
GROUPS: dict[str, Callable[[Vocabulary], tuple[Any, Any]]] = {
    "licence": lambda v: (v.col("licence_id"), v.col("deposit")),
    "holder": lambda v: (v.col("holder_code"), v.col("holder")),
    "resource": lambda v: (resource_of(v), v.lit("")),
    "region": lambda v: (v.col("region"), v.lit("")),
    "stream": lambda v: (v.col("stream"), v.lit("")),
    "month": lambda v: (v.month(v.col("date")), v.lit("")),
    "year": lambda v: (v.year(v.col("date")), v.lit("")),
    "total": lambda v: (v.lit("total"), v.lit("")),
}


@functools.lru_cache(maxsize=64)
def _zero(currency: str) -> Decimal:
    return Decimal(0).scaleb(-exponent(currency))


@dataclasses.dataclass(slots=True)
class _Running:
    """One group's running totals in a Tally, in one currency; `complete` until a base amount is missing."""

    receipts: int
    eligible: int
    amount: Decimal
    eligible_amount: Decimal
    contribution: Decimal
    base: Decimal
    complete: bool


# What one receipt, or a group of a frame, adds to a Tally: receipts, eligible ones, amount, eligible amount,
# contribution, and the contribution in the base currency (None: a rate is missing).
_Counted = tuple[int, int, Decimal, Decimal, Decimal, Decimal | None]


class Tally:
    """Running totals per group and currency, for one grouping; one pass, any size.

    Fed one evaluation at a time (`add`) or a judged frame at a time (`add_frame`, bulk.py's frames), in
    any mix and order: both feed the same running sums (`_count`), the frame's only summed per group first,
    so a rule of totals is written once. A group's name is that of its earliest receipt by (date, receipt
    id).
    """

    def __init__(self, by: str) -> None:
        assert by in GROUPS, by
        self.by = by
        self._acc: dict[tuple[str, str], _Running] = {}
        self._labels: dict[str, tuple[dt.date, str, str]] = {}

    def copy(self) -> Tally:
        """A tally with the same totals that adding to leaves this one as it is (a kept tally is shared)."""
        out = Tally(self.by)
        out._acc = {k: dataclasses.replace(s) for k, s in self._acc.items()}
        out._labels = dict(self._labels)
        return out

    def add(self, e: Evaluation) -> None:
        key, name = GROUPS[self.by](Row(e.receipt, e.licence))
        r = e.receipt
        eligible = 1 if e.eligible else 0
        zero = _zero(r.currency)
        self._count(
            key,
            (r.date, r.receipt_id, name),
            r.currency,
            (1, eligible, r.amount, r.amount if eligible else zero, e.contribution, e.contribution_base),
        )

    def add_frame(self, judged: Any, base_currency: str) -> None:
        """The receipts of a judged frame (bulk.judge), summed per group and currency in the frame."""
        import polars as pl

        key, name = GROUPS[self.by](COLUMNS)
        frame = judged.with_columns(key.alias("_key"), name.alias("_name"))
        eligible = pl.col("eligible")
        earliest = ["date", "receipt_id"]
        # A grouping whose name is a constant needs no earliest receipt: any receipt's label names it.
        named = not name.meta.is_literal()
        sums = frame.group_by("_key", "currency").agg(
            pl.len(),
            eligible.sum(),
            pl.col("amount_minor").sum(),
            pl.col("amount_minor").filter(eligible).sum().alias("eligible_amount"),
            pl.col("contribution_minor").sum(),
            pl.col("base_minor").sum(),
            pl.col("base_minor").null_count().alias("missing"),
            *(pl.col(c).sort_by(earliest).first() if named else pl.col(c).first() for c in earliest),
            pl.col("_name").sort_by(earliest).first() if named else pl.col("_name").first(),
        )
        for k, c, n, m, amount, elig, owed, base, missing, day, rid, label in sums.iter_rows():
            totals = (n, m, from_minor(amount, c), from_minor(elig, c), from_minor(owed, c))
            self._count(
                k, (day, rid, label), c, (*totals, None if missing else from_minor(base, base_currency))
            )

    def _count(self, key: str, label: tuple[dt.date, str, str], currency: str, sums: _Counted) -> None:
        """Add `sums` (receipts, eligible, amount, eligible amount, contribution, base or None) to the group
        `key` in `currency`; `label` (date, receipt id, name) names the group if it is its earliest."""
        if key not in self._labels or label[:2] < self._labels[key][:2]:
            self._labels[key] = label
        slot = self._acc.get((key, currency))
        if slot is None:
            zero = _zero(currency)
            slot = self._acc[(key, currency)] = _Running(0, 0, zero, zero, zero, Decimal(0), True)
        n, eligible, amount, eligible_amount, contribution, base = sums
        slot.receipts += n
        slot.eligible += eligible
        slot.amount += amount
        slot.eligible_amount += eligible_amount
        slot.contribution += contribution
        if base is None:
            slot.complete = False
        else:
            slot.base += base

    def rows(self, names: Mapping[str, str] | None = None) -> list[Totals]:
        """Totals sorted by key; `names` names keys the evaluations cannot (resources, streams)."""
        names = names or {}
        return [
            Totals(
                k,
                names.get(k, self._labels[k][2]),
                c,
                s.receipts,
                s.eligible,
                s.amount,
                s.eligible_amount,
                s.contribution,
                s.base if s.complete else None,
            )
            for (k, c), s in sorted(self._acc.items(), key=lambda item: item[0])
        ]


def totals(
    evaluations: Iterable[Evaluation], by: str, names: Mapping[str, str] | None = None
) -> list[Totals]:
    tally = Tally(by)
    for e in evaluations:
        tally.add(e)
    return tally.rows(names)


def detail_row(e: Evaluation, base_currency: str) -> dict[str, object]:
    """The row `contributions --detail` prints for a receipt; the base currency (the terms') named beside
    the contribution in it."""
    r = e.receipt
    return {
        "receipt_id": r.receipt_id,
        "licence_id": r.licence_id,
        "date": r.date,
        "stream": r.stream,
        "amount": r.amount,
        "currency": r.currency,
        "eligible": "true" if e.eligible else "false",
        "reason": e.reason,
        "contribution": e.contribution,
        "contribution_base": e.contribution_base,
        "base_currency": base_currency,
    }


DETAIL_COLUMNS = (
    "receipt_id",
    "licence_id",
    "date",
    "stream",
    "amount",
    "currency",
    "eligible",
    "reason",
    "contribution",
    "contribution_base",
    "base_currency",
)


def missing_rates(missing: Iterable[tuple[str, dt.date]], limit: int = 20) -> str:
    """The error for totals that need rates which are missing: which currencies, on which dates."""
    by_currency: dict[str, list[dt.date]] = {}
    for currency, day in sorted(set(missing)):
        by_currency.setdefault(currency, []).append(day)
    parts = []
    for currency, days in by_currency.items():
        shown = ", ".join(d.isoformat() for d in days[:limit]) + (
            f" and {len(days) - limit} more" if len(days) > limit else ""
        )
        parts.append(f"{currency}: {shown}")
    return (
        "totals in the base currency need exchange rates that are missing (no usable rate on or before):\n  "
        + "\n  ".join(parts)
        + "\nimport them with: jointfund fx import FILE"
    )


class MissingRates:
    """Passes evaluations through, remembering the rates they lacked."""

    def __init__(self, evaluations: Iterable[Evaluation]) -> None:
        self._source = evaluations
        self.missing: set[tuple[str, dt.date]] = set()

    def __iter__(self) -> Iterator[Evaluation]:
        for e in self._source:
            if e.missing_rate is not None:
                self.missing.add(e.missing_rate)
            yield e
