"""EITI summary data of a year, in the parts of the EITI summary data template (2019 and later).

1. About the report: country, year, currencies, sources.
2. Disclosure checklist: what this fund's outputs publish, and where.
3. Reporting entities: government entities, companies (with codes), projects (licences), commodities.
4. Government revenues by GFS code, stream and receiving entity (with the national budget code);
   receipts credited to a subnational budget are subnational transfers.
5. Company and project payments by stream.

Who receives a stream, its GFS and budget codes, and which budgets are subnational all come from the
terms ([eiti], contribution.streams); this module only arranges the receipts in the template's parts.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection

from jointfund.errors import JointfundError
from jointfund.fund import FundInfo
from jointfund.reports.fund_report import Section
from jointfund.revenue.contribution import Evaluation, MissingRates, missing_rates
from jointfund.revenue.licence import Licence
from jointfund.terms.model import Terms

PARTS = (
    "1_about",
    "2_disclosure_checklist",
    "3_reporting_entities",
    "4_government_revenues",
    "5_company_payments",
)
TITLES = (
    "About the report",
    "Disclosure checklist",
    "Reporting entities",
    "Government revenues",
    "Companies and projects",
)

# What the fund's outputs publish, by EITI Requirement (part 2). These describe this program's own
# reports, not facts of an agreement, so they live here rather than in a terms file.
CHECKLIST = (
    ("2.3", "Register of licences", "yes", "jointfund report licences (csv, xlsx, json)"),
    ("4.1", "Government revenues by stream and entity", "yes", "part 4 of this report"),
    ("4.7", "Project-level reporting (per licence)", "yes", "part 5 of this report"),
    (
        "4.9",
        "Data quality: reconciliation of company payments and government receipts",
        "yes",
        "jointfund reconcile",
    ),
    ("5.2", "Subnational transfers", "yes", "part 4 of this report (subnational_transfer = yes)"),
    ("2.2", "Contract and licence allocations", "no", "not recorded by the fund"),
    ("2.5", "Beneficial ownership", "no", "not recorded by the fund"),
)


def summary(conn: Connection, info: FundInfo, year: int) -> list[Section]:
    """The year's summary data from the book; JointfundError naming the missing rates when some are."""
    from jointfund.revenue import book

    with_rates = MissingRates(book.evaluations(conn, info, year))
    sections = parts(with_rates, book.licences(conn), info.base_terms(), year)
    if with_rates.missing:
        raise JointfundError(missing_rates(with_rates.missing))
    return sections


def entity_of(terms: Terms, stream: str, budget: str | None) -> str:
    """The code of the entity that receives a receipt: its budget's, when the terms name one, else its
    stream's."""
    chosen = budget or terms.contribution.budgets[0]
    if chosen in terms.eiti.budget_entities:
        return terms.eiti.budget_entities[chosen]
    info = terms.stream_info(stream)
    return info.entity if info else ""


def parts(
    evaluations: Iterable[Evaluation], licences: Mapping[str, Licence], terms: Terms, year: int
) -> list[Section]:
    """The five parts of the year's summary data, each a Section (one sheet or CSV file)."""
    revenues: dict[tuple, list] = defaultdict(
        lambda: [0, Decimal(0), Decimal(0), Decimal(0), Decimal(0), True]
    )
    payments: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    companies: dict[str, str] = {}
    for e in evaluations:
        r = e.receipt
        entity = entity_of(terms, r.stream, r.budget)
        slot = revenues[(r.stream, entity, r.currency)]
        slot[0] += 1
        slot[1] += r.amount
        slot[2] += r.amount if e.eligible else r.amount * 0  # zero in the currency's places
        slot[3] += e.contribution
        if e.contribution_base is None:
            slot[5] = False
        else:
            slot[4] += e.contribution_base
        pay = payments[(e.licence.holder_code, r.licence_id, r.stream, r.currency)]
        pay[0] += 1
        pay[1] += r.amount
        pay[2] += e.contribution
        companies.setdefault(e.licence.holder_code, e.licence.holder)
    return [
        _about(terms, year),
        _checklist(),
        _entities(terms, licences, companies),
        _revenues(terms, revenues),
        _payments(terms, licences, payments),
    ]


