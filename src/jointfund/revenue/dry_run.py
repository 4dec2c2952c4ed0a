"""An import's dry run: everything the import would do, in its one write transaction, then rolled back.

The counts and the problems are exactly those the import would give, because it *is* the import
(revenue.intake, which accrues receipts in the same transaction); only the commit is missing. The
web's preview step shows it before anything is written; a sample of the first rows,
as they would be stored, shows what the file says.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Engine

from jointfund.fund import FundInfo
from jointfund.revenue import imports, intake
from jointfund.revenue.fields import Cells
from jointfund.revenue.reader import Dialect, file_sha256, read_rows
from jointfund.store import db

SAMPLE_ROWS = 10


class Preview(NamedTuple):
    """What importing a file would do.

    Attributes:
      kind: licences, receipts, rates or payments; file: its name; sha256: its content's digest.
      rows: rows read; new: rows new to the book; unchanged: rows already imported as they are.
      extra: what follows in the same transaction (accruals), as the import's summary gives it.
      columns: the sample's columns; sample: the first rows as they would be stored (line first).
    """

    kind: str
    file: str
    sha256: str
    rows: int
    new: int
    unchanged: int
    extra: dict
    columns: tuple[str, ...]
    sample: tuple[dict, ...]


class _RolledBack(Exception):  # noqa: N818 - not an error: how a dry run leaves the transaction without a trace
    def __init__(self, preview: Preview) -> None:
        self.preview = preview


def sample(
    kind: imports.Kind[Any], path: Path, dialect: Dialect = Dialect(), limit: int = SAMPLE_ROWS
) -> list[dict]:
    """The first `limit` readable rows of `path` as they would be stored ("line" first); problems are left
    to the import, which lists every one."""
    rows = []
    for row in islice(read_rows(path, kind.columns, kind.json_keys, dialect), limit):
        record = kind.parse(Cells(row))
        if record is not None:
            rows.append({"line": row.line, **record._asdict()})
    return rows


def dry_run(
    engine: Engine,
    info: FundInfo,
    what: str,
    path: Path,
    actor: str,
    progress: imports.Progress | None = None,
    dialect: Dialect = Dialect(),
    accept_jump: bool = False,
) -> Preview:
    """Import `path` and roll it back; what it would do. Raises InputError listing every problem."""
    try:
        with db.write(engine) as conn:
            stage = intake.quiet if progress is None else intake.rows_only(progress)
            done = intake.import_file(conn, info, what, path, actor, dialect, stage, accept_jump=accept_jump)
            result = done.result
            extra = {k: v for k, v in done.summary().items() if k not in result._fields}
            shown = sample(intake.kind_of(conn, info, what), path, dialect)
            columns = tuple(dict.fromkeys(c for row in shown for c in row))
            raise _RolledBack(
                Preview(
                    result.kind,
                    path.name,
                    file_sha256(path),
                    result.rows,
                    result.new,
                    result.unchanged,
                    extra,
                    columns,
                    tuple(shown),
                )
            )
    except _RolledBack as done:
        return done.preview
