"""What `jointfund verify` checks of the commitments register, from the stored rows alone.

  commitments register  every row (event, outcome, tag) has its event in the signed log saying the same; every
                        outcome names a commitment of the shipped agreements and evidence that is stored,
                        still
                        hashes to its name and is the document its document.store event logged; no logged
                        change lost its row

An outcome edited in the database (a breach turned into met) differs from its signed event and is named.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from jointfund.commitments import register
from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.ledger import document, logged_rows
from jointfund.ledger.logged_rows import LoggedRow
from jointfund.store import tables as t

NAME = "commitments register"
ACTIONS = (register.EVENT_ACTION, register.RECORD_ACTION, register.TAG_ACTION)


def _iso(day) -> str | None:  # noqa: ANN001 - a date or None
    return None if day is None else day.isoformat()


def check_register(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    events = {r.seq: r for r in conn.execute(select(t.event).where(t.event.c.action.in_(ACTIONS)))}
    expected: dict[int, LoggedRow] = {}
    failures: list[Finding] = []
    for r in conn.execute(select(t.commitment_event)):
        expected[r.seq] = LoggedRow(
            f"commitment event {r.id}",
            register.EVENT_ACTION,
            f"commitment-event:{r.id}",
            {
                "id": r.id,
                "kind": r.kind,
                "agreement": r.agreement,
                "occurred_on": _iso(r.occurred_on),
                "note": r.note,
            },
        )
    known = {c.id for a in register.agreements() for c in a.commitments}
    evidence: set[str] = set()
    for r in conn.execute(select(t.commitment_record)):
        what = f"commitment record {r.id} ({r.commitment})"
        shas = json.loads(r.evidence)
        expected[r.seq] = LoggedRow(
            what,
            register.RECORD_ACTION,
            f"commitment:{r.commitment}",
            {
                "id": r.id,
                "commitment": r.commitment,
                "due": _iso(r.due),
                "status": r.status,
                "occurred_on": _iso(r.occurred_on),
                "evidence": shas,
                "note": r.note,
            },
        )
        if r.commitment not in known:
            failures.append(Finding(NAME, r.seq, f"{what}: no shipped agreement has this commitment"))
        for sha in shas:
            evidence.add(sha)
            content = document.content(conn, sha)
            if content is None or document.digest(bytes(content)) != sha:
                failures.append(
                    Finding(
                        NAME, r.seq, f"{what}: its evidence {sha[:16]}… is missing or no longer has that hash"
                    )
                )
    for r in conn.execute(select(t.investment_area)):
        expected[r.seq] = LoggedRow(
            f"investment tag {r.id}",
            register.TAG_ACTION,
            f"investment:{r.investment_id}",
            {"id": r.id, "investment": r.investment_id, "area": r.area},
        )
    failures += logged_rows.differences(NAME, expected, events)
    for sha in sorted(evidence):  # the evidence is the document its store event logged (name, size, hash)
        doc = document.get(conn, sha)
        logged = conn.execute(select(t.event).where(t.event.c.seq == doc.seq)).first() if doc else None
        data = json.loads(logged.data) if logged else {}
        if doc and (
            logged is None
            or logged.action != document.STORE
            or data.get("sha256") != sha
            or (data.get("name"), data.get("size_bytes")) != (doc.name, doc.size_bytes)
        ):
            failures.append(
                Finding(
                    NAME, doc.seq, f"evidence {sha[:16]}…: the stored document differs from the signed log"
                )
            )
    failures += logged_rows.missing_rows(NAME, expected, events)
    return NAME, len(expected), sorted(failures, key=lambda f: f.seq or 0)
