"""The fund report as one self-contained HTML page: headline figures, charts, statements and the signed
checkpoint the figures come from. Inline CSS and inline SVG only: no script, font, image or style
sheet is fetched from anywhere, so the page opens offline and shows the same thing everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from html import escape

from sqlalchemy import Connection

from jointfund.capital.accounts import capital_accounts
from jointfund.errors import JointfundError
from jointfund.fund import FundInfo
from jointfund.ledger import journal, log
from jointfund.reports import charts
from jointfund.reports import fund_report as fr
from jointfund.reports.fund_report import Section

MAX_POINTS = 240  # month-ends drawn per chart: twenty years


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    out, y, m = [], first.year, first.month
    while len(out) < MAX_POINTS:
        nxt = dt.date(y + m // 12, m % 12 + 1, 1)
        end = nxt - dt.timedelta(days=1)
        out.append(min(end, last))
        if end >= last:
            break
        y, m = nxt.year, nxt.month
    return out


def money(x: Decimal | None) -> str:
    return "" if x is None else f"{x:,.2f}"


class Figures:
    """What the page shows, computed once from the book."""

    def __init__(self, conn: Connection, info: FundInfo, as_of: dt.date) -> None:
        self.info, self.as_of = info, as_of
        self.terms = terms = info.terms(as_of)
        self.base = terms.fund.base_currency
        self.capital = capital_accounts(conn, info, as_of)
        self.portfolio = fr.portfolio(conn, info, as_of)
        self.pipeline = fr.pipeline(conn, info, as_of)
        year_start = max(dt.date(as_of.year, 1, 1), info.start_date)
        self.statements = fr.fund_statements(conn, info, year_start, as_of)
        self.months = month_ends(info.start_date, as_of)
        self.capital_series = {p: [] for p in terms.partner_codes}
        for m in self.months:
            for a in capital_accounts(conn, info, m).accounts:
                self.capital_series[a.partner].append((m, float(a.closing)))
        self.cash_series: dict[str, list] = defaultdict(list)
        for c in terms.fund.currencies:
            account = terms.account_name("cash", currency=c)
            for m in self.months:
                self.cash_series[c].append(
                    (m, float(journal.balance(conn, account, m, c).get(c, Decimal(0))))
                )
        self.contributions = self._contributions(conn)
        self.checkpoints = log.checkpoints(conn, info.id)
        self.tree_size = log.size(conn)

    def _contributions(self, conn: Connection) -> dict[str, list[tuple[str, float]]]:
        """Revenue-share contributions owed, by resource and by region (base currency), from the revenue book."""
        from jointfund.revenue import book, contribution

        try:
            evaluations = [e for e in book.evaluations(conn, self.info) if e.receipt.date <= self.as_of]
        except JointfundError:
            return {}
        out = {}
        for by in ("resource", "region"):
            rows = contribution.totals(evaluations, by)
            sums: dict[str, float] = defaultdict(float)
            for r in rows:
                if r.contribution_base is not None:
                    sums[r.key or "(none)"] += float(r.contribution_base)
            out[by] = sorted(sums.items(), key=lambda kv: -kv[1])[:15]
        return out

    def headline(self) -> list[tuple[str, str, str]]:
        """(id, label, value) of the figures at the top of the page."""
        total = (
            self.portfolio.rows[-1]
            if self.portfolio.rows and self.portfolio.rows[-1]["investment"] == "TOTAL"
            else {}
        )
        heads = [("nav", f"Net asset value ({self.base})", money(self.capital.nav))]
        for a in self.capital.accounts:
            heads.append(
                (
                    f"capital-{a.partner}",
                    f"{a.partner} capital ({self.base}), share {a.share:.2%}",
                    money(a.closing),
                )
            )
        heads += [
            ("committed", "Committed to investments", money(total.get("committed"))),
            ("disbursed", "Disbursed", money(total.get("disbursed"))),
            ("portfolio-value", "Portfolio value", money(total.get("value"))),
            ("moic", "Portfolio MOIC", "" if total.get("moic") is None else f"{total['moic']}x"),
            ("investments", "Investments", str(len(self.portfolio.rows) - (1 if total else 0))),
            ("applications", "Applications", str(sum(r["now"] for r in self.pipeline[0].rows))),
        ]
        return heads


def render(f: Figures) -> str:
    t = f.terms
    sectors = defaultdict(float)
    for r in f.portfolio.rows:
        if r["investment"] != "TOTAL":
            sectors[r["sector"]] += float(r["value"])
    chart_html = [
        charts.lines(f"Capital by partner ({f.base})", f.capital_series, "capital", f.base),
        charts.bars(
            f"Contributions owed by resource ({f.base})", f.contributions.get("resource", []), "resource"
        )
        if f.contributions.get("resource")
        else charts.empty("Contributions by resource", "no revenue recorded yet", "resource"),
        charts.bars(f"Contributions owed by region ({f.base})", f.contributions.get("region", []), "region")
        if f.contributions.get("region")
        else charts.empty("Contributions by region", "no revenue recorded yet", "region"),
        charts.bars("Portfolio value by sector", sorted(sectors.items(), key=lambda kv: -kv[1]), "sector"),
        charts.bars(
            "Pipeline funnel: applications that reached each stage",
            [(r["name"], float(r["reached"])) for r in f.pipeline[0].rows],
            "funnel",
        ),
        *[
            charts.lines(f"Cash in {c}", {c: s}, f"cash-{c}", c)
            for c, s in f.cash_series.items()
            if any(v for _, v in s)
        ],
    ]
    heads = "".join(
        f'<div class="figure" id="fig-{escape(i)}"><div class="label">{escape(lbl)}</div>'
        f'<div class="value" data-figure="{escape(i)}">{escape(v)}</div></div>'
        for i, lbl, v in f.headline()
    )
    capital_rows = [a._asdict() for a in f.capital.accounts]
    tables = [
        _table(Section(f"Partners' capital, {f.capital.start} to {f.capital.end} ({f.base})", capital_rows)),
        f"<p>NAV {money(f.capital.nav)} {f.base} = partners' capital {money(f.capital.capital)} "
        f"+ other equity {money(f.capital.other_equity)} (obligations accrued and not yet transferred).</p>",
        *(_table(s) for s in f.statements),
        _table(f.portfolio),
        *(_table(s) for s in f.pipeline),
    ]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{escape(t.fund.name)}: fund report as of {f.as_of}</title>
<style>{CSS}</style></head>
<body>
<header><h1>{escape(t.fund.name)}</h1><p>Fund report as of <time>{f.as_of}</time>, computed from the fund's book of
record. Every figure can be checked against the ledger and the signed checkpoint below.</p></header>
<section id="headline"><h2>Headline figures</h2><div class="figures">{heads}</div></section>
<section id="charts"><h2>Charts</h2><div class="charts">{"".join(f"<figure>{c}</figure>" for c in chart_html)}</div></section>
<section id="statements"><h2>Statements</h2>{"".join(tables)}</section>
<section id="checkpoint"><h2>Signed checkpoint</h2>{_checkpoints(f)}</section>
<footer><p>Generated by jointfund. Distributions are locked until {t.distributions.lock_ends} (reinvestment period).</p></footer>
</body></html>
"""


