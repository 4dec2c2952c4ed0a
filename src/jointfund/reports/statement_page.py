"""A partner's capital account statement as one printable HTML page (Jinja2), in English or Ukrainian.

The page is self-contained (inline CSS sized for A4, no script, nothing fetched), so it prints and
archives as it is. The words come from the same catalogue as the web pages (jointfund.i18n).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jointfund import templating
from jointfund.i18n import LANGUAGES, date, number, percent, translations
from jointfund.reports.statement import WINDOWS, Statement


def _amount(value: object, lang: str) -> str:
    if isinstance(value, Decimal):
        return number(value, lang)  # 1,234.50 in English, 1 234,50 in Ukrainian
    return "" if value is None else str(value)


def _share(value: Decimal, lang: str) -> str:
    return percent(value, lang, 4)


def statement_html(s: Statement, entries: list[dict], lang: str, period: str, generated: dt.date) -> str:
    """The statement `s` (and the entries that moved the partner's capital) as one printable page."""
    if lang not in LANGUAGES:
        raise ValueError(f"no catalogue for {lang!r}")  # the shells accept only LANGUAGES
    env = templating.printable()
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["amount"] = lambda v: _amount(v, lang)
    env.filters["share"] = lambda v: _share(v, lang)
    env.filters["day"] = lambda v: date(v, lang)
    return env.get_template("statement.html").render(
        s=s, rows=s.rows(), windows=WINDOWS, entries=entries, lang=lang, period=period, generated=generated
    )
