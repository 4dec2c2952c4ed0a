"""English and Ukrainian through gettext, for every surface that speaks (web pages, printable reports).

The catalogues are .po files in web/locale, compiled when first used. Compiling at run time (Babel
reads the .po, writes the .mo into memory) means the .po in the repository is the only source: no
stale .mo can ship. English is the source language: a msgid is the English text itself.

Numbers, money, shares and dates are written for the language by Babel (CLDR): Ukrainian
75 000 000,00 and 02.03.2026, English 75,000,000.00 and 2026-03-02 (ISO, as the API speaks).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from importlib import resources

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
    """`lang`'s catalogue; English's holds only the English words of the msgids that are codes (in_kind)."""
    if lang not in LANGUAGES:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo  # Babel loads only where a page or report speaks (a fast CLI)
    from babel.messages.pofile import read_po

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
    from babel.numbers import format_decimal

    if value is None or value == "":
        return "—"
    d = value if isinstance(value, (Decimal, int, float)) else Decimal(str(value))
    if places is None:
        return format_decimal(d, locale=lang, decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(d, format=f"{pattern};-{pattern}", locale=lang)


def percent(value: object, lang: str, places: int = 2) -> str:
    """A share (0.2458) as a percentage in the language: 24.58% or 24,58%."""
    from babel.numbers import format_percent

    if value is None or value == "":
        return "—"
    d = value if isinstance(value, (Decimal, float)) else Decimal(str(value))
    return format_percent(d, format="#,##0." + "0" * places + "%", locale=lang)


def date(value: dt.date | str | None, lang: str) -> str:
    """A date in the language's numeric form (Ukrainian 02.03.2026); English keeps ISO 2026-03-02."""
    from babel.dates import format_date

    if value is None or value == "":
        return "—"
    # A datetime is a date too: its day alone, or English showed the whole ISO instant (the upload history).
    d = value.date() if isinstance(value, dt.datetime) else value
    d = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])
    return d.isoformat() if lang == DEFAULT else format_date(d, "dd.MM.yyyy", locale=lang)


def moment(value: dt.datetime | str | None, lang: str) -> str:
    """A UTC instant as people read it, to the minute: 2026-12-03 08:00 UTC, 03.12.2026 08:00 UTC; never
    the API's 2026-12-03T08:00:19.957134Z (a page showed that raw). A naive datetime is UTC, as stored."""
    if value is None or value == "":
        return "—"
    t = (
        value
        if isinstance(value, dt.datetime)
        else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC)
    return f"{date(t.date(), lang)} {t:%H:%M} UTC"


MAX_TAGS = 32  # an Accept-Language header names a few languages; more is noise or an attack, and is not read


