"""Financial statements of the fund for a period, in the investment-company format (ASC 946).

- statement of assets and liabilities at the period's end;
- statement of operations over the period;
- statement of changes in net assets, by partner;
- statement of cash flows, each cash account in its own currency;
- schedule of investments: cost, fair value and % of net assets, by sector and by instrument;
- financial highlights: IRR since inception (pyxirr), expense and net investment income ratios;
- notes: the accounting policies (terms/policies.py), unfunded commitments (the memo register) and the
  Level 3 roll-forward of the board-valued investments.

Every figure is read from the journal in the functional currency (`fund.base_currency`); no exchange
rate is looked up here. A balance held in another currency is shown at its carrying amount: the
functional leg of that currency's trading account, which the period-end remeasurement entries keep at
the closing rate, apportioned over the accounts holding the currency by their balances (largest
remainder, so the lines add up to the book exactly). Partners' capital comes from the one capital
function (`capital.accounts.capital_accounts`); it is never recomputed here.

Each statement also says what it must agree with in the book (`Tie`): `jointfund verify` recomputes the
statements of every year and reports a tie that does not hold.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import Connection

from jointfund.capital.accounts import COLUMNS, FundCapital, capital_accounts
from jointfund.fund import FundInfo
from jointfund.i18n import N_
from jointfund.ledger import journal
from jointfund.ledger.account import in_subtree
from jointfund.money import from_minor, round_minor, to_minor
from jointfund.portfolio import application as apps
from jointfund.portfolio import investment
from jointfund.portfolio.commitments import notes_rows
from jointfund.portfolio.metrics import xirr
from jointfund.reports.fund_report import Section
from jointfund.terms.model import Terms
from jointfund.terms.policies import policies

RATIO_PLACES = Decimal("0.000001")
ASSET_ROOTS = ("Assets", "Liabilities")
# Result roles by the statement of operations' group; any other Income account is investment income,
# any other Expenses account an expense.
REALISED_ROLES = ("gains_realised", "write_offs")
UNREALISED_ROLES = ("gains_unrealised",)
FX_ROLES = ("fx_realised", "fx_unrealised")


# The ties' names: English templates the page recognises and writes in the reader's language (i18n.recognise).
TIE_NAV = N_("net assets on %(end)s = NAV of the capital function")
TIE_EQUITY = N_("net assets on %(end)s = partners' capital + other equity")
TIE_OPERATIONS = N_("operations %(start)s to %(end)s = income less expenses moved in the book (%(currency)s)")
TIE_OTHER_CURRENCY = N_("operations in %(currency)s (results must be booked in %(functional)s)")
TIE_ALLOCATED = N_("results allocated to the partners = net increase from operations")
TIE_CHANGES = N_("opening net assets + changes = closing net assets")
TIE_CASH = N_("cash at end in %(account)s = its balance in the book on %(end)s")
TIE_SCHEDULE = N_("schedule of investments at fair value = investments in the book on %(end)s")
TIE_LEVEL3 = N_("Level 3 roll-forward: opening + purchases - proceeds + realised + unrealised = closing")
TIE_LEVEL3_CLOSING = N_("Level 3 closing = schedule of investments at fair value")
TIES = (
    TIE_NAV,
    TIE_EQUITY,
    TIE_OPERATIONS,
    TIE_OTHER_CURRENCY,
    TIE_ALLOCATED,
    TIE_CHANGES,
    TIE_CASH,
    TIE_SCHEDULE,
    TIE_LEVEL3,
    TIE_LEVEL3_CLOSING,
)


class Tie(NamedTuple):
    """A figure of the statements and the same figure in the book; they must be equal."""

    name: str
    statement: Decimal
    book: Decimal

    @property
    def ok(self) -> bool:
        return self.statement == self.book


class Financials(NamedTuple):
    """The financial statements of [start, end] in `currency` (the functional currency).

    Attributes:
      sections: the statements and notes, each a titled table (the CLI prints them, XLSX makes sheets).
      net_assets: assets less liabilities on `end`.
      partners: each partner's capital and ownership share on `end`, from the capital function.
      ties: what the statements must agree with in the book.
    """

    fund: str
    currency: str
    start: dt.date
    end: dt.date
    sections: list[Section]
    net_assets: Decimal
    partners: list[dict]
    ties: list[Tie]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.title.startswith(TITLES[key]))


TITLES = {
    "assets": "Statement of assets and liabilities",
    "operations": "Statement of operations",
    "changes": "Statement of changes in net assets",
    "cash": "Statement of cash flows",
    "schedule": "Schedule of investments",
    "highlights": "Financial highlights",
    "policies": "Note 1: accounting policies",
    "commitments": "Note 2: unfunded commitments",
    "level3": "Note 3: Level 3 roll-forward",
}


# -- pure helpers --


def apportion(total: int, weights: dict[str, int]) -> dict[str, int]:
    """`total` minor units split in proportion to signed `weights` (summing to non-zero), exactly.

    Largest remainder: each part is the floor of its exact share, and the units left over (fewer than
    the parts) go to the largest fractional remainders, ties to the first listed. Unlike an allocation
    between partners, a weight here may be negative (a liability in the same currency as an asset).
    """
    whole = sum(weights.values())
    assert whole != 0, "weights must not sum to zero"
    exact = {k: Fraction(total * w, whole) for k, w in weights.items()}
    parts = {k: math.floor(q) for k, q in exact.items()}
    left = total - sum(parts.values())
    order = list(weights)
    assert 0 <= left < len(order) or not order
    for k in sorted(order, key=lambda k: (-(exact[k] - parts[k]), order.index(k)))[:left]:
        parts[k] += 1
    assert sum(parts.values()) == total
    return parts


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator <= 0:
        return None
    return (numerator / denominator).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def _zero(currency: str) -> Decimal:
    return from_minor(0, currency)


def _signed(sign: int, amount: Decimal) -> Decimal:
    """`amount` as a liability (credit) or an asset shows it: positive, and a zero never prints as -0.00."""
    return amount if sign > 0 else Decimal(0) - amount


# -- what the book holds --


class Book(NamedTuple):
    """Balances on one day: every account's balance per currency, and each line's functional value."""

    balances: dict[tuple[str, str], Decimal]  # (account, currency) -> balance
    values: dict[str, Decimal]  # asset or liability account -> carrying amount in the functional currency
    held: dict[str, list[tuple[str, Decimal]]]  # account -> its balances in other currencies


TrialBalances = Mapping[dt.date, list[tuple[str, str, Decimal]]]  # day -> journal.trial_balance on that day


def book_on(trial: list[tuple[str, str, Decimal]], terms: Terms) -> Book:
    """Balances on a day (its trial balance), with assets and liabilities at their carrying amounts in the
    functional currency."""
    fc = terms.functional_currency
    balances = {(a, c): v for a, c, v in trial}
    values: dict[str, Decimal] = defaultdict(lambda: _zero(fc))
    held: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for (a, c), v in balances.items():
        if a.split(":", 1)[0] in ASSET_ROOTS:
            if c == fc:
                values[a] += v
            else:
                held[a].append((c, v))
    for c in terms.fund.currencies:
        if c == fc:
            continue
        trading = terms.account_name("trading", currency=c)
        carrying = to_minor(balances.get((trading, fc), _zero(fc)), fc)
        lines = {
            a: to_minor(v, c)
            for (a, cc), v in balances.items()
            if cc == c and a.split(":", 1)[0] in ASSET_ROOTS
        }
        if not carrying and not lines:
            continue
        if not sum(lines.values()):
            # Nothing held nets to zero in this currency, yet a carrying amount is left: shown as it is.
            values[f"{trading} (carrying amount of a closed position)"] += from_minor(carrying, fc)
            continue
        for a, part in apportion(carrying, lines).items():
            values[a] += from_minor(part, fc)
    return Book(balances, dict(values), dict(held))


def _movement(opening: Book, closing_book: Book) -> dict[tuple[str, str], Decimal]:
    closing = dict(closing_book.balances)
    for (a, c), v in opening.balances.items():
        closing[(a, c)] = closing.get((a, c), Decimal(0)) - v
    return {k: v for k, v in closing.items() if v}


# -- the statements --


def _at_fair_value(terms: Terms) -> frozenset[str]:
    """The accounts that hold the investments at fair value: their cost and its revaluation."""
    # A fund whose terms name no investment accounts (it holds none yet) has none at fair value.
    return frozenset(
        terms.account_name(r)
        for r in ("investment_cost", "investment_revaluation")
        if r in terms.ledger.roles
    )


def _assets_and_liabilities(
    terms: Terms, book: Book, fc_capital: FundCapital, end: dt.date
) -> tuple[Section, Decimal, list[Tie]]:
    fc = terms.functional_currency
    descriptions = {n: d for n, _c, d in terms.expanded_accounts()}
    held_at_value = _at_fair_value(terms)
    cost_account = terms.account_name("investment_cost") if "investment_cost" in terms.ledger.roles else ""
    rows: list[dict] = []
    totals = {}
    for root, sign in (("Assets", 1), ("Liabilities", -1)):
        lines = sorted((a, v) for a, v in book.values.items() if a.split(":", 1)[0] == root and v)
        if root == "Assets":
            invested = [(a, v) for a, v in lines if a in held_at_value]
            if invested:
                cost = book.values.get(cost_account, _zero(fc))
                rows.append(
                    {
                        "group": root,
                        "line": "Investments at fair value",
                        "account": terms.account_name("investments"),
                        "held": "",
                        "cost": cost,
                        "amount": sum((v for _a, v in invested), _zero(fc)),
                    }
                )
            lines = [(a, v) for a, v in lines if a not in held_at_value]
        for a, v in lines:
            held = "; ".join(f"{x:,} {c}" for c, x in book.held.get(a, ()))
            rows.append(
                {
                    "group": root,
                    "line": descriptions.get(a) or a,
                    "account": a,
                    "held": held,
                    "amount": _signed(sign, v),
                }
            )
        totals[root] = _signed(
            sign, sum((v for a, v in book.values.items() if a.split(":", 1)[0] == root), _zero(fc))
        )
        rows.append(
            {
                "group": root,
                "line": f"Total {root.lower()}",
                "account": "",
                "held": "",
                "amount": totals[root],
            }
        )
    net = totals["Assets"] - totals["Liabilities"]
    rows.append({"group": "", "line": "Net assets", "account": "", "held": "", "amount": net})
    for ca in fc_capital.accounts:
        rows.append(
            {
                "group": "Net assets consist of",
                "line": "Partners' capital",
                "partner": ca.partner,
                "account": terms.account_name("capital", partner=ca.partner),
                "held": "",
                "amount": ca.closing,
            }
        )
    rows.append(
        {
            "group": "Net assets consist of",
            "line": "Obligations accrued, not yet capital",
            "account": "",
            "held": "",
            "amount": fc_capital.other_equity,
        }
    )
    ties = [
        Tie(TIE_NAV % {"end": end}, net, fc_capital.nav),
        Tie(
            TIE_EQUITY % {"end": end},
            net,
            sum((a.closing for a in fc_capital.accounts), fc_capital.other_equity),
        ),
    ]
    return Section(f"{TITLES['assets']} at {end} ({fc})", rows), net, ties


def _group_of(terms: Terms, account: str) -> str | None:
    """The statement of operations' group of a result account, or None for any other account."""

    def named(roles: tuple[str, ...]) -> set[str]:
        return {terms.account_name(r) for r in roles if r in terms.ledger.roles}

    if account in named(REALISED_ROLES):
        return "realised"
    if account in named(UNREALISED_ROLES):
        return "unrealised"
    if account in named(FX_ROLES):
        return "fx"
    root = account.split(":", 1)[0]
    return {"Income": "income", "Expenses": "expenses"}.get(root)


