"""The rules over many receipts at once: the column-wise reading of the rules, for speed.

The rules are declared once (eligibility.EXCLUSIONS, in the words of vocabulary.py); `evaluate`
(contribution.py) reads them on one receipt, and this module reads the same declarations on a frame of
receipts, for the paths where a Python call per receipt would dominate: totals and accruals.
tests/revenue/test_bulk.py proves, with Hypothesis, that every column here equals what
`evaluate` gives for the same receipt (every exclusion, boundaries, half-minor-unit rounding,
negative amounts, missing rates): the two readings of the vocabulary agree.

What stays per receipt on purpose:
- the reason text: only the detail listing prints it, and it calls `explain` row by row;
- a conversion whose integers might not fit in 64 bits (|contribution| x rate factor >= 2**62):
  such rows (none in practice) are handed to `evaluate` itself.

Frames:
  receipts: receipt_id, date (Date), licence_id, stream, amount_minor (Int64), currency, corrects,
    resource (null: the licence's only one), budget (null: the default), flags (';'-separated, "" for none).
  licences: licence_id, holder, holder_code, primary_resource, deposit, region, issued (Date), basis,
    psa (Boolean), psa_signed (Date), licence_flags, other_resources (both ';'-separated).
  judged (what `judge` returns): the receipt and licence columns, plus
    resource_of (the receipt's resource, else its licence's primary one: what `resource` totals group by);
    rate_date (the day whose rates convert it: its own, or for a correction that of the receipt it corrects);
    eligible (Boolean); contribution_minor (Int64, in the receipt's currency, 0 when not eligible);
    base_minor (Int64 in the base currency, null when no usable rate); missing_currency (Utf8: the
    currency whose rate is missing, else null).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import polars as pl

from jointfund.errors import Refused
from jointfund.money import from_minor, to_minor
from jointfund.revenue.contribution import (
    evaluate,
    half_up,
    owed_minor,
    rate_factor,
    share,
)
from jointfund.revenue.eligibility import RuleBook, Rules, excluded, resource_of
from jointfund.revenue.fx import RateTable
from jointfund.revenue.licence import SEPARATOR, Licence
from jointfund.revenue.receipt import Receipt
from jointfund.revenue.vocabulary import COLUMNS

CATEGORICAL = ("stream", "basis")  # judged as categoricals (see `judge`)
SAFE = 2**62  # |integer| x factor must stay under it so that 2 x product + denominator fits in Int64

RECEIPT_SCHEMA = {
    "receipt_id": pl.Utf8,
    "date": pl.Date,
    "licence_id": pl.Utf8,
    "stream": pl.Utf8,
    "amount_minor": pl.Int64,
    "currency": pl.Utf8,
    "corrects": pl.Utf8,
    "resource": pl.Utf8,
    "budget": pl.Utf8,
    "flags": pl.Utf8,
}
LICENCE_SCHEMA = {
    "licence_id": pl.Utf8,
    "holder": pl.Utf8,
    "holder_code": pl.Utf8,
    "primary_resource": pl.Utf8,
    "deposit": pl.Utf8,
    "region": pl.Utf8,
    "issued": pl.Date,
    "basis": pl.Utf8,
    "psa": pl.Boolean,
    "psa_signed": pl.Date,
    "licence_flags": pl.Utf8,
    "other_resources": pl.Utf8,
}


def licence_frame(licences: Iterable[Licence]) -> pl.DataFrame:
    rows = [
        (*x[:9], x.psa_signed, SEPARATOR.join(x.flags), SEPARATOR.join(x.other_resources)) for x in licences
    ]
    return pl.DataFrame(rows, schema=LICENCE_SCHEMA, orient="row")


def licence_of_row(row: Mapping) -> Licence:
    """The Licence of a judged frame's row (the inverse of `licence_frame`)."""

    def split(text: str | None) -> tuple[str, ...]:
        return tuple(text.split(SEPARATOR)) if text else ()

    return Licence(
        row["licence_id"],
        row["holder"],
        row["holder_code"],
        row["primary_resource"],
        row["deposit"],
        row["region"],
        row["issued"],
        row["basis"],
        row["psa"],
        row["psa_signed"],
        split(row["licence_flags"]),
        split(row["other_resources"]),
    )


