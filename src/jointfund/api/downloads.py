"""A file as a download: the one response the API's routes and the web's pages send a stored file with."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response

from jointfund.governance.model import Supporting


def download(listed: Supporting, content: bytes) -> Response:
    """`content` as an attachment under the name its proposer signed, with its SHA-256 beside it."""
    quoted = quote(listed.name, safe="")
    return Response(
        content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quoted}",
            "X-Content-SHA256": listed.sha256,
        },
    )