OPERATIONS_GROUPS = (
    ("income", "Investment income", "Total investment income"),
    ("expenses", "Expenses", "Total expenses"),
    ("realised", "Net realised gain (loss) on investments", "Net realised gain (loss)"),
    (
        "unrealised",
        "Net change in unrealised appreciation (depreciation) of investments",
        "Net change in unrealised",
    ),
    ("fx", "Foreign currency", "Net foreign currency gain (loss)"),
)


def _operations(
    terms: Terms, moved: dict[tuple[str, str], Decimal], start: dt.date, end: dt.date
) -> tuple[Section, dict[str, Decimal], list[Tie]]:
    fc = terms.functional_currency
    by_group: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for (a, c), v in sorted(moved.items()):
        group = _group_of(terms, a)
        if group is not None and c == fc:
            by_group[group].append((a, -v))  # income is a credit: shown positive
    rows: list[dict] = []
    sums = {g: sum((v for _a, v in by_group[g]), _zero(fc)) for g, _t, _s in OPERATIONS_GROUPS}
    for group, title, subtotal in OPERATIONS_GROUPS:
        for a, v in by_group[group]:
            rows.append({"group": title, "line": a, "amount": v})
        rows.append({"group": title, "line": subtotal, "amount": sums[group]})
        if group == "expenses":
            rows.append(
                {
                    "group": "",
                    "line": "Net investment income (loss)",
                    "amount": sums["income"] + sums["expenses"],
                }
            )
    net = sum(sums.values(), _zero(fc))
    rows.append(
        {
            "group": "",
            "line": "Net increase (decrease) in net assets resulting from operations",
            "amount": net,
        }
    )
    book = -sum(
        (v for (a, c), v in moved.items() if c == fc and a.split(":", 1)[0] in ("Income", "Expenses")),
        _zero(fc),
    )
    ties = [Tie(TIE_OPERATIONS % {"start": start, "end": end, "currency": fc}, net, book)]
    foreign = sorted(
        {c for (a, c), v in moved.items() if c != fc and a.split(":", 1)[0] in ("Income", "Expenses")}
    )
    for c in foreign:  # a result in another currency has no functional value: the statements cannot show it
        ties.append(
            Tie(
                TIE_OTHER_CURRENCY % {"currency": c, "functional": fc},
                _zero(c),
                -sum(
                    (
                        v
                        for (a, cc), v in moved.items()
                        if cc == c and a.split(":", 1)[0] in ("Income", "Expenses")
                    ),
                    _zero(c),
                ),
            )
        )
    return Section(f"{TITLES['operations']} {start} to {end} ({fc})", rows), {**sums, "net": net}, ties


