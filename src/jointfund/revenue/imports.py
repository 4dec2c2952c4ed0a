"""Importing licences, receipts, rates and company payments: atomic, idempotent, every problem located.

One pipeline serves every input (`run`, `_steps`): read rows as a stream -> parse each into a domain
value (pure, collecting problems) -> compare with what is stored under the source's own id -> check
what needs the database (corrections, rate jumps) -> insert what is new, batch by batch, inside the
caller's one write transaction. A plain CSV goes through the same steps a block of rows at a time,
column-wise (`_Block`); the rows it cannot take plainly send the whole file through them row by row.
- Atomic: any problem raises InputError after the whole file is read, and the caller's
  transaction rolls every row back.
- Idempotent: a row already stored with the same content is left alone; the same id with
  other content is a problem that shows both versions.
- Bounded: a batch at a time is in memory, whatever the file's size; at most MAX_PROBLEMS
  problems are kept (and the rest counted).
The import is one event of the log (file digest and counts), so the signed checkpoints cover it.
"""

from __future__ import annotations

import bisect
import itertools
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

import polars as pl
from sqlalchemy import Connection, Date, Table, select

from jointfund.errors import InputError, Problem
from jointfund.ledger.log import append_event
from jointfund.revenue import book, cell_rules, correction, fx, licence, payment, receipt
from jointfund.revenue.fields import Cells
from jointfund.revenue.fx import Rate
from jointfund.revenue.reader import (
    Columns,
    Dialect,
    NotPlain,
    Row,
    file_sha256,
    plain_csv_blocks,
    plain_dialect,
    read_rows,
)
from jointfund.revenue.receipt import Receipt
from jointfund.store import rows as driver_rows
from jointfund.store import tables as t
from jointfund.terms.model import Terms

BATCH_ROWS = 5_000
MAX_PROBLEMS = 1_000
# The ids of an import's new rows are listed up to this many (ImportResult.fresh): enough for any upload a
# person makes, and bounded memory for a file of millions, whose consumers then read the book instead.
MAX_FRESH_LISTED = 10_000
# An import lists its new receipts in receipt_import up to this many: an upload's, not a year's file.
LISTED_RECEIPTS = 500

Progress = Callable[[int], None]
R = TypeVar("R", bound=NamedTuple)  # the domain value of one row of a kind (Licence, Receipt, Rate, Payment)
Found = list[tuple[int, Problem]]  # problems by line


class Kind(NamedTuple, Generic[R]):
    """How one kind of input is read and stored.

    Attributes:
      name: plural noun used in messages and events ("receipts").
      table: where its rows go; key: the columns of the source's own id.
      columns: the input's columns; json_keys: for inputs also accepted as NBU JSON.
      parse: Cells -> domain value or None (problems recorded in the Cells).
      to_row / of_row: domain value <-> stored row (without provenance).
      check: further problems of a batch that need the database (a correction's original), or None.
      bulk: for plain CSV, a block's text cells -> its stored columns (all but source and line), or
        None when any row is not plainly valid (then the file is read row by row, see `run`). It takes
        no row that `check` would look at (receipts': no correction), since a block's rows reach `check`
        only when they must be compared one by one.
    """

    name: str
    table: Table
    key: tuple[str, ...]
    columns: Columns
    parse: Callable[[Cells], R | None]
    to_row: Callable[[R], dict[str, Any]]
    of_row: Callable[[Any], R]  # a stored row (a result row, or a block's row as a namespace)
    json_keys: Mapping[str, str] | None = None
    check: Callable[[Connection, Sequence[tuple[Row, R]]], Found] | None = None
    bulk: Callable[[pl.DataFrame], pl.DataFrame | None] | None = None

    def key_of(self, record: R) -> tuple[object, ...]:
        return tuple(getattr(record, k) for k in self.key)


