"""Building the demo fund, one step after another, each through the same services the CLI uses."""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from jointfund import decisions
from jointfund import fund as fund_mod
from jointfund.capital import calls
from jointfund.demo import budget as budget_demo
from jointfund.demo import commitments as commitments_demo
from jointfund.demo import governance as governance_demo
from jointfund.demo import portfolio as portfolio_demo
from jointfund.demo import revenue as revenue_demo
from jointfund.demo import transparency as transparency_demo
from jointfund.demo import web as web_demo
from jointfund.errors import JointfundError
from jointfund.governance import countersigned
from jointfund.ledger import authority, log
from jointfund.ledger.checkpoint import load_private, load_public, public_pem, write_key_pair
from jointfund.store import db
from jointfund.terms import shipped_text
from jointfund.verify import Report, verify

MARKER = ".jointfund-demo"


class DemoResult(NamedTuple):
    fund: fund_mod.FundInfo
    directory: Path
    url: str
    keys: dict[str, Path]
    report: Report


def seed() -> dict:
    return tomllib.loads(resources.files("jointfund.demo").joinpath("seed.toml").read_text(encoding="utf-8"))


def prepare_dir(directory: Path) -> None:
    """A fresh demo directory. Only a directory the demo made itself is ever replaced."""
    if directory.exists():
        if not (directory / MARKER).exists():
            if any(directory.iterdir()):
                raise JointfundError(
                    f"{directory} exists and is not a demo directory; choose an empty or new one", field="dir"
                )
        else:
            shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by jointfund demo; replaced each time the demo runs\n")


def build(
    engine: Engine, directory: Path, url: str, say: Callable[[str], None] = lambda _m: None
) -> DemoResult:
    data = seed()
    decisions.table()  # what each decision kind does, built before any proposal is made
    info = fund_mod.create(engine, shipped_text(), "urif.toml (shipped)", actor="demo", settable_clock=True)
    say(f"created fund {info.code} ({info.name}) on the shipped terms")
    terms = info.base_terms()

    authorities = ceremony(engine, info, directory)
    say(
        f"genesis: authority keys of {', '.join(authorities)} in {directory / 'keys'}, recorded "
        "and signed by both"
    )

    keys: dict[str, Path] = {}
    with db.write(engine) as conn:
        for partner in terms.partner_codes:
            private, public, kid = write_key_pair(directory / "keys" / f"{partner.lower()}-checkpoint.key")
            pem = public.read_bytes()
            st = authority.statement(
                info.id,
                partner,
                log.KEY_REGISTER,
                key_id=kid,
                public_pem=public_pem(load_public(pem, str(public))),
            ).signed(authorities[partner])
            log.register_key(conn, info.id, partner, pem, str(public), actor="demo", statement=st)
            keys[partner] = private
    say(
        f"generated checkpoint keys for {', '.join(keys)} in {directory / 'keys'}, each "
        "authorized by its partner"
    )

    governance_demo.seat(engine, info, directory, say, authorities)
    with db.write(engine) as conn:
        for c in data["commitments"]:
            calls.commit(
                conn,
                terms,
                c["partner"],
                Decimal(c["amount"]),
                c["currency"],
                c["date"],
                c["reference"],
                "demo",
            )
        # Each partner's call line and the cash received against it, each countersigned by a board seat of
        # the other partner (governance.countersigned): one person does not credit a partner's capital.
        for c in sorted(data["calls"], key=lambda c: c["called"]):
            amount = Decimal(c["amount"])
            by = governance_demo.countersigner(conn, directory, c["partner"])
            call = calls.call_entry(terms, c["partner"], amount, c["currency"], c["called"], c["reference"])
            countersigned.post(conn, info, "demo", calls.CALL, call.key, [call], by)
            paid = calls.receipt_entry(
                terms, c["partner"], amount, c["currency"], c["received"], c["reference"]
            )
            countersigned.post(conn, info, "demo", calls.CONTRIBUTION, paid.key, [paid], by)
    say(
        f"posted {len(data['commitments'])} commitments and {len(data['calls'])} capital calls "
        "with their receipts, each countersigned by a board seat of the other partner"
    )

    revenue_demo.build(engine, info, directory, say)
    governance_demo.build(engine, info, directory, say, authorities)
    portfolio_demo.build(engine, info, directory, say)
    commitments_demo.build(engine, info, directory, say)
    budget_demo.build(engine, info, directory, say)
    governance_demo.close_quarters(engine, info, directory, say)  # after every entry the demo dates in them
    governance_demo.succession(engine, info, directory, say, authorities)  # after the closes: a later date
    web_demo.build(engine, say)  # after every other step: once users exist, changes name a user

    witness_key = transparency_demo.name_witness(engine, info, directory, say)
    sign_all(engine, info, keys)
    say("both partners signed a checkpoint of the log")
    transparency_demo.witness_and_publish(engine, info, directory, witness_key, say)
    report = verify(engine)
    return DemoResult(info, directory, url, keys, report)


def ceremony(engine: Engine, info: fund_mod.FundInfo, directory: Path) -> dict[str, Ed25519PrivateKey]:
    """The genesis ceremony with demo authority keys (keys/<partner>-authority.key): in a real fund each
    partner makes its key offline and hands over only the public half (docs/ceremony.md)."""
    privates: dict[str, Ed25519PrivateKey] = {}
    publics: dict[str, bytes] = {}
    for partner in info.base_terms().partner_codes:
        key_path, public, _kid = write_key_pair(directory / "keys" / f"{partner.lower()}-authority.key")
        privates[partner], publics[partner] = load_private(key_path), public.read_bytes()
    with db.write(engine) as conn:
        g = authority.record_genesis(conn, "demo", info.id, info.base_terms().partner_codes, publics)
        for partner, private in privates.items():
            authority.sign_genesis(conn, "demo", partner, private.sign(g.message()).hex())
    return privates


def sign_all(engine: Engine, info: fund_mod.FundInfo, keys: dict[str, Path]) -> None:
    with db.write(engine) as conn:
        for partner, path in keys.items():
            log.make_checkpoint(conn, info.id, partner, load_private(path))


def today_or(day: dt.date | None) -> dt.date:
    from jointfund import clock

    return day or clock.today()
