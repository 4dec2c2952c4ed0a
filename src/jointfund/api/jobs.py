"""Upload jobs: an import runs in a thread of the server, never on the event loop; its state is a row.

The request that uploads a file answers at once with the job (the web form is sent to the job's
page, which reloads itself until the job has ended); the API may also wait for the outcome.

- Bounded: an upload may hold at most `max_rows` rows (`jointfund serve --max-upload-rows`); the
  count is checked batch by batch as the import reads, so a file with millions of rows is refused
  after its first `max_rows`, having held the write lock only for as long as those take.
- Progress: rows read so far, and while the import waits for another writer, that it waits.
  Kept in the running server's memory and, on PostgreSQL (where a second connection can write
  while the import holds the book's lock), written to the job's row about once a second, so any
  worker can show it. On SQLite the row is written when the job starts and when it ends.
- A job's id is random and made before its row is written: the row is written by the job's own
  thread, so a request never waits for the database's write lock (on SQLite, one writer at a time)
  just to say that a job has started; until then only the server running it knows the job.
- Cancellable: `cancel_all` (the server's shutdown, on SIGTERM) stops every running import at its
  next batch; its transaction rolls back, so nothing of it is written, and the job says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import insert, select, update

from jointfund.api.bound import EngineBound
from jointfund.errors import InputError, JointfundError, Problem
from jointfund.i18n import N_
from jointfund.store import db
from jointfund.store import tables as t

# Measured here (docs/operations.md): an XLSX of receipts imports at about 5,000 rows/s of one core, with
# accrual; 100,000 rows keep an upload to about 20 s on an idle machine, under the 30 s budget of a writer.
DEFAULT_MAX_ROWS = 100_000
MAX_PROBLEMS_KEPT = 200  # problems stored with a refused job (the count of all of them is in its message)
MAX_REMEMBERED = 200  # jobs of this server kept in memory (the newest), beside their rows
PERSIST_EVERY_SECONDS = 1.0

Progress = Callable[[int], None]
Work = Callable[[Path, Progress], dict]


class Cancelled(JointfundError):
    """The server is stopping: the import stops at its next batch and its transaction rolls back."""


class Job(NamedTuple):
    """An upload job, as its row and (while it runs here) this server's memory say.

    Attributes:
      id: the job's number.
      kind: licences, receipts, fx or payments.
      file: the uploaded file's (sanitised) name.
      actor: who uploaded it.
      state: running, done (imported), refused (bad input, nothing imported), failed (the server's
        fault or a busy database, nothing imported) or cancelled (the server stopped, nothing imported).
      rows: rows read so far.
      message: one sentence: what it does now, or how it ended.
      result: the import's counts once done; {"problems": [...]} once refused; with the file's "sha256"
        once ended, however it ended (the upload history names the file by it).
    """

    id: str
    kind: str
    file: str
    actor: str
    state: str
    rows: int
    message: str | None
    result: dict | None

    @property
    def running(self) -> bool:
        return self.state == "running"


def _now_ms() -> int:
    return int(time.time() * 1000)


def too_many_rows(limit: int, file: str) -> InputError:
    """An upload of more than `limit` rows: refused, naming the limit (checked as the rows are read)."""
    shown = f"{limit:,}"
    return InputError(
        [Problem("file", TOO_MANY_ROWS % {"limit": shown, "part": shown}, file)], f"{file} not imported"
    )


# A gettext template (web.texts recognises it). The option that sets the limit is the operator's, in a
# sentence of its own, which a page drops (web.texts.without_commands): a page only says the limit and what to
# do.
TOO_MANY_ROWS = N_(
    "has more than %(limit)s rows, the most an upload may have: split the file into parts of at "
    "most %(part)s "
    "rows and upload each one. The server's operator sets this limit (--max-upload-rows)"
)


class Jobs(EngineBound):
    """This server's upload jobs: started here, each in its own thread; readable by any worker."""

    def __init__(self, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.max_rows = max_rows
        self.runner = f"{socket.gethostname()}:{os.getpid()}"[:200]
        self._cancel = threading.Event()
        self._told = 0  # jobs running when a stop was signalled (they may end before cancel_all runs)
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self._mine: dict[str, Job] = {}  # jobs started here, as they are now (the newest MAX_REMEMBERED)
        self._errors: dict[str, BaseException] = {}  # how a job ended badly, for a caller that waits for it

    def start(self, kind: str, file: str, actor: str, data: bytes, work: Work) -> str:
        """Start `work(path, progress)` on a copy of `data` in a thread; the job's id, at once."""
        if self._cancel.is_set():
            raise JointfundError("the server is stopping; upload the file again once it has restarted")
        job = Job(uuid.uuid4().hex, kind, file, actor, "running", 0, None, None)
        thread = threading.Thread(
            target=self._run, args=(job, data, work), name=f"upload-job-{job.id}", daemon=True
        )
        with self._lock:
            self._mine[job.id] = job
            while len(self._mine) > MAX_REMEMBERED:
                self._mine.pop(next(iter(self._mine)))
            self._threads[job.id] = thread
        thread.start()
        return job.id

    def _run(self, job: Job, data: bytes, work: Work) -> None:
        rows, last_persisted = 0, time.monotonic()
        persist = not db.one_writer_at_a_time(self._engine())  # see the module's docstring

        def note(message: str | None = None) -> None:
            nonlocal last_persisted
            with self._lock:
                self._mine[job.id] = self._mine.get(job.id, job)._replace(rows=rows, message=message)
            if persist and time.monotonic() - last_persisted >= PERSIST_EVERY_SECONDS:
                last_persisted = time.monotonic()
                self._write(job.id, rows=rows, message=message)

        def progress(n: int) -> None:
            nonlocal rows
            rows += n
            if self._cancel.is_set():
                raise Cancelled("the server is stopping; nothing was imported")
            if rows > self.max_rows:
                raise too_many_rows(self.max_rows, job.file)
            note()

        def waiting(waited: float, limit: float) -> None:
            if self._cancel.is_set():
                raise Cancelled("the server is stopping; nothing was imported")
            note(
                f"waiting for the database: another writer holds it ({waited:.0f} s so far, "
                f"at most {limit:.0f} s)"
            )

        db.busy_reporter.set(waiting)
        digest = hashlib.sha256(data).hexdigest()
        state, message, result, recorded = "failed", None, None, False
        error: BaseException | None = None
        try:
            now = _now_ms()
            with db.side_write(self._engine()) as conn:
                conn.execute(
                    insert(t.upload_job).values(
                        id=job.id,
                        kind=job.kind,
                        file=job.file,
                        actor=job.actor,
                        state="running",
                        rows=0,
                        message=None,
                        result_json=None,
                        runner=self.runner,
                        created_ms=now,
                        updated_ms=now,
                    )
                )
            recorded = True
            with tempfile.TemporaryDirectory(prefix="jointfund-upload-") as folder:
                path = Path(folder) / job.file
                path.write_bytes(data)
                del data
                result = work(path, progress)
            state = "done"
            message = f"imported {result.get('new', 0):,} new rows of {result.get('rows', rows):,}"
        except Cancelled as exc:
            error = exc
            state, message = "cancelled", "stopped because the server was stopping; nothing was imported"
        except InputError as exc:
            error = exc
            state, message = "refused", f"{exc.summary}: {len(exc.problems)} problem(s)"
            result = {
                "problems": [
                    {
                        "field": p.location,
                        "message": p.message,
                        "value": None if p.value is None else str(p.value)[:200],
                    }
                    for p in exc.problems[:MAX_PROBLEMS_KEPT]
                ]
            }
        except JointfundError as exc:  # a busy database among them
            error = exc
            state, message = ("failed" if isinstance(exc, db.DatabaseBusy) else "refused"), str(exc)
        except Exception as exc:  # noqa: BLE001 - a bug: logged for the operator, one sentence for the user
            error = exc
            traceback.print_exc(file=sys.stderr)
            state, message = (
                "failed",
                ("the import failed inside the server (its log has the details); nothing was imported"),
            )
        finally:
            result = {**(result or {}), "sha256": digest}
            ended = job._replace(state=state, rows=rows, message=message, result=result)
            with self._lock:
                self._mine[job.id] = ended
                if error is not None:
                    self._errors[job.id] = error
                    while len(self._errors) > MAX_REMEMBERED:  # kept only for a caller waiting now
                        self._errors.pop(next(iter(self._errors)))
            try:
                if recorded:
                    self._write(
                        job.id,
                        state=state,
                        rows=rows,
                        message=message,
                        result_json=None if result is None else json.dumps(result),
                    )
            except Exception:  # noqa: BLE001 - the outcome stays known here; the row keeps saying running
                traceback.print_exc(file=sys.stderr)
            finally:
                with self._lock:
                    self._threads.pop(job.id, None)

    def _write(self, job_id: str, **values: object) -> None:
        with db.side_write(self._engine()) as conn:
            conn.execute(
                update(t.upload_job).where(t.upload_job.c.id == job_id).values(updated_ms=_now_ms(), **values)
            )

    def get(self, job_id: str) -> Job | None:
        """The job: as this server knows it while it runs here, else as its row says (any worker's)."""
        with self._lock:
            mine = self._mine.get(job_id)
        if mine is not None and mine.running:
            return mine
        with db.transaction(self._engine()) as conn:
            row = conn.execute(select(t.upload_job).where(t.upload_job.c.id == job_id)).first()
        if row is None or (mine is not None and row.state == "running"):
            return mine
        return Job(
            row.id,
            row.kind,
            row.file,
            row.actor,
            row.state,
            row.rows,
            row.message,
            None if row.result_json is None else json.loads(row.result_json),
        )

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """Wait for a job started here to end; its outcome. A refused or failed job raises what stopped it."""
        with self._lock:
            thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        job = self.get(job_id)
        assert job is not None
        with self._lock:
            error = self._errors.pop(job_id, None)
        if error is not None and job.state != "done":
            if isinstance(error, JointfundError):
                raise error
            raise JointfundError(job.message or "the import failed")
        return job

    def stop_soon(self) -> None:
        """Tell every job here to stop at its next batch; refuse new ones (safe in a signal handler: no
        lock)."""
        self._cancel.set()
        self._told = max(self._told, len(self._threads))

    def cancel_all(self, timeout: float = 30) -> int:
        """Stop every job here (each rolls back at its next batch) and wait for them; how many there were."""
        self._cancel.set()
        with self._lock:
            threads = list(self._threads.values())
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        # A job told by the signal may have rolled back and ended before this ran: it was cancelled all the
        # same.
        return max(len(threads), self._told)
