"""The demo's budget: the board adopts the lines of budget.toml by an executed budget proposal, and an
invoice is recorded against one of them with its evidence, countersigned by a board seat. Same services as
the CLI."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from jointfund.budget import expense, lines, plan
from jointfund.demo.governance import ACTOR, _body_members, _propose, _vote_until_decided
from jointfund.fund import FundInfo
from jointfund.governance import countersign, execution
from jointfund.ledger.checkpoint import load_private
from jointfund.store import db


def data() -> dict:
    return tomllib.loads(
        resources.files("jointfund.demo").joinpath("budget.toml").read_text(encoding="utf-8")
    )


def _plan_text(d: dict) -> str:
    out = [f'reference = "{d["reference"]}"']
    for x in d["lines"]:
        out += [
            "[[lines]]",
            *(f'{k} = "{x[k]}"' for k in ("code", "category", "amount", "currency", "period")),
        ]
    return "\n".join(out) + "\n"


def build(engine: Engine, info: FundInfo, directory: Path, say: Callable[[str], None]) -> None:
    d = data()
    budget = plan.parse(info.terms(d["proposed_on"]), _plan_text(d), "budget.toml")
    kind = info.terms(d["proposed_on"]).budget.decision_kind
    with db.write(engine) as conn:
        body = _body_members(conn, info.terms(d["proposed_on"]).decision(kind).body)
        keys = {name: load_private(directory / "keys" / f"{name}.key") for name in body}
        p = _propose(
            conn,
            info,
            keys,
            {"kind": kind, "title": d["title"], "about": budget.about, "proposed_on": d["proposed_on"]},
            d["proposer"],
        )
        lines.record_plan(conn, ACTOR, budget)
        _vote_until_decided(conn, info, keys, p, body, "approve", d["voted_on"])
        done = execution.execute(conn, info, ACTOR, p.id, d["executed_on"])
    say(f"proposal {p.id} ({p.kind}): {done.effect}")
    for x in d["expenses"]:
        evidence = directory / x["evidence"]
        evidence.write_text(x["text"] + "\n", encoding="utf-8")
        with db.write(engine) as conn:
            spent, _new = expense.record(
                conn,
                info,
                ACTOR,
                x["line"],
                Decimal(x["amount"]),
                x["currency"],
                x["date"],
                x["reference"],
                evidence.name,
                evidence.read_bytes(),
                countersign.signer(conn, x["countersigned_by"], keys[x["countersigned_by"]]),
            )
        say(
            f"expense {spent.reference}: {spent.amount} {spent.currency} charged to {spent.line}, evidence "
            f"sha256:{spent.document_sha256[:16]}…"
        )
