"""`jointfund serve`: the web application and the HTTP API (FastAPI on uvicorn), in one or several workers.

Workers share nothing but the database: sessions, sign-in counters, the CSRF secret and upload jobs
live there (see api.security), so any worker, or any host over the same PostgreSQL, can serve any
request. Each worker builds its app with jointfund.app.from_environment, from the variables set here.
"""

from __future__ import annotations

import os

import typer

from jointfund.cli import context
from jointfund.cli.output import say


def serve(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on; the loopback unless you mean to expose it."
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Worker processes; they share sessions and sign-in limits through the database.",
    ),
    max_upload_rows: int = typer.Option(
        None,
        "--max-upload-rows",
        min=1,
        help="Most rows one upload may hold [default: 100,000, about 20 s of import, see "
        "docs/operations.md].",
    ),
    forwarded_allow_ips: str = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Comma-separated addresses of the reverse proxy whose X-Forwarded-For and X-Forwarded-Proto are "
        "trusted (client address for sign-in limits; https for Secure cookies). Without it none is trusted.",
    ),
) -> None:
    """Serve the web application and the JSON API (docs at /api/docs, OpenAPI at /api/openapi.json)."""
    import uvicorn

    from jointfund import app as app_mod
    from jointfund.store import db

    engine = context.engine(ctx)
    context.fund(ctx)  # refuse an empty database before listening
    from jointfund.api.security import Signer

    Signer().key(engine)  # made once, before the workers start, so they need not race to make it
    os.environ[db.ENV_VAR] = engine.url.render_as_string(hide_password=False)
    if max_upload_rows is not None:
        os.environ[app_mod.UPLOAD_ROWS_ENV] = str(max_upload_rows)
    say(
        f"serving {engine.url.render_as_string(hide_password=True)} on http://{host}:{port}/ with {workers} "
        f"worker{'s' if workers > 1 else ''} (API docs: http://{host}:{port}/api/docs); stop "
        "with Ctrl-C or SIGTERM"
    )
    engine.dispose()
    # loop/http "auto" take uvloop and httptools (dependencies of the project, C parsers) over asyncio and
    # h11; no access log: a line per request costs more than serving a cached page. Forwarded headers are read
    # only
    # from the proxies named (uvicorn would otherwise trust 127.0.0.1, or $FORWARDED_ALLOW_IPS, by default).
    trusted = forwarded_allow_ips.strip() if forwarded_allow_ips else ""
    uvicorn.run(
        f"{app_mod.__name__}:{app_mod.from_environment.__name__}",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        server_header=False,
        access_log=False,
        loop="auto",
        http="auto",
        timeout_graceful_shutdown=10,
    )
