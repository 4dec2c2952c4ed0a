"""Investments as Open Contracting for Infrastructure Data Standard (OC4IDS) project records.

One project per investment, in a project package: id, title, description, status and sector (the
terms map pipeline stages and sectors to OC4IDS codes), locations (the region), budget (the
commitment), parties (the fund as funder, the applicant as its own party with its EDRPOU
identifier) and the investment's transactions (disbursements out, income and repayments in) as
OCDS transaction objects in the project's contracting process summary.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection

from jointfund import clock
from jointfund.fund import FundInfo
from jointfund.ledger import journal
from jointfund.portfolio import application as apps
from jointfund.portfolio import investment

VERSION = "0.9"
EDRPOU_SCHEME = "UA-EDR"


def _value(amount: Decimal, currency: str) -> dict:
    return {"amount": float(amount), "currency": currency}


def package(conn: Connection, info: FundInfo, as_of: dt.date) -> dict:
    terms = info.terms(as_of)
    p = apps.pipeline_of(terms)
    stages = apps.stages(conn, as_of)
    fund_party = {"id": f"fund-{info.code}", "name": info.name, "roles": ["funder"]}
    projects = []
    for inv in investment.investments(conn, as_of):
        a = apps.get(conn, inv.application)
        stage = p.stage(stages[a.id].to_stage)
        sector = p.sector(a.sector)
        pos = investment.position(conn, info, inv, as_of)
        cash = terms.account_name("cash", currency=inv.currency)
        transactions = []
        for e in journal.entries(conn, link=inv.link, until=as_of):
            moved = sum(
                (x.amount for x in e.postings if x.account == cash and x.currency == inv.currency), Decimal(0)
            )
            if not moved:
                continue
            payer, payee = (fund_party, a) if moved < 0 else (a, fund_party)
            transactions.append(
                {
                    "id": f"{inv.label}-{e.seq}",
                    "source": f"jointfund ledger entry {e.seq}",
                    "date": e.date.isoformat(),
                    "value": _value(abs(moved), inv.currency),
                    "payer": _ref(payer),
                    "payee": _ref(payee),
                    "description": e.narration,
                }
            )
        projects.append(
            {
                "id": f"{info.code}-{inv.label}",
                "updated": as_of.isoformat(),
                "title": a.title,
                "description": a.description,
                "status": stage.oc4ids_status if stage else "",
                "sector": [sector.oc4ids_sector] if sector and sector.oc4ids_sector else [],
                "additionalClassifications": [
                    {"scheme": "jointfund-sector", "id": a.sector},
                    {"scheme": "jointfund-stage", "id": stages[a.id].to_stage},
                ],
                "locations": [
                    {
                        "id": "1",
                        "description": a.region,
                        "address": {"region": a.region, "countryName": "Ukraine"},
                    }
                ],
                "budget": {
                    "amount": _value(inv.amount, inv.currency),
                    "approvalDate": inv.committed_on.isoformat(),
                },
                "parties": [
                    fund_party,
                    {
                        "id": f"{EDRPOU_SCHEME}-{a.applicant_code}",
                        "name": a.applicant,
                        "identifier": {
                            "scheme": EDRPOU_SCHEME,
                            "id": a.applicant_code,
                            "legalName": a.applicant,
                        },
                        "roles": ["projectOwner"],
                    },
                ],
                "contractingProcesses": [
                    {
                        "id": f"{inv.label}-{a.instrument}",
                        "summary": {
                            "title": f"{a.instrument} of {info.code} in {a.title}",
                            "status": "active" if pos.cost > 0 or pos.undrawn > 0 else "complete",
                            "contractValue": _value(inv.amount, inv.currency),
                            "transactions": transactions,
                        },
                    }
                ],
            }
        )
    return {
        "uri": f"urn:jointfund:{info.id}:oc4ids:{as_of.isoformat()}",
        "publishedDate": clock.now().isoformat(),
        "publisher": {"name": info.name},
        "version": VERSION,
        "projects": projects,
    }


def _ref(party: object) -> dict:
    if isinstance(party, dict):
        return {"id": party["id"], "name": party["name"]}
    return {"id": f"{EDRPOU_SCHEME}-{party.applicant_code}", "name": party.applicant}  # type: ignore[attr-defined]