def _checkpoints(f: Figures) -> str:
    if not f.checkpoints:
        return f"<p>No partner has signed a checkpoint yet; the log holds {f.tree_size} records.</p>"
    latest: dict[str, object] = {}
    for _i, cp in f.checkpoints:
        latest[cp.partner] = cp
    rows = [
        {
            "partner": cp.partner,
            "tree_size": cp.tree_size,
            "root": cp.root_hex,
            "signed_at": cp.signed_at,
            "key_id": cp.key_id,
            "signature": cp.signature_hex,
        }
        for cp in latest.values()
    ]
    newest = max(cp.tree_size for cp in latest.values())
    note = (
        "The figures come from exactly the records these checkpoints sign."
        if newest == f.tree_size
        else f"The log holds {f.tree_size} records; the figures include {f.tree_size - newest} recorded after the newest "
        "checkpoint, which no partner has signed yet."
    )
    return (
        _table(Section(f"Latest checkpoint of each partner (fund {f.info.id})", rows))
        + f"<p>{escape(note)}</p>"
    )


def _table(s: Section) -> str:
    columns = list(dict.fromkeys(k for r in s.rows for k in r))
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_td(r.get(c)) for c in columns) + "</tr>" for r in s.rows)
    return f"<table><caption>{escape(s.title)}</caption><thead><tr>{head}</tr></thead><tbody>{body or ''}</tbody></table>"


def _td(v: object) -> str:
    if isinstance(v, Decimal):
        return f'<td class="num">{v:,f}</td>'
    if isinstance(v, float):
        return f'<td class="num">{v:.2%}</td>'
    return f"<td>{escape('' if v is None else str(v))}</td>"


def report(conn: Connection, info: FundInfo, as_of: dt.date) -> str:
    return render(Figures(conn, info, as_of))


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2433}
h1{margin-bottom:.2rem}.figures{display:flex;flex-wrap:wrap;gap:.8rem}
.figure{border:1px solid #d5dbe5;border-radius:6px;padding:.6rem .9rem;min-width:12rem}
.figure .label{font-size:.8rem;color:#5b6577}.figure .value{font-size:1.3rem;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;border:1px solid #e3e7ee;border-radius:6px}
.chart-title{font-size:14px;font-weight:600}.tick,.legend,.label,.value{font-size:11px}.chart-empty{font-size:13px;fill:#777}
.axis{stroke:#999}table{border-collapse:collapse;margin:1rem 0;font-size:.8rem;width:100%}
caption{text-align:left;font-weight:600;padding:.3rem 0}th,td{border-bottom:1px solid #e3e7ee;padding:.2rem .4rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}td{overflow-wrap:break-word}code,.hash{overflow-wrap:anywhere}
"""
