"""The revenue tables as stored: writing imported rows, reading them back as domain values.

Bulk reads stream (`yield_per`), so a year of a million receipts is never all in memory.
Bulk writes go to the driver's `executemany` directly: the rows are already validated,
and building SQLAlchemy parameters row by row costs more than the insert itself.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import islice

import polars as pl
from sqlalchemy import ColumnElement, Connection, Table, and_, func, literal, or_, select, tuple_

from jointfund.fund import FundInfo
from jointfund.governance import countersign
from jointfund.ledger.log import append_event
from jointfund.money import from_minor, to_minor
from jointfund.revenue import bulk, correction
from jointfund.revenue.contribution import Evaluation, Tally, Totals, evaluate
from jointfund.revenue.eligibility import RuleBook
from jointfund.revenue.fx import Rate, RateTable
from jointfund.revenue.licence import SEPARATOR, Licence
from jointfund.revenue.payment import Payment
from jointfund.revenue.receipt import Receipt
from jointfund.store import receipts as stored_receipts
from jointfund.store import rows as driver_rows
from jointfund.store import tables as t

STREAM_ROWS = 20_000
FRAME_ROWS = stored_receipts.FRAME_ROWS
RECEIPT_COLUMNS = stored_receipts.COLUMNS
LOOKUP_CHUNK = 900  # bound parameters per IN query, well under every backend's limit


# -- converting between domain values and rows --


def licence_row(x: Licence) -> dict:
    return {
        "licence_id": x.licence_id,
        "holder": x.holder,
        "holder_code": x.holder_code,
        "resource": x.resource,
        "deposit": x.deposit,
        "region": x.region,
        "issued": x.issued,
        "basis": x.basis,
        "psa": int(x.psa),
        "psa_signed": x.psa_signed,
        "flags": SEPARATOR.join(x.flags),
        "other_resources": SEPARATOR.join(x.other_resources),
    }


def licence_of(r) -> Licence:  # noqa: ANN001 - a result row
    return Licence(
        r.licence_id,
        r.holder,
        r.holder_code,
        r.resource,
        r.deposit,
        r.region,
        r.issued,
        r.basis,
        bool(r.psa),
        r.psa_signed,
        split(r.flags),
        split(r.other_resources),
    )


def split(text: str | None) -> tuple[str, ...]:
    """A stored `;`-separated list of codes (flags, resources) as a tuple; () for an empty one."""
    return tuple(text.split(SEPARATOR)) if text else ()


def receipt_row(x: Receipt) -> dict:
    return {
        "receipt_id": x.receipt_id,
        "date": x.date,
        "licence_id": x.licence_id,
        "stream": x.stream,
        "amount_minor": to_minor(x.amount, x.currency),
        "currency": x.currency,
        "corrects": x.corrects,
        "resource": x.resource,
        "budget": x.budget,
        "flags": SEPARATOR.join(x.flags),
    }


def receipt_of(r) -> Receipt:  # noqa: ANN001
    return Receipt(
        r.receipt_id,
        r.date,
        r.licence_id,
        r.stream,
        from_minor(r.amount_minor, r.currency),
        r.currency,
        r.corrects,
        r.resource,
        r.budget,
        split(r.flags),
    )


def rate_row(x: Rate) -> dict:
    return {"currency": x.currency, "date": x.date, "rate": format(x.rate, "f")}


def rate_of(r) -> Rate:  # noqa: ANN001
    return Rate(r.currency, r.date, Decimal(r.rate))


def payment_row(x: Payment) -> dict:
    return {
        "payment_id": x.payment_id,
        "date": x.date,
        "holder_code": x.holder_code,
        "licence_id": x.licence_id,
        "stream": x.stream,
        "amount_minor": to_minor(x.amount, x.currency),
        "currency": x.currency,
    }


def payment_of(r) -> Payment:  # noqa: ANN001
    return Payment(
        r.payment_id,
        r.date,
        r.holder_code,
        r.licence_id,
        r.stream,
        from_minor(r.amount_minor, r.currency),
        r.currency,
    )


# -- writing --


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert validated rows with one driver-level executemany."""
    driver_rows.insert_dicts(conn, table, rows)


def stored(
    conn: Connection, table: Table, key_columns: Sequence[str], keys: Iterable[tuple]
) -> dict[tuple, object]:
    """Rows of `table` whose key is among `keys`, by key."""
    cols = [table.c[k] for k in key_columns]
    unique = list(dict.fromkeys(keys))
    found: dict[tuple, object] = {}
    for start in range(0, len(unique), LOOKUP_CHUNK):
        chunk = unique[start : start + LOOKUP_CHUNK]
        cond = cols[0].in_([k[0] for k in chunk]) if len(cols) == 1 else tuple_(*cols).in_(chunk)
        for r in conn.execute(select(table).where(cond)):
            found[tuple(getattr(r, k) for k in key_columns)] = r
    return found


