"""The treasury's imports in the web: templates to download, a preview before anything is written, a
confirmation that imports exactly the previewed file, and the history of every import.

1. /revenue/imports: a form per kind of import the user may make, each with its CSV and XLSX template
   (revenue.templates, as `jointfund templates` writes them).
2. The form posts the file to /revenue/upload/{what}: a dry run (revenue.dry_run) of the import, in its
   one transaction, rolled back. Every problem is shown beside that form, by row and column in the page's
   language, with status 400 (a broken, empty or unreadable file among them, named); a good file's preview
   shows its counts and first rows, and keeps the file by SHA-256 (api.previews).
3. The preview's confirm form carries only that digest: the server imports the bytes it previewed (an
   upload job, api.jobs), so another file cannot be swapped in.
4. /revenue/uploads: the history (revenue.import_history).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from jointfund.api import deps
from jointfund.api.jobs import too_many_rows
from jointfund.api.uploads import start_job
from jointfund.errors import InputError, NotFound, Problem
from jointfund.i18n import N_
from jointfund.revenue import dry_run, fx, import_history, intake, upload
from jointfund.revenue import templates as tpl
from jointfund.web import i18n
from jointfund.web.pages import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(deps.allow("books.read"))
TEMPLATE_KINDS = {"licences": "licences", "receipts": "receipts", "fx": "rates", "payments": "payments"}
MEDIA = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
HISTORY_PAGE = 50


def _spec(what: str) -> intake.Intake:
    if what not in intake.KINDS:
        raise NotFound(f"no upload of {what}; expected one of {', '.join(intake.KINDS)}")
    return intake.KINDS[what]


def imports_page(request: Request, status: int = 200, refused: dict | None = None) -> Response:
    """The forms; `refused` (the kind, the file and its problems) is shown beside its kind's form."""
    return render(
        request,
        "imports.html",
        status=status,
        uploads=intake.KINDS,
        formats=tpl.FORMATS,
        refused=refused,
    )


@router.get("/revenue/imports", response_class=HTMLResponse)
def imports(request: Request, _who=READ) -> Response:
    return imports_page(request)


