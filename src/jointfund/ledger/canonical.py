"""The canonical encoding of log records, version 1 (documented in docs/canonical-encoding.md).

A record's canonical bytes are UTF-8 JSON with keys in lexicographic order, no
insignificant white space, and non-ASCII characters unescaped: exactly what
`json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` gives.
Amounts are strings with exactly the currency's decimals, dates are YYYY-MM-DD and
timestamps are UTC with microseconds and a Z. The version travels in the bytes ("v"),
so a verifier knows which rules made them.

Entries are encoded by hand, in that same form, because verify re-encodes every entry
and the generic encoder costs several times more; a test holds the two equal.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from jointfund.money import format_amount

VERSION = 1
_dump = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_str = json.JSONEncoder(ensure_ascii=False).encode


def timestamp(moment: dt.datetime) -> str:
    """UTC timestamp text; naive values are taken to be UTC already (how SQLite returns them)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    if moment.year < 1000:  # strftime's %Y does not pad such years; keep its text for them
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # The same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ") at a third of the cost (once per entry, both ways).
    return moment.isoformat(timespec="microseconds") + "Z"


@functools.lru_cache(maxsize=8192)
def _name(account: str) -> str:
    """JSON text of an account name: a journal names a few hundred accounts a million times."""
    return _str(account)


def entry_bytes(
    seq: int,
    date: dt.date | str,
    recorded_at: dt.datetime,
    key: str,
    narration: str,
    links: Iterable[str],
    reverses: int | None,
    postings: Iterable[tuple[str, str, str]],
) -> bytes:
    """Canonical bytes of a journal entry; `postings` are (account, currency, amount text).

    `date` may be given as its YYYY-MM-DD text already (verify reads it so, to skip parsing).
    """
    legs = ",".join(
        # %-formatting, not str.format or f-strings: the JSON braces stay literal and it is the fastest here.
        '{"account":%s,"amount":"%s","currency":"%s"}' % (_name(account), amount, currency)  # noqa: UP031
        for account, currency, amount in postings
    )
    text = (
        '{"date":"%s","key":%s,"links":[%s],"narration":%s,"postings":[%s],'  # noqa: UP031 - as above
        '"recorded_at":"%s","reverses":%s,"seq":%d,"type":"entry","v":%d}'
        % (
            date if isinstance(date, str) else date.isoformat(),
            _str(key),
            ",".join(_str(x) for x in links),
            _str(narration),
            legs,
            timestamp(recorded_at),
            "null" if reverses is None else str(int(reverses)),
            seq,
            VERSION,
        )
    )
    return text.encode("utf-8")


def entry_bytes_generic(
    seq: int,
    date: dt.date,
    recorded_at: dt.datetime,
    key: str,
    narration: str,
    links: Iterable[str],
    reverses: int | None,
    postings: Iterable[tuple[str, str, str]],
) -> bytes:
    """The same encoding through the generic encoder; the reference the fast path is tested against."""
    obj = {
        "v": VERSION,
        "type": "entry",
        "seq": seq,
        "date": date.isoformat(),
        "recorded_at": timestamp(recorded_at),
        "key": key,
        "narration": narration,
        "links": list(links),
        "reverses": reverses,
        "postings": [{"account": a, "currency": c, "amount": m} for a, c, m in postings],
    }
    return _dump(obj).encode("utf-8")


def event_bytes(
    seq: int, recorded_at: dt.datetime, actor: str, action: str, subject: str, data: dict[str, Any]
) -> bytes:
    """Canonical bytes of a non-money record (an appointment, a vote, an import, a key)."""
    obj = {
        "v": VERSION,
        "type": "event",
        "seq": seq,
        "recorded_at": timestamp(recorded_at),
        "actor": actor,
        "action": action,
        "subject": subject,
        "data": data,
    }
    return _dump(obj).encode("utf-8")


def data_json(data: dict[str, Any]) -> str:
    """How an event's data is stored: the canonical JSON of the data alone."""
    return _dump(data)


def text_sha256(text: str) -> str:
    """The hex SHA-256 of canonical JSON text: the hash a proposal signs for the content it binds."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class BoundContent(NamedTuple):
    """Content a proposal binds by hash (an amendment, a budget): its canonical JSON text. The proposal's
    `about` names the hash of this text, so the proposer and every voter sign exactly it; each kind's
    subclass gives its `about`."""

    content_json: str

    @property
    def sha256(self) -> str:
        return text_sha256(self.content_json)

    @property
    def content(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.content_json)
        return data


def amount_text(minor: int, currency: str, exponent: int) -> str:
    """Amount text from minor units without going through Decimal (the hot path of verify)."""
    if exponent == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor)).rjust(exponent + 1, "0")
    return f"{sign}{digits[:-exponent]}.{digits[-exponent:]}"


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


__all__ = [
    "VERSION",
    "BoundContent",
    "amount_text",
    "data_json",
    "entry_bytes",
    "event_bytes",
    "format_amount",
    "leaf_hash",
    "timestamp",
]
