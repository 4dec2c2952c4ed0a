"""The fund itself: creating one on a terms file, and reading who it is and which terms rule it."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import NamedTuple

from sqlalchemy import Connection, Engine, delete, insert, select

from jointfund import clock
from jointfund.errors import IntegrityError, JointfundError
from jointfund.ledger.journal import open_account
from jointfund.ledger.log import append_event
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.terms import fingerprint, load_text, terms_in_force
from jointfund.terms.model import Terms


class FundInfo(NamedTuple):
    """The fund as stored.

    Attributes:
      id: identifier signed into every checkpoint.
      code, name: from the terms.
      terms_text: the terms file the fund runs on, with its amendments.
      start_date: the terms' entry into force; no effective date may precede it.
      adopted: amendments adopted by executed proposals since (governance.amendment), each as its
        canonical JSON text, in adoption order; `terms(day)` merges them with the file's own.
      settable_clock: a demo or test fund, whose clock JOINTFUND_TODAY may set for writes (jointfund.clock);
        recorded in its creation record, which the log and its signed checkpoints cover, so it cannot be
    turned on
        later.
    """

    id: str
    code: str
    name: str
    terms_text: str
    start_date: dt.date
    adopted: tuple[str, ...] = ()
    settable_clock: bool = False

    def terms(self, day: dt.date | None = None) -> Terms:
        """The terms in force on `day` (today by default)."""
        return terms_in_force(self.terms_text, day or clock.today(), self.adopted)

    def terms_sha256(self) -> str:
        """Fingerprint of the terms the fund runs on: the file and every adopted amendment, in order."""
        return fingerprint("\n".join([fingerprint(self.terms_text), *(fingerprint(a) for a in self.adopted)]))

    def base_terms(self) -> Terms:
        return load_text(self.terms_text, "fund terms")


def create(
    engine: Engine, terms_text: str, source: str, actor: str = "cli", settable_clock: bool = False
) -> FundInfo:
    """Migrate the schema and create the fund with its chart of accounts. One fund per database.

    `settable_clock` makes a demo or test fund: JOINTFUND_TODAY may then set the date of writes. It is written
    into the fund's first record, for good; a real fund is created without it (see jointfund.clock)."""
    terms = load_text(terms_text, source)
    db.upgrade(engine)
    with db.transaction(engine) as conn:
        if conn.execute(select(t.fund.c.id)).first():
            raise JointfundError("this database already holds a fund; use another --db for another fund")
    info = FundInfo(
        str(uuid.uuid4()),
        terms.fund.code,
        terms.fund.name,
        terms_text,
        terms.fund.entry_into_force,
        settable_clock=settable_clock,
    )
    # The fund row must exist before a write transaction can lock it (PostgreSQL locks that row).
    with db.transaction(engine) as conn:
        conn.execute(
            insert(t.fund).values(
                id=info.id,
                code=info.code,
                name=info.name,
                terms_text=terms_text,
                terms_sha256=fingerprint(terms_text),
                start_date=info.start_date,
                created_at=clock.now(),
            )
        )
    with db.write(engine) as conn:
        append_event(
            conn,
            actor,
            "fund.create",
            f"fund:{info.id}",
            {
                "code": info.code,
                "name": info.name,
                "terms_sha256": fingerprint(terms_text),
                "start_date": info.start_date.isoformat(),
                "source": source,
                **({"clock": clock.SETTABLE} if settable_clock else {}),
            },
        )
        for name, currencies, description in terms.expanded_accounts():
            open_account(conn, name, info.start_date, currencies, description, actor)
        write_screening_gate(conn, info)
    return info


def screening_gate(info: FundInfo) -> list[tuple[dt.date, tuple[str, ...]]]:
    """The stages the terms screen from each date on: at the start, and at each adopted amendment's date."""
    days = sorted(
        {info.start_date, *(dt.date.fromisoformat(json.loads(a)["effective"]) for a in info.adopted)}
    )
    out = []
    for day in days:
        pipeline = info.terms(day).pipeline
        out.append((day, pipeline.screening.stages if pipeline is not None else ()))
    return out


def write_screening_gate(conn: Connection, info: FundInfo) -> None:
    """Mirror `screening_gate(info)` into the table the database's stage guard reads (whole, so an amendment
    with an earlier date than one adopted before is placed right)."""
    conn.execute(delete(t.screening_gate))
    conn.execute(
        insert(t.screening_gate),
        [{"effective": day, "stages": json.dumps(list(stages))} for day, stages in screening_gate(info)],
    )


def load(conn: Connection) -> FundInfo:
    row = conn.execute(select(t.fund)).first()
    if row is None:
        raise JointfundError("no fund in this database yet; create one with: jointfund init")
    a = t.terms_amendment.c
    adopted = tuple(
        _readable(r) for r in conn.execute(select(a.id, a.proposal_id, a.content_json).order_by(a.id))
    )
    return FundInfo(
        row.id, row.code, row.name, row.terms_text, row.start_date, adopted, db.clock_settable(conn)
    )


def _readable(row) -> str:  # noqa: ANN001 - a terms_amendment row
    """The stored amendment, refused with its row named when it is not one (the table was edited past the
    triggers): every reader of the terms would otherwise fail far from the cause."""
    try:
        content = json.loads(row.content_json)
        ok = (
            isinstance(content, dict)
            and isinstance(content.get("changes"), dict)
            and bool(dt.date.fromisoformat(content["effective"]))
        )
    except (ValueError, TypeError, KeyError):
        ok = False
    if not ok:
        raise IntegrityError(
            f"adopted amendment {row.id} (proposal {row.proposal_id}): its stored content is not an "
            "amendment (effective date and changes); the table was changed outside jointfund"
        )
    return row.content_json