# -- reading --


def licences(conn: Connection, ids: Collection[str] | None = None) -> dict[str, Licence]:
    """Every licence (or those of `ids`, chosen in SQL), with its corrected fields (revenue/correction.py)."""
    fixes = corrected(conn, "licence")
    q = select(t.licence)
    if ids is not None:
        q = q.where(t.licence.c.licence_id.in_(sorted(ids)))
    return {r.licence_id: correction.apply(licence_of(r), fixes.get(r.licence_id)) for r in conn.execute(q)}


def licence_page(
    conn: Connection,
    resource: str | None = None,
    region: str | None = None,
    limit: int = 500,
    offset: int = 0,
    any_resource: bool = False,
) -> list[Licence]:
    """`limit` licences from `offset`, by licence id, with their corrected fields, of `resource` (the primary
    one, or with `any_resource` any of its resources) and in `region` as corrected. Chosen and paged in SQL
    (issue 13): a licence whose resources or region a correction changed is chosen by its corrected value
    (such licences are few, and read whole), every other by its stored one."""
    fixes = corrected(conn, "licence")
    c = t.licence.c
    q = select(t.licence).order_by(c.licence_id)
    if resource is not None or region is not None:

        def kept(x: Licence) -> bool:
            mine = x.resources if any_resource else (x.resource,)
            return (resource is None or resource in mine) and (region is None or x.region == region)

        moved = [lid for lid, f in fixes.items() if {"resource", "region", "other_resources"} & set(f)]
        chosen = [
            lic.licence_id
            for r in conn.execute(select(t.licence).where(c.licence_id.in_(moved)))
            if kept(lic := correction.apply(licence_of(r), fixes.get(r.licence_id)))
        ]
        stored = and_(
            *(() if resource is None else (_has_resource(resource, any_resource),)),
            *(() if region is None else (c.region == region,)),
        )
        q = q.where(or_(and_(stored, c.licence_id.not_in(moved)), c.licence_id.in_(chosen)))
    return [
        correction.apply(licence_of(r), fixes.get(r.licence_id))
        for r in conn.execute(q.limit(limit).offset(offset))
    ]


def _has_resource(resource: str, any_resource: bool) -> ColumnElement[bool]:
    """The stored licence's primary resource is `resource` (or, with `any_resource`, one of its others is:
    they are stored ';'-separated)."""
    c = t.licence.c
    if not any_resource:
        return c.resource == resource
    escaped = resource.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    listed = literal(";").concat(c.other_resources).concat(";")
    return or_(c.resource == resource, listed.like(f"%;{escaped};%", escape="\\"))


def licence_ids(conn: Connection) -> dict[str, tuple[str, ...]]:
    """Every licence's id -> its resources, primary first (what a receipt's import checks)."""
    if corrected(conn, "licence"):
        return {lid: x.resources for lid, x in licences(conn).items()}
    q = select(t.licence.c.licence_id, t.licence.c.resource, t.licence.c.other_resources)
    return {lid: (resource, *split(other)) for lid, resource, other in conn.execute(q)}


def rates(conn: Connection, domestic: str, max_age_days: int | None) -> RateTable:
    """Every rate, as corrected (revenue/correction.py)."""
    return RateTable(effective_rates(conn), domestic, max_age_days)


def effective_rates(conn: Connection) -> Iterator[Rate]:
    fixes = corrected(conn, "rate")
    for r in conn.execute(select(t.fx_rate).order_by(t.fx_rate.c.date, t.fx_rate.c.currency)):
        yield effective_rate(rate_of(r), fixes)


def rates_between(
    conn: Connection, currencies: Collection[str], first: dt.date, last: dt.date
) -> Iterator[Rate]:
    """The rates of `currencies` that a look-up on a day in `first`..`last` can use (`RateTable.rate`: the
    latest on or before the day): those dated in the span, and each currency's latest before it. Two index
    ranges per currency on (currency, date), not every rate."""
    fixes = corrected(conn, "rate")
    c = t.fx_rate.c
    for currency in sorted(currencies):
        before = conn.execute(
            select(func.max(c.date)).where(c.currency == currency, c.date <= first)
        ).scalar()
        q = select(t.fx_rate).where(c.currency == currency, c.date >= (before or first), c.date <= last)
        for r in conn.execute(q.order_by(c.date)):
            yield effective_rate(rate_of(r), fixes)


