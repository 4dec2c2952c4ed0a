"""What every command needs: the engine for --db, and the fund it holds."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import typer

from jointfund import bounds

if TYPE_CHECKING:  # the database layer and the fund module (which loads the terms models) are imported by the
    # commands that need them: a quick read (store.quick) starts without SQLAlchemy
    from sqlalchemy import Engine

    from jointfund import fund as fund_mod


def engine(ctx: typer.Context, migrated: bool = True) -> Engine:
    """The engine for the global --db; by default refuses a database without a current schema."""
    from jointfund.store import db

    obj = ctx.find_root().obj
    if "engine" not in obj:
        obj["engine"] = db.make_engine(obj.get("db"))
    eng = obj["engine"]
    if migrated and not obj.get("schema_ok"):
        db.require_schema(eng)
        obj["schema_ok"] = True
    return eng


def fund(ctx: typer.Context) -> fund_mod.FundInfo:
    from jointfund import fund as fund_mod
    from jointfund.store import db

    with db.transaction(engine(ctx)) as conn:
        return fund_mod.load(conn)


def actor(ctx: typer.Context, action: str | None = None):  # noqa: ANN201 - a governance.policy.Actor
    """Who runs this command (--user, else the operator while the fund has no users); with `action`,
    the one policy (governance.policy) must allow it, or the command is refused before it writes."""
    from jointfund.governance import policy, user
    from jointfund.store import db

    obj = ctx.find_root().obj
    with db.transaction(engine(ctx)) as conn:
        who = user.resolve(conn, obj.get("user"))
    return policy.require(who, action) if action else who


# The root object of the command being run (set by the root callback), so that option parsers
# without a context (cli.terms.parse_date) can bound a date by the fund's life.
_root: dict = {}


def remember(obj: dict) -> None:
    global _root
    _root = obj


def fund_start() -> dt.date | None:
    """The start date of the fund the running command is on, or None when there is no fund (yet)."""
    from jointfund import fund as fund_mod
    from jointfund.store import db

    if "fund_start" not in _root:
        try:
            eng = _root.get("engine") or db.make_engine(_root.get("db"))
            _root.setdefault("engine", eng)
            with db.transaction(eng) as conn:
                _root["fund_start"] = fund_mod.load(conn).start_date
        except Exception:  # noqa: BLE001 - no usable fund (or database): the command itself will say why
            return None
    return _root["fund_start"]


def check_year(value: int | None) -> int | None:
    """A --year option's callback: within the fund's life plus a margin (bounds.date_window)."""
    start = fund_start()
    if value is not None and start is not None:
        first, last = bounds.year_window(start)
        if not first <= value <= last:
            raise typer.BadParameter(f"{value} is outside the fund's life plus a margin ({first} to {last})")
    return value


# These return what typer.Option and typer.Argument return, typed Any as typer types them: the parameter's
# declared type (int) is what the command receives, and typer reads the default as its spec.
def year_option(default, help: str = "") -> Any:  # noqa: A002, ANN001, ANN401 - typer's names and type
    return typer.Option(default, "--year", callback=check_year, help=help)


def id_argument(metavar: str = "ID", help: str = "") -> Any:  # noqa: A002, ANN401 - typer's name and type
    """A numeric id: 1 to bounds.MAX_ID (63 bits), so it never overflows a database integer."""
    return typer.Argument(..., metavar=metavar, min=1, max=bounds.MAX_ID, help=help)
