"""`jointfund serve`: the web application and the HTTP API, from one process (FastAPI on uvicorn)."""

from __future__ import annotations

import typer

from jointfund.cli import context
from jointfund.cli.output import say


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; the loopback unless you mean to expose it."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    forwarded_allow_ips: str = typer.Option(
        None, "--forwarded-allow-ips",
        help="Addresses of the TLS-terminating proxy whose X-Forwarded-Proto is trusted (cookies are then Secure)."),
) -> None:
    """Serve the web application and the JSON API (docs at /api/docs, OpenAPI at /api/openapi.json)."""
    import uvicorn

    from jointfund.api.app import create_app

    engine = context.engine(ctx)
    context.fund(ctx)  # refuse an empty database before listening
    say(f"serving {engine.url.render_as_string(hide_password=True)} on http://{host}:{port}/ "
        f"(API docs: http://{host}:{port}/api/docs); stop with Ctrl-C")
    # loop/http "auto" take uvloop and httptools (dependencies of the project, C parsers) over asyncio and h11;
    # no access log: a line per request costs more than serving a cached page.
    uvicorn.run(create_app(engine), host=host, port=port, log_level="warning", proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips or "127.0.0.1", server_header=False, access_log=False,
                loop="auto", http="auto")
