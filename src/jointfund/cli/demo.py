"""`jointfund demo`: build the demo fund and show what it holds."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund import clock
from jointfund.capital.calls import partner_capital
from jointfund.cli import calendar as calendar_cli
from jointfund.cli import contributions as contributions_cli
from jointfund.cli.fund import report_rows
from jointfund.cli.output import emit, say
from jointfund.demo import commitments as commitments_demo
from jointfund.demo import governance as governance_demo
from jointfund.demo import revenue as revenue_demo
from jointfund.demo.run import build, prepare_dir
from jointfund.errors import IntegrityError
from jointfund.ledger import journal
from jointfund.store import db


def demo(
    ctx: typer.Context,
    directory: Path = typer.Option(
        Path("jointfund-demo"), "--dir", help="Where the demo fund, its keys and reports go."
    ),
) -> None:
    """Create the demo fund (SQLite in --dir unless --db is given), sign, verify and show it."""
    root = ctx.find_root().obj
    prepare_dir(directory)
    url = root.get("db") or f"sqlite:///{(directory / 'jointfund.db').resolve()}"
    root["db"] = url
    engine = db.make_engine(url)
    root["engine"] = engine
    result = build(engine, directory, url, say)
    emit(ctx, report_rows(result.report), None, title="Verification")
    if not result.report.ok:
        raise IntegrityError("the demo fund failed verification; please report this")
    terms = result.fund.base_terms()
    with db.transaction(engine) as conn:
        tb = [{"account": a, "currency": c, "balance": v} for a, c, v in journal.trial_balance(conn)]
        capital = [p._asdict() for p in partner_capital(conn, terms)]
    emit(ctx, tb, None, title="Trial balance")
    emit(ctx, capital, None, title="Partners' capital")
    emit(ctx, governance_demo.rows(engine, result.fund, clock.today()), None, title="Proposals")
    year, by_resource, calendar = revenue_demo.summary(engine, result.fund, clock.today())
    emit(
        ctx,
        contributions_cli.totals_rows("resource", by_resource, terms.fund.base_currency),
        None,
        title=f"Contributions of {year} by resource",
    )
    emit(ctx, calendar_cli.rows_of(calendar), None, title=f"Compliance calendar for {year}")
    register_rows, alerts = commitments_demo.rows(engine, result.fund, clock.today())
    emit(ctx, register_rows, None, title="Commitments of the agreements")
    for a in alerts:
        say(f"alert: {a.message}")
    portfolio_section(ctx, engine, result.fund, directory)
    statements_section(ctx, engine, result.fund, directory)
    keys = " ".join(f"{p}={k}" for p, k in result.keys.items())
    say(f"""
[bold]The demo fund is ready[/bold] in {directory}/ (database {url}).
Try next:
  export JOINTFUND_DB={url}
  jointfund terms show                      # the agreement as data
  jointfund ledger trial-balance --as-of 2025-12-31
  jointfund ledger entries --limit 5
  jointfund trust export -o trust.json      # the partners' authority keys and the newest checkpoint
  jointfund ledger proof 20 -o proof.json && jointfund ledger check-proof proof.json --trust trust.json
  jointfund verify --trust trust.json
  jointfund monitor {directory}/mirror --state monitor.json --trust trust.json   # the published mirror
  python -m http.server -d {directory}/mirror 8001   # the mirror and its verifier page, from a static host
  jointfund ledger export --format beancount -o {directory}/fund.beancount
  jointfund members list --body board && jointfund proposals show 1
  jointfund audit --since 2026-01-01
  jointfund --db {url} serve   # the web app and API on http://127.0.0.1:8000/; sign in as a demo user above
  jointfund contributions --by licence --year 2025 && jointfund contributions --detail --format csv
  jointfund report eiti --year 2025 --format xlsx -o {directory}/eiti-2025.xlsx
  jointfund reconcile --year 2025 --tolerance 1000 && jointfund transfers list && jointfund calendar
  jointfund commitments show security_2024.consultations && jointfund commitments alerts
  (partner keys: {keys}; authority keys, which seat members and register those keys:
   {directory}/keys/<partner>-authority.key — in a real fund each partner keeps its own offline)""")


def portfolio_section(ctx: typer.Context, engine, info, directory: Path) -> None:  # noqa: ANN001
    """Partners' capital, the portfolio, the pipeline, the refused distribution, and the HTML fund report."""
    from jointfund.capital.accounts import capital_accounts
    from jointfund.cli.fund_reports import write_html
    from jointfund.portfolio.distribution import lock_refusal
    from jointfund.reports import fund_report

    today = clock.today()
    with db.transaction(engine) as conn:
        fc = capital_accounts(conn, info, today)
        folio = fund_report.portfolio(conn, info, today)
        funnel = fund_report.pipeline(conn, info, today)[0]
    emit(
        ctx,
        [a._asdict() for a in fc.accounts],
        None,
        title=f"Capital accounts as of {today} (NAV {fc.nav:,f} {fc.currency})",
    )
    emit(ctx, folio.rows, None, title=folio.title)
    emit(ctx, funnel.rows, None, title=funnel.title)
    say(f"early distribution refused: {lock_refusal(info.terms(today), today) or 'no: the lock has ended'}")
    out = directory / "fund-report.html"
    write_html(engine, info, today, out)
    say(f"[bold]The HTML fund report is at {out.resolve()}[/bold] (self-contained; opens offline)")


def statements_section(ctx: typer.Context, engine, info, directory: Path) -> None:  # noqa: ANN001
    """The financial statements of this year, printable in English and Ukrainian, and each partner's capital
    statement of the year."""
    from jointfund.cli.fund_reports import _show as show_sections
    from jointfund.i18n import translations
    from jointfund.reports import financials, financials_page, statement

    today = clock.today()
    period = str(today.year)
    start, end = statement.period_bounds(period)
    with db.transaction(engine) as conn:
        fin = financials.financials(conn, info, start, end)
        terms = info.terms(fin.end)
        partners = [statement.statement(conn, info, p, fin.start, end) for p in terms.partner_codes]
    show_sections(ctx, fin.sections, "table", None, f"{info.name}: financial statements {period}")
    for t in fin.ties:
        if not t.ok:
            say(f"[red]does not tie:[/red] {t.name}: statements {t.statement}, book {t.book}")
    for sections in partners:
        show_sections(ctx, sections[:1], "table", None, sections[0].title)
    for lang in ("en", "uk"):
        out = directory / f"financials-{period}-{lang}.html"
        out.write_text(
            financials_page.render(fin, terms, period, translations(lang).gettext, lang), encoding="utf-8"
        )
        say(f"[bold]The financial statements of {period} ({lang}) are at {out.resolve()}[/bold] (printable)")
