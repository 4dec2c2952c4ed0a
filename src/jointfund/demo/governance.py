"""The demo's joint management: seat every body, then one investment through recommendation to execution,
one proposal a single UA manager rejects, and one that expires. Same services as the CLI."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine

from jointfund.errors import Refused
from jointfund.fund import FundInfo
from jointfund.governance import book, canonical, countersign, execution, member, proposal, vote
from jointfund.governance.model import OPEN
from jointfund.ledger import authority
from jointfund.ledger.checkpoint import load_private, load_public, public_pem, write_key_pair
from jointfund.store import db

ACTOR = "demo"


def data() -> dict:
    return tomllib.loads(
        resources.files("jointfund.demo").joinpath("governance.toml").read_text(encoding="utf-8")
    )


def build(
    engine: Engine,
    info: FundInfo,
    directory: Path,
    say: Callable[[str], None],
    authorities: dict[str, Ed25519PrivateKey],
) -> None:
    d = data()
    with db.transaction(engine) as conn:
        keys = {m.name: load_private(directory / "keys" / f"{m.name}.key") for m in member.seated(conn)}

    inv = d["investment"]
    with db.write(engine) as conn:
        p = _propose(conn, info, keys, inv, "us-board-1")
        rec = _propose(
            conn,
            info,
            keys,
            {
                "kind": inv["recommendation_kind"],
                "title": inv["recommendation_title"],
                "about": f"{proposal.PROPOSAL_REF}{p.id}",
                "proposed_on": inv["recommended_on"],
            },
            "us-investment-1",
        )
        _vote_until_decided(
            conn, info, keys, rec, _body_members(conn, rec.body), "approve", inv["recommended_on"]
        )
        _vote_until_decided(conn, info, keys, p, _body_members(conn, p.body), "approve", inv["voted_on"])
        execution.execute(conn, info, ACTOR, p.id, inv["executed_on"])
    say(f"proposal {p.id} ({p.kind}): recommended by proposal {rec.id}, approved unanimously, executed")

    rej = d["rejected"]
    with db.write(engine) as conn:
        p = _propose(conn, info, keys, rej, "us-board-1")
        _vote_until_decided(conn, info, keys, p, rej["approve"], "approve", rej["voted_on"])
        _vote_until_decided(conn, info, keys, p, rej["reject"], "reject", rej["voted_on"])
        _vote_until_decided(conn, info, keys, p, rej["then_approve"], "approve", rej["voted_on"])
        say(f"proposal {p.id} ({p.kind}): {proposal.standing(conn, info, p.id, rej['voted_on']).words}")

    exp = d["expired"]
    with db.write(engine) as conn:
        p = _propose(conn, info, keys, exp, "ua-board-1")
        _vote_until_decided(conn, info, keys, p, exp["approve"], "approve", exp["voted_on"])
        proposal.expire_due(conn, info, ACTOR, exp["expired_on"])
        say(f"proposal {p.id} ({p.kind}): {proposal.standing(conn, info, p.id, exp['expired_on']).words}")


def seat(
    engine: Engine,
    info: FundInfo,
    directory: Path,
    say: Callable[[str], None],
    authorities: dict[str, Ed25519PrivateKey],
) -> None:
    """Every seat of the board and the committees, first: the money the demo records next is countersigned by
    a seated member (governance.countersigned)."""
    keys = _seat_everyone(engine, info, directory, data()["appointed_on"], authorities)
    say(
        f"seated {len(keys)} members on the board and the committees, each with a key in {directory / 'keys'}"
    )


def countersigner(conn: Connection, directory: Path, partner: str) -> countersign.Signer | None:
    """The demo's second person for money of `partner`: the first board seat of the other partner (never a
    seat linked to the demo's user), signing with its key file."""
    other = next(m for m in member.seated(conn, "board") if m.partner != partner)
    return countersign.signer(conn, other.name, load_private(directory / "keys" / f"{other.name}.key"))


def close_quarters(engine: Engine, info: FundInfo, directory: Path, say: Callable[[str], None]) -> None:
    """The board closes the demo's past quarters (governance.toml [closes]), each by its executed proposal."""
    from jointfund.accounting import (
        close as closing,
    )  # the close reads every domain; only the demo's last step needs it

    spec = data()["closes"]
    kind = info.terms(spec["proposed_on"]).accounting.close_decision
    if kind is None:  # the demo's terms name one; refused as close itself refuses it
        raise Refused("the terms name no decision that closes a period (accounting.close_decision)")
    with db.write(engine) as conn:
        board = _body_members(conn, info.terms(spec["proposed_on"]).decision(kind).body)
        keys = {name: load_private(directory / "keys" / f"{name}.key") for name in board}
        unrealised = []
        for period in spec["periods"]:
            p = _propose(
                conn,
                info,
                keys,
                {
                    "kind": kind,
                    "title": f"Close the books of {period}",
                    "about": f"{closing.ABOUT}{period}",
                    "proposed_on": spec["proposed_on"],
                },
                spec["proposer"],
            )
            _vote_until_decided(conn, info, keys, p, board, "approve", spec["voted_on"])
            execution.execute(conn, info, ACTOR, p.id, spec["executed_on"])
            done = closing.close(conn, info, ACTOR, period, spec["closed_on"])
            unrealised += [
                f"{e.key.rsplit(':', 1)[-1]} {-e.postings[1].amount} {e.postings[1].currency}"
                for e in done.entries
            ]
    say(
        f"the board closed {', '.join(spec['periods'])}, each by its executed close proposal; "
        f"unrealised FX booked at the quarter ends: {'; '.join(unrealised) or 'none'}"
    )


