"""The fund's reports as rows: portfolio with metrics, pipeline funnel, balance sheet, income statement,
sources and uses of cash. Each report is a list of sections (title, rows), so that the CLI can print
it as a table, CSV, JSON or XLSX, and the HTML report can show it, from one computation.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.capital.accounts import capital_accounts
from jointfund.fund import FundInfo
from jointfund.i18n import N_
from jointfund.ledger import journal
from jointfund.ledger.account import in_subtree
from jointfund.portfolio import application as apps
from jointfund.portfolio import investment
from jointfund.portfolio.metrics import metrics


class Section(NamedTuple):
    """One table of a report."""

    title: str
    rows: list[dict]


# Titles as gettext templates: pages show them in the reader's language (web.texts recognises them).
PORTFOLIO_AS_OF = N_("Portfolio as of %(date)s")
FUND_TOTAL = N_("fund total (%(currency)s)")
TITLES = (PORTFOLIO_AS_OF, FUND_TOTAL)
FUNNEL_AS_OF = N_("Pipeline funnel as of %(date)s")
BY_STAGE = {
    "sector": N_("Applications by sector and stage"),
    "region": N_("Applications by region and stage"),
}
BALANCE_SHEET = N_("Balance sheet at %(date)s")
INCOME_STATEMENT = N_("Income statement %(start)s to %(end)s")
CASH_FLOWS = N_("Sources and uses of cash %(start)s to %(end)s")
# The statements' own lines (the others are account names); the HTML report shows them translated.
UNALLOCATED = N_("Net income not yet allocated (income less expenses to date)")
NET_INCOME = N_("Net income")
OPENING_CASH = N_("Opening cash")
CLOSING_CASH = N_("Closing cash")
SOURCE = N_("Source: %(account)s")
USE = N_("Use: %(account)s")
LINES = (UNALLOCATED, NET_INCOME, OPENING_CASH, CLOSING_CASH, SOURCE, USE)


# -- portfolio --


def portfolio(conn: Connection, info: FundInfo, as_of: dt.date) -> Section:
    """Per investment: money in and out, current value and return metrics; then fund totals per currency."""
    titles = {a.id: a for a in apps.applications(conn)}
    rows: list[dict] = []
    totals: dict[str, dict] = {}
    flows: dict[str, list] = defaultdict(list)
    for inv in investment.investments(conn, as_of):
        pos = investment.position(conn, info, inv, as_of)
        app = titles[inv.application]
        m = metrics(pos.flows, pos.disbursed, pos.received, pos.value, as_of)
        rows.append(
            {
                "investment": inv.label,
                "application": app.label,
                "title": app.title,
                "sector": app.sector,
                "region": app.region,
                "instrument": app.instrument,
                "currency": inv.currency,
                "committed": pos.committed,
                "disbursed": pos.disbursed,
                "undrawn": pos.undrawn,
                "received": pos.received,
                "value": pos.value,
                "irr": m.irr,
                "moic": m.moic,
                "tvpi": m.tvpi,
                "dpi": m.dpi,
                "rvpi": m.rvpi,
            }
        )
        t = totals.setdefault(
            inv.currency,
            dict.fromkeys(("committed", "disbursed", "undrawn", "received", "value"), Decimal(0)),
        )
        for k in t:
            t[k] += rows[-1][k]
        flows[inv.currency] += pos.flows
    for cur, t in sorted(totals.items()):
        m = metrics(flows[cur], t["disbursed"], t["received"], t["value"], as_of)
        rows.append(
            {
                "investment": "TOTAL",
                "application": "",
                "title": FUND_TOTAL % {"currency": cur},
                "sector": "",
                "region": "",
                "instrument": "",
                "currency": cur,
                **t,
                "irr": m.irr,
                "moic": m.moic,
                "tvpi": m.tvpi,
                "dpi": m.dpi,
                "rvpi": m.rvpi,
            }
        )
    return Section(PORTFOLIO_AS_OF % {"date": as_of}, rows)


# -- pipeline --


def pipeline(conn: Connection, info: FundInfo, as_of: dt.date) -> list[Section]:
    """The funnel: how many applications reached each stage, where they stand, by sector and by region."""
    p = apps.pipeline_of(info.terms(as_of))
    everyone = {a.id: a for a in apps.applications(conn) if a.submitted_on <= as_of}
    moves = [m for m in apps.history(conn, as_of=as_of) if m.application in everyone]
    reached = Counter(m.to_stage for m in {(m.application, m.to_stage): m for m in moves}.values())
    now = apps.stages(conn, as_of)
    standing = Counter(now[i].to_stage for i in everyone)
    amount: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)  # (stage, currency) ->
    for i, a in everyone.items():
        amount[(now[i].to_stage, a.currency)] += a.amount
    funnel = [
        {
            "stage": s.code,
            "name": s.name,
            "reached": reached.get(s.code, 0),
            "now": standing.get(s.code, 0),
            "requested_now": sum((v for (st, _c), v in amount.items() if st == s.code), Decimal(0)),
        }
        for s in p.stages
    ]
    by = []
    for key in ("sector", "region"):
        groups: dict[str, Counter] = defaultdict(Counter)
        for i, a in everyone.items():
            groups[getattr(a, key)][now[i].to_stage] += 1
        by.append(
            Section(
                BY_STAGE[key],
                [
                    {key: g, "total": sum(c.values()), **{s.code: c.get(s.code, 0) for s in p.stages}}
                    for g, c in sorted(groups.items())
                ],
            )
        )
    return [Section(FUNNEL_AS_OF % {"date": as_of}, funnel), *by]


# -- fund statements --


def _sum(balances: list[tuple[str, str, Decimal]], root: str, currency: str) -> Decimal:
    return sum((v for a, c, v in balances if c == currency and in_subtree(a, root)), Decimal(0))


def fund_statements(conn: Connection, info: FundInfo, start: dt.date, end: dt.date) -> list[Section]:
    """Balance sheet at `end`, income statement and sources and uses of cash over [start, end], in each
    currency."""
    terms = info.terms(end)
    closing = journal.trial_balance(conn, end)
    before = journal.trial_balance(conn, start - dt.timedelta(days=1))
    currencies = sorted({c for _a, c, _v in closing})
    sheet = [
        {"line": a, "currency": c, "balance": v if a.split(":")[0] == "Assets" else -v}
        for a, c, v in closing
        if a.split(":")[0] in ("Assets", "Liabilities", "Equity")
    ]
    for c in currencies:
        sheet.append(
            {
                "line": UNALLOCATED,
                "currency": c,
                "balance": -(_sum(closing, "Income", c) + _sum(closing, "Expenses", c)),
            }
        )
    moved: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)  # (account, currency) ->
    for a, c, v in closing:
        moved[(a, c)] += v
    for a, c, v in before:
        moved[(a, c)] -= v
    income = [
        {"line": a, "currency": c, "amount": -v}
        for (a, c), v in sorted(moved.items())
        if v and a.split(":")[0] in ("Income", "Expenses")
    ]
    for c in currencies:
        income.append(
            {
                "line": NET_INCOME,
                "currency": c,
                "amount": -sum(
                    (
                        v
                        for (a, cc), v in moved.items()
                        if cc == c and a.split(":")[0] in ("Income", "Expenses")
                    ),
                    Decimal(0),
                ),
            }
        )
    cash: list[dict] = []
    for c in currencies:
        account = terms.account_name("cash", currency=c)
        legs: dict[str, Decimal] = defaultdict(Decimal)
        for e in journal.entries(conn, since=start, until=end, account=account):
            moved_cash = sum(
                (p.amount for p in e.postings if p.account == account and p.currency == c), Decimal(0)
            )
            other = [p.account for p in e.postings if p.account != account and p.currency == c] or [
                "(exchange)"
            ]
            legs[_cash_class(other[0])] += moved_cash
        opening = _sum(before, account, c)
        cash.append({"line": OPENING_CASH, "currency": c, "amount": opening})
        for k, v in sorted(legs.items(), key=lambda kv: -kv[1]):
            cash.append({"line": (SOURCE if v > 0 else USE) % {"account": k}, "currency": c, "amount": v})
        cash.append({"line": CLOSING_CASH, "currency": c, "amount": opening + sum(legs.values(), Decimal(0))})
    return [
        Section(BALANCE_SHEET % {"date": end}, sheet),
        Section(INCOME_STATEMENT % {"start": start, "end": end}, income),
        Section(CASH_FLOWS % {"start": start, "end": end}, cash),
    ]


def _cash_class(account: str) -> str:
    """The counterpart that explains a cash movement, at the depth people read (Equity:Capital:US:Cash...)."""
    return ":".join(account.split(":")[:4])


def capital_section(conn: Connection, info: FundInfo, start: dt.date, end: dt.date) -> Section:
    fc = capital_accounts(conn, info, end, start)
    rows = [a._asdict() for a in fc.accounts]
    rows.append(
        {
            "partner": "NAV",
            "currency": fc.currency,
            "start": fc.start,
            "end": fc.end,
            "closing": fc.nav,
            "opening": None,
            "share": None,
        }
    )
    return Section(
        f"Partners' capital {fc.start} to {fc.end} (NAV {fc.nav} = partners {fc.capital} "
        f"+ other equity {fc.other_equity})",
        rows,
    )
