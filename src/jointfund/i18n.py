"""English and Ukrainian through gettext, for every surface that speaks (web pages, printable reports).

The catalogues are .po files in web/locale, compiled when first used. Compiling at run time (Babel
reads the .po, writes the .mo into memory) means the .po in the repository is the only source: no
stale .mo can ship. English is the source language.
"""

from __future__ import annotations

import functools
import gettext
import io
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"
LANGUAGES = {"en": "English", "uk": "Українська"}
DEFAULT = "en"


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
