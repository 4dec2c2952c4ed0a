"""Importing licences, receipts, rates and company payments: atomic, idempotent, every problem located.

One pipeline serves every input (`run`): read rows as a stream -> parse each into a domain
value (pure, collecting problems) -> compare with what is stored under the source's own id
-> insert what is new, batch by batch, inside the caller's one write transaction.
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
import collections
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import polars as pl
from sqlalchemy import Connection, Date, Table, select

from jointfund.errors import InputError, Problem
from jointfund.ledger.log import append_event
from jointfund.revenue import book, cell_rules, correction, fx, licence, payment, receipt
from jointfund.revenue.fields import Cells
from jointfund.revenue.reader import (
    Columns,
    Dialect,
    NotPlain,
    Row,
    file_sha256,
    plain_csv_blocks,
    read_rows,
    sniff_delimiter,
)
from jointfund.store import rows as driver_rows
from jointfund.store import tables as t
from jointfund.terms.model import Terms

BATCH_ROWS = 5_000
MAX_PROBLEMS = 1_000

Progress = Callable[[int], None]


class Kind(NamedTuple):
    """How one kind of input is read and stored.

    Attributes:
      name: plural noun used in messages and events ("receipts").
      table: where its rows go; key: the columns of the source's own id.
      columns: the input's columns; json_keys: for inputs also accepted as NBU JSON.
      parse: Cells -> domain value or None (problems recorded in the Cells).
      to_row / of_row: domain value <-> stored row (without provenance).
      check: further problems of a batch that need the database (a correction's original), or None.
      bulk: for plain CSV, a block's text cells -> its stored columns (all but source and line), or
        None when any row is not plainly valid (then the file is read row by row, see `run`).
    """

    name: str
    table: Table
    key: tuple[str, ...]
    columns: Columns
    parse: Callable[[Cells], NamedTuple | None]
    to_row: Callable[[NamedTuple], dict]
    of_row: Callable[[object], NamedTuple]
    json_keys: Mapping[str, str] | None = None
    check: Callable[[Connection, Sequence[tuple[Row, NamedTuple]]], list[tuple[int, Problem]]] | None = None
    bulk: Callable[[pl.DataFrame], pl.DataFrame | None] | None = None

    def key_of(self, record: NamedTuple) -> tuple:
        return tuple(getattr(record, k) for k in self.key)


class ImportResult(NamedTuple):
    """What an import did: rows read, rows new to the book, rows already there unchanged."""

    kind: str
    file: str
    rows: int
    new: int
    unchanged: int


def licences_kind(terms: Terms) -> Kind:
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


def receipts_kind(terms: Terms, licence_ids: Mapping[str, tuple[str, ...]]) -> Kind:
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


def rates_kind(terms: Terms, accept_jump: bool = False) -> Kind:
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


def payments_kind(terms: Terms) -> Kind:
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
    kind: Kind,
    path: Path,
    actor: str,
    progress: Progress | None = None,
    dialect: Dialect = Dialect(),
) -> ImportResult:
    """Import `path` inside the caller's write transaction; raises InputError listing every problem.

    A plain CSV of a kind with a bulk parser is read column-wise (`_run_bulk`); any file or row
    that path does not take plainly (another separator, a locale's numbers) is read row by row
    here, which names every problem.
    """
    plain = dialect.locale == "auto" and (dialect.delimiter or ",") == ","
    if (
        kind.bulk is not None
        and plain
        and path.suffix.lower() == ".csv"
        and path.is_file()
        and sniff_delimiter(path, kind.columns) == ","
    ):
        done = _run_bulk(conn, kind, path, progress)
        if done is not None:
            _record(conn, kind, path, actor, done)
            return done
    problems = _Problems()
    rows = new = unchanged = 0
    for batch in _batches(read_rows(path, kind.columns, kind.json_keys, dialect), BATCH_ROWS):
        rows += len(batch)
        parsed: list[tuple[Row, NamedTuple]] = []
        found: list[tuple[int, Problem]] = []  # this batch's problems, by line
        for row in batch:
            cells = Cells(row)
            record = kind.parse(cells)
            if record is None:
                found += [(row.line, p) for p in cells.problems]
            else:
                parsed.append((row, record))
        fresh, same = _compare(conn, kind, parsed, found)
        unchanged += same
        if kind.check is not None:
            found += kind.check(conn, fresh)
        problems.extend(p for _, p in sorted(found, key=lambda x: x[0]))
        # Rows are inserted even once a problem is known: later rows are then compared with
        # them, so a conflicting duplicate further down is reported too. The caller rolls back.
        book.insert_rows(
            conn,
            kind.table,
            [{**kind.to_row(rec), "source": path.name, "line": row.line} for row, rec in fresh],
        )
        new += len(fresh)
        if progress:
            progress(len(batch))
    if problems:
        raise InputError(problems.listed(), f"{kind.name} import refused ({path.name}); nothing was imported")
    result = ImportResult(kind.name, path.name, rows, new, unchanged)
    _record(conn, kind, path, actor, result)
    return result


def _record(conn: Connection, kind: Kind, path: Path, actor: str, result: ImportResult) -> None:
    """The import's event in the log, when it brought anything new."""
    if result.new:
        append_event(
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


def _run_bulk(conn: Connection, kind: Kind, path: Path, progress: Progress | None) -> ImportResult | None:
    """Import a plain CSV column-wise, or return None (having written nothing) to have it read row by row.

    Two reads of the file, each a block at a time: the first checks that every row is plainly
    valid, that no id comes twice and that no stored row under the same id differs (a conflict
    is reported by the row path, with both versions); only then does the second insert the new
    rows. Same rows, same stored values, same atomicity (the caller's transaction) as the row path.
    """
    assert kind.bulk is not None and len(kind.key) == 1
    key = kind.key[0]
    columns = [c.name for c in kind.table.c]
    try:
        ids = []
        for _line, cells in plain_csv_blocks(path, kind.columns):
            frame = kind.bulk(cells)
            if frame is None:
                return None
            stored = driver_rows.keyed(conn, kind.table, key, frame[key].to_list())
            if stored and _differs(conn, kind, columns, frame, stored):
                return None
            ids.append(frame[key])
    except NotPlain:
        return None
    if ids and pl.concat(ids).is_duplicated().any():
        return None
    rows = new = 0
    for line, cells in plain_csv_blocks(path, kind.columns):
        frame = kind.bulk(cells)
        assert frame is not None, "the file changed between the two reads"
        rows += frame.height
        frame = frame.with_columns(
            source=pl.lit(path.name), line=pl.int_range(line, line + frame.height, dtype=pl.Int64)
        )
        stored = driver_rows.keyed(conn, kind.table, key, frame[key].to_list())
        if stored:
            frame = frame.filter(~pl.col(key).is_in(list(stored)))
        frame = driver_rows.driver_dates(conn, frame)
        driver_rows.insert_tuples(conn, kind.table, columns, frame.select(columns).rows())
        new += frame.height
        if progress:
            progress(cells.height)
    return ImportResult(kind.name, path.name, rows, new, rows - new)


def _differs(
    conn: Connection, kind: Kind, columns: list[str], frame: pl.DataFrame, stored: dict[str, tuple]
) -> bool:
    """Whether any row of `frame` differs from the stored row under its id (compared as domain values)."""
    stored_row = collections.namedtuple("StoredRow", columns)  # type: ignore[misc]
    dates = {c.name for c in kind.table.c if isinstance(c.type, Date)}
    day = driver_rows.python_date(conn)

    def of(values: dict) -> NamedTuple:
        return kind.of_row(stored_row(**{k: day(v) if k in dates else v for k, v in values.items()}))

    key = kind.key[0]
    for offered in frame.filter(pl.col(key).is_in(list(stored))).iter_rows(named=True):
        before = of(dict(zip(columns, stored[offered[key]], strict=True)))
        if of({c: offered.get(c) for c in columns}) != before:
            return True
    return False


def _compare(
    conn: Connection, kind: Kind, parsed: list[tuple[Row, NamedTuple]], problems: list[tuple[int, Problem]]
) -> tuple[list[tuple[Row, NamedTuple]], int]:
    """(rows new to the book, count of rows already stored as they are); conflicts go to `problems`."""
    old = book.stored(conn, kind.table, kind.key, (kind.key_of(rec) for _, rec in parsed))
    fresh: dict[tuple, tuple[Row, NamedTuple]] = {}
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
            stored_row = old[key]
            before = kind.of_row(stored_row)
            if before != rec:
                origin = f"{stored_row.source}:{stored_row.line}"
                problems.append((row.line, Problem(where, _conflict(kind, key, origin, before, rec))))
            else:
                same += 1
        else:
            fresh[key] = (row, rec)
    return list(fresh.values()), same


def _conflict(kind: Kind, key: tuple, origin: str, before: NamedTuple, offered: NamedTuple) -> str:
    def show(rec: NamedTuple) -> str:
        return ", ".join(f"{k}={'' if v is None else v}" for k, v in rec._asdict().items())

    return (
        f"{kind.name[:-1]} {_show_key(key)} was already imported with different content\n"
        f"      imported ({origin}): {show(before)}\n      this file: {show(offered)}"
    )


def _show_key(key: tuple) -> str:
    return " ".join(str(k) for k in key)


def _check_corrections(
    conn: Connection, fresh: Sequence[tuple[Row, NamedTuple]]
) -> list[tuple[int, Problem]]:
    """A correction names a receipt imported already or on an earlier line, of the same licence,
    stream and currency, and is not dated before it."""
    wanted = [(rec.corrects,) for _, rec in fresh if rec.corrects]
    if not wanted:
        return []
    known = {
        k[0]: book.receipt_of(r) for k, r in book.stored(conn, t.receipt, ("receipt_id",), wanted).items()
    }
    problems = []
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


def _check_jumps(
    conn: Connection, fresh: Sequence[tuple[Row, NamedTuple]], limit
) -> list[tuple[int, Problem]]:  # noqa: ANN001
    """Each new rate against the latest earlier rate of its currency, stored or new in this batch, and against
    the
    next later stored one (a rate inserted between two stored days must fit both), as corrected."""
    problems = []
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


class _Problems(list):
    """Problems found so far: the first MAX_PROBLEMS kept, the rest counted."""

    dropped = 0

    def append(self, p: Problem) -> None:  # type: ignore[override]
        if len(self) < MAX_PROBLEMS:
            super().append(p)
        else:
            self.dropped += 1

    def extend(self, ps: Iterable[Problem]) -> None:  # type: ignore[override]
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
