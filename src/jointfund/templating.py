"""Jinja2 environments for every page the package writes: the web's, the fund report and the forecast chart.

One place sets what a template may use, so a page reads the same wherever it is rendered: autoescape on,
gettext `_` and `ngettext` as context (the web's convention, which pybabel extracts), and the Babel
filters `money`, `number`, `percent` and `day`, which write figures in the page's `lang`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jinja2 import ChoiceLoader, Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from jointfund import i18n

SHARED = ("jointfund", "templates")  # the chart macros, included by every page that draws
WEB = ("jointfund.web", "templates")
REPORTS = (
    "jointfund.reports",
    "templates",
)  # parts the offline pages share with the web (the assumptions panel)


@pass_context
def money(context: Context, value: str | Decimal | None) -> str:
    """An amount as the page's language writes it (uk 75 000 000,00, en 75,000,000.00), to the cent."""
    return i18n.number(value, context.get("lang", i18n.DEFAULT))


@pass_context
def number(context: Context, value: object, places: int | None = None) -> str:
    return i18n.number(value, context.get("lang", i18n.DEFAULT), places)


@pass_context
def percent(context: Context, value: object, places: int = 2) -> str:
    return i18n.percent(value, context.get("lang", i18n.DEFAULT), places)


@pass_context
def day(context: Context, value: dt.date | str | None) -> str:
    return i18n.date(value, context.get("lang", i18n.DEFAULT))


@pass_context
def moment(context: Context, value: dt.datetime | str | None) -> str:
    return i18n.moment(value, context.get("lang", i18n.DEFAULT))


FILTERS = {"money": money, "number": number, "percent": percent, "day": day, "moment": moment}


def environment(*packages: tuple[str, str]) -> Environment:
    """An autoescaping environment over the templates of `packages` (the first found wins), then SHARED."""
    env = Environment(
        loader=ChoiceLoader([PackageLoader(*p) for p in (*packages, SHARED)]),
        autoescape=True,  # whitespace kept as the web's templates expect it (they are shared)
    )
    env.filters.update(FILTERS)
    return env


def printable() -> Environment:
    """The environment of the printable statement pages (REPORTS): the i18n extension for their `{% trans %}`
    blocks, and blocks trimmed; the caller installs its language's gettext and its figure filters."""
    return Environment(
        loader=PackageLoader(*REPORTS),
        autoescape=select_autoescape(),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )


def words(lang: str) -> dict[str, object]:
    """The context every page in `lang` gets: its language and its catalogue's gettext and ngettext."""
    tr = i18n.translations(lang)
    return {"lang": lang, "_": tr.gettext, "ngettext": tr.ngettext}
