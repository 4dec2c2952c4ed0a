"""Treasury receipts: money the state received under a licence, in one revenue stream."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

import polars as pl

from jointfund.revenue import cell_rules, licence
from jointfund.revenue.cell_rules import SEPARATOR
from jointfund.revenue.fields import Cells
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


def rules(terms: Terms, licences: Mapping[str, tuple[str, ...]]) -> cell_rules.Rules:
    """A receipt's columns and their rules, in the order a row is read; `licences` maps each known licence to
    its resources (primary first). Both `parse` and `parse_frame` read these."""
    budgets = terms.contribution.budgets
    return {
        "receipt_id": cell_rules.Ident(),
        "date": cell_rules.Date(terms.fund.entry_into_force),
        "licence_id": cell_rules.Ident(known=licences, unknown=UNKNOWN_LICENCE),
        **paid(terms),
        "corrects": _Corrects("receipt_id"),
        "resource": _Resource(licences, terms.eligibility.per_resource_streams, "licence_id", "stream"),
        "budget": cell_rules.Choice(budgets, "budget", default=budgets[0], store_default=False),
        "flags": licence.flags(terms),
    }


def paid(terms: Terms) -> dict[str, cell_rules.Rule]:
    """The rules of what was paid, in a receipt or a company's payment: the revenue stream, the currency
    (the domestic one when left out), and the amount in it."""
    return {
        "stream": cell_rules.Choice(terms.contribution.stream_codes, "revenue stream"),
        "currency": cell_rules.Choice(terms.fund.currencies, "currency", default=terms.fx.domestic_currency),
        "amount": cell_rules.Amount("currency", terms.fund.currencies),
    }


UNKNOWN_LICENCE = "unknown licence; import it first with: jointfund licences import FILE"


def parse(cells: Cells, terms: Terms, licences: Mapping[str, tuple[str, ...]]) -> Receipt | None:
    """A receipt from its cells; `licences` maps each known licence to its resources (primary first)."""
    return read(cells, rules(terms, licences))


def read(cells: Cells, declared: cell_rules.Rules) -> Receipt | None:
    """A receipt from its cells by the `rules` declared (built once for a file)."""
    got = cell_rules.read(declared, cells)
    return None if got is None else Receipt(**got)


def parse_frame(
    cells: pl.DataFrame, terms: Terms, licences: Mapping[str, tuple[str, ...]]
) -> pl.DataFrame | None:
    """The column-wise reading of `rules` for a block of rows: their stored columns (receipt_id, date,
    licence_id, stream, currency, amount_minor, corrects, resource, budget, flags), or None when any row is
    not plainly valid, so that the caller reads the file row by row and `parse` names every problem.

    It accepts a row only when `parse` would accept it with the same values
    (tests/revenue/test_bulk_import.py checks both on random cells).
    """
    return cell_rules.read_frame(rules(terms, licences), cells)


class _Corrects(cell_rules.Rule):
    """The receipt this one corrects (an id), never itself. Column-wise only when empty: a correction is
    checked against its original on the row path."""

    def __init__(self, receipt_id: str) -> None:
        self.receipt_id = receipt_id

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> str | None:
        corrects = cells.ident(column, required=False) or None
        if corrects is not None and corrects == got[self.receipt_id]:
            cells.fail(column, "a receipt cannot correct itself", corrects)
        return corrects

    def plain(self, column: str) -> pl.Expr:
        return pl.col(column) == ""

    def stored(self, column: str) -> pl.Expr:
        return pl.lit(None, dtype=pl.Utf8)


class _Resource(cell_rules.Rule):
    """The receipt's resource: one of its licence's; required for a per-resource stream (rent) on a licence of
    several resources. Stored as None when empty (the licence's only one)."""

    def __init__(
        self,
        licences: Mapping[str, tuple[str, ...]],
        per_resource: Collection[str],
        licence: str,
        stream: str,
    ) -> None:
        self.licences, self.per_resource = licences, tuple(per_resource)
        self.licence, self.stream = licence, stream

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> str | None:
        value = cells.raw(column)
        licence_id, stream = got[self.licence], got[self.stream]
        resources = self.licences.get(licence_id or "")
        if resources is None:  # the licence is unknown, and reported
            return value or None
        if not value:
            if len(resources) > 1 and stream in self.per_resource:
                cells.fail(
                    column,
                    f"licence {licence_id} has several resources ({', '.join(resources)}): "
                    f"a {stream} receipt must name the one it is for",
                )
            return None
        if value not in resources:
            cells.fail(
                column,
                f"not a resource of licence {licence_id} (its resources: {', '.join(resources)})",
                value,
            )
            return None
        return value

    def plain(self, column: str) -> pl.Expr:
        # On (licence, resource) pairs: a named resource is one of the licence's; an unnamed one is allowed
        # unless the stream is per resource and the licence has several.
        pairs = [f"{lid}{SEPARATOR}{r}" for lid, rs in self.licences.items() for r in rs]
        several = [lid for lid, rs in self.licences.items() if len(rs) > 1]
        licence, resource = pl.col(self.licence), pl.col(column)
        return (
            pl.when(resource == "")
            .then(~(licence.is_in(several) & pl.col(self.stream).is_in(list(self.per_resource))))
            .otherwise(pl.concat_str(licence, pl.lit(SEPARATOR), resource).is_in(pairs))
        )

    def stored(self, column: str) -> pl.Expr:
        return pl.when(pl.col(column) != "").then(pl.col(column))
