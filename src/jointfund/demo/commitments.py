"""The demo's register of the agreements' commitments, through the same services as `jointfund commitments`.

An armed attack and the consultation held the next day (its minutes stored as evidence), a licence holder's
capital raise and its information duty met, two investments tagged with areas of cooperation; the 2034 alert
stays raised, since no extension is recorded.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from jointfund import clock
from jointfund.commitments import alert, register
from jointfund.fund import FundInfo
from jointfund.store import db

ACTOR = "demo"


def data() -> dict:
    return tomllib.loads(
        resources.files("jointfund.demo").joinpath("commitments.toml").read_text(encoding="utf-8")
    )


def build(engine: Engine, info: FundInfo, directory: Path, say: Callable[[str], None]) -> None:
    d = data()
    today = clock.today()
    folder = directory / "evidence"
    folder.mkdir(exist_ok=True)
    with db.write(engine) as conn:
        for e in d["events"]:
            register.record_event(conn, info, ACTOR, e["kind"], e["date"], e["note"], today)
        for r in d["records"]:
            path = folder / r["evidence"]
            path.write_text(r["text"], encoding="utf-8")
            register.record_outcome(
                conn,
                info,
                ACTOR,
                r["commitment"],
                r["status"],
                r["date"],
                [(path.name, path.read_bytes())],
                "",
                today,
            )
        for tag in d["tags"]:
            register.tag(conn, ACTOR, tag["investment"], tag["area"])
    say(
        f"commitments register: {len(d['events'])} events, {len(d['records'])} outcomes with "
        "their evidence in "
        f"{folder}, {len(d['tags'])} investments tagged with areas of cooperation"
    )


def rows(engine: Engine, info: FundInfo, today: dt.date) -> tuple[list[dict], list[alert.Alert]]:
    """The register's rows as `commitments list` shows them, and the alerts."""
    with db.transaction(engine) as conn:
        return [x.row() for x in register.lines(conn, info, today)], alert.alerts(conn, info, today)
