"""Names in Latin letters, for matching: Cyrillic transliterated, accents dropped, spelling folded.

Pure. Sanctions lists and applications spell the same person differently: Шевченко in a Ukrainian
register, Shevchenko in an OFAC entry, Schewtschenko in a German court filing. Matching compares the
Latin keys of both sides, so each side is transliterated the ways it may have been:

- Ukrainian by the national standard, Cabinet of Ministers resolution 55 of 27 January 2010. Є Ї Й Ю Я
  are written ye yi y yu ya at the start of a word and ie i i iu ia elsewhere; "зг" is "zgh" so that it
  is not read as "жг" (Згурський -> Zghurskyi); the soft sign and the apostrophe are not written.
- Russian by the passport system (ICAO Doc 9303, used in Russian passports since 2013): Ё is e, Ъ is ie,
  Ы is y, Э is e, Ю iu, Я ia, Й i, and Х kh, Ц ts, Щ shch.

A name written in letters only one alphabet has (ґ є і ї are Ukrainian; ё ъ ы э are Russian) is
transliterated by that system only; any other Cyrillic name both ways. `fold` then maps spellings of other
languages onto English ones (tsch -> ch, sch -> sh, w -> v...), on both sides alike.
"""

from __future__ import annotations

import re
import unicodedata

# The letters both systems write alike (a letter anywhere but at a word's start).
_COMMON = {
    "а": "a",
    "б": "b",
    "в": "v",
    "д": "d",
    "е": "e",
    "ж": "zh",
    "з": "z",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ь": "",
    "ю": "iu",
    "я": "ia",
}
# Resolution 55's table: the common letters and Ukrainian's own.
_UKRAINIAN = _COMMON | {"г": "h", "ґ": "g", "є": "ie", "и": "y", "і": "i", "ї": "i"}
# ...and at a word's start, where the table writes the iotated letters with y.
_UKRAINIAN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
# The passport system's table: the common letters and Russian's own.
_RUSSIAN = _COMMON | {"г": "g", "ё": "e", "и": "i", "ъ": "ie", "ы": "y", "э": "e"}
_ONLY_UKRAINIAN = set("ґєії")
_ONLY_RUSSIAN = set("ёъыэ")
_APOSTROPHES = "'ʼ’`"
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Other languages' spellings of the same sounds, longest first, applied to both sides of a comparison.
_FOLDS = (
    ("tsch", "ch"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("cz", "ch"),
    ("sz", "sh"),
    ("ck", "k"),
    ("w", "v"),
    ("ph", "f"),
    ("ou", "u"),
    ("j", "y"),
    ("x", "ks"),
    ("q", "k"),
)
_NOT_LETTER = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def ukrainian(text: str) -> str:
    """`text` transliterated by resolution 55 (case kept as lower; matching ignores case anyway)."""
    s = text.lower()
    out: list[str] = []
    start = True
    i = 0
    while i < len(s):
        ch = s[i]
        if ch in _APOSTROPHES:  # not written, and it does not start a word: Мʼясоїд -> Miasoid
            i += 1
            continue
        if ch == "з" and s[i + 1 : i + 2] == "г":
            out.append("zgh")
            i += 2
            start = False
            continue
        if ch in _UKRAINIAN:
            out.append(_UKRAINIAN_INITIAL[ch] if start and ch in _UKRAINIAN_INITIAL else _UKRAINIAN[ch])
            start = False
        else:
            out.append(ch)
            start = not ch.isalpha()
        i += 1
    return "".join(out)


def russian(text: str) -> str:
    """`text` transliterated by the Russian passport system."""
    return "".join(_RUSSIAN.get(ch, ch) for ch in text.lower())


def latin(text: str) -> set[str]:
    """Every Latin reading of `text`: itself if it has no Cyrillic, else its Ukrainian and/or Russian one."""
    if not _CYRILLIC.search(text):
        return {text}
    letters = set(text.lower())
    if letters & _ONLY_UKRAINIAN and not letters & _ONLY_RUSSIAN:
        return {ukrainian(text)}
    if letters & _ONLY_RUSSIAN and not letters & _ONLY_UKRAINIAN:
        return {russian(text)}
    return {ukrainian(text), russian(text)}


def normalise(text: str) -> str:
    """Lower case, accents dropped (Müller -> muller), punctuation to spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", "".join(c for c in text.lower() if c not in _APOSTROPHES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", _NOT_LETTER.sub(" ", plain.replace("ß", "ss"))).strip()


def fold(text: str) -> str:
    """Other languages' spellings onto English ones: Schewtschenko -> shevchenko."""
    s = text
    for a, b in _FOLDS:
        s = s.replace(a, b)
    return s


def keys(name: str) -> set[str]:
    """The keys a name is compared by: each Latin reading, normalised and folded (never empty strings)."""
    return {k for k in (fold(normalise(x)) for x in latin(name)) if k}
