"""Licences (special permits for subsoil use): the facts the eligibility rules ask about."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from jointfund.revenue.fields import Cells, suggest
from jointfund.revenue.reader import Columns
from jointfund.terms.model import Terms

COLUMNS = Columns(
    ("licence_id", "holder", "holder_code", "resource", "deposit", "region", "issued", "basis", "psa"),
    ("psa_signed", "flags"),
)
PSA_VALUES = {"yes": True, "no": False}
SEPARATOR = ";"  # between the codes of a cell that lists several (resources, flags)


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


def codes(
    cells: Cells, column: str, known: tuple[str, ...], what: str, hint: str = ""
) -> tuple[str, ...] | None:
    """A cell of `;`-separated codes, each one of `known` and none twice; () when empty, None when bad."""
    value = cells.raw(column)
    if not value:
        return ()
    items = tuple(x.strip() for x in value.split(SEPARATOR))
    bad = [x for x in items if x not in known]
    if bad:
        named = (
            f" {bad[0] or '(empty)'!r}" if len(items) > 1 else ""
        )  # which one, when the cell lists several
        cells.fail(column, f"unknown {what}{named}{suggest(bad[0], known) or hint}", value)
        return None
    if len(set(items)) != len(items):
        cells.fail(column, f"a {what} is listed twice", value)
        return None
    return items


def flag_codes(cells: Cells, terms: Terms) -> tuple[str, ...] | None:
    """The flags cell of a licence or a receipt: the terms' eligibility flags, as `codes` reads them."""
    known = terms.eligibility.known_flags
    return codes(cells, "flags", known, "flag", f" (expected: {', '.join(known) or 'none are defined'})")


def parse(cells: Cells, terms: Terms) -> Licence | None:
    licence_id = cells.ident("licence_id")
    holder = cells.text("holder")
    holder_code = cells.ident("holder_code")
    catalogue = tuple(r.code for r in terms.resources)
    if not cells.raw("resource"):
        cells.fail("resource", "a resource code is required")
        resources = None
    else:
        resources = codes(
            cells,
            "resource",
            catalogue,
            "resource code",
            " (see: jointfund terms show --format json, catalogue.resources)",
        )
    deposit = cells.text("deposit", required=False)
    region = cells.text("region", required=False)
    issued = cells.date("issued", terms.fund.entry_into_force)
    basis = cells.choice("basis", bases(terms), "licence basis")
    psa = cells.choice("psa", PSA_VALUES, "psa value")
    signed = cells.date("psa_signed") if cells.raw("psa_signed") else None
    if psa == "yes" and not cells.raw("psa_signed") and "psa_signed" in cells.row.values:
        cells.fail("psa_signed", "the date the PSA was signed is required when psa = yes")
    if psa == "no" and signed is not None:
        cells.fail(
            "psa_signed",
            "only a licence under a PSA (psa = yes) has a PSA signing date",
            cells.raw("psa_signed"),
        )
    flags = flag_codes(cells, terms)
    if not cells.ok:
        return None
    assert (
        licence_id
        and holder
        and holder_code
        and issued
        and basis
        and psa is not None
        and resources
        and flags is not None
    )
    return Licence(
        licence_id,
        holder,
        holder_code,
        resources[0],
        deposit or "",
        region or "",
        issued,
        basis,
        PSA_VALUES[psa],
        signed,
        flags,
        resources[1:],
    )