def effective_rate(rate: Rate, fixes: Mapping[str, Mapping[str, object]]) -> Rate:
    """`rate` as corrected (`fixes`: corrected(conn, "rate"))."""
    return correction.apply(rate, fixes.get(correction.rate_subject(rate.currency, rate.date)))


# -- corrections (revenue/correction.py): read on every read of the records they correct; usually none --


def corrections(
    conn: Connection, kind: str | None = None, subject: str | None = None
) -> list[correction.Correction]:
    q = select(t.correction).order_by(t.correction.c.seq)
    if kind is not None:
        q = q.where(t.correction.c.kind == kind)
    if subject is not None:
        q = q.where(t.correction.c.subject == subject)
    return [
        correction.Correction(
            r.seq,
            r.kind,
            r.subject,
            r.field,
            r.value,
            r.previous,
            r.supersedes,
            r.reason,
            r.actor,
            r.recorded_at,
        )
        for r in conn.execute(q)
    ]


def corrected(conn: Connection, kind: str) -> dict[str, dict[str, object]]:
    """subject -> {field: effective value} of the corrected records of `kind`."""
    return correction.effective(corrections(conn, kind), kind)


def record_correction(
    conn: Connection,
    actor: str,
    kind: str,
    subject: str,
    field: str,
    value: str,
    previous: str,
    reason: str,
    countersigned: dict,
) -> correction.Correction:
    """Append a correction at the end of its field's chain, in the caller's write transaction: its event in
    the
    log first (so the signed checkpoints cover it), then its row."""
    chain = [c for c in corrections(conn, kind, subject) if c.field == field]
    supersedes = chain[-1].seq if chain else None
    data = {
        "kind": kind,
        "subject": subject,
        "field": field,
        "value": value,
        "previous": previous,
        "supersedes": supersedes,
        "reason": reason,
    }
    seq = append_event(
        conn, actor, f"{kind}.correct", f"{kind}:{subject}", {**data, countersign.FIELD: countersigned}
    )
    countersign.record(conn, seq, countersign.CORRECTION, countersigned)  # before the row, which needs it
    row = conn.execute(select(t.event.c.recorded_at).where(t.event.c.seq == seq)).scalar_one()
    made = correction.Correction(seq, kind, subject, field, value, previous, supersedes, reason, actor, row)
    conn.execute(t.correction.insert().values(**made._asdict()))
    return made


# Where a correctable receipt field sits in a RECEIPT_COLUMNS tuple, and how the driver holds it.
_RECEIPT_AT = {name: i for i, name in enumerate(RECEIPT_COLUMNS)}


def patched(rows: list[tuple], fixes: Mapping[str, Mapping[str, object]]) -> list[tuple]:
    """RECEIPT_COLUMNS tuples with their corrected fields (`fixes`: corrected(conn, "receipt"))."""
    if not fixes:
        return rows
    out = []
    for r in rows:
        fix = fixes.get(r[0])
        if fix:
            cells = list(r)
            for name, value in fix.items():
                at = _RECEIPT_AT["amount_minor" if name == "amount" else name]
                # correction.typed gives an amount as a Decimal and flags as a tuple of str
                if name == "amount" and isinstance(value, Decimal):
                    cells[at] = to_minor(value, cells[_RECEIPT_AT["currency"]])
                elif name == "flags" and isinstance(value, tuple):
                    cells[at] = SEPARATOR.join(value)
                else:
                    cells[at] = value
            r = tuple(cells)
        out.append(r)
    return out


Span = tuple[dt.date, dt.date]  # first and last day, both included


