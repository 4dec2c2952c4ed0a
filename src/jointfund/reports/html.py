"""The fund report as one self-contained HTML page, in English or Ukrainian: headline figures, charts,
statements and the signed checkpoint the figures come from.

Inline CSS and inline SVG only (templates/fund_report.html, the charts of jointfund.charts): no script,
font, image or style sheet is fetched from anywhere, so the page opens offline and shows the same thing
everywhere. Words come from the catalogue, codes are shown by the terms' names in the page's language,
and numbers and dates are written by Babel for it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from markupsafe import Markup
from sqlalchemy import Connection

from jointfund import charts, i18n, templating
from jointfund.capital.accounts import capital_accounts
from jointfund.errors import JointfundError
from jointfund.fund import FundInfo
from jointfund.i18n import DEFAULT, N_
from jointfund.ledger import journal, log
from jointfund.ledger.checkpoint import Checkpoint
from jointfund.reports import fund_report as fr
from jointfund.terms.names import namer

MAX_POINTS = 240  # month-ends drawn per chart: twenty years
NONE = N_("(none)")  # a receipt with no region or resource


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    out: list[dt.date] = []
    y, m = first.year, first.month
    while len(out) < MAX_POINTS:
        nxt = dt.date(y + m // 12, m % 12 + 1, 1)
        end = nxt - dt.timedelta(days=1)
        out.append(min(end, last))
        if end >= last:
            break
        y, m = nxt.year, nxt.month
    return out


class Figures:
    """What the page shows, computed once from the book (by codes: the page names them in its language)."""

    def __init__(self, conn: Connection, info: FundInfo, as_of: dt.date) -> None:
        self.info, self.as_of = info, as_of
        self.terms = terms = info.terms(as_of)
        self.base = terms.fund.base_currency
        self.capital = capital_accounts(conn, info, as_of)
        self.portfolio = fr.portfolio(conn, info, as_of)
        self.pipeline = fr.pipeline(conn, info, as_of)
        self.year_start = max(dt.date(as_of.year, 1, 1), info.start_date)
        self.statements = fr.fund_statements(conn, info, self.year_start, as_of)
        self.months = month_ends(info.start_date, as_of)
        self.capital_series: dict[str, list] = {p: [] for p in terms.partner_codes}
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

    def _contributions(self, conn: Connection) -> dict[str, list[tuple[str | None, Decimal]]]:
        """Revenue-share contributions owed, by resource and by region (base currency), from the book."""
        from jointfund.revenue import book, contribution

        try:
            evaluations = [e for e in book.evaluations(conn, self.info) if e.receipt.date <= self.as_of]
        except JointfundError:
            return {}
        out = {}
        for by in ("resource", "region"):
            sums: dict[str | None, Decimal] = defaultdict(Decimal)
            for r in contribution.totals(evaluations, by):
                if r.contribution_base is not None:
                    sums[r.key or None] += r.contribution_base
            out[by] = sorted(sums.items(), key=lambda kv: -kv[1])[:15]
        return out

    @property
    def total(self) -> dict:
        rows = self.portfolio.rows
        return rows[-1] if rows and rows[-1]["investment"] == "TOTAL" else {}


class Column(NamedTuple):
    key: str
    head: str  # in the page's language
    kind: str = "text"  # text, money, count, percent, multiple or hash: how the template writes a cell


class Table(NamedTuple):
    id: str
    caption: str
    columns: list[Column]
    rows: list[dict]


class Page:
    """The report's words and names in one language: `_` its gettext, `named` the terms' names."""

    def __init__(self, f: Figures, lang: str) -> None:
        self.f, self.lang = f, lang
        self._ = i18n.translations(lang).gettext
        self.ngettext = i18n.translations(lang).ngettext
        self.named = namer(f.terms, self._)

    def day(self, value: dt.date) -> str:
        return i18n.date(value, self.lang)

    def code(self, by: str, code: str | None) -> str:
        """A resource, region or sector code by its name (a region's English name is its code)."""
        if code is None or code == "":
            return self._(NONE)
        return self._(code) if by == "region" else self.named(by, code)

    def headline(self) -> list[tuple[str, str, str]]:
        """(id, label, value) of the figures at the top of the page."""
        f, _, lang = self.f, self._, self.lang
        money = lambda v: "" if v is None else i18n.number(v, lang)  # noqa: E731 - a figure, or nothing
        heads = [
            ("nav", _(N_("Net asset value (%(currency)s)")) % {"currency": f.base}, money(f.capital.nav))
        ]
        for a in f.capital.accounts:
            said = {"partner": self.named("partner", a.partner), "currency": f.base}
            said["share"] = i18n.percent(a.share, lang)
            heads.append(
                (
                    f"capital-{a.partner}",
                    _(N_("%(partner)s: capital (%(currency)s), share %(share)s")) % said,
                    money(a.closing),
                )
            )
        moic = f.total.get("moic")
        heads += [
            ("committed", _(N_("Committed to investments")), money(f.total.get("committed"))),
            ("disbursed", _(N_("Disbursed")), money(f.total.get("disbursed"))),
            ("portfolio-value", _(N_("Portfolio value")), money(f.total.get("value"))),
            ("moic", _(N_("Portfolio MOIC")), "" if moic is None else f"{i18n.number(moic, lang)}×"),
            (
                "investments",
                _(N_("Investments")),
                i18n.number(len(f.portfolio.rows) - (1 if f.total else 0), lang, 0),
            ),
            (
                "applications",
                _(N_("Applications")),
                i18n.number(sum(r["now"] for r in f.pipeline[0].rows), lang, 0),
            ),
        ]
        return heads

    def charts(self) -> list[Markup]:
        f, _, lang = self.f, self._, self.lang
        cur = {"currency": f.base}
        none_yet = _(N_("no revenue recorded yet"))
        sectors: dict[str, Decimal] = defaultdict(Decimal)
        for r in f.portfolio.rows:
            if r["investment"] != "TOTAL":
                sectors[self.code("sector", r["sector"])] += r["value"]
        drawn = [
            charts.lines(
                _(N_("Capital by partner (%(currency)s)")) % cur,
                {self.named("partner", p): s for p, s in f.capital_series.items()},
                f.base,
                lang,
                kind="capital",
            ),
            *(
                charts.bars(
                    _(title) % cur,
                    [(self.code(by, k), v) for k, v in f.contributions.get(by, [])],
                    f.base,
                    lang,
                    kind=by,
                    empty=none_yet,
                )
                for by, title in (
                    ("resource", N_("Contributions owed by resource (%(currency)s)")),
                    ("region", N_("Contributions owed by region (%(currency)s)")),
                )
            ),
            charts.bars(
                _(N_("Portfolio value by sector (%(currency)s)")) % cur,
                list(sectors.items()),
                f.base,
                lang,
                kind="sector",
            ),
            charts.bars(
                _(N_("Pipeline funnel: applications that reached each stage")),
                [(self.named("stage", r["stage"]), r["reached"]) for r in f.pipeline[0].rows],
                _(N_("Number of applications")),
                lang,
                0,
                kind="funnel",
                ordered=True,
                said=lambda n: (
                    self.ngettext("%(num)s application", "%(num)s applications", int(n))
                    % {"num": i18n.number(n, lang, 0)}
                ),
            ),
            *(
                charts.lines(
                    _(N_("Cash in %(currency)s")) % {"currency": c}, {c: s}, c, lang, kind=f"cash-{c}"
                )
                for c, s in f.cash_series.items()
                if any(v for _d, v in s)
            ),
        ]
        return drawn

    def tables(self) -> list[Table | str]:
        f, _ = self.f, self._
        fc = f.capital
        # One row per line and a column per partner, as a capital statement reads (and fits the page).
        partners = [Column("line", _(N_("Line")))] + [
            Column(a.partner, self.named("partner", a.partner), "money") for a in fc.accounts
        ]
        lines = [{"line": _(h), **{a.partner: getattr(a, k) for a in fc.accounts}} for k, h in CAPITAL_LINES]
        lines.append(
            {"line": _(N_("Share")), **{a.partner: i18n.percent(a.share, self.lang) for a in fc.accounts}}
        )
        capital = Table(
            "capital",
            _(N_("Partners' capital, %(start)s to %(end)s (%(currency)s)"))
            % {"start": self.day(fc.start), "end": self.day(fc.end), "currency": f.base},
            partners,
            lines,
        )
        nav = _(
            N_(
                "NAV %(nav)s %(currency)s = partners' capital %(capital)s + other equity %(other)s "
                "(obligations accrued and not yet transferred)."
            )
        ) % {
            "nav": i18n.number(fc.nav, self.lang),
            "currency": f.base,
            "capital": i18n.number(fc.capital, self.lang),
            "other": i18n.number(fc.other_equity, self.lang),
        }
        return [capital, nav, *self._statements(), *self._portfolio(), *self._pipeline()]

    def _statements(self) -> list[Table]:
        f, _ = self.f, self._
        span = {"start": self.day(f.year_start), "end": self.day(f.as_of), "date": self.day(f.as_of)}
        titles = (fr.BALANCE_SHEET, fr.INCOME_STATEMENT, fr.CASH_FLOWS)
        keys = ("balance", "amount", "amount")
        out = []
        for i, (s, title, key) in enumerate(zip(f.statements, titles, keys, strict=True)):
            rows = [
                {**r, "line": i18n.recognise(r["line"], fr.LINES, _, self.lang, lambda _k, t: t)}
                for r in s.rows
            ]
            columns = [
                Column("line", _(N_("Line"))),
                Column("currency", _(N_("Currency"))),
                Column(key, _(N_("Amount")), "money"),
            ]
            out.append(Table(f"statement-{i}", _(title) % span, columns, rows))
        return out

    def _portfolio(self) -> list[Table]:
        _ = self._
        rows = []
        for r in self.f.portfolio.rows:
            total = r["investment"] == "TOTAL"
            rows.append(
                {
                    **r,
                    "investment": _(N_("Total")) if total else r["investment"],
                    "title": _(fr.FUND_TOTAL) % {"currency": r["currency"]} if total else r["title"],
                    "sector": "" if total else self.code("sector", r["sector"]),
                    "region": "" if total else self.code("region", r["region"]),
                    "instrument": _(r["instrument"]) if r["instrument"] else "",
                }
            )
        # Amounts and metrics in two tables, each of which fits the page's width.
        return [
            Table(
                "portfolio",
                _(fr.PORTFOLIO_AS_OF) % {"date": self.day(self.f.as_of)},
                [Column(k, _(h), kind) for k, h, kind in PORTFOLIO_COLUMNS],
                rows,
            ),
            Table(
                "metrics",
                _(N_("Portfolio metrics as of %(date)s")) % {"date": self.day(self.f.as_of)},
                [Column(k, _(h), kind) for k, h, kind in METRIC_COLUMNS],
                rows,
            ),
        ]

    def _pipeline(self) -> list[Table]:
        _, stages = self._, self.f.pipeline[0].rows
        funnel = Table(
            "funnel",
            _(fr.FUNNEL_AS_OF) % {"date": self.day(self.f.as_of)},
            [
                Column("name", _(N_("Stage"))),
                Column("reached", _(N_("Applications that reached it")), "count"),
                Column("now", _(N_("Applications there now")), "count"),
                Column("requested_now", _(N_("Amount requested by those there now")), "money"),
            ],
            [{**r, "name": self.named("stage", r["stage"])} for r in stages],
        )
        out = [funnel]
        # One row per stage and a column per sector (region): few of those, many stages.
        for by, s in zip(("sector", "region"), self.f.pipeline[1:], strict=True):
            columns = [Column("stage", _(N_("Stage")))] + [
                Column(r[by], self.code(by, r[by]), "count") for r in s.rows
            ]
            rows = [{"stage": _(N_("Total")), **{r[by]: r["total"] for r in s.rows}}]
            rows += [
                {"stage": self.named("stage", st["stage"]), **{r[by]: r[st["stage"]] for r in s.rows}}
                for st in stages
            ]
            out.append(Table(f"by-{by}", _(fr.BY_STAGE[by]), columns, rows))
        return out

    def checkpoint(self) -> tuple[Table | None, str]:
        f, _ = self.f, self._
        if not f.checkpoints:
            return None, _(N_("No partner has signed a checkpoint yet; the log holds %(size)s records.")) % {
                "size": i18n.number(f.tree_size, self.lang, 0)
            }
        latest: dict[str, Checkpoint] = {}
        for _i, cp in f.checkpoints:
            latest[cp.partner] = cp
        rows = [
            {
                "partner": self.named("partner", cp.partner),
                "tree_size": cp.tree_size,
                "root": cp.root_hex,
                # the day as the page's language writes it, to the second in UTC (it was Python's
                # "2026-12-02 16:09:55.432379+00:00" on the Ukrainian page too)
                "signed_at": f"{i18n.date(cp.signed_at.date(), self.lang)} {cp.signed_at:%H:%M:%S} UTC",
                "key_id": cp.key_id,
                "signature": cp.signature_hex,
            }
            for cp in latest.values()
        ]
        newest = max(cp.tree_size for cp in latest.values())
        note = (
            _(N_("The figures come from exactly the records these checkpoints sign."))
            if newest == f.tree_size
            else _(
                N_(
                    "The log holds %(size)s records; the figures include %(after)s recorded after the newest "
                    "checkpoint, which no partner has signed yet."
                )
            )
            % {
                "size": i18n.number(f.tree_size, self.lang, 0),
                "after": i18n.number(f.tree_size - newest, self.lang, 0),
            }
        )
        table = Table(
            "checkpoints",
            _(N_("Latest checkpoint of each partner (fund %(fund)s)")) % {"fund": f.info.id},
            [
                Column("partner", _(N_("Partner"))),
                Column("tree_size", _(N_("Records signed")), "count"),
                Column("root", _(N_("Root hash")), "hash"),
                Column("signed_at", _(N_("Signed at"))),
                Column("key_id", _(N_("Key"))),
                Column("signature", _(N_("Signature")), "hash"),
            ],
            rows,
        )
        return table, note


CAPITAL_LINES = (
    ("opening", N_("Opening")),
    ("cash", N_("Cash contributed")),
    ("revenue", N_("Revenue share")),
    ("in_kind", N_("In kind")),
    ("income", N_("Income")),
    ("expenses", N_("Expenses")),
    ("realised", N_("Realised gains")),
    ("unrealised", N_("Unrealised gains")),
    ("fx", N_("Exchange differences")),
    ("distributions", N_("Distributions")),
    ("closing", N_("Closing")),
)
PORTFOLIO_COLUMNS = (
    ("investment", N_("Investment"), "text"),
    ("sector", N_("Sector"), "text"),
    ("region", N_("Region"), "text"),
    ("instrument", N_("Instrument"), "text"),
    ("currency", N_("Currency"), "text"),
    ("committed", N_("Committed"), "money"),
    ("disbursed", N_("Disbursed"), "money"),
    ("undrawn", N_("Undrawn"), "money"),
    ("received", N_("Received"), "money"),
    ("value", N_("Current value"), "money"),
)
METRIC_COLUMNS = (
    ("investment", N_("Investment"), "text"),
    ("application", N_("Application"), "text"),
    ("title", N_("Title"), "text"),
    ("irr", N_("IRR"), "percent"),
    ("moic", N_("MOIC"), "multiple"),
    ("tvpi", N_("TVPI"), "multiple"),
    ("dpi", N_("DPI"), "multiple"),
    ("rvpi", N_("RVPI"), "multiple"),
)


def render(f: Figures, lang: str = DEFAULT) -> str:
    """The page of `f` in `lang`."""
    p = Page(f, lang)
    table, note = p.checkpoint()
    env = templating.environment(templating.REPORTS)
    return env.get_template("fund_report.html").render(
        **templating.words(lang),
        fund=p._(f.terms.fund.name),  # the terms' English name is its msgid
        as_of=f.as_of,
        heads=p.headline(),
        charts=p.charts(),
        tables=p.tables(),
        checkpoint=table,
        checkpoint_note=note,
        lock_ends=f.terms.distributions.lock_ends,
    )


def report(conn: Connection, info: FundInfo, as_of: dt.date, lang: str = DEFAULT) -> str:
    return render(Figures(conn, info, as_of), lang)
