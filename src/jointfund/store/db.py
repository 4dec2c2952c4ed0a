"""Opening the database: URLs, SQLite pragmas, write transactions and migrations.

SQLite (WAL, foreign keys on) is the embedded default; PostgreSQL through psycopg 3 is
the production store. Everything above this module behaves the same on both.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import time
from collections.abc import Callable, Iterator

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from jointfund import clock
from jointfund.errors import JointfundError
from jointfund.store import schema
from jointfund.store import tables as t

DEFAULT_URL, ENV_VAR = schema.DEFAULT_URL, schema.ENV_VAR
BUSY_WAIT_SECONDS = 60.0  # how long a writer waits for another writer before giving up with one sentence
BUSY_POLL_SECONDS = 1.0  # each attempt's wait; between attempts the waiter is told how long it has waited

# Who hears that a writer is waiting for the database (the CLI prints it; an upload job stores it).
# Called with (seconds waited so far, seconds it will wait at most).
BusyReporter = Callable[[float, float], None]
busy_reporter: contextvars.ContextVar[BusyReporter | None] = contextvars.ContextVar(
    "busy_reporter", default=None
)


class DatabaseBusy(JointfundError):
    """Another writer held the database for longer than a writer waits (BUSY_WAIT_SECONDS)."""

    def __init__(self, waited: float) -> None:
        super().__init__(
            f"the database is busy: another writer (an import or another command) has held it for "
            f"{waited:.0f} s, so nothing was changed; try again when it has finished"
        )
        self.retry_after = max(1, int(BUSY_POLL_SECONDS * 5))


def wait_for_writer(attempt: Callable[[], bool], limit: float | None = None) -> None:
    """Call `attempt` (True once it holds the write lock) until it succeeds, telling the busy reporter how
    long
    it has waited; after `limit` seconds (BUSY_WAIT_SECONDS) raise DatabaseBusy. Never a driver traceback."""
    limit = BUSY_WAIT_SECONDS if limit is None else limit
    started = time.monotonic()
    report = None
    while not attempt():
        waited = time.monotonic() - started
        if waited >= limit:
            raise DatabaseBusy(waited)
        report = report or busy_reporter.get() or _say_waiting()
        report(waited, limit)


def _say_waiting() -> BusyReporter:
    """The default report, on stderr (the CLI's user, or the server's log): at once, then every five
    seconds."""
    said = -1

    def report(waited: float, limit: float) -> None:
        nonlocal said
        if int(waited // 5) > said:
            said = int(waited // 5)
            import sys

            sys.stderr.write(
                f"waiting for the database: another writer holds it ({waited:.0f} s so far, at most "
                f"{limit:.0f} s)\n"
            )

    return report


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return (
        "database is locked" in text
        or "database is busy" in text
        or "lock timeout" in text
        or getattr(exc.orig, "sqlstate", None) == "55P03"
    )  # PostgreSQL lock_not_available


def resolve_url(url: str | None) -> str:
    """The URL to use: the option, else $JOINTFUND_DB, else a SQLite file in the working directory."""
    chosen = schema.chosen_url(url)
    try:
        parsed = make_url(chosen)
    except ArgumentError:
        raise JointfundError(
            f"not a database URL: {chosen!r} (expected e.g. sqlite:///fund.db or postgresql://user@host/db)",
            field="db",
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise JointfundError(
            f"unsupported database {parsed.get_backend_name()!r}; use sqlite or postgresql", field="db"
        )
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str | None = None, connections: int | None = None, single_reads: bool = False) -> Engine:
    """An engine for `url`; `connections`, if given, is the most it ever opens (its pool, no overflow).

    `single_reads`: for reads of one statement each (`one_statement`), on PostgreSQL in autocommit and
    without a ping at each checkout: a read is then one round trip, not five (ping, BEGIN, the statement,
    COMMIT, and the pool's reset). A connection the server has dropped is found by the read itself
    (`DBAPIError.connection_invalidated`), and the caller reads again on a new one."""
    resolved = resolve_url(url)
    sized = {} if connections is None else {"pool_size": connections, "max_overflow": 0}
    if resolved.startswith("sqlite"):
        engine = create_engine(resolved, connect_args={"timeout": 30}, **sized)
        _tune_sqlite(engine)
    elif single_reads:
        engine = create_engine(resolved, isolation_level="AUTOCOMMIT", **sized)
    else:
        engine = create_engine(resolved, pool_pre_ping=True, **sized)
    return engine


def companion(engine: Engine, connections: int, single_reads: bool = False) -> Engine:
    """A second engine over `engine`'s database with a pool of its own (`connections`; `single_reads` as
    `make_engine` says), or `engine` itself when its database exists only in its connections (in-memory
    SQLite)."""
    if is_sqlite(engine) and engine.url.database in (None, "", ":memory:"):
        return engine
    return make_engine(engine.url.render_as_string(hide_password=False), connections, single_reads)


@contextlib.contextmanager
def one_statement(engine: Engine) -> Iterator[Connection]:
    """A connection for one read statement: in autocommit on an engine made for single reads (PostgreSQL),
    else in a transaction (SQLite, where a transaction costs no round trip)."""
    if is_sqlite(engine):
        with transaction(engine) as conn:
            yield conn
        return
    with engine.connect() as conn:
        yield conn


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001 - DBAPI callback
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (SQLAlchemy's
        # documented recipe); otherwise BEGIN IMMEDIATE and transactional DDL are impossible.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; WAL keeps it consistent
        cur.execute("PRAGMA busy_timeout = 30000")
        # The journal's indexes are read at random places (an account's postings, a key): keep up to
        # ~200 MB of pages per connection instead of the 2 MB default, so a million postings stay hot.
        cur.execute("PRAGMA cache_size = -200000")
        cur.execute("PRAGMA temp_store = MEMORY")  # sorts of GROUP BY / ORDER BY without temp files
        cur.execute("PRAGMA mmap_size = 1073741824")  # reads through the OS page cache without copies
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write transaction takes the write lock at BEGIN, so two writers queue instead of
        # both reading the same log size and one failing at commit.
        if not conn.get_execution_options().get("jointfund_write"):
            conn.exec_driver_sql("BEGIN")
            return
        # Short attempts, so a waiting writer can say that it waits (and stop with one sentence), rather
        # than sit silent in sqlite's busy handler and end in "database is locked".
        # The one SQL text built at run time: a PRAGMA takes no bound parameter, and the value is an int.
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(BUSY_POLL_SECONDS * 1000)}")

        def attempt() -> bool:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except OperationalError as exc:
                if _is_busy(exc):
                    return False
                raise
            return True

        try:
            wait_for_writer(attempt)
        finally:
            conn.exec_driver_sql("PRAGMA busy_timeout = 30000")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def one_writer_at_a_time(engine: Engine) -> bool:
    """Whether a write locks the whole database (SQLite), so side writes are best kept few."""
    return is_sqlite(engine)


@contextlib.contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One serialised write transaction: commits on success, rolls back everything on any error.

    Writers are serialised because the log is a single sequence: BEGIN IMMEDIATE on SQLite,
    a row lock on the fund row on PostgreSQL.
    """
    with engine.connect().execution_options(jointfund_write=True) as conn:
        with conn.begin():
            if not is_sqlite(engine):
                _lock_fund_row(conn)
            settable = clock_settable(conn)
            # Read by the ledger: only a demo or test fund may post an entry dated after the server's today.
            conn.info["clock_settable"] = settable
            clock.refuse_pinned(settable)
            yield conn


