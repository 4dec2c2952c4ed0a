"""Licences (special permits for subsoil use): the facts the eligibility rules ask about."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from jointfund.revenue.fields import Cells, suggest
from jointfund.revenue.reader import Columns
from jointfund.terms.model import Terms

COLUMNS = Columns(("licence_id", "holder", "holder_code", "resource", "deposit", "region", "issued", "basis", "psa"))
PSA_VALUES = {"yes": True, "no": False}


class Licence(NamedTuple):
    """A special permit as the State Geology Service records it.

    Attributes:
      licence_id: the permit's own number (the idempotency key of imports).
      holder: the company's name.
      holder_code: the company's registration code; reconciliation matches companies by it.
      resource: code from the terms' resource catalogue (covered or not).
      deposit: the deposit or field, e.g. "Dobra"; may be empty.
      region: the oblast; may be empty.
      issued: the date the permit was issued.
      basis: new, renewal, existing or existing_undeveloped: which rule of eligibility applies.
      psa: whether the licence is under a production sharing agreement.
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


def bases(terms: Terms) -> tuple[str, ...]:
    e = terms.eligibility
    return tuple(dict.fromkeys((*e.new_bases, *e.always_bases, *e.excluded_bases)))


def parse(cells: Cells, terms: Terms) -> Licence | None:
    licence_id = cells.ident("licence_id")
    holder = cells.text("holder")
    holder_code = cells.ident("holder_code")
    resource = cells.raw("resource")
    codes = [r.code for r in terms.resources]
    if resource not in codes:
        hint = suggest(resource, codes) or " (see: jointfund terms show --format json, catalogue.resources)"
        cells.fail("resource", f"unknown resource code{hint}" if resource else "a resource code is required", resource or None)
    deposit = cells.text("deposit", required=False)
    region = cells.text("region", required=False)
    issued = cells.date("issued", terms.fund.entry_into_force)
    basis = cells.choice("basis", bases(terms), "licence basis")
    psa = cells.choice("psa", PSA_VALUES, "psa value")
    if not cells.ok:
        return None
    assert licence_id and holder and holder_code and issued and basis and psa is not None
    return Licence(licence_id, holder, holder_code, resource, deposit or "", region or "", issued, basis, PSA_VALUES[psa])