def _about(terms: Terms, year: int) -> Section:
    e = terms.eiti
    rows = [
        ("country", e.country),
        ("country_code", e.country_code),
        ("fiscal_year", str(year)),
        ("period_start", f"{year}-01-01"),
        ("period_end", f"{year}-12-31"),
        ("reporting_currency", terms.fx.domestic_currency),
        ("base_currency", terms.fund.base_currency),
        ("exchange_rate_source", terms.fx.source),
        ("publisher", terms.fund.name),
        *(("source", s) for s in e.sources),
    ]
    return Section(TITLES[0], [{"field": k, "value": v} for k, v in rows])


def _checklist() -> Section:
    return Section(
        TITLES[1],
        [
            {"requirement": req, "topic": topic, "published": done, "where": where}
            for req, topic, done, where in CHECKLIST
        ],
    )


def _entities(terms: Terms, licences: Mapping[str, Licence], companies: Mapping[str, str]) -> Section:
    rows: list[dict] = []
    for g in terms.eiti.entities:
        rows.append(
            {
                "kind": "government entity",
                "code": g.code,
                "name": g.name,
                "detail": g.level,
                "identifier": g.identifier,
            }
        )
    holders = dict(companies)
    for x in licences.values():
        holders.setdefault(x.holder_code, x.holder)
    for code, name in sorted(holders.items()):
        rows.append({"kind": "company", "code": code, "name": name, "detail": "", "identifier": code})
    for x in sorted(licences.values()):
        rows.append(
            {
                "kind": "project",
                "code": x.licence_id,
                "name": x.deposit or x.licence_id,
                "detail": ";".join(x.resources),
                "identifier": x.holder_code,
            }
        )
    used = {r for x in licences.values() for r in x.resources}
    for res in terms.resources:
        if res.code in used:
            rows.append(
                {
                    "kind": "commodity",
                    "code": res.code,
                    "name": res.name,
                    "detail": "covered" if res.covered else "not covered",
                    "identifier": "",
                }
            )
    return Section(TITLES[2], rows)


def _revenues(terms: Terms, revenues: Mapping[tuple, list]) -> Section:
    rows = []
    for (stream, entity, currency), (n, amount, eligible, contribution, base, complete) in sorted(
        revenues.items()
    ):
        info = terms.stream_info(stream)
        who = terms.entity(entity)
        rows.append(
            {
                "gfs_code": info.gfs_code if info else "",
                "budget_code": info.budget_code if info else "",
                "stream": stream,
                "stream_name": info.name if info else stream,
                "entity": entity,
                "entity_name": who.name if who else "",
                "subnational_transfer": "yes" if who and who.level == "subnational" else "no",
                "currency": currency,
                "receipts": n,
                "amount": amount,
                "eligible_amount": eligible,
                "contribution": contribution,
                "contribution_base": base if complete else None,
                "base_currency": terms.fund.base_currency,
            }
        )
    return Section(TITLES[3], rows)


def _payments(terms: Terms, licences: Mapping[str, Licence], payments: Mapping[tuple, list]) -> Section:
    rows = []
    for (holder_code, licence_id, stream, currency), (n, amount, contribution) in sorted(payments.items()):
        x = licences[licence_id]
        info = terms.stream_info(stream)
        rows.append(
            {
                "company_code": holder_code,
                "company": x.holder,
                "project": licence_id,
                "deposit": x.deposit,
                "resources": ";".join(x.resources),
                "gfs_code": info.gfs_code if info else "",
                "stream": stream,
                "currency": currency,
                "receipts": n,
                "amount": amount,
                "contribution": contribution,
            }
        )
    return Section(TITLES[4], rows)


def write_csv(sections: list[Section], directory: Path) -> list[Path]:
    """One CSV file per part in `directory` (created if need be), named by PARTS."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, section in zip(PARTS, sections, strict=True):
        path = directory / f"{name}.csv"
        columns = list(dict.fromkeys(k for r in section.rows for k in r))
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(columns)
            for r in section.rows:
                writer.writerow(
                    [
                        "" if r.get(c) is None else (f"{r[c]:f}" if isinstance(r.get(c), Decimal) else r[c])
                        for c in columns
                    ]
                )
        written.append(path)
    return written