def receipt_frame(receipts: Iterable[Receipt]) -> pl.DataFrame:
    """Receipts as a frame (used by tests and small callers; bulk reads build frames from rows directly)."""
    rows = [
        (
            r.receipt_id,
            r.date,
            r.licence_id,
            r.stream,
            to_minor(r.amount, r.currency),
            r.currency,
            r.corrects,
            r.resource,
            r.budget,
            SEPARATOR.join(r.flags),
        )
        for r in receipts
    ]
    return pl.DataFrame(rows, schema=RECEIPT_SCHEMA, orient="row")


def _factors(frame: pl.DataFrame, rules: Rules, rates: RateTable) -> pl.DataFrame:
    """Per distinct (currency, date): `contribution.rate_factor`, the exact factor (num, den) from minor units
    of the currency to minor units of the base currency, or the currency whose rate is missing."""
    rows = []
    for currency, day in frame.select("currency", "rate_date").unique().iter_rows():
        factor = rate_factor(currency, day, rules, rates)
        rows.append(
            (currency, day, None, None, factor) if isinstance(factor, str) else (currency, day, *factor, None)
        )
    return pl.DataFrame(
        rows,
        schema={
            "currency": pl.Utf8,
            "rate_date": pl.Date,
            "num": pl.Object,
            "den": pl.Object,
            "missing_currency": pl.Utf8,
        },
        orient="row",
    )


def judge(
    receipts: pl.DataFrame,
    licences: pl.DataFrame,
    book: RuleBook,
    rates: RateTable,
    rate_days: Mapping[str, dt.date] | None = None,
) -> pl.DataFrame:
    """Every receipt of `receipts` judged by the rules in force on its date (see the module doc);
    `rate_days` gives a correction the date whose rates convert it (as `evaluate`'s rate_day)."""
    # The row index keeps the receipts' order through the split by period (callers post in it).
    frame = receipts.with_row_index("_row").join(licences, on="licence_id", how="left", maintain_order="left")
    assert frame.height == receipts.height
    assert frame["primary_resource"].null_count() == 0, "a receipt names a licence the frame does not hold"
    days = rate_days or {}
    frame = frame.with_columns(
        resource_of=resource_of(COLUMNS),
        rate_date=(
            pl.col("receipt_id")
            .replace_strict(dict(days), default=None, return_dtype=pl.Date)
            .fill_null(pl.col("date"))
            if days
            else pl.col("date")
        ),
    )
    # The columns many rules compare (a stream is looked up seven times) are judged as categoricals, whose
    # comparisons and look-ups are integer work; the text columns are put back as they came.
    texts = {c: f"_{c}_text" for c in CATEGORICAL}
    frame = frame.rename(texts).with_columns(
        pl.col(t).cast(pl.Categorical).alias(c) for c, t in texts.items()
    )
    parts = []
    for start, end, rules in book.periods():
        part = frame.filter(
            (pl.col("date") >= pl.lit(start)) & (pl.col("date") < pl.lit(end))
            if end
            else (pl.col("date") >= pl.lit(start))
        )
        if part.height:
            parts.append(_judge_period(part, rules, rates))
    out = pl.concat(parts) if parts else _judge_period(frame, book.on(dt.date.max), rates)
    assert out.height == receipts.height
    out = out.drop(*CATEGORICAL).rename({t: c for c, t in texts.items()})
    order = [*receipts.columns, *(c for c in out.columns if c not in receipts.columns and c != "_row")]
    return (out.sort("_row") if len(parts) > 1 else out).drop("_row").select(order)