class ImportResult(NamedTuple):
    """What an import did: rows read, rows new to the book, rows already there unchanged; and the ids (key
    tuples) of the new rows in the file's order, or None when there are more than MAX_FRESH_LISTED (the
    counts are what people see; `fresh` is for the code that follows the import, such as the accrual)."""

    kind: str
    file: str
    rows: int
    new: int
    unchanged: int
    fresh: tuple[tuple[object, ...], ...] | None = None

    def counts(self) -> dict[str, Any]:
        """What the import did, as every surface shows it (without the new rows' ids)."""
        return {k: v for k, v in self._asdict().items() if k != "fresh"}


def licences_kind(terms: Terms) -> Kind[licence.Licence]:
    declared = licence.rules(terms)
    return Kind(
        "licences",
        t.licence,
        ("licence_id",),
        licence.COLUMNS,
        lambda c: licence.read(c, declared),
        book.licence_row,
        book.licence_of,
    )


def receipts_kind(terms: Terms, licence_ids: Mapping[str, tuple[str, ...]]) -> Kind[Receipt]:
    """Receipts of the licences `licence_ids` (each with its resources, as `book.licence_ids` gives them)."""
    # The receipt's rules, built once for the file and read by both paths.
    declared = receipt.rules(terms, licence_ids)

    return Kind(
        "receipts",
        t.receipt,
        ("receipt_id",),
        receipt.COLUMNS,
        lambda c: receipt.read(c, declared),
        book.receipt_row,
        book.receipt_of,
        check=_check_corrections,
        bulk=lambda cells: cell_rules.read_frame(declared, cells),
    )


def rates_kind(terms: Terms, accept_jump: bool = False) -> Kind[Rate]:
    """Rates within the terms' plausible range; a jump beyond `fx.max_daily_change` from the previous
    rate is refused unless `accept_jump` (the importer confirmed it)."""
    limit = None if accept_jump else terms.fx.max_daily_change
    declared = fx.rules(terms.fx, terms.fund.entry_into_force)
    return Kind(
        "rates",
        t.fx_rate,
        ("currency", "date"),
        fx.COLUMNS,
        lambda c: fx.read(c, declared),
        book.rate_row,
        book.rate_of,
        json_keys=fx.NBU_KEYS,
        check=None if limit is None else lambda conn, fresh: _check_jumps(conn, fresh, limit),
    )


def payments_kind(terms: Terms) -> Kind[payment.Payment]:
    declared = payment.rules(terms)
    return Kind(
        "payments",
        t.company_payment,
        ("payment_id",),
        payment.COLUMNS,
        lambda c: payment.read(c, declared),
        book.payment_row,
        book.payment_of,
    )


def run(
    conn: Connection,
    kind: Kind[R],
    path: Path,
    actor: str,
    progress: Progress | None = None,
    dialect: Dialect = Dialect(),
) -> ImportResult:
    """Import `path` inside the caller's write transaction; raises InputError listing every problem.

    A plain CSV of a kind with a bulk parser goes through the steps a block at a time (`_Block`), under a
    savepoint; any row it cannot take plainly (a bulk parser's refusal, a conflict, any problem) rolls that
    back, and the file goes through the same steps row by row (`_Rows`), which names every problem.
    """
    result = None
    reported = 0  # rows the column-wise attempt already reported to `progress`
    if kind.bulk is not None and plain_dialect(path, kind.columns, dialect):
        result, reported = _plainly(conn, kind, path, progress)
    if result is None:
        rows = read_rows(path, kind.columns, kind.json_keys, dialect)
        batches = (_Rows(kind, path, batch) for batch in _batches(rows, BATCH_ROWS))
        result = _steps(conn, kind, path, batches, _after(progress, reported))
    _record(conn, kind, path, actor, result)
    return result