def _changes(
    terms: Terms, fc_capital: FundCapital, other_opening: Decimal, operations: dict[str, Decimal]
) -> tuple[Section, list[Tie]]:
    fc = terms.functional_currency
    lines = list(COLUMNS)
    rows = []
    for line in lines:
        row: dict = {"line": line}
        for a in fc_capital.accounts:
            row[a.partner] = getattr(a, line)
        other = {"opening": other_opening, "closing": fc_capital.other_equity}.get(line, _zero(fc))
        row["other equity"] = other
        row["total"] = sum((getattr(a, line) for a in fc_capital.accounts), other)
        rows.append(row)
    other_moved = fc_capital.other_equity - other_opening
    rows.insert(
        len(rows) - 1,
        {
            "line": "obligations accrued less transferred",
            **{a.partner: _zero(fc) for a in fc_capital.accounts},
            "other equity": other_moved,
            "total": other_moved,
        },
    )
    rows[-1]["total"] = sum((a.closing for a in fc_capital.accounts), fc_capital.other_equity)
    results = [
        c for c in lines if c not in ("opening", "closing", "distributions", "cash", "revenue", "in_kind")
    ]
    allocated = sum((getattr(a, c) for a in fc_capital.accounts for c in results), _zero(fc))
    opening = sum((a.opening for a in fc_capital.accounts), other_opening)
    flows = sum(
        (getattr(a, c) for a in fc_capital.accounts for c in lines if c not in ("opening", "closing")),
        _zero(fc),
    )
    ties = [
        Tie(TIE_ALLOCATED, allocated, operations["net"]),
        Tie(TIE_CHANGES, opening + flows + other_moved, fc_capital.nav),
    ]
    title = f"{TITLES['changes']}, by partner, {fc_capital.start} to {fc_capital.end} ({fc})"
    return Section(title, rows), ties