def clock_settable(conn: Connection) -> bool:
    """Whether the fund's creation record says its clock may be set (a demo or test fund, see
    jointfund.clock).
    Before the fund's first record exists (its creation), nothing depends on the date, so it may be."""
    first = conn.execute(select(t.event.c.action, t.event.c.data).order_by(t.event.c.seq).limit(1)).first()
    if first is None or first.action != "fund.create":
        return first is None
    return json.loads(first.data).get("clock") == clock.SETTABLE


@contextlib.contextmanager
def side_write(engine: Engine) -> Iterator[Connection]:
    """A short write outside the log's sequence (sign-in sessions and counters, upload jobs).

    On SQLite it still takes the one write lock at BEGIN (waiting its turn, as `write` does), since
    a transaction that read first cannot take it later; on PostgreSQL it locks nothing but its rows.
    """
    with engine.connect().execution_options(jointfund_write=is_sqlite(engine)) as conn:
        with conn.begin():
            yield conn


def _lock_fund_row(conn: Connection) -> None:
    """Lock the fund row (PostgreSQL), in short attempts so a waiting writer is told, then stops with a
    sentence."""

    def attempt() -> bool:
        savepoint = conn.begin_nested()
        try:
            # set_config(..., true) is SET LOCAL, with the value as a parameter
            conn.execute(
                text("SELECT set_config('lock_timeout', :ms, true)"),
                {"ms": f"{int(BUSY_POLL_SECONDS * 1000)}ms"},
            )
            conn.execute(select(t.fund.c.id).with_for_update())
        except OperationalError as exc:
            savepoint.rollback()
            if _is_busy(exc):
                return False
            raise
        conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")
        savepoint.commit()
        return True

    wait_for_writer(attempt)


@contextlib.contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A plain transaction, for reads and for writes that need no place in the log's sequence."""
    with engine.connect() as conn:
        with conn.begin():
            yield conn


migrations_dir = schema.migrations_dir


def alembic_config(engine: Engine):  # noqa: ANN201 - alembic type kept out of the signature
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise JointfundError(f"cannot reach the database: {exc.orig}") from None


head_revision = schema.head_revision


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (Alembic's version table), or None when it has no schema yet."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            found = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except OperationalError as exc:
        raise JointfundError(f"cannot reach the database: {exc.orig}") from None
    return ",".join(found) or None


def schema_state(engine: Engine) -> tuple[str | None, str]:
    """(current revision or None, head revision) of the database."""
    return current_revision(engine), head_revision()


def require_schema(engine: Engine) -> None:
    """Refuse to run on a database whose schema is missing or older than this code."""
    schema.require(current_revision(engine))
