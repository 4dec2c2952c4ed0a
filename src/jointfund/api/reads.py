"""The cached reads that API routes and web pages share: the public summary and the outlook, both built on
the partners' capital accounts of the day, and the compliance calendar, each computed once per book version
(issue 13) and shared by the two (issue 17: a page calls these, never a route function)."""

from __future__ import annotations

from fastapi import Request

from jointfund import clock
from jointfund.api import deps
from jointfund.capital.accounts import FundCapital, carried_capital
from jointfund.forecast import outlook
from jointfund.reports import summary
from jointfund.revenue import deadlines


def capital_today(request: Request) -> FundCapital:
    """The partners' capital accounts today, computed once per book version and day for every page that
    shows them (the summary and the outlook's start both did, after each write). Read on a connection of its
    own, never while the caller holds one: a route holding two could exhaust the pool.

    After a write only the allocation pieces its entries fall in are summed again (capital.accounts.Pieces,
    carried from the last computation of this process): the figures are the whole computation's, the reads
    a write's."""
    info = deps.fund(request)
    carried = deps.server(request).carried

    def compute() -> FundCapital:
        with deps.reading(request) as conn:
            fc, pieces = carried_capital(conn, info, clock.today(), earlier=carried.get("capital.pieces"))
        carried.put("capital.pieces", pieces)
        return fc

    return deps.cached(request, "capital.accounts", (), compute)


def public_summary(request: Request) -> dict:
    """The published aggregates (role-independent: the public sees them), cached per book version and day;
    each year's contributions are kept in the same cache under what they depend on (summary.contributions),
    so after a write only the year it touched is tallied again, and of it only the receipts the write added
    (the last year's tallies carried, summary.year_tallies)."""
    today, info, server = clock.today(), deps.fund(request), deps.server(request)

    def compute() -> dict:
        fc = capital_today(request)  # on a connection of its own, before this read's
        with deps.reading(request) as conn:
            return summary.summary(conn, info, today, fc, server.reads.get, server.carried)

    return deps.cached(request, "jointfund.reports.summary.summary", (today,), compute)


def outlook_document(request: Request, with_tornado: bool) -> dict:
    """The forecast document for today's book, cached per book version and day (about a second to compute,
    0.3 s without the tornado); shared between requests and pages, never mutated. A book the forecast cannot
    start from is refused, and the refusal is cached like a result until the next write."""
    return deps.cached_read(
        request,
        outlook.book_outlook,
        clock.today(),
        with_tornado,
        keep_refusals=True,
        given=lambda: capital_today(request),
    )


def calendar_rows(request: Request, year: int | None) -> list[dict]:
    """The compliance calendar's rows (of `year`, else every year) today, cached per book version and day;
    after a write its transfer statuses read only the receivable's postings since the last computation of
    this process (revenue.transfer.Receivable, carried)."""
    return deps.cached_read(
        request, deadlines.calendar_rows, year, clock.today(), given=lambda: deps.server(request).carried
    )
