"""`jointfund forecast`: contributions, fund value and distributions as distributions over paths."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from jointfund import clock
from jointfund.cli import params
from jointfund.cli.output import FormatOption, emit, resolve_format, say
from jointfund.cli.progress import bar
from jointfund.errors import JointfundError
from jointfund.forecast import chart as chart_mod
from jointfund.forecast import compare, engine, outlook, run, scenario, summary
from jointfund.forecast.plan import StartState
from jointfund.terms import shipped_text

app = typer.Typer(
    help="Forecasts of contributions, fund value and distributions, over many random paths.",
    no_args_is_help=True,
)

ScenarioArg = typer.Argument(
    ..., help="Scenario file (TOML), or a shipped one: " + ", ".join(scenario.SHIPPED) + "."
)
PathsOption = typer.Option(10_000, "--paths", min=1, max=engine.MAX_PATHS, help="Number of random paths.")
YearsOption = typer.Option(
    None, "--years", min=1, max=scenario.MAX_YEARS, help="Years forecast [default: the scenario's]."
)
SeedOption = typer.Option(
    0, "--seed", min=0, help="Seed; the same seed gives the same numbers whatever the workers."
)
StartOption = typer.Option(
    None, "--start", help="First day, YYYY-MM-DD [default: the scenario's, else today]."
)
WorkersOption = typer.Option(
    1, "--workers", min=1, max=256, help="Local processes running chunks in parallel."
)
SchedulerOption = typer.Option(
    None, "--scheduler", help="Dask scheduler address (tcp://host:8786) to run the chunks on."
)
ChunkOption = typer.Option(
    engine.DEFAULT_CHUNK_PATHS,
    "--chunk-paths",
    min=1,
    help=f"Paths per task, rounded to whole blocks of {engine.BLOCK_PATHS}.",
)


@dataclass(frozen=True)
class Run:
    name: str
    outcome: run.Outcome
    terms_text: str = ""  # the terms it ran on (their names label a chart)


def _compute(
    ctx: typer.Context,
    file: str,
    paths: int,
    years: int | None,
    seed: int,
    start_day: str | None,
    workers: int,
    scheduler: str | None,
    chunk_paths: int,
    with_tornado: bool = True,
) -> Run:
    text, source = scenario.read(file)
    terms_text, adopted, state_from = _terms_text(ctx)
    with engine.Runner(workers, scheduler) as runner, bar("forecast", total=None) as advance:
        name, outcome = outlook.compute(
            text,
            source,
            terms_text,
            _date(start_day),
            clock.today(),
            state_from,
            paths,
            seed,
            runner,
            years,
            chunk_paths,
            with_tornado,
            advance,
            announce=lambda m: say(f"[dim]{m}[/dim]"),
            total=advance.total,
            adopted=adopted,
        )
    return Run(name, outcome, terms_text)


def _terms_text(ctx: typer.Context):  # noqa: ANN202 - (text, adopted amendments, reader of the start state or None)
    """The fund's terms (with its adopted amendments) and a reader of its book; the shipped terms, no
    amendment and None when there is no usable fund."""
    root = ctx.find_root().obj or {}
    url = root.get("db") or os.environ.get("JOINTFUND_DB")
    if not _database_exists(url):
        say("[dim]no fund database; using the shipped terms and the scenario's start state[/dim]")
        return shipped_text(), (), None
    try:
        from jointfund.cli import context
        from jointfund.store import db

        info = context.fund(ctx)
        eng = context.engine(ctx)
    except (JointfundError, SQLAlchemyError) as exc:
        say(
            f"[dim]no usable fund ({str(exc).splitlines()[0]}); using the shipped terms and the "
            "scenario's start state[/dim]"
        )
        return shipped_text(), (), None

    def read_book(terms, day: dt.date, sc: scenario.Scenario) -> StartState:  # noqa: ANN001
        with db.transaction(eng) as conn:
            return outlook.reader(conn, info)(terms, day, sc)

    return info.terms_text, info.adopted, read_book


def _database_exists(url: str | None) -> bool:
    """False for a SQLite file that is not there: a forecast must not create an empty database."""
    from jointfund.store import db

    try:
        parsed = make_url(db.resolve_url(url))
    except JointfundError:
        return False
    if parsed.get_backend_name() == "sqlite":
        db_path = parsed.database
        return db_path is not None and db_path not in ("", ":memory:") and Path(db_path).exists()
    return True


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date as YYYY-MM-DD, got {value!r}", param_hint="--start"
        ) from None


@app.command("run")
def run_command(
    ctx: typer.Context,
    file: str = ScenarioArg,
    paths: int = PathsOption,
    years: int = YearsOption,
    seed: int = SeedOption,
    start_day: str = StartOption,
    workers: int = WorkersOption,
    scheduler: str = SchedulerOption,
    chunk_paths: int = ChunkOption,
    fmt: str = FormatOption,
) -> None:
    """Forecast a scenario: per-year percentiles, NAV thresholds, the first distribution and a tornado."""
    chosen = resolve_format(ctx, fmt)
    r = _compute(ctx, file, paths, years, seed, start_day, workers, scheduler, chunk_paths)
    o, plan = r.outcome, r.outcome.plan
    doc = run.document(o, r.name)
    if chosen == "json":
        emit(ctx, [], "json", json_root=doc)
        return
    if chosen == "csv":
        emit(ctx, doc["percentiles"], "csv")
        return
    for metric in summary.metric_names(plan):
        rows = [
            {k: v for k, v in row.items() if k != "metric"}
            for row in doc["percentiles"]
            if row["metric"] == metric
        ]
        emit(ctx, _millions(rows), "table", title=f"{metric} ({doc['currency']} m)")
    emit(ctx, doc["nav_thresholds"], "table", title="Probability that NAV is at least the threshold")
    first = doc["first_distribution"]
    emit(
        ctx,
        first["by_year"],
        "table",
        title=f"Year of the first distribution (lock ends {plan.lock_ends}; none: year empty)",
    )
    emit(
        ctx, _millions(first["size"]), "table", title=f"Size of the first distribution ({doc['currency']} m)"
    )
    tornado = doc["tornado"]
    if tornado["year"] is not None:
        rows = [
            {"input": b["input"], "-1 sigma": b["minus_1_sigma"], "+1 sigma": b["plus_1_sigma"]}
            for b in tornado["bars"]
        ]
        base = "n/a" if tornado["base"] is None else f"{tornado['base'] / 1e6:,.1f}"
        emit(
            ctx,
            _millions(rows),
            "table",
            title=f"Tornado: P50 NAV in {tornado['year']} ({doc['currency']} m; base {base})",
        )


@app.command("compare")
def compare_command(
    ctx: typer.Context,
    files: list[str] = typer.Argument(
        ..., help="Two or more scenario files (or shipped names) to set side by side."
    ),
    paths: int = PathsOption,
    years: int = YearsOption,
    seed: int = SeedOption,
    start_day: str = StartOption,
    workers: int = WorkersOption,
    fmt: str = FormatOption,
) -> None:
    """Scenarios side by side, same seed and paths: NAV bands, each partner's capital, the first
    distribution."""
    if len(files) < 2:
        raise typer.BadParameter("give at least two scenarios to compare", param_hint="FILES")
    chosen = resolve_format(ctx, fmt)
    docs = []
    for file in files:
        r = _compute(
            ctx,
            file,
            paths,
            years,
            seed,
            start_day,
            workers,
            None,
            engine.DEFAULT_CHUNK_PATHS,
            with_tornado=False,
        )
        docs.append(run.document(r.outcome, r.name))
    rows = compare.comparison(docs)
    if chosen == "json":
        emit(
            ctx,
            [],
            "json",
            json_root={
                "scenarios": [d["scenario"] for d in docs],
                "paths": paths,
                "seed": seed,
                "currency": docs[0]["currency"],
                "rows": rows,
            },
        )
        return
    if chosen == "csv":
        emit(ctx, rows, "csv")
        return
    shown = [
        {
            k: f"{v:.1%}" if isinstance(v, float) and row["measure"].startswith("P(") else _in_millions(v)
            for k, v in row.items()
        }
        for row in rows
    ]
    emit(
        ctx,
        shown,
        "table",
        title=f"Scenarios compared: {paths:,} paths, seed {seed} ({docs[0]['currency']} m unless a share)",
    )


def _in_millions(v: object) -> object:
    # Decimal, so the table right-aligns and groups the figures
    return Decimal(f"{v / 1e6:.1f}") if isinstance(v, float) else v


def _millions(rows: list[dict]) -> list[dict]:
    return [{k: (v if k == "year" else _in_millions(v)) for k, v in row.items()} for row in rows]


@app.command("chart")
def chart_command(
    ctx: typer.Context,
    file: str = ScenarioArg,
    output: Path = typer.Option(
        ..., "-o", "--output", help="HTML file to write (self-contained, works offline)."
    ),
    paths: int = PathsOption,
    years: int = YearsOption,
    seed: int = SeedOption,
    start_day: str = StartOption,
    workers: int = WorkersOption,
    scheduler: str = SchedulerOption,
    chunk_paths: int = ChunkOption,
    lang: str = typer.Option("en", "--lang", help="Language of the page: en or uk."),
) -> None:
    """Write fan charts of every reported metric, the tornado and the assumptions to one offline HTML file."""
    from jointfund.i18n import translations
    from jointfund.terms.loader import load_text
    from jointfund.terms.names import namer

    params.page_language(lang)
    r = _compute(ctx, file, paths, years, seed, start_day, workers, scheduler, chunk_paths)
    tr = translations(lang).gettext
    # Codes (partners, resources, sectors) by the names of the terms the run used.
    named = namer(load_text(r.terms_text, "fund terms"), tr)
    html = chart_mod.page(run.document(r.outcome, r.name), tr, lang, named)
    try:
        output.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise JointfundError(f"cannot write {output}: {exc.strerror}") from None
    say(f"wrote {output}")
