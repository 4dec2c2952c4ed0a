"""English and Ukrainian for the pages: the catalogue (jointfund.i18n) and how a request chooses its language."""

from __future__ import annotations

from jointfund.i18n import (
    DEFAULT,
    DOMAIN,
    LANGUAGES,
    N_,
    collation_key,
    date,
    locale_dir,
    number,
    percent,
    translations,
)

__all__ = [
    "DEFAULT",
    "DOMAIN",
    "LANGUAGES",
    "N_",
    "choose",
    "collation_key",
    "date",
    "locale_dir",
    "number",
    "percent",
    "translations",
]


def choose(cookie: str | None, query: str | None, accept_language: str | None) -> str:
    """The language: ?lang=, else the cookie, else the browser's first supported preference, else English."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT
