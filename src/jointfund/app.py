"""The application factory: the JSON API under /api, the pages, and the static files, in one FastAPI app.

It lives above both halves, so that `jointfund.api` never imports `jointfund.web`: the pages use the
API's plumbing (deps, errors, security), never the other way round, and there is no import cycle.

    from jointfund.app import create_app
    app = create_app("sqlite:///fund.db")      # or an Engine; serve it with uvicorn

The OpenAPI document is at /api/openapi.json and its interactive page at /api/docs
(served locally: no page of this app loads anything from the network).

Every worker process builds its own app (`from_environment`, the factory `jointfund serve`
hands to uvicorn); all that workers share (sessions, sign-in counters, the CSRF secret, upload
jobs, the book) is in the database, and every in-memory cache is keyed on the book's version.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator
from importlib import resources

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from jointfund import bounds, decisions
from jointfund.api import deps, errors
from jointfund.api.heap import Heap
from jointfund.api.jobs import DEFAULT_MAX_ROWS, Jobs
from jointfund.api.response_cache import ResponseCache
from jointfund.api.routers import (
    books,
    capital,
    commitments,
    governance,
    ledger,
    portfolio,
    public,
    reports,
    revenue,
)
from jointfund.api.security import Guard, LoginLimiter, Sessions
from jointfund.store import db
from jointfund.web import budget as budget_page
from jointfund.web import commitments as commitment_pages
from jointfund.web import imports as import_pages
from jointfund.web import members as member_pages
from jointfund.web import pages
from jointfund.web import pipeline as pipeline_pages
from jointfund.web import records as record_pages
from jointfund.web import reports as report_pages
from jointfund.web import users as user_pages

API_PREFIX = "/api"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_BYTES_ENV = "JOINTFUND_MAX_UPLOAD_BYTES"  # how `jointfund serve` passes its options to each worker
UPLOAD_ROWS_ENV = "JOINTFUND_MAX_UPLOAD_ROWS"
ROUTE_THREADS = 10  # threads running sync routes at once, per worker: fewer than the engine's 15 connections


def create_app(
    engine_or_url: Engine | str | None = None,
    *,
    sessions: Sessions | None = None,
    limiter: LoginLimiter | None = None,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    max_upload_rows: int = DEFAULT_MAX_ROWS,
) -> FastAPI:
    """The web app and the API over one fund's database (an Engine, a URL, or $JOINTFUND_DB)."""
    engine = engine_or_url if isinstance(engine_or_url, Engine) else db.make_engine(engine_or_url)
    decisions.table()  # what each decision kind does, built at start: a broken table fails here, not mid-vote
    app = FastAPI(
        title="jointfund",
        version="1",
        summary="The HTTP API of a co-owned, jointly managed natural-resource fund.",
        description="JSON over one verifiable book of record. Authenticate with "
        "`Authorization: Bearer <token>` (issued with `jointfund users token NAME --label ...`). "
        "Every list is paginated: `limit` items "
        f"(1 to {bounds.MAX_PAGE_ITEMS}; a larger limit is refused with 422 naming the bound, never clamped) "
        "from `offset`, and the answer's `next_offset` (null on the last page) asks for the next page. "
        'Errors share one shape: `{"error": {"field": ..., "loc": ..., "message": ...}}`.',
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.server = deps.Server(
        engine,
        sessions or Sessions(),
        limiter or LoginLimiter(),
        Jobs(max_upload_rows),
        max_upload_bytes=max_upload_bytes,
    )
    bounded = [Depends(deps.bounded_input)]
    for router in (
        public.router,
        ledger.router,
        books.router,
        governance.router,
        revenue.router,
        portfolio.router,
        reports.router,
        commitments.router,
        capital.router,
    ):
        app.include_router(router, prefix=API_PREFIX, dependencies=bounded)
    for router in (
        pages.router,
        pipeline_pages.router,
        report_pages.router,
        budget_page.router,
        commitment_pages.router,
        record_pages.router,
        import_pages.router,
        user_pages.router,
        member_pages.router,
    ):
        app.include_router(router, dependencies=bounded)
    static = resources.files("jointfund.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    errors.install(app, pages.render_error, pages.say_error)
    # Inside the Guard, so a response served from the cache gets the security headers like any other.
    app.add_middleware(ResponseCache)
    app.add_middleware(Guard, max_body_bytes=max_upload_bytes)
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    jobs: Jobs = app.state.server.jobs
    # A sync route runs in a thread and holds one of the engine's connections (a pool of 5 + 10 overflow)
    # while it reads. With anyio's default of 40 threads, a burst of slow reads (the first after a write, on a
    # big
    # book) took every connection and the rest waited for one, failing after the pool's 30 s timeout; fewer
    # threads than connections makes a request wait for a thread instead, with no timeout, and leaves
    # connections over for the upload jobs' own threads.
    to_thread.current_default_thread_limiter().total_tokens = ROUTE_THREADS
    if threading.current_thread() is threading.main_thread():
        # uvicorn's own handler stops taking requests and waits for those in flight; a running import is told
        # at once, so it rolls back at its next batch instead of holding the stop up.
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)

            def handler(number, frame, previous=previous) -> None:  # noqa: ANN001
                jobs.stop_soon()
                if callable(previous):
                    previous(number, frame)

            signal.signal(sig, handler)
    yield
    # Reached on SIGTERM or Ctrl-C once uvicorn has stopped taking requests (a graceful stop).
    cancelled = jobs.cancel_all()
    rolled_back = f"; {cancelled} running import(s) cancelled and rolled back" if cancelled else ""
    sys.stderr.write(f"jointfund serve: worker {os.getpid()} stopped{rolled_back}\n")


def from_environment() -> FastAPI:
    """The app for one worker of `jointfund serve`: the database from $JOINTFUND_DB, limits from the
    environment.

    What the worker has built by now (the modules, the routes, the app; some 185,000 objects) lives as long
    as the worker, so it is moved out of the garbage collector's sight (`gc.freeze`): each full collection
    scanned all of it again, and stopped every request of the worker meanwhile, for 100 to 230 ms about
    seven times a minute under the mixed run's writes; 30 to 100 ms after (issue 13). What a worker builds
    later (templates, catalogues, compiled statements, cached figures) is frozen as it survives: the worker's
    full collections are made on a timer (api.heap) of what survived since the last one."""
    app = create_app(
        None,
        max_upload_bytes=int(os.environ.get(UPLOAD_BYTES_ENV, MAX_UPLOAD_BYTES)),
        max_upload_rows=int(os.environ.get(UPLOAD_ROWS_ENV, DEFAULT_MAX_ROWS)),
    )
    gc.collect()  # garbage first, so that none of it is kept frozen
    gc.freeze()
    app.state.heap = Heap()
    app.state.heap.start()
    return app
