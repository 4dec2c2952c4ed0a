"""The demo's public verifiability (issue 18): the board names a witness by amending the terms, the witness
(its own key, its own state file) cosigns the head both partners signed over the real C2SP tlog-witness
protocol on a loopback port, and the public log is published as a static C2SP tlog-tiles mirror."""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine

from jointfund import fund as fund_mod
from jointfund.demo.governance import ACTOR, _body_members, _propose, _vote_until_decided
from jointfund.fund import FundInfo
from jointfund.governance import amendment, execution
from jointfund.ledger import checkpoint_note, cosigning, log, note, witness
from jointfund.ledger.checkpoint import load_private, write_key_pair
from jointfund.store import db
from jointfund.web.mirror import publish_mirror


class Shown(NamedTuple):
    witness: str  # the witness's verifier key, as the terms name it
    cosigning: cosigning.Collected
    mirror: Path


def data() -> dict:
    text = resources.files("jointfund.demo").joinpath("transparency.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def name_witness(engine: Engine, info: FundInfo, directory: Path, say: Callable[[str], None]) -> Path:
    """The board amends the terms to name the demo witness's key; returns the witness's private key file."""
    spec = data()["witness"]
    private, _public, _kid = write_key_pair(directory / "keys" / "demo-witness.key")
    vkey = note.verifier(spec["name"], load_private(private).public_key(), note.COSIGNATURE_V1).vkey()
    text = (
        f"effective = {spec['executed_on'].isoformat()}\n"
        f'reference = "{spec["reference"]}"\n'
        f'description = "{spec["title"]}"\n\n'
        "[changes.transparency]\n"
        f'witnesses = ["{vkey}"]\n'
        f"witnesses_required = {spec['required']}\n"
    )
    with db.write(engine) as conn:
        change = amendment.parse(info, text, "demo/transparency.toml", spec["proposed_on"])
        decision = info.terms(spec["proposed_on"]).decision(amendment.KIND)
        body = _body_members(conn, decision.body)
        keys = {name: load_private(directory / "keys" / f"{name}.key") for name in body}
        p = _propose(conn, info, keys, {**spec, "kind": amendment.KIND}, spec["proposer"], change)
        _vote_until_decided(conn, info, keys, p, body, "approve", spec["voted_on"])
        execution.execute(conn, info, ACTOR, p.id, spec["executed_on"])
    say(f"proposal {p.id} (amendment): the board named the witness {spec['name']}; executed")
    return private


def witness_and_publish(
    engine: Engine, info: FundInfo, directory: Path, key_file: Path, say: Callable[[str], None]
) -> Shown:
    """The witness cosigns the latest head both partners signed; then the mirror is published."""
    spec = data()
    key = load_private(key_file)
    with db.transaction(engine) as conn:
        info = fund_mod.load(conn)  # with the amendment that named the witness

    vkey = note.verifier(spec["witness"]["name"], key.public_key(), note.COSIGNATURE_V1).vkey()
    with db.transaction(engine) as conn:
        origin = checkpoint_note.fund_origin(conn, info.id)
        follows = tuple(
            checkpoint_note.partner_verifier(origin, pem)
            for _p, pem in log.partner_keys(conn).values()
            if pem
        )
    w = witness.Witness(
        spec["witness"]["name"],
        key,
        {origin: follows},
        witness.State(directory / "witness-state.json"),
        lambda: int(time.time()),
    )
    srv = witness.server(w, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        done = cosigning.collect(engine, info, [f"http://127.0.0.1:{srv.server_address[1]}"])
    finally:
        srv.shutdown()
        srv.server_close()
    state = "witnessed" if done.witnessed else "not witnessed"
    say(f"the witness cosigned the log of {done.size} records: {done.cosigners} of {done.required}, {state}")
    out = directory / spec["mirror"]["directory"]
    published = publish_mirror(engine, info, out)
    say(f"published the public log to {out}: {published.size} records, {published.private} private by hash")
    return Shown(vkey, done, out)
