"""One error shape for the whole API: {"error": {"field", "loc", "message", "problems": [...]}}.

A JointfundError becomes a 4xx with its message (never a traceback): input errors list
every problem with its location, like the CLI's imports; pages get the same message as HTML.
A problem with a request's domain field ("amount") is placed at its JSON path (["body", "amount"]),
as FastAPI places its own validation errors, so a client finds the field it sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from jointfund.api.jobs import Cancelled
from jointfund.errors import ConflictError, InputError, IntegrityError, JointfundError, NotFound, Refused
from jointfund.store.db import DatabaseBusy


class ProblemOut(BaseModel):
    """One problem of the input: where (file:line:column, or a field), what is wrong, and the value given."""

    field: str | None
    loc: list[str | int] | None = None
    message: str
    value: str | None = None


class ErrorBody(BaseModel):
    field: str | None = None
    loc: list[str | int] | None = None
    message: str
    problems: list[ProblemOut] = []
    said: str | None = Field(
        None,
        description="The error in words for a person, in the request's language (?lang=, the language "
        "cookie, Accept-Language): what a page shows. `message` stays English, for programs.",
    )


class ErrorOut(BaseModel):
    """The API's one error shape."""

    error: ErrorBody


class NotSignedIn(JointfundError):
    """The request needs a signed-in user (a session, or a bearer token for the API)."""


class CsrfRefused(JointfundError):
    """A state-changing form or fetch without this session's CSRF token."""


class TooManyAttempts(JointfundError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


STATUS: tuple[tuple[type[JointfundError], int], ...] = (
    (InputError, 422),
    (NotFound, 404),
    (Refused, 403),
    (CsrfRefused, 403),
    (NotSignedIn, 401),
    (ConflictError, 409),
    (TooManyAttempts, 429),
    (IntegrityError, 500),
    (DatabaseBusy, 503),
    (Cancelled, 503),
)

# Every documented error response of an API route, so clients (and schemathesis) know the shape.
RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}


def status_of(exc: JointfundError) -> int:
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 400)


# The domain fields a request body names otherwise: the member who acts is the body's "member".
BODY_NAMES = {"actor": "member"}


def json_path(field: str | None, source: str = "body") -> list[str | int] | None:
    """Where the domain field `field` is in a request: ["body", "amount"] (["query", "status"] for a GET);
    "fields.sector" is nested."""
    if field is None:
        return None
    head, _, rest = field.partition(".")
    return [source, BODY_NAMES.get(head, head), *(rest.split(".") if rest else ())]


def _named(location: str, path: list[str | int] | None) -> str:
    """A problem's "field" as FastAPI's own validation errors give it: the JSON path without "body"."""
    return location if path is None else ".".join(str(x) for x in path[1:])


def body_of(exc: JointfundError, source: str = "body") -> dict:
    """The error's JSON; `source` is where the request's fields were ("body", or "query" for a GET)."""
    if isinstance(exc, InputError):
        problems: list[dict[str, Any]] = []
        for p in exc.problems:
            path = json_path(p.field, source)
            problems.append(
                {
                    "field": _named(p.location, path),
                    "loc": path,
                    "message": p.message,
                    "value": None if p.value is None else str(p.value),
                }
            )
        return {
            "error": {
                "field": problems[0]["field"],
                "loc": problems[0]["loc"],
                "message": InputError(
                    [
                        p._replace(location=str(q["field"]))
                        for p, q in zip(exc.problems, problems, strict=True)
                    ],
                    exc.summary,
                ).render(),
                "problems": problems,
            }
        }
    path = json_path(exc.field, source)
    named = None if path is None else _named("", path)
    message = f"{named}: {exc}" if named else str(exc)
    return {"error": {"field": named, "loc": path, "message": message, "problems": []}}


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


# The error's words for a person in the request's language, given by the pages (web.pages.say_error): the API
# never imports the pages, and the domain keeps one English text, which the pages recognise (web.texts).
Say = Callable[[Request, dict], str]


def install(app: FastAPI, render_page, say: Say | None = None) -> None:  # noqa: ANN001 - web.pages.render_error
    """Handlers for both halves: JSON under /api/ (with `said`, when `say` is given), a page elsewhere."""

    def answer(request: Request, status: int, body: dict, headers: dict | None = None) -> Response:
        if wants_html(request):
            return render_page(request, status, body["error"], headers)
        if say is not None:
            body["error"]["said"] = say(request, body["error"])
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(JointfundError)
    async def _domain(request: Request, exc: JointfundError) -> Response:
        headers = (
            {"Retry-After": str(exc.retry_after)}
            if isinstance(exc, (TooManyAttempts, DatabaseBusy))
            else None
        )
        if isinstance(exc, NotSignedIn) and not wants_html(request):
            headers = {"WWW-Authenticate": 'Bearer realm="jointfund"'}
        source = "query" if request.method in ("GET", "HEAD") else "body"
        return answer(request, status_of(exc), body_of(exc, source), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "field": ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
                or None,
                "loc": list(e.get("loc", ())) or None,
                "message": e.get("msg", "invalid"),
                "value": _text(e.get("input")),
            }
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"field": None, "message": "invalid request"}
        body = {
            "error": {
                "field": first["field"],
                "loc": first.get("loc"),
                "message": f"{first['field'] or 'request'}: {first['message']}",
                "problems": problems,
            }
        }
        return answer(request, 422, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return answer(
            request,
            exc.status_code,
            {"error": {"field": None, "message": str(exc.detail), "problems": []}},
            getattr(exc, "headers", None),
        )


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)[:200]