def succession(
    engine: Engine,
    info: FundInfo,
    directory: Path,
    say: Callable[[str], None],
    authorities: dict[str, Ed25519PrivateKey],
) -> None:
    """A board seat changes by decision (governance.toml [succession]): the member steps down and the
    successor is seated, each by an appointment proposal the board approves, countersigned by the partner's
    authority key and executed (governance.appointment); the successor's key is written beside the others."""
    spec = data()["succession"]
    on = spec["on"]
    with db.transaction(engine) as conn:
        (leaving,) = [m for m in member.seated(conn, "board") if m.name == spec["removed"]]
    _by_decision(
        engine,
        info,
        directory,
        authorities,
        on,
        spec["proposer"],
        authority.statement(
            info.id, leaving.partner, member.REMOVE, member=leaving.id, key_id=leaving.key_id
        ),
        f"{leaving.name} steps down from {leaving.partner} seat {leaving.seat} on the board",
    )
    _private, public, kid = write_key_pair(directory / "keys" / f"{spec['successor']}.key")
    st = authority.statement(
        info.id,
        leaving.partner,
        member.APPOINT,
        body="board",
        name=spec["successor"],
        public_pem=public_pem(load_public(public.read_bytes(), str(public))),
    )
    seated = _by_decision(
        engine,
        info,
        directory,
        authorities,
        on,
        spec["proposer"],
        st,
        f"{spec['successor']} takes {leaving.partner} seat {leaving.seat} on the board",
    )
    say(
        f"{leaving.name} stepped down and {spec['successor']} was seated on the board (key {kid}), each by "
        f"an executed appointment decision countersigned by {leaving.partner}'s authority key: {seated}"
    )


def _by_decision(
    engine: Engine,
    info: FundInfo,
    directory: Path,
    authorities: dict[str, Ed25519PrivateKey],
    on: dt.date,
    proposer: str,
    st: authority.Statement,
    title: str,
) -> str:
    """`st` decided by the board under `title`: what a board member reads in the list of proposals (the
    statement's own description, "UA authority: member.appoint (body=board, …, public_pem=-----BEGIN…", is
    for the CLI that signs it)."""
    from jointfund.governance import appointment

    with db.write(engine) as conn:
        board = _body_members(conn, "board")
        keys = {name: load_private(directory / "keys" / f"{name}.key") for name in board}
        p = _propose(
            conn,
            info,
            keys,
            {
                "kind": appointment.KIND,
                "title": title,
                "about": appointment.about(st),
                "proposed_on": on,
            },
            proposer,
        )
        _vote_until_decided(conn, info, keys, p, board, "approve", on)
        appointment.countersign(conn, info, ACTOR, st.signed(authorities[st.partner]))
        return execution.execute(conn, info, ACTOR, p.id, on).effect


def _seat_everyone(
    engine: Engine, info: FundInfo, directory: Path, on: dt.date, authorities: dict[str, Ed25519PrivateKey]
) -> dict[str, Ed25519PrivateKey]:
    """Every seat, each with its own key and a statement of its partner's authority key seating it."""
    keys: dict[str, Ed25519PrivateKey] = {}
    with db.write(engine) as conn:
        for body in info.terms(on).governance.bodies:
            for partner, seats in body.seats.items():
                for n in range(1, seats + 1):
                    name = f"{partner.lower()}-{body.code}-{n}"
                    private, public, _ = write_key_pair(directory / "keys" / f"{name}.key")
                    pem = public.read_bytes()
                    st = authority.statement(
                        info.id,
                        partner,
                        member.APPOINT,
                        body=body.code,
                        name=name,
                        public_pem=public_pem(load_public(pem, str(public))),
                    )
                    member.appoint(
                        conn,
                        info,
                        ACTOR,
                        partner,
                        name,
                        body.code,
                        pem,
                        on,
                        str(public),
                        st.signed(authorities[partner]),
                    )
                    keys[name] = load_private(private)
    return keys


def _propose(  # noqa: ANN202
    conn: Connection,
    info: FundInfo,
    keys: dict,
    spec: dict,
    proposer: str,
    change=None,  # noqa: ANN001
):
    draft = proposal.draft(
        conn,
        info,
        spec["kind"],
        spec["title"],
        proposer,
        spec["proposed_on"],
        None if spec.get("amount") is None else Decimal(spec["amount"]),
        spec.get("currency"),
        spec.get("about"),
        spec.get("deadline"),
        change=change,
    )
    signature = canonical.sign(keys[proposer], canonical.proposal_bytes(info.id, draft))
    return proposal.submit(conn, info, ACTOR, draft, signature, change)


def _body_members(conn: Connection, body: str) -> list[str]:
    return [m.name for m in member.seated(conn, body)]


def _vote_until_decided(
    conn: Connection,
    info: FundInfo,
    keys: dict,
    p,
    names: list[str],
    choice: str,  # noqa: ANN001
    on: dt.date,
) -> None:
    for name in names:
        if proposal.standing(conn, info, p.id, on).state != OPEN:
            return
        vote.sign_and_cast(conn, info, ACTOR, p.id, name, choice, keys[name], on)


def rows(engine: Engine, info: FundInfo, on: dt.date) -> list[dict]:
    """The demo's proposals and where each stands, for the summary `jointfund demo` prints."""
    with db.transaction(engine) as conn:
        return [
            {
                "id": s.proposal.id,
                "kind": s.proposal.kind,
                "title": s.proposal.title,
                "body": s.proposal.body,
                "state": s.state,
                "why": s.reason,
            }
            for s in (proposal.standing(conn, info, p.id, on) for p in book.proposals(conn))
        ]
