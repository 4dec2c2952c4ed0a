"""Appointments by decision: the board seats or unseats a member, and the partner's authority key
countersigns.

Once a body the terms' `[governance.appointments]` lists exists (each of its seats has been filled), its
seats change only this way (issue 16; for board seats, issue 19's authority statement is in addition to
the executed board decision):

1. the partner's authority statement is prepared, unsigned (`members appoint|remove ... --prepare FILE`);
   its SHA-256 names it;
2. a board member proposes the decision `--about appointment:SHA256`, so every vote signs the statement's
   hash: the name, the body and the member's public key (or the member removed), the partner and the nonce;
3. the partner's authority key signs the statement (`authority sign FILE`) and it is submitted
   (`authority submit FILE`): this logs the countersignature against the proposal, and executes the
   proposal if it is approved already (else `proposals execute` does, later);
4. the execution's effect seats or unseats the member, with the statement in the member event and the
   proposal's id under `decision`, so `jointfund verify` (authority chain) checks both.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from jointfund.errors import Refused
from jointfund.fund import FundInfo
from jointfund.governance import book, member
from jointfund.governance.effects import Run
from jointfund.governance.model import APPROVED, EXECUTED, OPEN, Proposal
from jointfund.ledger import authority, log

KIND = "appointment"  # the decision kind whose effect is an appointment (the terms' appointments.decision)
REF = "appointment:"  # a proposal about `appointment:SHA256` decides the statement with that hash
COUNTERSIGN = "appointment.countersign"
STATEMENT_KINDS = (member.APPOINT, member.REMOVE)


def about(st: authority.Statement) -> str:
    return f"{REF}{st.sha256()}"


def proposal_for(conn: Connection, st: authority.Statement) -> Proposal | None:
    """The appointment proposal that decides `st`, the latest if several were made."""
    found = [p for p in book.proposals(conn) if p.kind == KIND and p.about == about(st)]
    return found[-1] if found else None


def countersign(conn: Connection, fund: FundInfo, actor: str, st: authority.Statement) -> Proposal:
    """Log the partner's authority countersignature of the appointment proposal that decides `st`."""
    if st.kind not in STATEMENT_KINDS:
        raise Refused(
            f"a {st.kind} statement is not decided by the board; only {', '.join(STATEMENT_KINDS)} are"
        )
    p = proposal_for(conn, st)
    if p is None:
        raise Refused(
            f"no {KIND} proposal decides this statement; a board member proposes it first: "
            f"jointfund proposals new --kind {KIND} --about {about(st)} --title ..."
        )
    states = [c.status for c in book.closings(conn, p.id)]
    if EXECUTED in states:
        raise Refused(f"proposal {p.id} was already executed; its statement took effect then")
    if states and states[0] != APPROVED:
        raise Refused(f"proposal {p.id} is {states[0]}; a statement it did not approve seats no one")
    if countersigned(conn, p.id) is not None:
        raise Refused(
            f"proposal {p.id} is already countersigned; execute it: jointfund proposals execute {p.id}"
        )
    # The same checks as the change itself will make: this fund, this partner, signed by its authority key,
    # unused.
    carried = authority.require(conn, fund.id, st, st.partner, st.kind, dict(st.fields))
    log.append_event(
        conn,
        actor,
        COUNTERSIGN,
        f"proposal:{p.id}",
        {
            "proposal": p.id,
            "sha256": st.sha256(),
            authority.FIELD: carried,
            "before": APPROVED if states else OPEN,
            "after": "countersigned",
        },
    )
    return p


def countersigned(conn: Connection, proposal_id: int) -> authority.Statement | None:
    for e in log.events(conn, actions=(COUNTERSIGN,)):
        if e.data.get("proposal") == proposal_id:
            return authority.from_json(e.data[authority.FIELD], f"record {e.seq}")
    return None


def execute(conn: Connection, fund: FundInfo, p: Proposal, run: Run) -> str:
    """The effect of an executed appointment proposal: the countersigned statement it decided takes effect."""
    st = countersigned(conn, p.id)
    if st is None or p.about != about(st):
        raise Refused(
            f"proposal {p.id} is approved, but {KIND} decisions take effect only with the statement "
            f"they decide ({p.about}), countersigned by the partner's authority key: "
            "jointfund authority sign FILE --key K, then jointfund authority submit FILE"
        )
    return take_effect(conn, fund, run.actor, st, run.on, f"proposal {p.id}", f"by decision {p.id}", p.id)


def take_effect(
    conn: Connection,
    fund: FundInfo,
    actor: str,
    st: authority.Statement,
    on: dt.date,
    where: str,
    reason: str,
    decision: int | None = None,
) -> str:
    """Carry out a signed member.appoint or member.remove statement, on its own or by `decision` (the
    executed proposal); `where` names the statement in problems, `reason` is a removal's. Returns what was
    done."""
    f = st.fields
    if st.kind == member.APPOINT:
        m = member.appoint(
            conn,
            fund,
            actor,
            st.partner,
            str(f["name"]),
            str(f["body"]),
            str(f["public_pem"]).encode(),
            on,
            where,
            st,
            decision=decision,
        )
        return f"member {m.id} ({m.name}) holds {m.partner} seat {m.seat} on {m.body} (key {m.key_id})"
    m = member.remove(conn, fund.id, actor, int(f["member"]), on, reason, st, decision=decision)
    return f"member {m.id} ({m.name}) no longer holds {m.partner} seat {m.seat} on {m.body}"
