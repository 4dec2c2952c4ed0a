"""A C2SP tlog-witness: an independent cosigner any third party can run with its own key
(c2sp.org/tlog-witness).

For each log it follows (an origin and the log's note verifier keys) it keeps the latest checkpoint it
cosigned,
in its own state file. `add_checkpoint` takes the request body of `POST /add-checkpoint`:

    old <size>\\n
    <consistency proof hash, base64>\\n ... (at most 63)
    \\n
    <checkpoint note>

and either returns the witness's tlog-cosignature/v1 line (timestamped Ed25519, type 0x04), having recorded
the
new checkpoint, or refuses with the spec's status: 400 malformed or old size above the checkpoint's, 403 no
trusted signature, 404 unknown origin, 409 old size not the one it cosigned last (body: that size, as
text/x.tlog.size) or same size with another root, 422 consistency proof that does not verify. The check and
the
update are one step under a lock, so two requests can never roll the witness back (the spec's race).

`cosign` is the log's side: it asks a witness for a cosignature of a head and says loudly why it refused.
"""

from __future__ import annotations

import base64
import binascii
import http.server
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointfund.errors import JointfundError
from jointfund.ledger import merkle, note

MAX_PROOF = 63
MAX_BODY = note.MAX_NOTE_BYTES + (MAX_PROOF + 2) * 64
SIZE_TYPE = "text/x.tlog.size"


class Refusal(Exception):
    """A refused add-checkpoint, with the HTTP status and body the spec prescribes."""

    def __init__(
        self, status: int, reason: str, body: str | None = None, content_type: str = "text/plain"
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.body = body if body is not None else reason + "\n"
        self.content_type = content_type


class Request(NamedTuple):
    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: bytes


def request_body(old_size: int, proof: Sequence[bytes], checkpoint: str) -> bytes:
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof)]
    return ("".join(line + "\n" for line in lines) + "\n" + checkpoint).encode()


def parse_request(body: bytes) -> Request:
    if len(body) > MAX_BODY:
        raise Refusal(400, f"request over {MAX_BODY} bytes")
    head, sep, rest = body.partition(b"\n\n")
    if not sep:
        raise Refusal(400, "no empty line between the old size and proof lines and the checkpoint")
    lines = head.split(b"\n")
    first = lines[0].decode("ascii", "replace")
    size_text = first.removeprefix("old ")
    if not first.startswith("old ") or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
        raise Refusal(400, f"the first line must be 'old SIZE' in decimal, not {first[:40]!r}")
    if len(lines) - 1 > MAX_PROOF:
        raise Refusal(400, f"more than {MAX_PROOF} consistency proof lines")
    try:
        proof = tuple(base64.b64decode(line, validate=True) for line in lines[1:])
    except (ValueError, binascii.Error):
        raise Refusal(400, "a consistency proof line is not base64") from None
    if any(len(h) != 32 for h in proof):
        raise Refusal(400, "a consistency proof hash is not 32 bytes")
    return Request(int(size_text), proof, rest)


