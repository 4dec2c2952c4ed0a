"""The rules about an input's cells, each declared once and read two ways (issue 17).

A kind of input declares its columns as a table, column -> rule (`Ident`, `Date`, `Choice`, `Amount`,
`Codes`, ...), in the order a row is read. Each rule holds both readings of its cell:
- `read`: the row path. It reads one row's cell through `Cells`, which names every problem in the texts
  that web.texts translates. `got` holds the values already read from the columns declared before it, for
  a rule that depends on them (an amount on its currency).
- `filled`, `plain`, `stored`: the column-wise path, as polars expressions over a block of text cells:
  the cell with its default filled in; whether the row path would take the cell unchanged; and the value
  stored.

The column-wise path only shortcuts the row path. `read_frame` accepts a block only when every cell of every
row is plainly valid, and otherwise returns None so that the caller reads the block row by row, which names
each problem. A rule without a column-wise form keeps the default `plain` (never), which sends every block
to the row path.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from typing import Any

import polars as pl

from jointfund import bounds
from jointfund.money import exponent
from jointfund.revenue.fields import MAX_ID_CHARS, Cells, suggest
from jointfund.revenue.reader import MAX_CELL_CHARS

SEPARATOR = ";"  # between the codes of a cell that lists several (resources, flags)

# The plain forms the column-wise path takes, each a subset of what the row path takes unchanged: no
# surrounding or inner whitespace (Python's \s also takes \x1c-\x1f) and no control character in an id,
# dates written YYYY-MM-DD, amounts -?digits[.digits].
PLAIN_ID = rf"^[^\s\x00-\x1f]{{1,{MAX_ID_CHARS}}}$"
PLAIN_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def plain_amount(places: int) -> str:
    """Amounts written -?digits[.digits]: at most 15 whole digits (so minor units fit 64 bits)."""
    return rf"^-?[0-9]{{1,15}}(\.[0-9]{{1,{places}}})?$" if places else r"^-?[0-9]{1,15}$"


class Rule(ABC):
    """One column's rule. Subclasses give `read`, and `plain` (with `filled`, `stored`) when they have a
    column-wise form."""

    @abstractmethod
    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> Any:
        """The cell's value read from one row, its problems noted in `cells`."""

    def filled(self, column: str) -> pl.Expr:
        return pl.col(column)

    def plain(self, column: str) -> pl.Expr:
        """Where the row path would take the (filled) cell unchanged; by default nowhere: row path only."""
        return pl.lit(False)

    def stored(self, column: str) -> pl.Expr:
        return pl.col(column)

    def stored_name(self, column: str) -> str:
        """The name of the stored column."""
        return column


Rules = Mapping[str, Rule]


def read(rules: Rules, cells: Cells) -> dict[str, Any] | None:
    """Every declared column of one row read, in order, or None when any problem was found (in `cells`)."""
    got: dict[str, Any] = {}
    for column, rule in rules.items():
        got[column] = rule.read(cells, column, got)
    return got if cells.ok else None


def read_frame(rules: Rules, cells: pl.DataFrame) -> pl.DataFrame | None:
    """A block of text cells as stored columns, or None when any row is not plainly valid (so that the
    caller reads the block row by row). A declared column the block lacks is read as empty."""
    missing = [c for c in rules if c not in cells.columns]
    if missing:
        cells = cells.with_columns(pl.lit("", dtype=pl.Utf8).alias(c) for c in missing)
    frame = cells.select(rule.filled(c).alias(c) for c, rule in rules.items())
    every = pl.all_horizontal(rule.plain(c) for c, rule in rules.items()).fill_null(False).all()
    if not frame.select(every).item():
        return None
    return frame.select(rule.stored(c).alias(rule.stored_name(c)) for c, rule in rules.items())


class Text(Rule):
    """Free text, bounded; required unless `required` is False (then "" when empty)."""

    def __init__(self, required: bool = True, limit: int = MAX_CELL_CHARS) -> None:
        self.required, self.limit = required, limit

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> str | None:
        value = cells.text(column, self.required, self.limit)
        return value if self.required else value or ""


class Ident(Rule):
    """An identifier of the source (no spaces, bounded); with `known`, one of them, else `unknown` is said."""

    def __init__(
        self, required: bool = True, known: Collection[str] | None = None, unknown: str = ""
    ) -> None:
        self.required, self.known, self.unknown = required, known, unknown

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> str | None:
        value = cells.ident(column, self.required)
        if value and self.known is not None and value not in self.known:
            cells.fail(column, self.unknown, value)
        return value if self.required else value or None

    def plain(self, column: str) -> pl.Expr:
        ok = pl.col(column).str.contains(PLAIN_ID)
        if self.known is not None:
            ok = ok & pl.col(column).is_in(list(self.known))
        return ok if self.required else (pl.col(column) == "") | ok

    def stored(self, column: str) -> pl.Expr:
        return pl.col(column) if self.required else pl.when(pl.col(column) != "").then(pl.col(column))


