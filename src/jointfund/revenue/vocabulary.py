"""The words the revenue rules are written in, read two ways: on one receipt, or on a frame of receipts.

A rule (eligibility.EXCLUSIONS, contribution.owed_minor) is a function of a `Vocabulary` and the terms'
`Rules`. Given a `Row` it computes a Python value for one receipt and its licence (the per-receipt
explanation, `evaluate`, verify's recomputation); given `COLUMNS` it builds a polars expression over
bulk.py's judged frame (totals and accruals at speed). So each rule is written once, and the two paths
can differ only in this module, whose words are small enough to read side by side, and which
tests/revenue/test_bulk.py checks with Hypothesis.

Names are the frame's columns (bulk.RECEIPT_SCHEMA and bulk.LICENCE_SCHEMA): a `Row` maps each to the
field of the receipt or licence it holds. Arithmetic (+, *, //, unary -) is Python's on both readings.
Nulls: a comparison or membership test with a missing value is False on both readings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any, Protocol

import polars as pl

from jointfund.revenue.licence import SEPARATOR, Licence
from jointfund.revenue.receipt import Receipt


class Vocabulary(Protocol):
    """What a rule may say; `Any` stands for a Python value (Row) or a polars expression (COLUMNS)."""

    def col(self, name: str) -> Any: ...
    def lit(self, value: object) -> Any: ...
    def before(self, value: Any, day: dt.date) -> Any: ...
    def lt(self, a: Any, b: Any) -> Any: ...
    def is_in(self, value: Any, values: Collection[object]) -> Any: ...
    def lookup(self, value: Any, mapping: Mapping[Any, Any], default: object = None) -> Any: ...
    def coalesce(self, value: Any, fallback: Any) -> Any: ...
    def is_null(self, value: Any) -> Any: ...
    def no_codes(self, name: str) -> Any: ...
    def any_code_in(self, names: tuple[str, ...], values: Collection[str]) -> Any: ...
    def all_codes_in(self, names: tuple[str, ...], values: Collection[str]) -> Any: ...
    def not_(self, value: Any) -> Any: ...
    def and_(self, *values: Any) -> Any: ...
    def or_(self, *values: Any) -> Any: ...
    def when(self, condition: Any, then: Any, otherwise: Any) -> Any: ...
    def abs(self, value: Any) -> Any: ...
    def month(self, day: Any) -> Any: ...
    def year(self, day: Any) -> Any: ...


# The frame's column -> (which of receipt/licence, its field). Codes fields are tuples on a Row.
_FIELDS: dict[str, tuple[int, str]] = {
    **{
        name: (0, name)
        for name in ("receipt_id", "date", "licence_id", "stream", "currency", "resource", "budget", "flags")
    },
    **{name: (1, name) for name in ("holder", "holder_code", "deposit", "region", "issued", "basis", "psa")},
    "psa_signed": (1, "psa_signed"),
    "primary_resource": (1, "resource"),
    "licence_flags": (1, "flags"),
    "other_resources": (1, "other_resources"),
}
# The columns that hold several codes, ';'-separated ("" for none; tuples on a Row); every other column a code
# words read holds one code.
_SHORT = 16  # a lookup of at most this many keys is a chain of equalities (Columns.lookup)
CODE_LISTS = frozenset({"flags", "licence_flags", "other_resources"})


class Values:
    """The rules read on Python values: every word gives a Python value (no columns: see `Row`)."""

    __slots__ = ()

    def col(self, name: str) -> Any:
        raise AssertionError(f"column {name} read outside a receipt")

    def lit(self, value: object) -> Any:
        return value

    def before(self, value: Any, day: dt.date) -> bool:
        return value is not None and value < day

    def lt(self, a: Any, b: Any) -> bool:
        return a is not None and b is not None and a < b

    def is_in(self, value: Any, values: Collection[object]) -> bool:
        return value is not None and value in values

    def lookup(self, value: Any, mapping: Mapping[Any, Any], default: object = None) -> Any:
        return mapping.get(value, default)

    def coalesce(self, value: Any, fallback: Any) -> Any:
        return fallback if value is None else value

    def is_null(self, value: Any) -> bool:
        return value is None

    def no_codes(self, name: str) -> bool:
        return not self.col(name)

    def any_code_in(self, names: tuple[str, ...], values: Collection[str]) -> bool:
        return any(c in values for n in names for c in self._codes(n))

    def all_codes_in(self, names: tuple[str, ...], values: Collection[str]) -> bool:
        return all(c in values for n in names for c in self._codes(n))

    def _codes(self, name: str) -> tuple[str, ...]:
        value = self.col(name)
        return value if isinstance(value, tuple) else (value,)

    def not_(self, value: Any) -> bool:
        return not value

    def and_(self, *values: Any) -> bool:
        return all(values)

    def or_(self, *values: Any) -> bool:
        return any(values)

    def when(self, condition: Any, then: Any, otherwise: Any) -> Any:
        return then if condition else otherwise

    def abs(self, value: Any) -> Any:
        return abs(value)

    def month(self, day: Any) -> str:
        return str(day.strftime("%Y-%m"))

    def year(self, day: Any) -> str:
        return str(day.year)


class Row(Values):
    """The rules read on one receipt and its licence."""

    __slots__ = ("_of",)

    def __init__(self, receipt: Receipt, licence: Licence) -> None:
        self._of = (receipt, licence)

    def col(self, name: str) -> Any:
        which, field = _FIELDS[name]
        return getattr(self._of[which], field)


class Columns:
    """The rules read on a judged frame: every word gives a polars expression."""

    def col(self, name: str) -> pl.Expr:
        return pl.col(name)

    def lit(self, value: object) -> pl.Expr:
        return pl.lit(value)

    def before(self, value: pl.Expr, day: dt.date) -> pl.Expr:
        return (value < pl.lit(day)).fill_null(False)

    def lt(self, a: pl.Expr, b: pl.Expr) -> pl.Expr:
        return (a < b).fill_null(False)

    def is_in(self, value: pl.Expr, values: Collection[object]) -> pl.Expr:
        return value.is_in(list(values)).fill_null(False)

    def lookup(self, value: pl.Expr, mapping: Mapping[Any, Any], default: object = None) -> pl.Expr:
        sample = next(iter(mapping.values()), default)
        dtype = pl.Date if isinstance(sample, dt.date) else pl.Int64 if isinstance(sample, int) else None
        if not mapping or len(mapping) > _SHORT:
            return value.replace_strict(dict(mapping), default=pl.lit(default), return_dtype=dtype)
        # A short mapping (a stream's share, its start) as a chain of equalities: on a categorical column
        # (bulk.CATEGORICAL) each is an integer comparison, where replace_strict hashes every string.
        items = iter(mapping.items())
        key, then = next(items)
        chain: Any = pl.when(value == key).then(pl.lit(then, dtype=dtype))
        for key, then in items:
            chain = chain.when(value == key).then(pl.lit(then, dtype=dtype))
        out: pl.Expr = chain.otherwise(pl.lit(default, dtype=dtype))
        return out

    def coalesce(self, value: pl.Expr, fallback: pl.Expr) -> pl.Expr:
        return pl.coalesce(value, fallback)

    def is_null(self, value: pl.Expr) -> pl.Expr:
        return value.is_null()

    def no_codes(self, name: str) -> pl.Expr:
        return pl.col(name) == ""

    def any_code_in(self, names: tuple[str, ...], values: Collection[str]) -> pl.Expr:
        # One anchored regex per column, not a list per row: splitting every row's codes into a list cost
        # more than all the other rules together (docs/performance.md).
        if not values:
            return pl.lit(False)
        code = f"(?:^|{_SEP})(?:{_alternatives(values)})(?:{_SEP}|$)"
        return pl.any_horizontal(
            (pl.col(n).str.contains(code) if n in CODE_LISTS else pl.col(n).is_in(list(values))).fill_null(
                False
            )
            for n in names
        )

    def all_codes_in(self, names: tuple[str, ...], values: Collection[str]) -> pl.Expr:
        # Every ';'-separated piece is empty or one of `values` (empty pieces are no codes, as on a Row).
        pieces = f"^(?:{_SEP}|(?:{_alternatives(values)})(?:{_SEP}|$))*$"
        return pl.all_horizontal(
            (
                pl.col(n).str.contains(pieces)
                if n in CODE_LISTS
                else (pl.col(n) == "") | pl.col(n).is_in(list(values))
            ).fill_null(False)
            for n in names
        )

    def not_(self, value: pl.Expr) -> pl.Expr:
        return ~value

    def and_(self, *values: pl.Expr) -> pl.Expr:
        return pl.all_horizontal(values)

    def or_(self, *values: pl.Expr) -> pl.Expr:
        return pl.any_horizontal(values)

    def when(self, condition: pl.Expr, then: Any, otherwise: Any) -> pl.Expr:
        return pl.when(condition).then(then).otherwise(otherwise)

    def abs(self, value: pl.Expr) -> pl.Expr:
        return value.abs()

    def month(self, day: pl.Expr) -> pl.Expr:
        return day.dt.strftime("%Y-%m")

    def year(self, day: pl.Expr) -> pl.Expr:
        return day.dt.year().cast(pl.Utf8)


def _literal(text: str) -> str:
    """`text` as a regex matching itself: every character but a letter or digit written as its code point,
    which the regex engine polars uses reads the same whatever the character."""
    return "".join(c if c.isalnum() else f"\\x{{{ord(c):x}}}" for c in text)


_SEP = _literal(SEPARATOR)


def _alternatives(values: Collection[str]) -> str:
    """A regex matching exactly one of `values` (none: never)."""
    return "|".join(_literal(v) for v in sorted(values)) or r"[^\s\S]"


VALUES = Values()
COLUMNS = Columns()