class State:
    """The latest checkpoint cosigned per origin, as JSON in the witness's own file (written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()

    def read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise JointfundError(
                f"{self.path}: the witness state cannot be read ({exc}); refusing to start "
                "from nothing, which would let a log roll back"
            ) from None
        logs: dict[str, dict[str, Any]] = data.get("logs", {})
        return logs

    def write(self, logs: dict[str, dict[str, Any]]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(
            json.dumps(
                {"type": "jointfund witness state", "version": 1, "logs": logs}, indent=1, sort_keys=True
            ),
            encoding="utf-8",
        )
        os.replace(tmp, self.path)


class Witness:
    """A witness: its name and key, the logs it follows (origin -> the logs' verifier keys), and its state."""

    def __init__(
        self,
        name: str,
        key: Ed25519PrivateKey,
        logs: dict[str, tuple[note.Verifier, ...]],
        state: State,
        now: Callable[[], int],
    ) -> None:
        note.check_name(name)
        self.name, self.key, self.logs, self.state, self.now = name, key, logs, state, now

    def verifier(self) -> note.Verifier:
        return note.verifier(self.name, self.key.public_key(), note.COSIGNATURE_V1)

    def add_checkpoint(self, body: bytes) -> str:
        """The response body (one cosignature line), or Refusal."""
        req = parse_request(body)
        try:
            signed = note.parse(req.checkpoint)
            cp = note.parse_checkpoint(signed.text)
        except note.NoteError as exc:
            raise Refusal(400, f"not a checkpoint note: {exc}") from None
        trusted = self.logs.get(cp.origin)
        if trusted is None:
            raise Refusal(404, f"unknown log {cp.origin}")
        try:
            note.verified(signed, trusted)
        except note.NoteError as exc:
            raise Refusal(403, f"not signed by a key of {cp.origin}: {exc}") from None
        if req.old_size > cp.size:
            raise Refusal(400, f"old size {req.old_size} is above the checkpoint's size {cp.size}")
        with self.state.lock:  # check and persist as one step: two requests can never roll the witness back
            logs = self.state.read()
            last = logs.get(cp.origin)
            last_size = int(last["size"]) if last else 0
            if req.old_size != last_size:
                raise Refusal(
                    409,
                    f"old size {req.old_size} is not {last_size}, the size last cosigned",
                    f"{last_size}\n",
                    SIZE_TYPE,
                )
            if last and req.old_size == cp.size:
                if base64.b64decode(last["root"]) != cp.root:
                    raise Refusal(409, f"a different root for size {cp.size}, the size last cosigned: a fork")
            elif last:
                if not merkle.verify_consistency(
                    last_size, cp.size, base64.b64decode(last["root"]), cp.root, req.proof
                ):
                    raise Refusal(
                        422, f"the consistency proof from size {last_size} to {cp.size} does not verify"
                    )
            elif req.proof:
                raise Refusal(422, "a consistency proof from size 0 must be empty")
            logs[cp.origin] = {
                "size": cp.size,
                "root": base64.b64encode(cp.root).decode(),
                "note": signed.render(),
            }
            self.state.write(logs)
        return note.cosign(signed.text, self.name, self.key, self.now()).line()


def server(witness: Witness, host: str, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server answering `POST <prefix>/add-checkpoint` for `witness` (call serve_forever on it)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the spec recommends

        def do_POST(self) -> None:  # noqa: N802 - the http.server interface
            if not self.path.split("?")[0].endswith("/add-checkpoint"):
                return self._answer(404, "not found: POST <prefix>/add-checkpoint\n", "text/plain")
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                return self._answer(411, "Content-Length required\n", "text/plain")
            if not 0 <= length <= MAX_BODY:
                return self._answer(400, f"request over {MAX_BODY} bytes\n", "text/plain")
            try:
                answer = witness.add_checkpoint(self.rfile.read(length))
            except Refusal as r:
                return self._answer(r.status, r.body, r.content_type)
            self._answer(200, answer, "text/plain; charset=utf-8")

        def do_GET(self) -> None:  # noqa: N802
            self._answer(404, "this witness answers POST <prefix>/add-checkpoint only\n", "text/plain")

        def _answer(self, status: int, text: str, ctype: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt: str, *args: object) -> None:
            pass  # refusals are answered to the caller; the state file is the witness's record

    return http.server.ThreadingHTTPServer((host, port), Handler)


# -- the log's side --


class Cosigned(NamedTuple):
    signatures: tuple[note.Signature, ...]
    old_size: int


def cosign(
    url: str,
    head_note: str,
    body: note.CheckpointBody,
    old_size: int,
    proof_from: Callable[[int], list[bytes]],
    witnesses: Iterable[note.Verifier],
    timeout: float = 30,
) -> Cosigned:
    """Ask the witness at `url` to cosign `head_note` (whose body is `body`); `old_size` is what we believe it
    cosigned last (0 if unknown), and `proof_from(size)` gives a consistency proof from that size to ours.

    A 409 with the witness's size is answered once with a proof from that size, as the spec allows. Every
    refusal raises JointfundError with a sentence saying what the witness refused and why it matters."""
    known = list(witnesses)
    for _attempt in range(2):
        proof = proof_from(old_size) if 0 < old_size < body.size else []
        status, ctype, text = _post(
            url.rstrip("/") + "/add-checkpoint", request_body(old_size, proof, head_note), timeout
        )
        if status == 409 and ctype.startswith(SIZE_TYPE) and _attempt == 0:
            seen = text.strip()
            if not seen.isdigit():
                raise JointfundError(f"witness {url} answered 409 without a tree size: {text[:200]!r}")
            if int(seen) > body.size:
                raise JointfundError(
                    f"witness {url} REFUSED: it has already cosigned a log of {seen} records for "
                    f"{body.origin}, "
                    f"more than the {body.size} we asked it to sign. Someone showed it a longer log than "
                    "ours: a "
                    "rollback or a split view."
                )
            old_size = int(seen)
            continue
        if status != 200:
            raise JointfundError(_refusal_sentence(url, status, text, body, old_size))
        try:
            sigs = note.parse_signature_lines(text)
        except note.NoteError as exc:
            raise JointfundError(
                f"witness {url} answered 200 with something that is not signature lines: {exc}"
            ) from None
        good = tuple(
            s
            for s in sigs
            for v in known
            if (s.name, s.key_id) == (v.name, v.key_id) and note.signature_valid(body.text(), s, v)
        )
        if not good:
            raise JointfundError(
                f"witness {url} answered with cosignatures by keys the terms do not name, or that do not "
                "verify: "
                + ", ".join(f"{s.name}+{s.key_id.hex()}" for s in sigs)
                + "; a witness counts only when [transparency] witnesses lists its verifier key"
            )
        return Cosigned(good, old_size)
    raise JointfundError(
        f"witness {url} kept answering 409 (conflict) for {body.origin}; it was not cosigned"
    )


def _refusal_sentence(url: str, status: int, text: str, body: note.CheckpointBody, old_size: int) -> str:
    why = text.strip()[:300]
    meaning = {
        404: (
            "it does not follow this log (its operator must add the log's origin and the partners' verifier "
            "keys)"
        ),
        403: "none of the signatures on our checkpoint is by a key it trusts for this log",
        409: "the checkpoint conflicts with the one it cosigned before: ANOTHER HISTORY OF THIS LOG (a fork)",
        422: (
            f"our log of {body.size} records is NOT an extension of the {old_size} records it cosigned "
            "before: history was rewritten, or it was shown a fork"
        ),
        400: "it could not read the request",
    }.get(status, "an unexpected answer")
    return f"witness {url} REFUSED to cosign the log of {body.size} records (HTTP {status}: {why}): {meaning}"


def _post(url: str, data: bytes, timeout: float) -> tuple[int, str, str]:
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read(MAX_BODY).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read(MAX_BODY).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as exc:
        raise JointfundError(f"witness {url}: cannot reach it ({getattr(exc, 'reason', exc)})") from None