def _partner_accounts(terms: Terms) -> dict[str, str]:
    """Every account of the chart that names a partner -> that partner."""
    out = {}
    for role, template in terms.ledger.roles.items():
        if "{partner}" in template:
            for p in terms.partner_codes:
                out[terms.account_name(role, partner=p)] = p
    return out


def _cash_class(terms: Terms, account: str, amount: Decimal, owners: dict[str, str]) -> tuple[str, str, str]:
    """(activity, line, partner or account it concerns) of a cash movement against `account`."""
    if "investments" in terms.ledger.roles and in_subtree(account, terms.account_name("investments")):
        return "Operating", "Purchases of investments" if amount < 0 else "Proceeds from investments", ""
    root = account.split(":", 1)[0]
    if root == "Income":
        return "Operating", "Investment income received", ""
    if root == "Expenses":
        return "Operating", "Expenses paid", ""
    partner = next((p for a, p in owners.items() if in_subtree(account, a)), None)
    if partner is not None:
        if "capital_distributions" in terms.ledger.roles and account == terms.account_name(
            "capital_distributions", partner=partner
        ):
            return "Financing", "Distributions paid", partner
        return "Financing", "Contributions received" if amount > 0 else "Returned to partners", partner
    if root == "Equity" and account.startswith(terms.account_name("trading", currency="X").rsplit(":", 1)[0]):
        return "Other", "Currency exchanged", ""
    return "Other", "Other", account


