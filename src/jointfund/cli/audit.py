"""`jointfund audit`: the trail of every state-changing action, from the signed log.

As a table it is a summary a person can read: how many actions of each kind, by whom, from when to
when, then the latest events with their details in words. JSON and CSV carry every event in full.
"""

from __future__ import annotations

import json

import typer

from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, resolve_format, say
from jointfund.cli.params import MAX_PAGE_ITEMS, parse_date
from jointfund.governance import audit as trail_mod
from jointfund.store import db

TABLE_LIMIT = 50  # events a table shows unless --limit says otherwise


def audit(
    ctx: typer.Context,
    since: str = typer.Option(
        None, "--since", help="Only actions recorded on or after this date (UTC), YYYY-MM-DD."
    ),
    actor: str = typer.Option(None, "--actor", help="Only actions of this user (or operator, demo...)."),
    limit: int = typer.Option(
        None,
        "--limit",
        min=1,
        max=MAX_PAGE_ITEMS,
        help=f"Only the latest N events, 1 to {MAX_PAGE_ITEMS} [default: {TABLE_LIMIT} in a table, "
        "all in json or csv].",
    ),
    fmt: str = FormatOption,
) -> None:
    """Who did what, when, with the state before and after: every event of the fund's verifiable log."""
    chosen = resolve_format(ctx, fmt)
    with db.transaction(context.engine(ctx)) as conn:
        rows = trail_mod.trail(conn, parse_date(since, "--since"), actor)
    shown = rows[-(limit or (TABLE_LIMIT if chosen == "table" else len(rows))) :] if rows else []
    if chosen != "table":
        emit(ctx, shown, chosen, title="Audit trail")
        return
    emit(
        ctx,
        summary(rows),
        chosen,
        title=f"Audit trail: {len(rows):,} events"
        + (f" since {since}" if since else "")
        + (f" by {actor}" if actor else "")
        + ", by action",
    )
    emit(
        ctx, [_readable(r) for r in shown], chosen, title=f"The latest {len(shown):,} of {len(rows):,} events"
    )
    if len(shown) < len(rows):
        say(
            f"{len(rows) - len(shown):,} earlier events not shown: --limit N shows more, --since and --actor "
            "choose, --format csv or json gives every event in full"
        )


def summary(rows: list[dict]) -> list[dict]:
    """One row per action: how many, by whom, the first and the last time."""
    by_action: dict[str, dict] = {}
    for r in rows:
        s = by_action.setdefault(
            r["action"],
            {
                "action": r["action"],
                "events": 0,
                "actors": set(),
                "first": r["recorded_at"],
                "last": r["recorded_at"],
            },
        )
        s["events"] += 1
        s["actors"].add(r["actor"])
        s["first"], s["last"] = min(s["first"], r["recorded_at"]), max(s["last"], r["recorded_at"])
    return [
        {**s, "actors": ", ".join(sorted(s["actors"]))}
        for s in sorted(by_action.values(), key=lambda s: (-s["events"], s["action"]))
    ]


def _readable(row: dict) -> dict:
    """An event for people: the change as `before → after`, the details as `key: value` pairs."""
    details = json.loads(row["what"]) if row["what"] else {}
    change = f"{row['before'] or '–'} → {row['after']}" if row["before"] or row["after"] else ""
    return {
        "seq": row["seq"],
        "recorded_at": row["recorded_at"],
        "actor": row["actor"],
        "action": row["action"],
        "subject": row["subject"],
        "change": change,
        "details": "; ".join(f"{k}: {_word(v)}" for k, v in details.items()),
    }


def _word(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_word(v) for v in value) or "none"
    if isinstance(value, dict):
        return "{" + "; ".join(f"{k}: {_word(v)}" for k, v in value.items()) + "}"
    return str(value)
