"""Revenue data coming into the book: the one service each surface imports a file through.

Importing receipts ACCRUES them, in the same transaction: a receipt in the book without its accrual
would be an obligation the book does not carry. The CLI (`receipts import`), the API's upload job (which
the web's upload page starts too) and the demo all import receipts through `import_receipts`, so that
rule is kept here once; the other kinds of file are only imported.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Connection

from jointfund.fund import FundInfo
from jointfund.revenue import book, imports
from jointfund.revenue.accrual import AccrualResult, accrue
from jointfund.revenue.reader import Dialect

# One step of long work: `stage(label, total)` opens it and yields `advance(n)`; the CLI's progress bar
# (cli/progress.bar) is one, `quiet` the other.
Stage = Callable[[str, int | None], AbstractContextManager[Callable[[int], None]]]

RECEIPTS = "receipts"
IMPORTING, ACCRUING = "importing", "accruing contributions"  # the stages' labels


@contextlib.contextmanager
def quiet(_label: str, _total: int | None) -> Iterator[Callable[[int], None]]:
    yield lambda _n: None


def rows_only(progress: Callable[[int], None]) -> Stage:
    """A stage that counts the file's rows with `progress` and the other steps not at all (an upload
    job's counter is of rows)."""

    @contextlib.contextmanager
    def stage(label: str, _total: int | None) -> Iterator[Callable[[int], None]]:
        yield progress if label.startswith(IMPORTING) else (lambda _n: None)

    return stage


class Intake(NamedTuple):
    """One kind of file: the policy action that may import it, and how its rows are read for this book."""

    action: str
    kind_of: Callable[[Connection, FundInfo, bool], imports.Kind[Any]]  # (conn, info, accept_jump)


KINDS: dict[str, Intake] = {
    "licences": Intake("licences.import", lambda _c, info, _j: imports.licences_kind(info.base_terms())),
    RECEIPTS: Intake(
        "receipts.import",
        lambda c, info, _j: imports.receipts_kind(info.base_terms(), book.licence_ids(c)),
    ),
    "fx": Intake("fx.import", lambda _c, info, jump: imports.rates_kind(info.base_terms(), jump)),
    "payments": Intake("payments.import", lambda _c, info, _j: imports.payments_kind(info.base_terms())),
}


class Imported(NamedTuple):
    """What importing a file did, and for receipts what accruing them did."""

    result: imports.ImportResult
    accrued: AccrualResult | None = None

    def summary(self) -> dict:
        """The counts every surface shows: the import's, then the accrual's (receipts only)."""
        out = self.result.counts()
        if self.accrued is not None:
            out |= {
                "accrued": self.accrued.posted,
                "reversals": self.accrued.reversals,
                "rounding_entries": self.accrued.roundings,
            }
        return out


def kind_of(conn: Connection, info: FundInfo, what: str, accept_jump: bool = False) -> imports.Kind[Any]:
    """How a `what` file ("receipts") is read for this book; rate jumps are refused unless `accept_jump`."""
    return KINDS[what].kind_of(conn, info, accept_jump)


def import_receipts(
    conn: Connection,
    info: FundInfo,
    path: Path,
    actor: str,
    dialect: Dialect = Dialect(),
    stage: Stage = quiet,
    rows: int | None = None,
) -> Imported:
    """Import Treasury receipts from `path` and accrue the new ones, in the caller's write transaction (a
    refused file raises InputError and accrues nothing). A file of more new receipts than the import lists
    (imports.MAX_FRESH_LISTED) accrues every receipt without an accrual: the same entries, by a sweep of the
    book that such a file's import costs anyway."""
    result = _read(conn, kind_of(conn, info, RECEIPTS), path, actor, dialect, stage, rows)
    fresh = None if result.fresh is None else [str(key[0]) for key in result.fresh]
    with stage(ACCRUING, None) as advance:
        accrued = accrue(conn, info, advance, fresh)
    return Imported(result, accrued)


def import_file(
    conn: Connection,
    info: FundInfo,
    what: str,
    path: Path,
    actor: str,
    dialect: Dialect = Dialect(),
    stage: Stage = quiet,
    rows: int | None = None,
    accept_jump: bool = False,
) -> Imported:
    """Import a `what` file (one of KINDS) in the caller's write transaction; receipts are accrued too."""
    if what == RECEIPTS:
        return import_receipts(conn, info, path, actor, dialect, stage, rows)
    return Imported(_read(conn, kind_of(conn, info, what, accept_jump), path, actor, dialect, stage, rows))


def _read(
    conn: Connection,
    kind: imports.Kind[Any],
    path: Path,
    actor: str,
    dialect: Dialect,
    stage: Stage,
    rows: int | None,
) -> imports.ImportResult:
    with stage(f"{IMPORTING} {path.name}", rows) as advance:
        return imports.run(conn, kind, path, actor=actor, progress=advance, dialect=dialect)
