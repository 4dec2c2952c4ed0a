"""An uploaded file's name: what errors cite, reduced to harmless characters, and refused by name when no
import reads its type. The API's uploads and the web's imports both call these (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

from jointfund.errors import InputError, Problem

SUFFIXES = (".csv", ".xlsx", ".json")


def safe_name(name: str | None) -> str:
    """The uploaded file's own name (errors cite it), reduced to harmless characters."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", Path(name or "upload").name)[:100].lstrip(".") or "upload"


def upload_name(what: str, filename: str | None) -> str:
    """The uploaded file's safe name; a file of a type no import reads is refused here, by name."""
    name = safe_name(filename)
    if not name.lower().endswith(SUFFIXES):
        raise InputError(
            [Problem("file", f"expected a {', '.join(SUFFIXES)} file", name)], f"{what} not imported"
        )
    return name
