"""The verifier page a static mirror carries (issue 18): `jointfund publish --out DIR` writes it next to the
tiles, so anyone serving DIR with a static web host also serves a page that verifies a record in the browser
from the
mirror's own files (checkpoint note, level-0 tiles, entry bundles), with no jointfund server at all.

One page per language (index.html in English, index.uk.html in Ukrainian), at the mirror's root so the files
it reads are relative to it; the scripts and the style sheet are copied beside it.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from jointfund import i18n

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from jointfund.fund import FundInfo
    from jointfund.ledger.publish import Published

STATIC = ("crypto.js", "verify.js", "app.css")


def page_name(lang: str) -> str:
    return "index.html" if lang == "en" else f"index.{lang}.html"


def write_pages(out: Path, fund_id: str, origin: str, keys: list[dict], partners: list[str]) -> list[Path]:
    """Write the verifier pages and their static files; `keys` are the partners' checkpoint keys the page
    trusts by default ({partner, key_id, public_key_pem}); the reader may type their own instead."""
    from jointfund.web.pages import templates

    web = resources.files("jointfund.web")
    (out / "static").mkdir(parents=True, exist_ok=True)
    for name in STATIC:
        (out / "static" / name).write_bytes(web.joinpath("static", name).read_bytes())
    trusted = json.dumps({"fund_id": fund_id, "origin": origin, "keys": keys, "partners": partners})
    written = []
    for lang in i18n.LANGUAGES:
        tr = i18n.translations(lang)
        html = templates.env.get_template("mirror.html").render(
            _=tr.gettext,
            ngettext=tr.ngettext,
            lang=lang,
            languages=i18n.LANGUAGES,
            page_name=page_name,
            source="mirror",
            trusted_json=trusted,
        )
        path = out / page_name(lang)
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written


def publish_mirror(engine: Engine, fund: FundInfo, out: Path) -> Published:
    """Write the public log to `out` as C2SP tlog-tiles, with its verifier pages trusting the partners'
    registered checkpoint keys (`jointfund publish` and the demo)."""
    from jointfund.ledger import log
    from jointfund.ledger.checkpoint import key_id, load_public
    from jointfund.ledger.publish import publish
    from jointfund.store import db

    with db.transaction(engine) as conn:
        done = publish(conn, fund.id, out)
        terms = fund.base_terms()
        keys = [
            {
                "partner": partner,
                "key_id": key_id(load_public(pem.encode(), "checkpoint key")),
                "public_key_pem": pem,
            }
            for partner, pem in log.partner_keys(conn).values()
            if pem
        ]
    # The mirror's own verifier page: any static host serving `out` lets the public check a record.
    write_pages(out, fund.id, terms.transparency.origin_for(fund.id), keys, list(terms.partner_codes))
    return done
