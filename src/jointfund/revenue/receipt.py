"""Treasury receipts: money the state received under a licence, in one revenue stream."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

import polars as pl

from jointfund import bounds
from jointfund.money import exponent
from jointfund.revenue.fields import MAX_ID_CHARS, Cells
from jointfund.revenue.licence import SEPARATOR, flag_codes
from jointfund.revenue.reader import Columns
from jointfund.terms.model import Terms

COLUMNS = Columns(
    ("receipt_id", "date", "licence_id", "stream", "amount"),
    ("currency", "corrects", "resource", "budget", "flags"),
)


class Receipt(NamedTuple):
    """One receipt of the State Treasury.

    Attributes:
      receipt_id: the Treasury's own reference (the idempotency key of imports and accruals).
      date: the day the money was received; the terms in force on it decide.
      licence_id: the licence the payment was made under.
      stream: revenue stream code (rent, permit_fee, ...), from the terms' stream codes.
      amount: exact amount in `currency`; negative for a refund or correction.
      currency: ISO 4217 code; the terms' domestic currency when the input leaves it out.
      corrects: the receipt this one corrects, when the Treasury says so; None otherwise.
      resource: the resource the payment is for, one of its licence's; None: the licence's only one.
      budget: the budget credited (the terms' contribution.budgets); None: the first, the default.
      flags: flags of the terms' eligibility (e.g. reparations), in the order given.
    """

    receipt_id: str
    date: dt.date
    licence_id: str
    stream: str
    amount: Decimal
    currency: str
    corrects: str | None = None
    resource: str | None = None
    budget: str | None = None
    flags: tuple[str, ...] = ()


def parse(cells: Cells, terms: Terms, licences: Mapping[str, tuple[str, ...]]) -> Receipt | None:
    """A receipt from its cells; `licences` maps each known licence to its resources (primary first)."""
    receipt_id = cells.ident("receipt_id")
    day = cells.date("date", terms.fund.entry_into_force)
    licence_id = cells.ident("licence_id")
    if licence_id and licence_id not in licences:
        cells.fail(
            "licence_id", "unknown licence; import it first with: jointfund licences import FILE", licence_id
        )
    stream = cells.choice("stream", terms.contribution.stream_codes, "revenue stream")
    currency = cells.choice("currency", terms.fund.currencies, "currency", default=terms.fx.domestic_currency)
    amount = cells.amount("amount", currency)
    corrects = cells.ident("corrects", required=False) or None
    if corrects is not None and corrects == receipt_id:
        cells.fail("corrects", "a receipt cannot correct itself", corrects)
    resource = _resource(cells, terms, licences.get(licence_id or ""), licence_id, stream)
    budgets = terms.contribution.budgets
    budget = cells.choice("budget", budgets, "budget", default=budgets[0])
    flags = flag_codes(cells, terms)
    if not cells.ok:
        return None
    assert (
        receipt_id and day and licence_id and stream and currency and amount is not None and flags is not None
    )
    # The default budget is stored as None, so that a file that leaves it out and one that names it agree.
    return Receipt(
        receipt_id,
        day,
        licence_id,
        stream,
        amount,
        currency,
        corrects,
        resource,
        None if budget == budgets[0] else budget,
        flags,
    )


def _resource(
    cells: Cells, terms: Terms, resources: tuple[str, ...] | None, licence_id: str | None, stream: str | None
) -> str | None:
    """The receipt's resource cell: one of its licence's; required for a per-resource stream (rent) on a
    licence of several resources."""
    value = cells.raw("resource")
    if resources is None:  # the licence is unknown, and reported
        return value or None
    if not value:
        if len(resources) > 1 and stream in terms.eligibility.per_resource_streams:
            cells.fail(
                "resource",
                f"licence {licence_id} has several resources ({', '.join(resources)}): "
                f"a {stream} receipt must name the one it is for",
            )
        return None
    if value not in resources:
        cells.fail(
            "resource",
            f"not a resource of licence {licence_id} (its resources: {', '.join(resources)})",
            value,
        )
        return None
    return value


# Cells the row path would accept unchanged: no surrounding or inner whitespace (Python's \s also
# takes \x1c-\x1f) and no control character, at most MAX_ID_CHARS characters; dates and amounts in their one
# plain form.
_PLAIN_ID = rf"^[^\s\x00-\x1f]{{1,{MAX_ID_CHARS}}}$"
_PLAIN_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def plain_amount(places: int) -> str:
    """Amounts written -?digits[.digits]: at most 15 whole digits (so minor units fit 64 bits)."""
    return rf"^-?[0-9]{{1,15}}(\.[0-9]{{1,{places}}})?$" if places else r"^-?[0-9]{1,15}$"


def parse_frame(
    cells: pl.DataFrame, terms: Terms, licences: Mapping[str, tuple[str, ...]]
) -> pl.DataFrame | None:
    """The bulk twin of `parse` for a block of rows: their stored columns (receipt_id, date,
    licence_id, stream, amount_minor, currency, resource, budget, flags), or None when any row is not plainly
    valid,
    so that the caller reads the file row by row and `parse` names every problem.

    It accepts a row only when `parse` would accept it with the same values
    (tests/revenue/test_imports.py checks both on random cells).
    """
    if "corrects" in cells.columns and (cells["corrects"] != "").any():
        return None  # corrections are checked against their originals on the row path

    def column(name: str) -> pl.Series:
        return cells[name] if name in cells.columns else pl.Series([""] * cells.height, dtype=pl.Utf8)

    currency, resource, budget, flags = (
        column("currency"),
        column("resource"),
        column("budget"),
        column("flags"),
    )
    budgets = terms.contribution.budgets
    frame = cells.select("receipt_id", "date", "licence_id", "stream", "amount").with_columns(
        currency=pl.when(currency == "").then(pl.lit(terms.fx.domestic_currency)).otherwise(currency),
        resource=pl.when(resource == "").then(None).otherwise(resource),
        budget=pl.when((budget == "") | (budget == budgets[0])).then(None).otherwise(budget),
        flags=flags,
        _budget=budget,
    )
    # The resource rules of `_resource`, on (licence, resource) pairs: a named resource is one of the
    # licence's; an unnamed one is allowed unless the stream is per resource and the licence has several.
    pairs = [f"{lid}{SEPARATOR}{r}" for lid, rs in licences.items() for r in rs]
    several = [lid for lid, rs in licences.items() if len(rs) > 1]
    per_resource = list(terms.eligibility.per_resource_streams)
    resource_ok = (
        pl.when(pl.col("resource").is_null())
        .then(~(pl.col("licence_id").is_in(several) & pl.col("stream").is_in(per_resource)))
        .otherwise(pl.concat_str(pl.col("licence_id"), pl.lit(SEPARATOR), pl.col("resource")).is_in(pairs))
    )
    known = "|".join(re.escape(f) for f in terms.eligibility.known_flags) or "(?!)"
    # Flags written plainly (no spaces), each known; a flag listed twice goes to the row path.
    flags_ok = (pl.col("flags") == "") | (
        pl.col("flags").str.contains(rf"^({known})(;({known}))*$")
        & (
            pl.col("flags").str.split(SEPARATOR).list.n_unique()
            == pl.col("flags").str.split(SEPARATOR).list.len()
        )
    )
    ok = (
        pl.col("receipt_id").str.contains(_PLAIN_ID)
        & pl.col("licence_id").str.contains(_PLAIN_ID)
        & pl.col("licence_id").is_in(list(licences))
        & pl.col("stream").is_in(list(terms.contribution.stream_codes))
        & pl.col("date").str.contains(_PLAIN_DATE)
        & pl.col("currency").is_in(list(terms.fund.currencies))
        & ((pl.col("_budget") == "") | pl.col("_budget").is_in(list(budgets)))
        & resource_ok
        & flags_ok
    )
    amount_ok = pl.lit(False)
    minor = pl.lit(None, dtype=pl.Int64)
    for code in terms.fund.currencies:
        places = exponent(code)
        mine = pl.col("currency") == code
        amount_ok = amount_ok | (mine & pl.col("amount").str.contains(plain_amount(places)))
        whole = pl.col("amount").str.extract(r"^-?([0-9]+)", 1).cast(pl.Int64, strict=False)
        frac = pl.col("amount").str.extract(r"\.([0-9]+)$", 1).fill_null("").str.pad_end(places, "0")
        magnitude = whole * 10**places + (frac.cast(pl.Int64, strict=False) if places else 0)
        minor = (
            pl.when(mine)
            .then(pl.when(pl.col("amount").str.starts_with("-")).then(-magnitude).otherwise(magnitude))
            .otherwise(minor)
        )
    frame = frame.with_columns(
        ok=ok & amount_ok, amount_minor=minor, day=pl.col("date").str.to_date("%Y-%m-%d", strict=False)
    )
    first, last = bounds.date_window(terms.fund.entry_into_force)
    # A date the calendar lacks (2025-02-30), or outside the fund's dates, goes to the row path, which names
    # it.
    if not frame.select(
        (
            pl.col("ok")
            & pl.col("day").is_not_null()
            & pl.col("day").is_between(first, last).fill_null(False)
        ).all()
    ).item():
        return None
    return frame.select(
        "receipt_id",
        pl.col("day").alias("date"),
        "licence_id",
        "stream",
        "amount_minor",
        "currency",
        "resource",
        "budget",
        "flags",
    )
