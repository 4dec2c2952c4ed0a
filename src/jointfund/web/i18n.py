"""English and Ukrainian for the pages: the catalogue (jointfund.i18n) and how a request chooses its
language."""

from __future__ import annotations

from jointfund.i18n import (
    DEFAULT,
    DOMAIN,
    LANGUAGES,
    N_,
    choose,
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
