"""The regions of Ukraine an application (or a licence) names: its 24 oblasts, the Autonomous Republic of
Crimea, and the cities of Kyiv and Sevastopol, by their English short names.

The English name is the code (stored, exported and signed as it is) and the catalogue's msgid: messages.po
holds each one's official Ukrainian name ("Kirovohrad" -> "Кіровоградська область"), so a page offers the
list in the reader's language and the domain validates against the same codes.
"""

from __future__ import annotations

from jointfund.i18n import N_

REGIONS: tuple[str, ...] = (
    N_("Cherkasy"),
    N_("Chernihiv"),
    N_("Chernivtsi"),
    N_("Crimea"),
    N_("Dnipropetrovsk"),
    N_("Donetsk"),
    N_("Ivano-Frankivsk"),
    N_("Kharkiv"),
    N_("Kherson"),
    N_("Khmelnytskyi"),
    N_("Kirovohrad"),
    N_("Kyiv"),
    N_("Kyiv City"),
    N_("Luhansk"),
    N_("Lviv"),
    N_("Mykolaiv"),
    N_("Odesa"),
    N_("Poltava"),
    N_("Rivne"),
    N_("Sevastopol"),
    N_("Sumy"),
    N_("Ternopil"),
    N_("Vinnytsia"),
    N_("Volyn"),
    N_("Zakarpattia"),
    N_("Zaporizhzhia"),
    N_("Zhytomyr"),
)
