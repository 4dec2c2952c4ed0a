"""Applications: submitting a project (from a CSV, XLSX or JSON file, or from fields), and its stages.

Submission is atomic and idempotent: every row is parsed and every problem collected, with
file, line, column and value, before anything is written; an application is keyed by the
applicant's own reference (or, without one, by the digest of its content), so submitting the
same file twice adds nothing. Each application and each stage change is a row that points at
its event in the log. A stage change is checked against the terms' pipeline (`pipeline.refusal`)
and, once more, by the database, which refuses a change that does not leave the current stage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from jointfund import bounds
from jointfund.errors import InputError, JointfundError, NotFound, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import book
from jointfund.ledger import document
from jointfund.ledger.log import append_event
from jointfund.money import format_amount, from_minor, to_minor
from jointfund.portfolio import clearance, owner
from jointfund.portfolio import pipeline as rules
from jointfund.region import REGIONS
from jointfund.revenue.fields import Cells
from jointfund.revenue.reader import REQUEST, Columns, Row, read_rows
from jointfund.store import tables as t
from jointfund.terms.model import Pipeline, Terms

COLUMNS = Columns(
    required=("applicant", "applicant_code", "title", "sector", "region", "amount", "currency", "instrument"),
    optional=("reference", "resource", "description", "contact", "documents", owner.COLUMN),
)
EDRPOU_DIGITS = 8
MAX_REASON_CHARS = 2000
DOCUMENT_SEPARATOR = ";"


class Application(NamedTuple):
    """A project submitted to the fund.

    Attributes:
      id: the fund's number for it (APP-<id> in words).
      reference: the applicant's own reference, or "sha256:<digest>" of the content: the idempotency key.
      applicant, applicant_code: the company and its EDRPOU registration code.
      title, sector, region, resource: what and where; sector from the terms' pipeline, resource
        from the terms' catalogue ("" when the project has none, e.g. a port).
      amount, currency: the amount requested.
      instrument: equity, loan or mezzanine (the terms' instruments).
      description, contact: free text.
      documents: references of the supporting documents.
      submitted_on: effective date of the submission.
      source, line: where it came from ("applications.csv", 12; "fields", 0 for a request's fields).
      seq: log position of the submission (0 before it is recorded).
    """

    id: int
    reference: str
    applicant: str
    applicant_code: str
    title: str
    sector: str
    region: str
    resource: str
    amount: Decimal
    currency: str
    instrument: str
    description: str
    contact: str
    documents: tuple[str, ...]
    submitted_on: dt.date
    source: str
    line: int
    seq: int = 0

    @property
    def label(self) -> str:
        return f"APP-{self.id}"

    def content(self) -> dict:
        """What the reference promises: everything the applicant gave, as the log records it."""
        return {
            "applicant": self.applicant,
            "applicant_code": self.applicant_code,
            "title": self.title,
            "sector": self.sector,
            "region": self.region,
            "resource": self.resource,
            "amount": format_amount(self.amount, self.currency),
            "currency": self.currency,
            "instrument": self.instrument,
            "description": self.description,
            "contact": self.contact,
            "documents": list(self.documents),
        }


class StageChange(NamedTuple):
    """One move of an application: from where to where, when, by whom, why, and by which proposal.

    Attributes:
      application: the application's id.
      from_stage: the stage it left; None for the submission itself.
      to_stage: the stage it reached.
      effective: effective date of the move.
      actor: who recorded it (a user, or the executor of the proposal).
      reason: why, in words.
      proposal: the executed proposal that made the move, or None for a person's move.
      seq: log position of the move.
    """

    application: int
    from_stage: str | None
    to_stage: str
    effective: dt.date
    actor: str
    reason: str
    proposal: int | None
    seq: int


def pipeline_of(terms: Terms) -> Pipeline:
    if terms.pipeline is None:
        raise JointfundError(
            "these terms define no investment pipeline: add a [pipeline] section to the terms file"
        )
    return terms.pipeline


# -- parsing (pure) --


def parse(cells: Cells, terms: Terms, on: dt.date) -> Application | None:
    """One row as an application (id 0, not recorded), or None with its problems in `cells`."""
    p = pipeline_of(terms)
    applicant = cells.text("applicant", limit=200)
    code = cells.raw("applicant_code")
    if not (code.isascii() and code.isdigit() and len(code) == EDRPOU_DIGITS):  # 0-9 only, not "١" or "１"
        cells.fail("applicant_code", f"an EDRPOU code is {EDRPOU_DIGITS} digits", code)
    title = cells.text("title", limit=500)
    sector = cells.choice("sector", [s.code for s in p.sectors], "sector")
    region = cells.choice("region", REGIONS, "region")
    resource = cells.raw("resource")
    if resource and terms.resource(resource) is None:
        cells.fail("resource", "not a resource of the terms' catalogue (leave it empty for none)", resource)
    currency = cells.choice("currency", terms.fund.currencies, "currency of the fund")
    amount = cells.amount("amount", currency)
    if amount is not None and amount <= 0:
        cells.fail("amount", "the amount requested must be more than zero", cells.raw("amount"))
    instrument = cells.choice("instrument", p.instruments, "instrument")
    reference = cells.ident("reference", required=False) or ""
    documents = tuple(d.strip() for d in cells.raw("documents").split(DOCUMENT_SEPARATOR) if d.strip())
    description = cells.text("description", required=False) or ""
    contact = cells.text("contact", required=False, limit=500) or ""
    if not cells.ok:
        return None
    assert applicant and title and sector and region and currency and amount is not None and instrument
    app = Application(
        0,
        reference,
        applicant,
        code,
        title,
        sector,
        region,
        resource,
        amount,
        currency,
        instrument,
        description,
        contact,
        documents,
        on,
        cells.row.where.rsplit(":", 1)[0],
        cells.row.line,
    )
    return (
        app
        if reference
        else app._replace(reference="sha256:" + digest(app, owner.parse(Cells(cells.row), on))[:56])
    )


def digest(app: Application, owners: tuple[owner.Owner, ...] = ()) -> str:
    """The content's digest; with owners, their digest too (only then, so references made before stay)."""
    content = {**app.content(), "owners_sha256": owner.digest(owners)} if owners else app.content()
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def field_row(fields: Mapping[str, str]) -> Row:
    """A request's fields (name -> value) as one input row."""
    unknown = sorted(set(fields) - set(COLUMNS.all))
    if unknown:
        raise InputError(
            [
                Problem.of(f"{REQUEST}.{k}", f"unknown field; expected one of {', '.join(COLUMNS.all)}", k)
                for k in unknown
            ],
            "application not submitted",
        )
    return Row(0, REQUEST, {k: v.strip() for k, v in fields.items()})


def rows_of(path: Path) -> Iterable[Row]:
    return read_rows(path, COLUMNS, {c: c for c in COLUMNS.all})


# -- recording --


def submit(
    conn: Connection, info: FundInfo, actor: str, rows: Iterable[Row], on: dt.date
) -> list[tuple[Application, bool]]:
    """Record every application of `rows`, atomically; returns each with True when it is new."""
    terms = info.terms(on)
    p = pipeline_of(terms)
    parsed: list[Application] = []
    owners: dict[int, tuple[owner.Owner, ...]] = {}  # by position in `parsed`
    problems: list[Problem] = []
    for row in rows:
        cells = Cells(row)
        app = parse(cells, terms, on)
        found = owner.parse(cells, on)
        problems += cells.problems
        if app is not None and cells.ok:
            owners[len(parsed)] = found
            parsed.append(app)
        if len(parsed) > p.max_applications:
            raise InputError(
                [Problem(row.where, f"at most {p.max_applications} applications per submission")]
            )
    stored = {a.reference: a for a in applications(conn, references=[a.reference for a in parsed])}
    seen: dict[str, Application] = {}
    stored_owners = owner.of(conn, [a.id for a in stored.values()])
    seen_owners: dict[str, tuple[owner.Owner, ...]] = {}
    for i, a in enumerate(parsed):
        earlier = stored.get(a.reference) or seen.get(a.reference)
        earlier_owners = (
            stored_owners.get(earlier.id, ())
            if earlier is not None and earlier.id
            else seen_owners.get(a.reference)
        )
        if earlier is not None and (earlier.content() != a.content() or earlier_owners != owners[i]):
            problems.append(
                Problem(
                    f"{a.source}:{a.line}:reference",
                    "this reference was already used for another "
                    f"application ({earlier.label if earlier.id else 'an earlier row'}: {earlier.title!r})",
                    a.reference,
                )
            )
        seen.setdefault(a.reference, a)
        seen_owners.setdefault(a.reference, owners[i])
    if problems:
        raise InputError(problems, "applications not submitted; nothing was recorded")
    out: list[tuple[Application, bool]] = []
    for i, a in enumerate(parsed):
        if a.reference in stored:
            out.append((stored[a.reference], False))
            continue
        new = a._replace(id=book.next_id(conn, t.application.c.id))
        # The owners are personal data: the log records how many and their digest, never who they are.
        held = {"owners": len(owners[i]), "owners_sha256": owner.digest(owners[i])} if owners[i] else {}
        seq = book.record(
            conn,
            actor,
            "application.submit",
            f"application:{new.id}",
            {
                "id": new.id,
                "reference": new.reference,
                **new.content(),
                **held,
                "submitted_on": on.isoformat(),
                "source": new.source,
                "line": new.line,
                "before": None,
                "after": p.initial,
            },
            t.application,
            _row(new),
        )
        owner.record(conn, new.id, owners[i])
        new = new._replace(seq=seq)
        _record_move(conn, actor, new.id, None, p.initial, on, f"submitted from {new.source}", None)
        stored[new.reference] = new
        out.append((new, True))
    return out


def _row(a: Application) -> dict:
    return {
        "id": a.id,
        "reference": a.reference,
        "applicant": a.applicant,
        "applicant_code": a.applicant_code,
        "title": a.title,
        "sector": a.sector,
        "region": a.region,
        "resource": a.resource,
        "amount_minor": to_minor(a.amount, a.currency),
        "currency": a.currency,
        "instrument": a.instrument,
        "description": a.description,
        "contact": a.contact,
        "documents": json.dumps(list(a.documents)),
        "submitted_on": a.submitted_on,
        "source": a.source,
        "line": a.line,
    }


def move(
    conn: Connection,
    info: FundInfo,
    actor: str,
    application_id: int,
    target: str,
    on: dt.date,
    reason: str,
    proposal: int | None = None,
    decision: str | None = None,
) -> StageChange:
    """Move an application to `target`, if the terms' pipeline allows it to be moved this way."""
    app = get(conn, application_id)
    current = stage_of(conn, app.id)
    p = pipeline_of(info.terms(on))
    why = rules.refusal(p, current.to_stage, target, decision) or clearance.refusal(conn, p, app.id, target)
    if why:
        raise Refused(f"{app.label} stays {current.to_stage}: {why}")
    if not reason.strip() or len(reason) > MAX_REASON_CHARS:
        raise InputError([Problem.of("reason", f"say why, in 1 to {MAX_REASON_CHARS} characters", reason)])
    if on < current.effective:
        raise InputError(
            [Problem("date", f"before the application's last move ({current.effective})", str(on))]
        )
    return _record_move(conn, actor, app.id, current.to_stage, target, on, reason.strip(), proposal)


def _record_move(
    conn: Connection,
    actor: str,
    app_id: int,
    source: str | None,
    target: str,
    on: dt.date,
    reason: str,
    proposal: int | None,
) -> StageChange:
    data = {
        "application": app_id,
        "effective": on.isoformat(),
        "reason": reason,
        "proposal": proposal,
        "before": source,
        "after": target,
    }
    seq = book.record(
        conn,
        actor,
        "application.move",
        f"application:{app_id}",
        data,
        t.application_stage,
        {
            "application_id": app_id,
            "from_stage": source,
            "to_stage": target,
            "effective": on,
            "actor": actor,
            "reason": reason,
            "proposal_id": proposal,
        },
    )
    return StageChange(app_id, source, target, on, actor, reason, proposal, seq)


# -- documents the applicant uploads --

ATTACH = "application.document"
MAX_DOCUMENTS = 50  # per application: a file of a project, not an archive


class Attached(NamedTuple):
    """A document attached to an application: the name it was uploaded under, its hash, its size, the log
    position."""

    name: str
    sha256: str
    size_bytes: int
    seq: int


def attach(
    conn: Connection, info: FundInfo, actor: str, application_id: int, name: str, content: bytes, on: dt.date
) -> Attached:
    """Store `content` by its SHA-256 (ledger.document) and attach it to the application, unless it is closed.

    The same bytes again attach nothing new; the `application.document` event puts the link in the signed log.
    """
    app = get(conn, application_id)
    p = pipeline_of(info.terms(on))
    stage = p.stage(stage_of(conn, app.id).to_stage)
    if stage is not None and stage.terminal:
        raise Refused(f"{app.label} is closed ({stage.code}): no document can be added")
    found = attached(conn, app.id)
    doc = document.store(conn, actor, name, content, p.document_max_bytes, where="document")
    same = next((a for a in found if a.sha256 == doc.sha256), None)
    if same is not None:
        return same
    if len(found) >= MAX_DOCUMENTS:
        raise InputError(
            [Problem("document", f"at most {MAX_DOCUMENTS} documents per application", str(len(found)))],
            "document not attached",
        )
    shown = name.strip()[: document.MAX_NAME_CHARS] or doc.name
    seq = append_event(
        conn,
        actor,
        ATTACH,
        f"application:{app.id}",
        {"application": app.id, "sha256": doc.sha256, "name": shown, "size_bytes": doc.size_bytes},
    )
    return Attached(shown, doc.sha256, doc.size_bytes, seq)


def attached(conn: Connection, application_id: int) -> list[Attached]:
    e = t.event.c
    rows = conn.execute(
        select(e.seq, e.data)
        .where(e.action == ATTACH, e.subject == f"application:{application_id}")
        .order_by(e.seq)
    )
    return [
        Attached(d["name"], d["sha256"], d["size_bytes"], r.seq) for r in rows for d in [json.loads(r.data)]
    ]


# -- reading --


def _of(r) -> Application:  # noqa: ANN001 - a result row
    return Application(
        r.id,
        r.reference,
        r.applicant,
        r.applicant_code,
        r.title,
        r.sector,
        r.region,
        r.resource,
        from_minor(r.amount_minor, r.currency),
        r.currency,
        r.instrument,
        r.description,
        r.contact,
        tuple(json.loads(r.documents)),
        r.submitted_on,
        r.source,
        r.line,
        r.seq,
    )


def applications(
    conn: Connection, ids: Iterable[int] | None = None, references: Iterable[str] | None = None
) -> list[Application]:
    q = select(t.application).order_by(t.application.c.id)
    if ids is not None:
        q = q.where(t.application.c.id.in_(list(ids)))
    if references is not None:
        refs = list(references)
        if not refs:
            return []
        found: list[Application] = []
        for start in range(0, len(refs), 900):
            found += [
                _of(r)
                for r in conn.execute(q.where(t.application.c.reference.in_(refs[start : start + 900])))
            ]
        return found
    return [_of(r) for r in conn.execute(q)]


def get(conn: Connection, application_id: int) -> Application:
    found = applications(conn, [application_id])
    if not found:
        raise NotFound(f"no application {application_id}; see: jointfund applications list")
    return found[0]


def history(
    conn: Connection, application_id: int | None = None, as_of: dt.date | None = None
) -> list[StageChange]:
    q = select(t.application_stage).order_by(t.application_stage.c.id)
    if application_id is not None:
        q = q.where(t.application_stage.c.application_id == application_id)
    if as_of is not None:
        q = q.where(t.application_stage.c.effective <= as_of)
    return [
        StageChange(
            r.application_id, r.from_stage, r.to_stage, r.effective, r.actor, r.reason, r.proposal_id, r.seq
        )
        for r in conn.execute(q)
    ]


def stages(conn: Connection, as_of: dt.date | None = None) -> dict[int, StageChange]:
    """The last move of every application (as of a date): where each stands."""
    out: dict[int, StageChange] = {}
    for c in history(conn, as_of=as_of):
        out[c.application] = c
    return out


def last_moves():  # noqa: ANN201 - a SQLAlchemy subquery
    """(application_id, last_id, first_id) of every application: the ids of its last move (where it stands, as
    `stages` says) and of its first (its submission, whose actor submitted it). For lists chosen in SQL."""
    moves = t.application_stage.c
    return (
        select(
            moves.application_id,
            func.max(moves.id).label("last_id"),
            func.min(moves.id).label("first_id"),
        )
        .group_by(moves.application_id)
        .subquery()
    )


def standing(
    conn: Connection,
    stage: str | None = None,
    sector: str | None = None,
    region: str | None = None,
    submitted_by: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[tuple[Application, StageChange]]:
    """(application, its last move) by id, at `stage`, in `sector` and `region`, submitted by `submitted_by`:
    `limit` of them from `offset` (default: every one). Chosen and paged in SQL (issue 13), so a page of the
    pipeline reads a page of rows, not every application and every move."""
    moves, ends = t.application_stage, last_moves()
    first = t.application_stage.alias("first_move")
    c = moves.c
    q = (
        select(
            t.application,
            c.from_stage.label("move_from"),
            c.to_stage.label("move_to"),
            c.effective.label("move_effective"),
            c.actor.label("move_actor"),
            c.reason.label("move_reason"),
            c.proposal_id.label("move_proposal"),
            c.seq.label("move_seq"),
        )
        .join(ends, ends.c.application_id == t.application.c.id)
        .join(moves, c.id == ends.c.last_id)
        .order_by(t.application.c.id)
    )
    if stage is not None:
        q = q.where(c.to_stage == stage)
    if sector is not None:
        q = q.where(t.application.c.sector == sector)
    if region is not None:
        q = q.where(t.application.c.region == region)
    if submitted_by is not None:
        q = q.join(first, first.c.id == ends.c.first_id).where(first.c.actor == submitted_by)
    return [
        (
            _of(r),
            StageChange(
                r.id,
                r.move_from,
                r.move_to,
                r.move_effective,
                r.move_actor,
                r.move_reason,
                r.move_proposal,
                r.move_seq,
            ),
        )
        for r in conn.execute(q.limit(limit).offset(offset))
    ]


def stage_of(conn: Connection, application_id: int) -> StageChange:
    found = history(conn, application_id)
    assert found, f"application {application_id} has no stage: its submission row is missing"
    return found[-1]


def by_reference(conn: Connection, about: str | None) -> Application | None:
    """The application a proposal's `about` names ("application:7"), or None."""
    prefix = "application:"
    number = bounds.id_in(about[len(prefix) :]) if about and about.startswith(prefix) else None
    if number is None:
        return None
    found = applications(conn, [number])
    return found[0] if found else None
