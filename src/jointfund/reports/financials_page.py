"""The financial statements as one printable, self-contained HTML page (Jinja2), in English or Ukrainian.

Labels are translated through the gettext function given (the web catalogue, web/locale), and numbers
are written the way the language writes them (Babel). Account names, partner codes and currency codes
are identifiers and stay as they are. Inline CSS only, sized for A4: nothing is fetched, so the page
prints and opens offline the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from babel.numbers import format_decimal, format_percent
from jinja2 import Environment

from jointfund import clock, templating
from jointfund.i18n import recognise
from jointfund.reports.financials import TIES, TITLES, Financials
from jointfund.terms.model import Terms
from jointfund.terms.policies import policies

# Columns whose cells are labels (translated); every other text cell is an identifier or a name.
LABEL_COLUMNS = frozenset({"group", "line", "activity", "kind", "investment"})
# The column whose value heads a group of rows, by section.
HEADINGS = {"assets": "group", "operations": "group", "cash": "account"}
# Rows that close a group (shown in bold).
TOTAL_PREFIXES = ("Total", "TOTAL", "Net ", "Cash at end")
# Highlights whose value is a rate (shown as a percentage) rather than an amount.
RATE_LINES = frozenset(
    {
        "IRR since inception (XIRR, actual/365)",
        "Ratio of expenses to average net assets (not annualised)",
        "Ratio of net investment income to average net assets (not annualised)",
    }
)


def _environment(gettext: Callable[[str], str], lang: str) -> Environment:
    env = templating.printable()
    # jinja2.ext.i18n adds this method to the Environment at run time, where the stubs cannot see it.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, lambda s, p, n: gettext(s if n == 1 else p), newstyle=True
    )

    def label(value: object) -> str:
        # gettext("") is the catalogue's header, so an empty cell stays empty.
        return gettext(value) if isinstance(value, str) and value else ("" if value is None else str(value))

    def number(value: object, line: str = "", pct: bool = False) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, float) or line in RATE_LINES:
            return format_percent(Decimal(str(value)), format="#,##0.00%", locale=lang)
        if pct:
            return format_decimal(Decimal(str(value)), format="#,##0.00", locale=lang) + "\u00a0%"
        if isinstance(value, Decimal):
            return format_decimal(value, format="#,##0.00;-#,##0.00", locale=lang)
        return str(value)

    def tie(name: str) -> str:
        # A tie's name is English made from one of TIES: written in the language, dates in its form, and
        # account names and currency codes (identifiers) as they are.
        return recognise(name, TIES, gettext, lang, lambda _key, text: text)

    env.filters["label"] = label
    env.filters["tie"] = tie
    env.tests["total"] = lambda v: isinstance(v, str) and v.startswith(TOTAL_PREFIXES)
    env.filters["number"] = number
    env.tests["numeric"] = lambda v: isinstance(v, (Decimal, float, int)) and not isinstance(v, bool)
    return env


def render(fin: Financials, terms: Terms, period: str, gettext: Callable[[str], str], lang: str) -> str:
    """The page of `fin` in `lang`, `gettext` translating its labels."""
    sections = []
    for key, s in zip(TITLES, fin.sections, strict=True):
        # A column no row fills (a currency column in a one-currency fund) is left out of the page.
        columns = [
            c
            for c in dict.fromkeys(c for r in s.rows for c in r)
            if any(r.get(c) not in (None, "") for r in s.rows)
        ]
        numeric = {c for c in columns if any(isinstance(r.get(c), (Decimal, float)) for r in s.rows)}
        heading = HEADINGS.get(key)
        # Words first, figures last; the heading column becomes a row of its own above its group.
        columns = [c for c in columns if c not in numeric and c != heading] + [
            c for c in columns if c in numeric
        ]
        sections.append((key, gettext(TITLES[key]), s, columns, numeric, heading))
    stated = [(p.title, p.text(gettext), ", ".join(p.keys)) for p in policies(terms)]
    return (
        _environment(gettext, lang)
        .get_template("financials.html")
        .render(
            fin=fin,
            period=period,
            sections=sections,
            policies=stated,
            lang=lang,
            label_columns=LABEL_COLUMNS,
            generated=clock.today().isoformat(),
        )
    )
