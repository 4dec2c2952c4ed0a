"""Licences (special permits for subsoil use): the facts the eligibility rules ask about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

from jointfund.revenue import cell_rules
from jointfund.revenue.cell_rules import SEPARATOR as SEPARATOR  # imported from here by book, bulk, ...
from jointfund.revenue.fields import Cells
from jointfund.revenue.reader import Columns
from jointfund.terms.model import Terms

COLUMNS = Columns(
    ("licence_id", "holder", "holder_code", "resource", "deposit", "region", "issued", "basis", "psa"),
    ("psa_signed", "flags"),
)
PSA_VALUES = {"yes": True, "no": False}


class Licence(NamedTuple):
    """A special permit as the State Geology Service records it.

    Attributes:
      licence_id: the permit's own number (the idempotency key of imports).
      holder: the company's name.
      holder_code: the company's registration code; reconciliation matches companies by it.
      resource: the primary resource: a code from the terms' resource catalogue (covered or not).
      deposit: the deposit or field, e.g. "Dobra"; may be empty.
      region: the oblast; may be empty.
      issued: the date the permit was issued.
      basis: new, renewal, existing or existing_undeveloped: which rule of eligibility applies.
      psa: whether the licence is under a production sharing agreement.
      psa_signed: the date the PSA was signed; None when there is no PSA, or when the licence
        was imported from a file without the column (the new-PSA rule then cannot apply).
      flags: flags of the terms' eligibility (e.g. reparations), in the order given.
      other_resources: the licence's further resources after the primary one (gas with condensate).
    """

    licence_id: str
    holder: str
    holder_code: str
    resource: str
    deposit: str
    region: str
    issued: dt.date
    basis: str
    psa: bool
    psa_signed: dt.date | None = None
    flags: tuple[str, ...] = ()
    other_resources: tuple[str, ...] = ()

    @property
    def resources(self) -> tuple[str, ...]:
        """Every resource of the licence, the primary one first."""
        return (self.resource, *self.other_resources)


def bases(terms: Terms) -> tuple[str, ...]:
    e = terms.eligibility
    return tuple(dict.fromkeys((*e.new_bases, *e.always_bases, *e.excluded_bases)))


def flags(terms: Terms) -> cell_rules.Codes:
    """The rule of the flags cell of a licence or a receipt: the terms' eligibility flags."""
    known = terms.eligibility.known_flags
    return cell_rules.Codes(known, "flag", f" (expected: {', '.join(known) or 'none are defined'})")


def rules(terms: Terms) -> cell_rules.Rules:
    """A licence's columns and their rules, in the order a row is read."""
    return {
        "licence_id": cell_rules.Ident(),
        "holder": cell_rules.Text(),
        "holder_code": cell_rules.Ident(),
        "resource": cell_rules.Codes(
            tuple(r.code for r in terms.resources),
            "resource code",
            " (see: jointfund terms show --format json, catalogue.resources)",
            required="a resource code is required",
        ),
        "deposit": cell_rules.Text(required=False),
        "region": cell_rules.Text(required=False),
        "issued": cell_rules.Date(terms.fund.entry_into_force),
        "basis": cell_rules.Choice(bases(terms), "licence basis"),
        "psa": cell_rules.Choice(PSA_VALUES, "psa value"),
        "psa_signed": _PsaSigned("psa"),
        "flags": flags(terms),
    }


def parse(cells: Cells, terms: Terms) -> Licence | None:
    return read(cells, rules(terms))


def read(cells: Cells, declared: cell_rules.Rules) -> Licence | None:
    """A licence from its cells by the `rules` declared (built once for a file); the resource cell lists the
    primary resource first."""
    got = cell_rules.read(declared, cells)
    if got is None:
        return None
    primary, *others = got["resource"]
    return Licence(
        **{**got, "resource": primary, "psa": PSA_VALUES[got["psa"]], "other_resources": tuple(others)}
    )


class _PsaSigned(cell_rules.Rule):
    """The date the PSA was signed: required when the licence is under a PSA (psa = yes) and the file has the
    column; refused when it is not (psa = no). Read on the row path only."""

    def __init__(self, psa: str) -> None:
        self.psa = psa

    def read(self, cells: Cells, column: str, got: Mapping[str, Any]) -> dt.date | None:
        written, psa = cells.raw(column), got[self.psa]
        signed = cells.date(column) if written else None
        if psa == "yes" and not written and column in cells.row.values:
            cells.fail(column, "the date the PSA was signed is required when psa = yes")
        if psa == "no" and signed is not None:
            cells.fail(column, "only a licence under a PSA (psa = yes) has a PSA signing date", written)
        return signed
