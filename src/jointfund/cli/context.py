"""What every command needs: the engine for --db, and the fund it holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from jointfund.store import db

if TYPE_CHECKING:  # the fund module loads the terms models: imported by the commands that need it
    from sqlalchemy import Engine

    from jointfund import fund as fund_mod


def engine(ctx: typer.Context, migrated: bool = True) -> Engine:
    """The engine for the global --db; by default refuses a database without a current schema."""
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

    with db.transaction(engine(ctx)) as conn:
        return fund_mod.load(conn)


def actor(ctx: typer.Context, action: str | None = None):  # noqa: ANN201 - a governance.policy.Actor
    """Who runs this command (--user, else the operator while the fund has no users); with `action`,
    the one policy (governance.policy) must allow it, or the command is refused before it writes."""
    from jointfund.governance import policy, user

    obj = ctx.find_root().obj
    with db.transaction(engine(ctx)) as conn:
        who = user.resolve(conn, obj.get("user"))
    return policy.require(who, action) if action else who