def _judge_period(frame: pl.DataFrame, rules: Rules, rates: RateTable) -> pl.DataFrame:
    p, _q = share(COLUMNS, rules)
    frame = frame.with_columns(eligible=~excluded(rules)).with_columns(
        contribution_minor=pl.when(pl.col("eligible"))
        .then(owed_minor(COLUMNS, rules, pl.col("amount_minor"), 1))
        .otherwise(0),
        share_unsafe=pl.col("eligible")
        & (pl.col("amount_minor").abs() >= pl.lit(SAFE) // p.clip(lower_bound=1)),
    )
    factors = _factors(frame, rules, rates)
    # Object columns cannot be joined on or computed with; a factor that fits is moved to Int64,
    # and rows whose factor or product would not fit are flagged and judged by `evaluate`.
    fits = [
        n is not None and n < SAFE and d < SAFE // 4
        for n, d in zip(factors["num"], factors["den"], strict=True)
    ]
    factors = factors.with_columns(
        fits=pl.Series(fits, dtype=pl.Boolean),
        num=pl.Series([n if f else 0 for n, f in zip(factors["num"], fits, strict=True)], dtype=pl.Int64),
        den=pl.Series([d if f else 1 for d, f in zip(factors["den"], fits, strict=True)], dtype=pl.Int64),
    )
    frame = frame.join(factors, on=["currency", "rate_date"], how="left")
    c = pl.col("contribution_minor")
    needs_rate = pl.col("eligible") & (c != 0)
    frame = frame.with_columns(
        unsafe=pl.col("share_unsafe")
        | (
            needs_rate
            & pl.col("missing_currency").is_null()
            & (~pl.col("fits") | (c.abs() >= pl.lit(SAFE) // pl.col("num").clip(lower_bound=1)))
        )
    ).with_columns(
        base_minor=pl.when(~needs_rate)
        .then(0)
        .when(pl.col("missing_currency").is_not_null())
        .then(None)
        .when(pl.col("unsafe"))
        .then(None)
        .otherwise(half_up(COLUMNS, c * pl.col("num"), pl.col("den"))),
        missing_currency=pl.when(needs_rate).then(pl.col("missing_currency")).otherwise(None),
    )
    if frame["unsafe"].any():
        frame = _by_evaluate(frame, rules, rates)
    return frame.drop("share_unsafe", "unsafe", "fits", "num", "den")


def _by_evaluate(frame: pl.DataFrame, rules: Rules, rates: RateTable) -> pl.DataFrame:
    """Rows flagged unsafe, judged one by one by `evaluate` (integers too large for Int64 columns)."""
    fixed: dict[str, tuple[int, int | None, str | None]] = {}
    for row in frame.filter(pl.col("unsafe")).iter_rows(named=True):
        receipt = Receipt(
            row["receipt_id"],
            row["date"],
            row["licence_id"],
            row["stream"],
            from_minor(row["amount_minor"], row["currency"]),
            row["currency"],
            row["corrects"],
            row["resource"],
            row["budget"],
            tuple(row["flags"].split(SEPARATOR)) if row["flags"] else (),
        )
        e = evaluate(receipt, licence_of_row(row), rules, rates, row["rate_date"])
        base = None if e.contribution_base is None else to_minor(e.contribution_base, rules.base_currency)
        fixed[receipt.receipt_id] = (
            to_minor(e.contribution, receipt.currency),
            base,
            e.missing_rate[0] if e.missing_rate else None,
        )
    # Python ints beyond Int64 cannot sit in the Int64 columns: such a row's figures would not fit
    # the ledger's BigInteger either, so it is refused here rather than truncated. A check, not an
    # assert: `python -O` strips asserts, and the limit must hold there too.
    for rid, (c, b, _) in fixed.items():
        if abs(c) >= 2**63 or (b is not None and abs(b) >= 2**63):
            raise Refused(f"receipt {rid}: its contribution is beyond 64-bit minor units, the ledger's limit")
    ids = list(fixed)
    patch = pl.DataFrame(
        {
            "receipt_id": ids,
            "_c": [fixed[i][0] for i in ids],
            "_b": [fixed[i][1] for i in ids],
            "_m": [fixed[i][2] for i in ids],
        },
        schema={"receipt_id": pl.Utf8, "_c": pl.Int64, "_b": pl.Int64, "_m": pl.Utf8},
    )
    frame = frame.join(patch, on="receipt_id", how="left")
    return frame.with_columns(
        contribution_minor=pl.when(pl.col("unsafe"))
        .then(pl.col("_c"))
        .otherwise(pl.col("contribution_minor")),
        base_minor=pl.when(pl.col("unsafe")).then(pl.col("_b")).otherwise(pl.col("base_minor")),
        missing_currency=pl.when(pl.col("unsafe")).then(pl.col("_m")).otherwise(pl.col("missing_currency")),
    ).drop("_c", "_b", "_m")


# -- totals: contribution.Tally.add_frame --


def missing_rates(judged: pl.DataFrame) -> set[tuple[str, dt.date]]:
    """(currency, rate date) of every rate the eligible receipts of `judged` lacked."""
    lacking = (
        judged.filter(pl.col("missing_currency").is_not_null())
        .select("missing_currency", "rate_date")
        .unique()
    )
    return set(lacking.iter_rows())