def _steps(
    conn: Connection,
    kind: Kind[R],
    path: Path,
    batches: Iterable[_Rows[R] | _Block[R]],
    progress: Progress | None,
) -> ImportResult:
    """The one pipeline: each batch parsed, compared with what is stored, checked, its new rows inserted."""
    problems = _Problems()
    rows = new = unchanged = 0
    fresh_ids: list[tuple[object, ...]] | None = []
    for batch in batches:
        found = batch.found
        fresh, same = _compare(kind, batch.compared, batch.stored(conn), found)
        if kind.check is not None:
            found += kind.check(conn, fresh)
        batch.admit(found)
        problems.extend(p for _, p in sorted(found, key=lambda x: x[0]))
        # Rows are inserted even once a problem is known: later rows are then compared with
        # them, so a conflicting duplicate further down is reported too. The caller rolls back.
        inserted = batch.insert(conn, fresh)
        new += len(inserted)
        if fresh_ids is not None and new <= MAX_FRESH_LISTED:
            fresh_ids.extend(inserted)
        else:
            fresh_ids = None
        rows += batch.rows
        unchanged += same
        if progress:
            progress(batch.rows)
    if problems:
        raise InputError(problems.listed(), f"{kind.name} import refused ({path.name}); nothing was imported")
    listed = None if fresh_ids is None else tuple(fresh_ids)
    return ImportResult(kind.name, path.name, rows, new, unchanged, listed)


class _Rows(Generic[R]):
    """A batch of rows read one by one, each parsed to its domain value: the path that names every problem.

    Attributes: rows (how many were read), found (their problems by line), compared (the parsed rows).
    """

    def __init__(self, kind: Kind[R], path: Path, batch: list[Row]) -> None:
        self.kind, self.source = kind, path.name
        self.rows = len(batch)
        self.found: Found = []
        self.compared: list[tuple[Row, R]] = []
        for row in batch:
            cells = Cells(row)
            record = kind.parse(cells)
            if record is None:
                self.found += [(row.line, p) for p in cells.problems]
            else:
                self.compared.append((row, record))

    def stored(self, conn: Connection) -> Mapping[tuple[object, ...], Any]:
        """The stored rows under the ids of `compared`, by id."""
        return book.stored(
            conn, self.kind.table, self.kind.key, (self.kind.key_of(r) for _, r in self.compared)
        )

    def admit(self, found: Found) -> None:
        """Problems are collected, and listed once the whole file is read."""

    def insert(self, conn: Connection, fresh: Sequence[tuple[Row, R]]) -> list[tuple[object, ...]]:
        """Insert `fresh`; their ids."""
        book.insert_rows(
            conn,
            self.kind.table,
            [{**self.kind.to_row(rec), "source": self.source, "line": row.line} for row, rec in fresh],
        )
        return [self.kind.key_of(rec) for _, rec in fresh]


class _Block(Generic[R]):
    """A block of a plain CSV parsed column-wise (`Kind.bulk`), for the same steps as `_Rows`.

    Only the rows the comparison must look at one by one (an id stored already, or repeated within the block)
    become domain values, in `compared`; the others are new rows, inserted column-wise. Any problem raises
    NotPlain: the file is then read row by row, which names it.
    """

    def __init__(self, conn: Connection, kind: Kind[R], path: Path, line: int, cells: pl.DataFrame) -> None:
        assert kind.bulk is not None and len(kind.key) == 1
        frame = kind.bulk(cells)
        if frame is None:
            raise NotPlain("a row the bulk parser does not take")
        self.kind = kind
        self.rows = frame.height
        key = kind.key[0]
        self.frame = frame.with_columns(
            source=pl.lit(path.name), line=pl.int_range(line, line + frame.height, dtype=pl.Int64)
        )
        columns = [c.name for c in kind.table.c]
        stored = driver_rows.keyed(conn, kind.table, key, frame[key].to_list())
        # The stored rows as `book.stored` gives them (read already, as driver tuples, to find which are).
        day = driver_rows.python_date(conn)
        dates = {c.name for c in kind.table.c if isinstance(c.type, Date)}
        self.old: dict[tuple[object, ...], Any] = {
            (k,): types.SimpleNamespace(
                **{c: day(v) if c in dates else v for c, v in zip(columns, values, strict=True)}
            )
            for k, values in stored.items()
        }
        self.doubtful = pl.col(key).is_in(list(stored)) | pl.col(key).is_duplicated()
        self.found: Found = []
        self.compared = [
            (Row(r["line"], f"{path.name}:{r['line']}", {}), kind.of_row(types.SimpleNamespace(**r)))
            for r in self.frame.filter(self.doubtful).iter_rows(named=True)
        ]

    def stored(self, conn: Connection) -> Mapping[tuple[object, ...], Any]:
        return self.old

    def admit(self, found: Found) -> None:
        if found:
            raise NotPlain("a problem, for the row path to name")

    def insert(self, conn: Connection, fresh: Sequence[tuple[Row, R]]) -> list[tuple[object, ...]]:
        """Insert the block's new rows (those not compared, and `fresh` of those compared); their ids."""
        lines = [row.line for row, _ in fresh]
        frame = self.frame.filter(~self.doubtful | pl.col("line").is_in(lines))
        columns = [c.name for c in self.kind.table.c]
        driver_rows.insert_tuples(
            conn, self.kind.table, columns, driver_rows.driver_dates(conn, frame).select(columns).rows()
        )
        return [(k,) for k in frame[self.kind.key[0]].to_list()]