@router.get("/revenue/templates/{what}.{fmt}")
def template(request: Request, what: str, fmt: str, _who=READ) -> Response:
    """The CSV or XLSX template of an upload (its columns and an example row), as `jointfund templates`."""
    _spec(what)
    if fmt not in tpl.FORMATS:
        raise NotFound(f"no {fmt} template; expected one of {', '.join(tpl.FORMATS)}")
    name, content = tpl.template(TEMPLATE_KINDS[what], fmt)
    return Response(
        content, media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def where(location: str, file: str) -> tuple[str, str]:
    """(row, column) of a problem's location ("r.csv:12:amount"); empty for the whole file."""
    if location == file or location == "file":
        return "", ""
    rest = location.removeprefix(f"{file}:")
    row, _, column = rest.partition(":")
    return row, column


def _preview(
    request: Request, what: str, name: str, data: bytes, actor: str, accept_jump: bool = False
) -> dry_run.Preview:
    _spec(what)  # an unknown kind is NotFound
    server = deps.server(request)
    read = 0

    def progress(n: int) -> None:  # the same bound as an upload job's
        nonlocal read
        read += n
        if read > server.jobs.max_rows:
            raise too_many_rows(server.jobs.max_rows, name)

    with tempfile.TemporaryDirectory(prefix="jointfund-preview-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return dry_run.dry_run(
            server.engine, deps.fund(request), what, path, actor, progress, accept_jump=accept_jump
        )


def _shown(value: object, lang: str) -> str:
    """A sample's value as the page's language writes it (numbers and dates), else as it is."""
    if isinstance(value, Decimal):  # money to the cent at least; a rate with all its digits
        exponent = value.as_tuple().exponent
        return i18n.number(value, lang, max(2, -exponent) if isinstance(exponent, int) else None)
    if isinstance(value, dt.date):
        return i18n.date(value, lang)
    if isinstance(value, (tuple, list, frozenset, set)):  # a receipt's flags: "()" was Python's, not a word
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


# A rate file whose only problems are jumps beyond the terms' daily limit may be imported once the importer
# confirms them (the CLI's --accept-jump). The preview keeps such a file under a kind of its own, so only the
# confirmation step takes it, and the confirmed preview under another, so only its import accepts the jumps:
# a form cannot ask to accept jumps the importer did not confirm in the preview.
JUMP_ASKED = "fx:jump-asked"
JUMP_CONFIRMED = "fx:jump-confirmed"


def _refused(request: Request, what: str, name: str, exc: InputError, jump: str | None = None) -> Response:
    """The import page with every problem of `exc` beside `what`'s form (400); with `jump` (a kept file's
    SHA-256), the confirmation of its rates' jumps."""
    problems = [
        {
            "row": row,
            "column": column,
            "message": p.message,
            "value": None if p.value is None else str(p.value),
        }
        for p in exc.problems
        for row, column in [where(p.location, name)]
    ]
    refused = {"what": what, "file": name, "summary": exc.summary, "problems": problems, "jump": jump}
    return imports_page(request, 400, refused)


async def _shown_preview(
    request: Request, what: str, shown: dry_run.Preview, data: bytes, actor: str, accept_jump: bool = False
) -> Response:
    kind = JUMP_CONFIRMED if accept_jump else what
    digest = await run_in_threadpool(deps.server(request).previews.keep, data, shown.file, kind, actor)
    assert digest == shown.sha256, "the previewed bytes are the kept bytes"
    lang = language(request)
    rows = [[_shown(row.get(c), lang) for c in shown.columns] for row in shown.sample]
    return render(
        request, "import_preview.html", what=what, preview=shown, rows=rows, accept_jump=accept_jump
    )


@router.post("/revenue/upload/{what}", response_class=HTMLResponse)
async def preview(request: Request, what: str) -> Response:
    """Step 1: what importing the file would do, or every problem beside the form (400); writes nothing."""
    spec = _spec(what)
    who = await deps.authorise_change(request, spec.action)  # before the form is read: policy first
    field = (await request.form()).get("file")
    file = field if isinstance(field, UploadFile) and field.filename else None  # None: no file chosen
    chosen = file is not None
    name = upload.safe_name(file.filename if file is not None else None)
    try:
        if file is None:
            raise InputError([Problem("file", N_("choose a file to check"))], f"{what} not imported")
        name = upload.upload_name(what, file.filename)
        data = await file.read()
        shown = await run_in_threadpool(_preview, request, what, name, data, who.name)
    except InputError as exc:
        jump = None
        if what == "fx" and all(fx.is_jump(p.message) for p in exc.problems):
            jump = await run_in_threadpool(
                deps.server(request).previews.keep, data, name, JUMP_ASKED, who.name
            )
        return _refused(request, what, name if chosen else "", exc, jump)
    return await _shown_preview(request, what, shown, data, who.name)


@router.post("/revenue/upload/fx/accept-jump", response_class=HTMLResponse)
async def accept_jump(request: Request) -> Response:
    """Step 1 again for a rate file refused only for its jumps, which the importer has now confirmed: the
    kept file's preview with the jumps accepted, or its problems (400)."""
    who = await deps.authorise_change(request, _spec("fx").action)
    form = await request.form()
    digest = form.get("sha256")
    digest = digest if isinstance(digest, str) else ""
    previews = deps.server(request).previews
    if form.get("confirm") != "yes":  # the box is required in the page; a form without it confirms nothing
        raise InputError(
            [Problem("confirm", N_("tick the box to confirm the rates, or choose another file"))],
            "fx not imported",
        )
    name, data = await run_in_threadpool(previews.take, digest, JUMP_ASKED, who.name)
    try:
        shown = await run_in_threadpool(_preview, request, "fx", name, data, who.name, True)
    except InputError as exc:
        return _refused(request, "fx", name, exc)
    return await _shown_preview(request, "fx", shown, data, who.name, accept_jump=True)


@router.post("/revenue/upload/{what}/confirm", response_class=HTMLResponse)
async def confirm(request: Request, what: str) -> Response:
    """Step 2: import exactly the previewed file, found by its SHA-256, as an upload job."""
    spec = _spec(what)
    who = await deps.authorise_change(request, spec.action)  # before the form is read: policy first
    form = await request.form()
    digest = form.get("sha256")
    # Jumps are accepted only for a file whose preview confirmed them (kept under its own kind).
    accepted = what == "fx" and form.get("accept_jump") == "yes"
    previews = deps.server(request).previews
    name, data = await run_in_threadpool(
        previews.take,
        digest if isinstance(digest, str) else "",
        JUMP_CONFIRMED if accepted else what,
        who.name,
    )
    job_id = await run_in_threadpool(start_job, request, what, name, data, who.name, accepted)
    return RedirectResponse(f"/revenue/uploads/{job_id}", status_code=303)


@router.get("/revenue/uploads", response_class=HTMLResponse)
def history(request: Request, offset: int = Query(0, ge=0, le=1_000_000), _who=READ) -> Response:
    """Every import, newest first: who, when, the file (name and SHA-256), rows, and how it ended."""
    with deps.reading(request) as conn:
        found = import_history.history(conn, HISTORY_PAGE + 1, offset)
    return render(
        request,
        "import_history.html",
        imports=found[:HISTORY_PAGE],
        next_offset=offset + HISTORY_PAGE if len(found) > HISTORY_PAGE else None,
    )