def _cash_flows(
    conn: Connection, terms: Terms, start: dt.date, end: dt.date, opening: Book, closing: Book
) -> tuple[Section, list[Tie]]:
    fc = terms.functional_currency
    owners = _partner_accounts(terms)
    trading_root = terms.account_name("trading", currency="X").rsplit(":", 1)[0]
    rows: list[dict] = []
    ties = []
    for c in terms.fund.currencies:
        account = terms.account_name("cash", currency=c)
        flows: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
        for e in journal.entries(conn, since=start, until=end, account=account):
            moved = sum((p.amount for p in e.postings if p.account == account and p.currency == c), _zero(c))
            if not moved:
                continue
            others = [p for p in e.postings if p.account != account]
            same = [p for p in others if p.currency == c and not in_subtree(p.account, trading_root)]
            counter = max(same or others, key=lambda p: abs(p.amount)).account if others else "(none)"
            flows[_cash_class(terms, counter, moved, owners)] += moved
        begin = opening.balances.get((account, c), _zero(c))
        end_balance = closing.balances.get((account, c), _zero(c))
        rows.append(
            {
                "account": account,
                "currency": c,
                "activity": "",
                "line": "Cash at beginning",
                "about": "",
                "amount": begin,
            }
        )
        for activity in ("Operating", "Financing", "Other"):
            mine = sorted((k, v) for k, v in flows.items() if k[0] == activity)
            for (_a, line, about), v in mine:
                rows.append(
                    {
                        "account": account,
                        "currency": c,
                        "activity": activity,
                        "line": line,
                        "about": about,
                        "amount": v,
                    }
                )
            if mine:
                rows.append(
                    {
                        "account": account,
                        "currency": c,
                        "activity": activity,
                        "line": f"Net cash from {activity.lower()} activities",
                        "about": "",
                        "amount": sum((v for _k, v in mine), _zero(c)),
                    }
                )
        computed = begin + sum(flows.values(), _zero(c))
        rows.append(
            {
                "account": account,
                "currency": c,
                "activity": "",
                "line": "Cash at end",
                "about": "",
                "amount": computed,
            }
        )
        if c != fc:
            rows.append(
                {
                    "account": account,
                    "currency": fc,
                    "activity": "",
                    "line": "Cash at end, carrying amount",
                    "about": "",
                    "amount": closing.values.get(account, _zero(fc)),
                }
            )
        ties.append(Tie(TIE_CASH % {"account": account, "end": end}, computed, end_balance))
    return Section(f"{TITLES['cash']} {start} to {end} (each cash account in its currency)", rows), ties


