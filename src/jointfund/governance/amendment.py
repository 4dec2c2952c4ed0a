"""Amending the terms by decision: the content a proposal binds, and its adoption on execution.

An `amendment` proposal's `about` is `amendment:sha256:<hex>`, the hash of the amendment's
canonical JSON (keys sorted, dates YYYY-MM-DD, see ledger.canonical), so the proposer and every
voter sign exactly that content: an edited amendment has another hash, and no vote carries over.
The content itself is an `amendment.propose` event of the proposal's own transaction (covered by
the checkpoints). Executing the approved proposal re-reads it, re-checks it and adopts it: a
`terms_amendment` row and a `terms.amend` event; `fund.load` merges the adopted amendments over the
stored terms text from their effective dates on.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import Connection, select

from jointfund.errors import InputError, IntegrityError, Problem, Refused
from jointfund.fund import FundInfo, write_screening_gate
from jointfund.governance import book, effects
from jointfund.governance.model import Proposal
from jointfund.ledger.canonical import BoundContent, data_json
from jointfund.ledger.log import append_event, first_event_data
from jointfund.store import tables as t
from jointfund.terms.loader import check_amended, load_amendment

KIND = "amendment"
ABOUT = "amendment:sha256:"
PROPOSE = "amendment.propose"
ADOPT = "terms.amend"


class Change(BoundContent):
    """An amendment as proposed: its canonical JSON text and the hash the proposal signs."""

    @property
    def about(self) -> str:
        return f"{ABOUT}{self.sha256}"

    @property
    def effective(self) -> dt.date:
        return dt.date.fromisoformat(self.content["effective"])

    @property
    def reference(self) -> str:
        return self.content["reference"]


def _plain_table(table: dict[str, object]) -> dict[str, object]:
    """A TOML table as a JSON object (see `_plain`)."""
    return {k: _plain(v) for k, v in table.items()}


def _plain(value: object) -> object:
    """TOML values as JSON values: dates (and times) become their ISO text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def parse(fund: FundInfo, text: str, source: str, on: dt.date) -> Change:
    """The amendment in `text`, refused (naming key and line) unless the fund's terms with it are valid.

    `on` is the day it is proposed: an amendment cannot take effect before it is even proposed.
    """
    doc = load_amendment(text, source)
    if doc["effective"] < on:
        raise InputError(
            [
                Problem(
                    f"{source} (effective)",
                    f"is before the proposal is made ({on})",
                    doc["effective"].isoformat(),
                )
            ],
            "amendment not proposed",
        )
    check_amended(fund.terms_text, fund.adopted, doc, text, source)
    return Change(data_json(_plain_table(doc)))


def record(conn: Connection, actor: str, change: Change) -> int:
    """Log the content the proposal's hash stands for, in the proposal's transaction."""
    return append_event(conn, actor, PROPOSE, change.about, change.content)


def recorded(conn: Connection, about: str) -> Change | None:
    """The content logged for `about` when it was proposed (None: nothing was)."""
    content = first_event_data(conn, PROPOSE, about)
    return None if content is None else Change(content)


def adopt(conn: Connection, fund: FundInfo, p: Proposal, run: effects.Run) -> str:
    """Adopt the amendment an approved proposal signed: one row, one event, the terms amended from its
    date."""
    change = recorded(conn, p.about or "")
    if change is None or change.about != p.about:
        raise IntegrityError(
            f"proposal {p.id} signs {p.about}, but no amendment with that hash was recorded; "
            "run jointfund verify"
        )
    if change.effective < run.on:
        raise Refused(
            f"the amendment of proposal {p.id} takes effect on {change.effective}, before its execution "
            f"on {run.on}; the terms are not changed retroactively: propose it again with a later date"
        )
    try:
        check_amended(fund.terms_text, fund.adopted, _dated(change), change.content_json, p.about or "")
    except InputError as exc:
        raise Refused(
            f"the amendment of proposal {p.id} no longer leaves the terms valid: "
            f"{'; '.join(str(x) for x in exc.problems)}"
        ) from None
    after = fund._replace(adopted=(*fund.adopted, change.content_json))
    data = {
        "proposal": p.id,
        "execution": run.seq,
        "sha256": change.sha256,
        "effective": change.effective.isoformat(),
        "reference": change.reference,
        "before": fund.terms_sha256(),
        "after": after.terms_sha256(),
    }
    row = {
        "id": book.next_id(conn, t.terms_amendment.c.id),
        "proposal_id": p.id,
        "effective": change.effective,
        "reference": change.reference,
        "content_json": change.content_json,
        "sha256": change.sha256,
    }
    book.record(conn, run.actor, ADOPT, change.about, data, t.terms_amendment, row)
    write_screening_gate(conn, after)  # the database's stage guard follows the amended terms
    return (
        f"terms amended from {change.effective} ({change.reference}); terms now {after.terms_sha256()[:16]}…"
    )


def _dated(change: Change) -> dict:
    return {**change.content, "effective": change.effective}


class Adoption(NamedTuple):
    id: int
    proposal: int
    effective: dt.date
    reference: str
    change: Change
    sha256: str
    seq: int


def adoptions(conn: Connection) -> list[Adoption]:
    return [
        Adoption(r.id, r.proposal_id, r.effective, r.reference, Change(r.content_json), r.sha256, r.seq)
        for r in conn.execute(select(t.terms_amendment).order_by(t.terms_amendment.c.id))
    ]