class Date(Rule):
    """YYYY-MM-DD (or NBU's DD.MM.YYYY on the row path); with `start`, within bounds.date_window(start)."""

    def __init__(self, start: Any = None) -> None:
        self.start = start

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> Any:
        return cells.date(column, self.start)

    def filled(self, column: str) -> pl.Expr:
        # The day, where the cell is written plainly; a day the calendar lacks (2025-02-30) is null.
        raw = pl.col(column)
        return pl.when(raw.str.contains(PLAIN_DATE)).then(raw.str.to_date("%Y-%m-%d", strict=False))

    def plain(self, column: str) -> pl.Expr:
        if self.start is None:
            return pl.col(column).is_not_null()
        first, last = bounds.date_window(self.start)
        return pl.col(column).is_between(first, last)


class Choice(Rule):
    """One of `options`; `default` when empty. With `store_default` False, the default is stored as None, so
    that a file that leaves it out and one that names it agree."""

    def __init__(
        self, options: Collection[str], what: str, default: str | None = None, store_default: bool = True
    ) -> None:
        self.options, self.what = tuple(options), what
        self.default, self.store_default = default, store_default

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> str | None:
        value = cells.choice(column, self.options, self.what, self.default)
        return None if not self.store_default and value == self.default else value

    def filled(self, column: str) -> pl.Expr:
        raw = pl.col(column)
        return raw if self.default is None else pl.when(raw == "").then(pl.lit(self.default)).otherwise(raw)

    def plain(self, column: str) -> pl.Expr:
        return pl.col(column).is_in(list(self.options))

    def stored(self, column: str) -> pl.Expr:
        if self.store_default:
            return pl.col(column)
        return pl.when(pl.col(column) != pl.lit(self.default)).then(pl.col(column))


class Amount(Rule):
    """Exact money in the currency read from `currency` (a column declared before), within its minor unit.
    Stored column-wise as `<column>_minor`, in minor units."""

    def __init__(self, currency: str, currencies: Collection[str]) -> None:
        self.currency, self.currencies = currency, tuple(currencies)

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> Any:
        return cells.amount(column, got[self.currency])

    def plain(self, column: str) -> pl.Expr:
        ok = pl.lit(False)
        for code in self.currencies:
            written = pl.col(column).str.contains(plain_amount(exponent(code)))
            ok = ok | ((pl.col(self.currency) == code) & written)
        return ok

    def stored(self, column: str) -> pl.Expr:
        raw = pl.col(column)
        minor = pl.lit(None, dtype=pl.Int64)
        for code in self.currencies:
            places = exponent(code)
            whole = raw.str.extract(r"^-?([0-9]+)", 1).cast(pl.Int64, strict=False)
            frac = raw.str.extract(r"\.([0-9]+)$", 1).fill_null("").str.pad_end(places, "0")
            magnitude = whole * 10**places + (frac.cast(pl.Int64, strict=False) if places else 0)
            signed = pl.when(raw.str.starts_with("-")).then(-magnitude).otherwise(magnitude)
            minor = pl.when(pl.col(self.currency) == code).then(signed).otherwise(minor)
        return minor

    def stored_name(self, column: str) -> str:
        return f"{column}_minor"


class Codes(Rule):
    """A cell of `;`-separated codes, each one of `known` and none twice: () when empty (or, with `required`,
    that message). Stored column-wise as the cell's text."""

    def __init__(self, known: Collection[str], what: str, hint: str = "", required: str = "") -> None:
        self.known, self.what, self.hint, self.required = tuple(known), what, hint, required

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> tuple[str, ...] | None:
        value = cells.raw(column)
        if not value:
            if self.required:
                cells.fail(column, self.required)
                return None
            return ()
        items = tuple(x.strip() for x in value.split(SEPARATOR))
        bad = [x for x in items if x not in self.known]
        if bad:
            # which one, when the cell lists several
            named = f" {bad[0] or '(empty)'!r}" if len(items) > 1 else ""
            cells.fail(column, f"unknown {self.what}{named}{suggest(bad[0], self.known) or self.hint}", value)
            return None
        if len(set(items)) != len(items):
            cells.fail(column, f"a {self.what} is listed twice", value)
            return None
        return items

    def plain(self, column: str) -> pl.Expr:
        # Codes written plainly (no spaces), each known; a code listed twice goes to the row path.
        known = "|".join(re.escape(f) for f in self.known) or "(?!)"
        cell = pl.col(column)
        listed = cell.str.contains(rf"^({known})({SEPARATOR}({known}))*$") & (
            cell.str.split(SEPARATOR).list.n_unique() == cell.str.split(SEPARATOR).list.len()
        )
        return listed if self.required else (cell == "") | listed


class Derived(Rule):
    """A rule of the row path only, for a column whose reading is particular to its kind: `reader(cells,
    column, got)`."""

    def __init__(self, reader: Callable[[Cells, str, Mapping[str, Any]], Any]) -> None:
        self.reader = reader

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> Any:
        return self.reader(cells, column, got)
