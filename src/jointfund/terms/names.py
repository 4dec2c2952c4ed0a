"""The human names of the terms' codes, for pages in the reader's language.

The terms hold each code's English name (a stream, a resource, a stage, a body...); the catalogue
holds its translation, with the English name as msgid, like every other text of the pages. So a
name is written once, in the terms, and translated once, in messages.po (tests/web/test_i18n.py
fails on a name of the shipped terms that has no Ukrainian).
"""

from __future__ import annotations

from collections.abc import Callable

from jointfund.terms.model import Terms

KINDS = (
    "partner",
    "stream",
    "category",
    "resource",
    "body",
    "deadline",
    "stage",
    "sector",
    "entity",
    "budget",
    "fee",
)


def table(terms: Terms) -> dict[str, dict[str, str]]:
    """kind -> code -> English name, from `terms`."""
    c = terms.contribution
    out = {
        "partner": {p.code: p.name for p in terms.partners},
        "stream": {s.code: s.name for s in c.every_stream},
        "category": {k.code: k.name for k in terms.catalogue.categories},
        "resource": {r.code: r.name for r in terms.catalogue.resources},
        "body": {b.code: b.name for b in terms.governance.bodies},
        "deadline": {d.code: d.name for d in terms.calendar.deadlines},
        "entity": {e.code: e.name for e in terms.eiti.entities},
        "stage": {},
        "sector": {},
        "budget": {k.code: k.name for k in terms.budget.categories},
        "fee": {f.code: f.name for f in terms.budget.fees},
    }
    if terms.pipeline is not None:
        out["stage"] = {s.code: s.name for s in terms.pipeline.stages}
        out["sector"] = {s.code: s.name for s in terms.pipeline.sectors}
    return out


def every_name(terms: Terms) -> set[str]:
    """Every name a page may show for a code of `terms` (and the instruments, whose codes are their names)."""
    names = {n for by_code in table(terms).values() for n in by_code.values()}
    names |= {k.name for kinds in terms.capital.kinds.values() for k in kinds} | {terms.fund.name}
    names |= {*terms.eligibility.excluded_bases.values(), *terms.eligibility.excluded_flags.values()}
    return names | set(terms.pipeline.instruments if terms.pipeline else ())


def namer(terms: Terms, gettext: Callable[[str], str]) -> Callable[[str, str | None], str]:
    """named(kind, code): the code's name in the language of `gettext`; an unknown code is shown as it is."""
    names = table(terms)

    def named(kind: str, code: str | None) -> str:
        if code is None or code == "":
            return ""
        return gettext(names.get(kind, {}).get(code, code))

    return named
