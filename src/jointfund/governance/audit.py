"""The audit trail: every state-changing action, as the log records it (who, when, what, before, after)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection

from jointfund.ledger import log

MAX_ROWS = 100_000


def trail(
    conn: Connection,
    since: dt.date | None = None,
    actor: str | None = None,
    limit: int = MAX_ROWS,
    offset: int = 0,
    newest_first: bool = False,
) -> list[dict]:
    """One row per event of the log, oldest first (or newest); `before` and `after` are empty when an action
    has none. At most `limit` rows after the first `offset`, both applied in SQL."""
    rows = []
    for ev in log.events(
        conn, since=since, actor=actor, limit=limit, offset=offset, newest_first=newest_first
    ):
        rest = {k: v for k, v in ev.data.items() if k not in ("before", "after", "public_pem", "signature")}
        rows.append(
            {
                "seq": ev.seq,
                "recorded_at": ev.recorded_at,
                "actor": ev.actor,
                "action": ev.action,
                "subject": ev.subject,
                "before": _text(ev.data.get("before")),
                "after": _text(ev.data.get("after")),
                "what": json.dumps(rest, ensure_ascii=False, sort_keys=True),
            }
        )
        if len(rows) >= limit:
            break
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