def choose(cookie: str | None, query: str | None, accept_language: str | None) -> str:
    """The language: ?lang=, else the cookie, else the browser's most preferred supported one, else English
    (English when none is supported)."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    from babel import negotiate_locale  # Babel loads only where a page or report speaks (a fast CLI)

    # Babel matches a tag to a language ("uk-UA" -> "uk"); the order of preference is the q-values'.
    chosen = (negotiate_locale(preferences(accept_language or ""), list(LANGUAGES), sep="-") or "").lower()
    return chosen if chosen in LANGUAGES else DEFAULT


def preferences(accept_language: str) -> list[str]:
    """The tags of an Accept-Language header, most preferred first (by q-value, then as listed); q=0 and
    tags that are not language tags are left out."""
    from babel import parse_locale

    ranked = []
    for i, part in enumerate(accept_language.split(",")[:MAX_TAGS]):
        tag, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        try:
            parse_locale(tag, sep="-")
        except ValueError:
            continue  # "*" and malformed tags
        if q > 0:
            ranked.append((-q, i, tag))
    return [tag for _, _, tag in sorted(ranked)]


ALPHABETS = {"uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"}  # code-point order puts є, і, ї before а


def collation_key(text: str, lang: str) -> tuple[int, ...]:
    """Sort `text` in the alphabet of `lang` (Ukrainian: а … я with ґ, є, і, ї in place),
    case-insensitively."""
    alphabet = ALPHABETS.get(lang, "")
    return tuple(alphabet.index(c) if c in alphabet else 64 + ord(c) for c in text.lower())


_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Numbers that are names, not quantities: a year, a seat, an id, a key's fingerprint, a company's code.
VERBATIM = (
    "year",
    "first_year",
    "last_year",
    "period",
    "number",
    "licence",
    "deadline_code",
    "key",
    "party",
    "member",
    "proposal",
)


@functools.lru_cache(maxsize=1024)
def _pattern(template: str, strict: bool) -> re.Pattern[str]:
    # Strict: a value never holds "; ", which joins parts (recognise tries them one by one first).
    value = "(?:(?!; ).)+?" if strict else ".+?"
    parts = _PLACEHOLDER.split(template)  # text, name, text, name, ..., text
    return re.compile(
        "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>{value})" for i, p in enumerate(parts)), re.S
    )


def recognise(
    text: str,
    templates: Iterable[str],
    gettext: Callable[[str], str],
    lang: str,
    value: Callable[[str, str], str] | None = None,
) -> str:
    """`text`, made by the code from one of `templates` (English gettext templates), in the language of
    `gettext`.

    Texts the domain keeps in English (a receipt's reason, a deadline's state) are recognised by their
    template and rewritten from its translation: numbers and ISO dates in the language's form, any other
    value through `value(name, text)` (by default gettext). Parts joined by "; " are taken one by one;
    a text no template makes is translated as a whole, or shown as it is.
    """
    if not text:
        return text
    templates = tuple(templates)
    whole = _match(text, templates, gettext, lang, value, strict=True)
    if whole is not None:
        return whole
    if "; " in text:  # parts each made by a template ("A to transfer; B to transfer")
        parts = [_match(part, templates, gettext, lang, value, strict=True) for part in text.split("; ")]
        matched = [p for p in parts if p is not None]
        if len(matched) == len(parts):
            return "; ".join(matched)
        whole = _match(text, templates, gettext, lang, value, strict=False)  # a value that holds "; "
        if whole is not None:
            return whole
    return gettext(text)


def _match(
    text: str,
    templates: tuple[str, ...],
    gettext: Callable[[str], str],
    lang: str,
    value: Callable[[str, str], str] | None,
    strict: bool,
) -> str | None:
    """`text` rewritten from the first template that makes it, else (a fixed text) its translation, else
    None."""
    made = _made_by(text, templates, strict)
    if made is not None:
        template, values = made
        return gettext(template) % {k: _value(k, v, gettext, lang, value) for k, v in values}
    translated = gettext(text)
    return translated if translated != text else None


@functools.lru_cache(maxsize=8192)
def _made_by(
    text: str, templates: tuple[str, ...], strict: bool
) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The first of `templates` that makes `text`, and the values it was filled with; None if none does.

    Remembered: a page says the same log texts on every request (a dashboard's latest events, a calendar's
    states), and trying every template's pattern on each was a tenth of a dashboard's rendering (issue 13).
    Only the match is remembered, which depends on nothing but its arguments; the words come from the
    caller's catalogue and terms each time."""
    for template in templates:
        m = _pattern(template, strict).fullmatch(text)
        if m is not None:
            return template, tuple(m.groupdict().items())
    return None


def _value(
    name: str, text: str, gettext: Callable[[str], str], lang: str, value: Callable[[str, str], str] | None
) -> str:
    m = _NUMBER.fullmatch(text)
    if name in VERBATIM:
        return text
    if m is not None:  # as many decimals as the text has (an amount keeps its cents)
        return number(text, lang, len(m.group(1)) - 1 if m.group(1) else 0)
    if _DATE.fullmatch(text):
        return date(text, lang)
    return value(name, text) if value is not None else gettext(text)