def _plainly(
    conn: Connection, kind: Kind[R], path: Path, progress: Progress | None
) -> tuple[ImportResult | None, int]:
    """(the import of a plain CSV through `_steps` a block at a time, or None having written nothing, rows
    reported to `progress`). One read of the file, under a savepoint that a row not taken plainly rolls
    back."""
    reported = 0

    def counted(rows: int) -> None:
        nonlocal reported
        reported += rows
        if progress:
            progress(rows)

    blocks = (_Block(conn, kind, path, line, cells) for line, cells in plain_csv_blocks(path, kind.columns))
    try:
        with conn.begin_nested():
            return _steps(conn, kind, path, blocks, counted), reported
    except NotPlain:
        return None, reported


def _after(progress: Progress | None, reported: int) -> Progress | None:
    """`progress` told only of rows beyond the first `reported` (those the column-wise attempt told it of)."""
    if progress is None or not reported:
        return progress
    behind = reported

    def advance(rows: int) -> None:
        nonlocal behind
        ahead = max(0, rows - behind)
        behind = max(0, behind - rows)
        if ahead:
            progress(ahead)

    return advance


def _record(conn: Connection, kind: Kind[R], path: Path, actor: str, result: ImportResult) -> None:
    """The import's event in the log, when it brought anything new; for receipts, when they are few
    (LISTED_RECEIPTS), which ones, by that event's position (receipt_import: private, unlike the event), so
    a reader learns what is new since it last looked without reading every receipt's id
    (reports.summary.year_tallies)."""
    if not result.new:
        return
    seq = append_event(
        conn,
        actor,
        f"{kind.name}.import",
        f"file:{path.name}",
        {
            "file": path.name,
            "sha256": file_sha256(path),
            "rows": result.rows,
            "new": result.new,
            "unchanged": result.unchanged,
        },
    )
    if kind.table is t.receipt and result.fresh is not None and len(result.fresh) <= LISTED_RECEIPTS:
        listed = [{"receipt_id": key[0], "event_seq": seq} for key in result.fresh]
        book.insert_rows(conn, t.receipt_import, listed)


def _compare(
    kind: Kind[R], parsed: Sequence[tuple[Row, R]], old: Mapping[tuple[object, ...], Any], problems: Found
) -> tuple[list[tuple[Row, R]], int]:
    """(rows new to the book, count of rows already stored as they are); conflicts go to `problems`.

    `old`: the stored rows under the parsed rows' ids (at least), by id."""
    fresh: dict[tuple[object, ...], tuple[Row, R]] = {}
    same = 0
    for row, rec in parsed:
        key = kind.key_of(rec)
        where = f"{row.where}:{kind.key[0]}"
        if key in fresh:
            earlier_row, earlier = fresh[key]
            if earlier != rec:
                problems.append(
                    (row.line, Problem(where, _conflict(kind, key, earlier_row.where, earlier, rec)))
                )
            else:
                same += 1
        elif key in old:
            stored_row: Any = old[key]
            before = kind.of_row(stored_row)
            if before != rec:
                origin = f"{stored_row.source}:{stored_row.line}"
                problems.append((row.line, Problem(where, _conflict(kind, key, origin, before, rec))))
            else:
                same += 1
        else:
            fresh[key] = (row, rec)
    return list(fresh.values()), same