def _schedule(
    conn: Connection, info: FundInfo, terms: Terms, end: dt.date, net: Decimal, book: Book
) -> tuple[Section, list, list[Tie]]:
    fc = terms.functional_currency
    titles = {a.id: a for a in apps.applications(conn)}
    positions = [investment.position(conn, info, inv, end) for inv in investment.investments(conn, end)]
    held = [p for p in positions if p.cost or p.revaluation]
    rows: list[dict] = []

    def pct(value: Decimal, currency: str) -> Decimal | None:
        return ratio(value * 100, net) if currency == fc else None

    for p in held:
        app = titles[p.investment.application]
        rows.append(
            {
                "investment": p.investment.label,
                "title": app.title,
                "sector": app.sector,
                "instrument": app.instrument,
                "currency": p.investment.currency,
                "cost": p.cost,
                "fair_value": p.value,
                "pct_net_assets": pct(p.value, p.investment.currency),
            }
        )
    for key in ("sector", "instrument"):
        groups: dict[tuple[str, str], list] = defaultdict(list)
        for r in rows[: len(held)]:
            groups[(r[key], r["currency"])].append(r)
        for (g, cur), members in sorted(groups.items()):
            cost = sum((m["cost"] for m in members), _zero(cur))
            value = sum((m["fair_value"] for m in members), _zero(cur))
            rows.append(
                {
                    "investment": key,
                    "title": g,
                    "sector": g if key == "sector" else "",
                    "instrument": g if key == "instrument" else "",
                    "currency": cur,
                    "cost": cost,
                    "fair_value": value,
                    "pct_net_assets": pct(value, cur),
                }
            )
    total = sum((p.value for p in held if p.investment.currency == fc), _zero(fc))
    total_cost = sum((p.cost for p in held if p.investment.currency == fc), _zero(fc))
    rows.append(
        {
            "investment": "TOTAL",
            "title": "Total investments",
            "sector": "",
            "instrument": "",
            "currency": fc,
            "cost": total_cost,
            "fair_value": total,
            "pct_net_assets": pct(total, fc),
        }
    )
    in_book = sum((v for a, v in book.values.items() if a in _at_fair_value(terms)), _zero(fc))
    ties = [Tie(TIE_SCHEDULE % {"end": end}, total, in_book)]
    return Section(f"{TITLES['schedule']} at {end}", rows), positions, ties


def _capital_flows(conn: Connection, terms: Terms, end: dt.date) -> dict[str, list[tuple[dt.date, Decimal]]]:
    """Each partner's dated flows with the fund, as the partner sees them (contributions out, distributions
    in).

    Read from the partner's own capital accounts (its contributions, in-kind credits and distributions);
    allocated results are not flows.
    """
    fc = terms.functional_currency
    roles = [
        r
        for r in (
            "capital_cash",
            "capital_revenue",
            "capital_in_kind",
            "capital_in_kind_offset",
            "capital_distributions",
        )
        if r in terms.ledger.roles
    ]
    flows: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for p in terms.partner_codes:
        mine = {terms.account_name(r, partner=p) for r in roles}
        root = terms.account_name("capital", partner=p)
        flows[p] = [
            (e.date, sum((x.amount for x in e.postings if x.account in mine and x.currency == fc), _zero(fc)))
            for e in journal.entries(conn, until=end, account=root)
        ]
    return flows


def _highlights(
    conn: Connection,
    terms: Terms,
    fc_capital: FundCapital,
    opening_net: Decimal,
    net: Decimal,
    operations: dict[str, Decimal],
    end: dt.date,
) -> Section:
    flows = _capital_flows(conn, terms, end)
    rows: list[dict] = []
    closing = {a.partner: a.closing for a in fc_capital.accounts}
    fund_flows = [f for p in flows for f in flows[p]]
    irr = xirr([*fund_flows, (end, sum(closing.values(), Decimal(0)))])
    rows.append({"line": "IRR since inception (XIRR, actual/365)", "partner": "", "value": irr})
    for p, mine in flows.items():
        rows.append(
            {
                "line": "IRR since inception (XIRR, actual/365)",
                "partner": p,
                "value": xirr([*mine, (end, closing[p])]),
            }
        )
    average = round_minor((opening_net + net) / 2, terms.functional_currency)
    rows.append({"line": "Average net assets (opening and closing)", "partner": "", "value": average})
    rows.append(
        {
            "line": "Ratio of expenses to average net assets (not annualised)",
            "partner": "",
            "value": ratio(-operations["expenses"], average),
        }
    )
    rows.append(
        {
            "line": "Ratio of net investment income to average net assets (not annualised)",
            "partner": "",
            "value": ratio(operations["income"] + operations["expenses"], average),
        }
    )
    return Section(f"{TITLES['highlights']} to {end}", rows)


def _commitments(conn: Connection, info: FundInfo, end: dt.date) -> Section:
    """The memo register of commitments (portfolio/commitments.py), as the notes disclose it."""
    return Section(
        f"{TITLES['commitments']} at {end} (memo register, not posted)", notes_rows(conn, info, end)
    )


