"""Files waiting between the web's preview of an import and its confirmation, kept by SHA-256.

The preview page's confirm form carries only the file's digest: the server imports the bytes it
previewed, found by that digest and checked against it again, so a different file cannot be swapped
in between the two steps (nor a file changed on disk). A preview belongs to who made it and to its
kind of import: another user, or another kind, finds nothing.

Kept in a folder of the host (by default in its temporary directory, one per database), so every
worker of one server sees it; a preview older than `ttl_seconds` is forgotten, and a confirmed one
at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

from jointfund.errors import NotFound
from jointfund.i18n import N_

DIGEST = re.compile(r"[0-9a-f]{64}")
TTL_SECONDS = 3600


class Previews:
    def __init__(self, directory: Path | None = None, ttl_seconds: float = TTL_SECONDS) -> None:
        self.directory = directory
        self.ttl_seconds = ttl_seconds

    def bind(self, database: str) -> Previews:
        """Keep this database's previews apart from another's on the same host (unless a folder was given)."""
        if self.directory is None:
            tag = hashlib.sha256(database.encode()).hexdigest()[:16]
            self.directory = Path(tempfile.gettempdir()) / f"jointfund-previews-{os.getuid()}-{tag}"
        return self

    def _folder(self) -> Path:
        assert self.directory is not None, "Previews.bind(database) first"
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.directory

    @staticmethod
    def _ticket(digest: str, kind: str, actor: str) -> str:
        return hashlib.sha256(f"{digest}\0{kind}\0{actor}".encode()).hexdigest() + ".json"

    def keep(self, data: bytes, name: str, kind: str, actor: str) -> str:
        """Keep `data` (previewed by `actor` as a `kind` import, named `name`); its SHA-256."""
        folder = self._folder()
        self._forget_old(folder)
        digest = hashlib.sha256(data).hexdigest()
        _write(folder / digest, data)
        _write(folder / self._ticket(digest, kind, actor), json.dumps({"file": name}).encode())
        return digest

    def take(self, digest: str, kind: str, actor: str) -> tuple[str, bytes]:
        """(name, bytes) of the file `actor` previewed as a `kind` import with this SHA-256; once."""
        folder = self._folder()
        ticket = folder / self._ticket(digest, kind, actor) if DIGEST.fullmatch(digest) else None
        try:
            if ticket is None or time.time() - ticket.stat().st_mtime > self.ttl_seconds:
                raise FileNotFoundError
            name = json.loads(ticket.read_bytes())["file"]
            data = (folder / digest).read_bytes()
        except (FileNotFoundError, ValueError, KeyError):
            raise NotFound(
                N_("this preview is no longer kept (or was made by someone else): upload the file again")
            ) from None
        if hashlib.sha256(data).hexdigest() != digest:  # changed on disk since its preview
            raise NotFound(N_("the previewed file has changed since its preview: upload the file again"))
        ticket.unlink(missing_ok=True)
        return name, data

    def _forget_old(self, folder: Path) -> None:
        limit = time.time() - self.ttl_seconds
        for path in folder.iterdir():
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
            except FileNotFoundError:  # another worker forgot it first
                pass


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all (a worker reading it never sees half a file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
