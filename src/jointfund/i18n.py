"""English and Ukrainian through gettext, for every surface that speaks (web pages, printable reports).

The catalogues are .po files in web/locale, compiled when first used. Compiling at run time (Babel
reads the .po, writes the .mo into memory) means the .po in the repository is the only source: no
stale .mo can ship. English is the source language: a msgid is the English text itself.

Numbers, money, shares and dates are written for the language by Babel (CLDR): Ukrainian
75 000 000,00 and 02.03.2026, English 75,000,000.00 and 2026-03-02 (ISO, as the API speaks).
"""

from __future__ import annotations

import functools
import gettext
import io
from importlib import resources

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

DOMAIN = "messages"
LANGUAGES = {"en": "English", "uk": "Українська"}
DEFAULT = "en"
# The names the extraction test (tests/web/test_i18n.py) looks for around a msgid, as pybabel's -k would.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
MONEY = "#,##0.00;-#,##0.00"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark `message` for the catalogue where it is defined; it is translated where it is shown."""
    return message


def locale_dir():  # noqa: ANN201 - an importlib Traversable
    return resources.files("jointfund").joinpath("web", "locale")


@functools.lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT or lang not in LANGUAGES:
        return gettext.NullTranslations()
    po = locale_dir().joinpath(lang, "LC_MESSAGES", f"{DOMAIN}.po")
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def number(value: object, lang: str, places: int | None = 2) -> str:
    """`value` with the language's grouping and decimal mark; `places` None keeps the value's own digits.

    None is a dash, as the pages show a missing figure; a string is read as a Decimal (the API's amounts).
    """
    if value is None or value == "":
        return "—"
    d = value if isinstance(value, (Decimal, int, float)) else Decimal(str(value))
    if places is None:
        return format_decimal(d, locale=lang, decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(d, format=f"{pattern};-{pattern}", locale=lang)


def percent(value: object, lang: str, places: int = 2) -> str:
    """A share (0.2458) as a percentage in the language: 24.58% or 24,58%."""
    if value is None or value == "":
        return "—"
    d = value if isinstance(value, (Decimal, float)) else Decimal(str(value))
    return format_percent(d, format="#,##0." + "0" * places + "%", locale=lang)


def date(value: dt.date | str | None, lang: str) -> str:
    """A date in the language's numeric form (Ukrainian 02.03.2026); English keeps ISO 2026-03-02."""
    if value is None or value == "":
        return "—"
    d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return d.isoformat() if lang == DEFAULT else format_date(d, "dd.MM.yyyy", locale=lang)