def _level3(
    terms: Terms, opening: list, closing: list, start: dt.date, end: dt.date
) -> tuple[Section, list[Tie]]:
    fc = terms.functional_currency
    before = {p.investment.id: p for p in opening}
    rows = []
    total = dict.fromkeys(
        ("opening", "purchases", "proceeds", "realised", "unrealised", "closing"), _zero(fc)
    )
    for p in closing:
        if p.investment.currency != fc:
            continue
        b = before.get(p.investment.id)
        row = {
            "investment": p.investment.label,
            "opening": b.value if b else _zero(fc),
            "purchases": p.disbursed - (b.disbursed if b else 0),
            "proceeds": -(p.returned - (b.returned if b else 0)),
            "realised": p.realised - (b.realised if b else 0),
            "unrealised": p.revaluation - (b.revaluation if b else 0),
            "closing": p.value,
        }
        if not any(row[k] for k in ("opening", "purchases", "proceeds", "realised", "unrealised", "closing")):
            continue
        rows.append(row)
        for k, v in row.items():
            if k != "investment":
                total[k] += v
    rows.append({"investment": "TOTAL", **total})
    rolled = (
        total["opening"] + total["purchases"] + total["proceeds"] + total["realised"] + total["unrealised"]
    )
    ties = [Tie(TIE_LEVEL3, rolled, total["closing"])]
    title = f"{TITLES['level3']} of investments valued by the board, {start} to {end} ({fc})"
    return Section(title, rows), ties


def _policies(terms: Terms) -> Section:
    return Section(
        TITLES["policies"],
        [{"policy": p.title, "statement": p.text(), "terms": ", ".join(p.keys)} for p in policies(terms)],
    )


def financials(
    conn: Connection, info: FundInfo, start: dt.date, end: dt.date, trial: TrialBalances | None = None
) -> Financials:
    """The financial statements of [start, end] (start no earlier than the fund's first day).

    `trial` may hold the trial balances of the day before `start` and of `end` already (verify reads every
    year's in one pass); otherwise both are read here, in one pass too (`journal.trial_balances`)."""
    start = max(start, info.start_date)
    terms = info.terms(end)
    fc = terms.functional_currency
    fc_capital = capital_accounts(conn, info, end, start)
    before = start - dt.timedelta(days=1)
    opened = start > info.start_date
    opening_capital = capital_accounts(conn, info, before) if opened else None
    opening_net = opening_capital.nav if opening_capital else _zero(fc)
    other_opening = opening_capital.other_equity if opening_capital else _zero(fc)
    if trial is None or before not in trial or end not in trial:
        trial = journal.trial_balances(conn, (before, end))
    closing_book = book_on(trial[end], terms)
    opening_book = book_on(trial[before], terms)
    moved = _movement(opening_book, closing_book)
    assets, net, ties = _assets_and_liabilities(terms, closing_book, fc_capital, end)
    operations, sums, t_ops = _operations(terms, moved, start, end)
    changes, t_changes = _changes(terms, fc_capital, other_opening, sums)
    cash, t_cash = _cash_flows(conn, terms, start, end, opening_book, closing_book)
    schedule, positions, t_schedule = _schedule(conn, info, terms, end, net, closing_book)
    opening_positions = [
        investment.position(conn, info, inv, before) for inv in investment.investments(conn, before)
    ]
    level3, t_level3 = _level3(terms, opening_positions, positions, start, end)
    t_level3.append(Tie(TIE_LEVEL3_CLOSING, level3.rows[-1]["closing"], schedule.rows[-1]["fair_value"]))
    sections = [
        assets,
        operations,
        changes,
        cash,
        schedule,
        _highlights(conn, terms, fc_capital, opening_net, net, sums, end),
        _policies(terms),
        _commitments(conn, info, end),
        level3,
    ]
    partners = [{"partner": a.partner, "capital": a.closing, "share": a.share} for a in fc_capital.accounts]
    return Financials(
        info.name,
        fc,
        start,
        end,
        sections,
        net,
        partners,
        [*ties, *t_ops, *t_changes, *t_cash, *t_schedule, *t_level3],
    )
