"""The register page: the agreements' commitments, filters, alerts and a timeline, in English and Ukrainian.

Everyone sees it (`public.read`). Officers (the policy's `commitments.event` and `commitments.record`) record
an event or an outcome with its evidence on the same page; a refused form comes back with every problem
listed.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from jointfund import clock, i18n
from jointfund.api import deps
from jointfund.api.errors import body_of
from jointfund.api.schemas import EventIn
from jointfund.commitments import due, evidence, overview, register
from jointfund.errors import InputError, JointfundError, Problem
from jointfund.i18n import N_
from jointfund.web.pages import language, render

router = APIRouter(include_in_schema=False)
PUBLIC = Depends(deps.allow("public.read"))

# A due rule in words (the register keeps it as written in the agreement's data: "signature + 10 years",
# "calendar:data", "terms:reinvestment_end", which a Ukrainian page showed as they are).
# (singular, plural) of a plural catalogue entry: N_ marks the entry by its singular, as ngettext's first
# argument does; the plural is the entry's msgid_plural.
DELAYS = {
    "hours": (N_("%(num)s hour"), "%(num)s hours"),
    "days": (N_("%(num)s day"), "%(num)s days"),
    "weeks": (N_("%(num)s week"), "%(num)s weeks"),
    "months": (N_("%(num)s month"), "%(num)s months"),
    "years": (N_("%(num)s year"), "%(num)s years"),
}
AFTER = N_("%(delay)s after: %(event)s")
EVERY_YEAR = N_("every year on %(day)s")
CALENDAR = N_("every year, by the compliance calendar: %(what)s")
TERMS_DATES = {
    "entry_into_force": N_("the day the agreement entered into force"),
    "reinvestment_end": N_("the end of the reinvestment period, as the terms set it"),
}


def rule_words(request: Request, lang: str):  # noqa: ANN201 - the page's function of a rule's text
    """words(rule): a commitment's due rule in the page's language, each event and deadline by its name."""
    tr = i18n.translations(lang)
    uk = lang == "uk"
    events = {e.code: e.name_uk if uk else e.name for a in register.agreements() for e in a.events}
    deadlines = {d.code: d.name for d in deps.fund(request).base_terms().calendar.deadlines}

    def words(text: str) -> str:
        written = (
            text.removesuffix(" yearly") if text.startswith("calendar:") else text
        )  # str(CalendarDeadline)
        try:
            rule = due.parse(written)
        except ValueError:
            return text  # not a rule the register reads: shown as written
        if isinstance(rule, due.Fixed):
            return i18n.date(rule.day, lang)
        if isinstance(rule, due.Yearly):
            day = f"{rule.day:02d}.{rule.month:02d}" if uk else f"{rule.month:02d}-{rule.day:02d}"
            return tr.gettext(EVERY_YEAR) % {"day": day}
        if isinstance(rule, due.CalendarDeadline):
            return tr.gettext(CALENDAR) % {"what": tr.gettext(deadlines.get(rule.code, rule.code))}
        if isinstance(rule, due.TermsDate):
            return tr.gettext(TERMS_DATES[rule.name])
        one, many = DELAYS[rule.unit]
        delay = tr.ngettext(one, many, rule.number) % {"num": i18n.number(rule.number, lang, 0)}
        return tr.gettext(AFTER) % {"delay": delay, "event": events.get(rule.event, rule.event)}

    return words


def page(
    request: Request, agreement: str | None, status: str | None, error: dict | None = None, code: int = 200
) -> Response:
    with deps.reading(request) as conn:
        v = overview.overview(conn, deps.fund(request), clock.today(), agreement, status)
    return render(
        request,
        "commitments.html",
        status=code,
        v=v,
        agreement=agreement or "",
        chosen=status or "",
        rule_words=rule_words(request, language(request)),
        error=error,
    )


@router.get("/commitments", response_class=HTMLResponse)
def register_page(
    request: Request,
    agreement: str | None = Query(None, max_length=40),
    status: str | None = Query(None, max_length=20),
    _who=PUBLIC,
) -> Response:
    return page(request, agreement or None, status or None)


@router.post("/commitments/event", response_class=HTMLResponse)
async def event(request: Request) -> Response:
    who = await deps.authorise_change(request, "commitments.event")
    form = await request.form()
    try:
        e = EventIn.model_validate(
            {
                "kind": str(form.get("kind", "")),
                "date": str(form.get("date", "")),
                "note": str(form.get("note", "")),
            }
        )
        await run_in_threadpool(
            deps.write, request, overview.event, who.name, e.kind, e.date, e.note, clock.today()
        )
    except ValidationError as exc:
        problems = [
            Problem(".".join(str(x) for x in err["loc"]) or "form", err["msg"]) for err in exc.errors()
        ]
        return page(request, None, None, body_of(InputError(problems, "event not recorded"))["error"], 422)
    except JointfundError as exc:
        return page(request, None, None, body_of(exc)["error"], 422)
    return RedirectResponse("/commitments", status_code=303)


@router.post("/commitments/record", response_class=HTMLResponse)
async def record(request: Request) -> Response:
    who = await deps.authorise_change(request, "commitments.record")
    form = await request.form()
    files = [
        (f.filename or "evidence", await f.read(evidence.MAX_BYTES + 1))
        for f in form.getlist("evidence")
        if isinstance(f, UploadFile) and f.filename
    ][: overview.MAX_FILES + 1]
    try:
        await run_in_threadpool(
            deps.write,
            request,
            overview.outcome,
            who.name,
            str(form.get("commitment", "")),
            str(form.get("status", "")),
            str(form.get("date", "")),
            str(form.get("note", "")),
            files,
            clock.today(),
        )
    except JointfundError as exc:
        return page(request, None, None, body_of(exc)["error"], 422)
    return RedirectResponse("/commitments", status_code=303)
