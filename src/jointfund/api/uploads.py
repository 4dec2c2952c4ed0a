"""An upload's import as a job of this server (api.jobs), and the job as every surface shows it: the API's
/api/revenue/uploads and the web's import pages both start and show jobs through here (issue 17)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import Path as FastapiPath
from fastapi import Request

from jointfund.api import deps
from jointfund.api.jobs import Job
from jointfund.revenue import intake
from jointfund.store import db

JobId = Annotated[str, FastapiPath(pattern=r"^[0-9a-f]{32}$", description="the id the upload gave")]


def job_out(job: Job) -> dict:
    done = job.result if job.state == "done" else None
    problems = (job.result or {}).get("problems", []) if job.state == "refused" else []
    return {
        **job._asdict(),
        "result": done,
        "problems": problems,
        "status_url": f"/api/revenue/uploads/{job.id}",
    }


def start_job(
    request: Request, what: str, name: str, data: bytes, actor: str, accept_jump: bool = False
) -> str:
    """Start importing `data` (a file called `name`) as a job of this server; its id."""
    info = deps.fund(request)
    engine = deps.server(request).engine

    def work(path: Path, progress: Callable[[int], None]) -> dict:
        with db.write(engine) as conn:
            stage = intake.rows_only(progress)
            done = intake.import_file(conn, info, what, path, actor, stage=stage, accept_jump=accept_jump)
        return done.summary()

    return deps.server(request).jobs.start(what, name, actor, data, work)