def year_bounds(year: int | Span | None) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of `year`; a span is taken as it is (reconciliation reads across years)."""
    if isinstance(year, tuple):
        return year
    return (None, None) if year is None else (dt.date(year, 1, 1), dt.date(year, 12, 31))


def _of_year(conn: Connection, table: Table, id_column: str, year: int | Span | None) -> Iterator:
    """Rows of `table` by date and id, optionally of one year, streamed."""
    q = select(table).order_by(table.c.date, table.c[id_column])
    first, last = year_bounds(year)
    if first:
        q = q.where(table.c.date.between(first, last))
    return iter(conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(q))


def receipts(conn: Connection, year: int | Span | None = None) -> Iterator[Receipt]:
    """Stored receipts (of `year`) by date and id, streamed as driver tuples."""
    day = driver_rows.python_date(conn)
    fixes = corrected(conn, "receipt")
    for rows in stored_receipts.batches(conn, *year_bounds(year), ordered=True, size=STREAM_ROWS):
        for r in patched(rows, fixes):
            yield _receipt(r, day)


def _receipt(r: tuple, day: Callable[[object], dt.date]) -> Receipt:
    """A receipt from its RECEIPT_COLUMNS tuple (`day` reads the driver's date)."""
    return Receipt(r[0], day(r[1]), r[2], r[3], from_minor(r[4], r[5]), r[5], r[6], r[7], r[8], split(r[9]))


def payments(conn: Connection, year: int | Span | None = None) -> Iterator[Payment]:
    return (payment_of(r) for r in _of_year(conn, t.company_payment, "payment_id", year))


class Assessor:
    """Everything evaluation needs that is read once: the rules by date, the licences and the rates."""

    def __init__(self, conn: Connection, info: FundInfo, receipts: Sequence[Receipt] | None = None) -> None:
        """With `receipts`, only what judging those needs is read, chosen in SQL: their licences and the rates
        of their days (a page of receipts read every licence and rate of the book, issue 13)."""
        self.book = RuleBook(info.terms_text, info.adopted)
        domestic = info.base_terms().fx.domestic_currency
        self.rate_days = rate_days(conn)
        self._licence_frame: pl.DataFrame | None = None
        self._info, self._narrowed = info, receipts is not None
        if receipts is None:
            self.licences = licences(conn)
            self.rates = rates(conn, domestic, self.book.max_age_days)
            return
        self.licences = licences(conn, {r.licence_id for r in receipts})
        days = [self.rate_days.get(r.receipt_id, r.date) for r in receipts]
        currencies = {r.currency for r in receipts} | {self.book.on(d).base_currency for d in days}
        found = rates_between(conn, currencies, min(days), max(days)) if days else iter(())
        self.rates = RateTable(found, domestic, self.book.max_age_days)

    def whole(self, conn: Connection) -> Assessor:
        """This assessor if it read every licence and rate, else one that does (to judge the whole book)."""
        return Assessor(conn, self._info) if self._narrowed else self

    def with_rate_days(self, conn: Connection) -> Assessor:
        """This assessor with the corrections' rate days read again: a receipt stored since may correct
        another (receipt.corrects is not a judging input that is counted), so one judging only new receipts
        reads them, and nothing else, while the licences, rates, corrections and terms are unchanged."""
        fresh = copy.copy(self)
        fresh.rate_days = rate_days(conn)
        return fresh

    def __call__(self, receipt: Receipt) -> Evaluation:
        return evaluate(
            receipt,
            self.licences[receipt.licence_id],
            self.book.on(receipt.date),
            self.rates,
            self.rate_days.get(receipt.receipt_id),
        )

    def frame(self, receipts: pl.DataFrame) -> pl.DataFrame:
        """`receipts` judged column-wise: the same rules as `__call__`, see bulk.py."""
        if self._licence_frame is None:
            self._licence_frame = bulk.licence_frame(self.licences.values())
        return bulk.judge(receipts, self._licence_frame, self.book, self.rates, self.rate_days)


def rate_days(conn: Connection) -> dict[str, dt.date]:
    """Each correction's id -> the date whose rates convert it: that of the receipt it corrects, or of
    that one's own original along a chain of corrections (so a receipt and its reversal net to zero)."""
    o = t.receipt.alias("o")
    # Said, though the join implies it: the partial index of corrections then serves the query even before
    # the planner has statistics of a freshly loaded table (it scanned every receipt, 77 ms at 300,000).
    q = (
        select(t.receipt.c.receipt_id, o.c.receipt_id, o.c.date)
        .join(o, o.c.receipt_id == t.receipt.c.corrects)
        .where(t.receipt.c.corrects.isnot(None))
    )
    original = {rid: (oid, day) for rid, oid, day in conn.execute(q)}
    out: dict[str, dt.date] = {}
    for rid in original:
        seen, current = {rid}, rid
        while (
            original[current][0] in original and original[current][0] not in seen
        ):  # a chain; ids are unique
            current = original[current][0]
            seen.add(current)
        out[rid] = original[current][1]
    return out


def frame_of(conn: Connection, rows: list[tuple]) -> pl.DataFrame:
    """Receipt tuples (RECEIPT_COLUMNS order) as a `bulk.RECEIPT_SCHEMA` frame."""
    return stored_receipts.frame(conn, rows, bulk.RECEIPT_SCHEMA)


def receipt_frames(conn: Connection, year: int | None = None) -> Iterator[pl.DataFrame]:
    """Stored receipts (of `year`) as frames of at most FRAME_ROWS, in no particular order."""
    fixes = corrected(conn, "receipt")
    if not fixes:
        yield from stored_receipts.frames(conn, *year_bounds(year), bulk.RECEIPT_SCHEMA)
        return
    for rows in stored_receipts.batches(conn, *year_bounds(year), ordered=False):
        yield frame_of(conn, patched(rows, fixes))


def receipt_of_tuple(r: tuple) -> Receipt:
    """A Receipt from a RECEIPT_COLUMNS tuple (its date already a `date`)."""
    return Receipt(r[0], r[1], r[2], r[3], from_minor(r[4], r[5]), r[5], r[6], r[7], r[8], split(r[9]))


def judged(
    conn: Connection, info: FundInfo, year: int | None = None, assess: Assessor | None = None
) -> Iterator[pl.DataFrame]:
    """Every stored receipt (of `year`), judged column-wise (see bulk.py), a frame at a time; by `assess` if
    given (an Assessor of the whole book, read on `conn`'s snapshot)."""
    assess = assess or Assessor(conn, info)
    for frame in receipt_frames(conn, year):
        yield assess.frame(frame)


def grouped_totals(
    conn: Connection, info: FundInfo, by: str, year: int | None = None, names: Mapping[str, str] | None = None
) -> tuple[list[Totals], set[tuple[str, dt.date]]]:
    """Totals by `by` of every stored receipt (of `year`), and the rates they lacked; column-wise,
    equal to `contribution.totals` over `evaluations` (tests/revenue/test_bulk.py)."""
    tallies, missing = frame_tallies(conn, info, [by], year)
    return tallies[0].rows(names), missing


def frame_tallies(
    conn: Connection,
    info: FundInfo,
    groupings: Sequence[str],
    year: int | None = None,
    assess: Assessor | None = None,
) -> tuple[list[Tally], set[tuple[str, dt.date]]]:
    """One column-wise pass over the receipts (of `year`) feeding a tally per grouping (judged by `assess` if
    given, see `judged`); and the rates they lacked."""
    tallies = [Tally(by) for by in groupings]
    base_currency = info.base_terms().fund.base_currency
    missing: set[tuple[str, dt.date]] = set()
    for frame in judged(conn, info, year, assess):
        for tally in tallies:
            tally.add_frame(frame, base_currency)
        missing |= bulk.missing_rates(frame)
    return tallies, missing


def evaluations(
    conn: Connection, info: FundInfo, year: int | None = None, assess: Assessor | None = None
) -> Iterator[Evaluation]:
    """Every stored receipt (of `year`), judged by the terms in force on its date (by `assess` if given, an
    Assessor of the whole book)."""
    assess = assess or Assessor(conn, info)
    for r in receipts(conn, year):
        yield assess(r)


JUDGED_TOGETHER = 200  # receipts judged per read of their licences and rates


def evaluations_of(
    conn: Connection, info: FundInfo, ids: Collection[str], judge: Assessor | None = None
) -> list[Evaluation]:
    """The receipts `ids` (at most JUDGED_TOGETHER), as corrected, judged with only their licences and the
    rates of their days: what an upload added to a year whose other receipts are already tallied.

    `judge`: an Assessor of the whole book read when the licences, rates, corrections and terms were what
    they are now (the caller's judging inputs say so); then only the corrections' rate days are read again
    (`Assessor.with_rate_days`), not the licences and rates (issue 13: nine statements after each upload)."""
    # A limit, so checked by code that survives python -O (issue 17), not by an assert.
    if len(ids) > JUDGED_TOGETHER:
        raise ValueError(f"evaluations_of judges at most {JUDGED_TOGETHER} receipts at once, not {len(ids)}")
    if not ids:
        return []
    day = driver_rows.python_date(conn)
    rows = patched(stored_receipts.with_ids(conn, sorted(ids)), corrected(conn, "receipt"))
    batch = [_receipt(r, day) for r in rows]
    assess = judge.with_rate_days(conn) if judge is not None else Assessor(conn, info, batch)
    return [assess(r) for r in batch]


def evaluations_in_batches(conn: Connection, info: FundInfo, year: int | None = None) -> Iterator[Evaluation]:
    """As `evaluations`, reading for each batch of receipts only the licences and rates it needs: for a page
    of a list, which stops after its rows (a whole-book total reads them once, with `evaluations`)."""
    stream = receipts(conn, year)
    while batch := list(islice(stream, JUDGED_TOGETHER)):
        assess = Assessor(conn, info, batch)
        yield from map(assess, batch)
