"""Numbers as spreadsheets write them: "1 250 000,00" (Ukrainian Excel), "1,250,000.00", "1250000.00".

`canonical` turns a cell into the plain form the parsers take (digits, one dot), or says why it
cannot: a number is read only when its reading is certain. The file's locale settles the one
ambiguous case, a single comma before three digits ("1,250": 1.250 in Ukraine, 1250 in English):
    auto  a comma is the decimal mark unless it groups thousands beyond doubt; "1,250" is refused
    uk    the decimal mark is a comma; thousands are grouped by spaces (or dots)
    en    the decimal mark is a dot; thousands are grouped by commas (or spaces)
Spaces, no-break spaces (U+00A0) and narrow no-break spaces (U+202F) group thousands in every locale.
"""

from __future__ import annotations

import re

from jointfund import bounds
from jointfund.i18n import N_

LOCALES = ("auto", "uk", "en")
SPACES = " \u00a0\u202f\u2009"
_SPACE = re.compile(f"[{SPACES}]")

# Why a cell is not read as a number: gettext templates, so a page shows them in its reader's language
# (web.texts recognises the English text). A page never offers --locale (it reads every file as auto), so
# the hint to give it is a clause of its own, which a page drops (web.texts.without_commands).
SPACED = N_("spaces in a number may only group its digits in threes (1 250 000,00)")
MIXED = N_("not a number: the thousands must be grouped in threes and the decimal mark come once")
UK_MARK = N_("the decimal mark of a --locale uk file is a comma")
EN_MARK = N_("the decimal mark of a --locale en file is a dot")
UK_COMMA = N_("the decimal mark of a --locale uk file is a comma, and it comes once")
COMMAS = N_("a comma in a number must group thousands in threes (1,250,000)")
AMBIGUOUS = N_(
    "ambiguous: %(written)s may be %(decimal)s (decimal comma) or %(thousands)s (thousands): write it "
    "with its decimals (1 250,00 or 1,250.00); or give --locale uk or --locale en"
)
DOTS = N_("not a number: more than one decimal mark")
# A cell still no plain number once read (сімсот, 1e5). bounds.plain_decimal's own words ask for a dot as the
# decimal mark, which is the API's rule: a Ukrainian spreadsheet's 1 250 000,50 was read, then told so.
WRITTEN = N_(
    "%(what)s is not a number written with the digits 0-9, such as 1 250 000,00 or 1250000.00 (no exponent)"
)
PROBLEMS = (SPACED, MIXED, UK_MARK, EN_MARK, UK_COMMA, COMMAS, AMBIGUOUS, DOTS, WRITTEN)


def _grouped(whole: str, separator: str) -> bool:
    """Whether `whole` (an optional sign, then digits) is grouped by `separator` in threes."""
    return re.fullmatch(rf"[+-]?\d{{1,3}}(?:{re.escape(separator)}\d{{3}})+", whole) is not None


def canonical(text: str, locale: str = "auto") -> tuple[str, str | None]:
    """(the number as digits and at most one dot, None) or (the text, why it is not read as a number).

    Text that is no number at all is returned as it is, for the caller's own message.
    """
    s = text.strip()
    if _SPACE.search(s):
        whole, mark, fraction = _split_decimal(_SPACE.sub("", s), locale)
        head = re.split(r"[.,]", s)[0] if mark else s
        if not _grouped(_SPACE.sub(" ", head), " "):
            return text, SPACED
        s = whole + (mark + fraction if mark else "")
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        mark = "." if s.rfind(".") > s.rfind(",") else ","
        group = "," if mark == "." else "."
        whole, fraction = s.rsplit(mark, 1)
        if s.count(mark) > 1 or not _grouped(whole, group):
            return text, MIXED
        if (locale == "uk" and mark == ".") or (locale == "en" and mark == ","):
            return text, UK_MARK if locale == "uk" else EN_MARK
        return whole.replace(group, "") + "." + fraction, None
    if commas:
        whole, _, fraction = s.rpartition(",")
        if commas > 1 or locale == "en":
            if locale == "uk" or not _grouped(s, ","):
                return text, UK_COMMA if locale == "uk" else COMMAS
            return s.replace(",", ""), None
        if locale == "auto" and len(fraction) == 3 and re.fullmatch(r"[+-]?\d{1,3}", whole):
            return text, AMBIGUOUS % {
                "written": s,
                "decimal": f"{whole}.{fraction}",
                "thousands": f"{whole}{fraction}",
            }
        return f"{whole}.{fraction}", None
    if dots > 1:
        if locale == "en" or not _grouped(s, "."):
            return text, DOTS
        return s.replace(".", ""), None
    return s, None


def read(text: str, locale: str, what: str) -> tuple[str, str | None]:
    """`canonical`, and `what` (amount, rate) refused in a spreadsheet's words when the cell is no number."""
    plain, why = canonical(text, locale)
    if why is None and not bounds.is_plain_number(plain):
        return text, WRITTEN % {"what": what}
    return plain, why


def _split_decimal(s: str, locale: str) -> tuple[str, str, str]:
    """(whole, mark, fraction) of a number whose thousands were grouped by spaces (now removed)."""
    marks = [i for i, ch in enumerate(s) if ch in ".,"]
    if not marks:
        return s, "", ""
    at = marks[-1]
    return s[:at], s[at], s[at + 1 :]