def _conflict(kind: Kind[R], key: tuple[object, ...], origin: str, before: R, offered: R) -> str:
    def show(rec: R) -> str:
        return ", ".join(f"{k}={'' if v is None else v}" for k, v in rec._asdict().items())

    return (
        f"{kind.name[:-1]} {_show_key(key)} was already imported with different content\n"
        f"      imported ({origin}): {show(before)}\n      this file: {show(offered)}"
    )


def _show_key(key: tuple[object, ...]) -> str:
    return " ".join(str(k) for k in key)


def _check_corrections(conn: Connection, fresh: Sequence[tuple[Row, Receipt]]) -> Found:
    """A correction names a receipt imported already or on an earlier line, of the same licence,
    stream and currency, and is not dated before it."""
    wanted = [(rec.corrects,) for _, rec in fresh if rec.corrects]
    if not wanted:
        return []
    known = {
        k[0]: book.receipt_of(r) for k, r in book.stored(conn, t.receipt, ("receipt_id",), wanted).items()
    }
    problems: Found = []
    for row, rec in fresh:
        if rec.corrects:
            original = known.get(rec.corrects)
            why = None
            if original is None:
                why = "corrects a receipt that is neither imported nor on an earlier line"
            elif original.date > rec.date:
                why = f"a correction cannot be dated before the receipt it corrects ({original.date})"
            elif (
                original.licence_id,
                original.stream,
                original.currency,
                original.resource,
                original.budget,
            ) != (rec.licence_id, rec.stream, rec.currency, rec.resource, rec.budget):
                why = (
                    "a correction must name the same licence, stream, currency, resource and budget as the "
                    "receipt it corrects"
                )
            if why:
                problems.append((row.line, Problem(f"{row.where}:corrects", why, rec.corrects)))
        known[rec.receipt_id] = rec
    return problems


def _check_jumps(conn: Connection, fresh: Sequence[tuple[Row, Rate]], limit: Decimal) -> Found:
    """Each new rate against the latest earlier rate of its currency, stored or new in this batch, and against
    the
    next later stored one (a rate inserted between two stored days must fit both), as corrected."""
    problems: Found = []
    fixes = book.corrected(conn, "rate")
    for currency in {rec.currency for _, rec in fresh}:
        mine = sorted(((rec, row) for row, rec in fresh if rec.currency == currency), key=lambda x: x[0].date)
        stored = {
            r.date: correction.apply(book.rate_of(r), fixes.get(correction.rate_subject(currency, r.date)))
            for r in conn.execute(select(t.fx_rate).where(t.fx_rate.c.currency == currency))
        }
        known = {**stored, **{rec.date: rec for rec, _ in mine}}
        days = sorted(known)
        for rec, row in mine:
            i = bisect.bisect_left(days, rec.date)
            later = (
                days[i + 1]
                if i + 1 < len(days) and days[i + 1] in stored and stored[days[i + 1]] is known[days[i + 1]]
                else None
            )
            for why in fx.jumps(
                rec, known[days[i - 1]] if i else None, known[later] if later else None, limit
            ):
                problems.append(
                    (
                        row.line,
                        Problem(f"{row.where}:{row.names.get('rate', 'rate')}", why, format(rec.rate, "f")),
                    )
                )
    return problems


class _Problems(list[Problem]):
    """Problems found so far: the first MAX_PROBLEMS kept, the rest counted."""

    dropped = 0

    def append(self, p: Problem) -> None:
        if len(self) < MAX_PROBLEMS:
            super().append(p)
        else:
            self.dropped += 1

    def extend(self, ps: Iterable[Problem]) -> None:
        for p in ps:
            self.append(p)

    def listed(self) -> list[Problem]:
        tail = (
            [
                Problem(
                    "(more)",
                    f"{self.dropped} further problem(s) not listed; fix the ones above and import again",
                )
            ]
            if self.dropped
            else []
        )
        return [*self, *tail]


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch
