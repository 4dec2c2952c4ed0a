"""`jointfund terms`: show the terms in force, and check a terms file."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund import clock
from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, say
from jointfund.cli.params import parse_date
from jointfund.errors import JointfundError
from jointfund.terms import load_file, load_shipped, shipped_text, terms_in_force
from jointfund.terms.loader import LATER_KEYS, filled_keys
from jointfund.terms.model import Terms
from jointfund.terms.policies import policies

app = typer.Typer(help="The agreement as data.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="Effective date, YYYY-MM-DD [default: today]."),
    file: Path = typer.Option(None, "--file", help="Show a terms file instead of the fund's terms."),
    fmt: str = FormatOption,
) -> None:
    """Print the terms in force on a date: the fund's own, or the shipped URIF terms when there is no fund."""
    day = parse_date(as_of, "--as-of") or clock.today()
    if file is not None:
        load_file(file)
        terms = terms_in_force(file.read_text(encoding="utf-8"), day)
    else:
        try:
            terms = context.fund(ctx).terms(day)
        except JointfundError:
            say("[dim]no fund in this database; showing the shipped URIF terms[/dim]")
            load_shipped()
            terms = terms_in_force(shipped_text(), day)
    emit(
        ctx,
        summary_rows(terms),
        fmt,
        title=f"{terms.fund.name}: terms in force on {day}",
        json_root=terms.model_dump(mode="json"),
    )
    text = file.read_text(encoding="utf-8") if file is not None else None
    if text is None:
        try:
            text = context.fund(ctx).terms_text
        except JointfundError:
            text = None
    filled = filled_keys(text) if text else []
    if filled:
        say(
            f"note: these terms predate schema version {max(LATER_KEYS)}; {', '.join(filled)} come from the "
            "terms shipped with this version of jointfund (an amendment can change them)"
        )


def summary_rows(terms: Terms) -> list[dict]:
    f = terms.fund
    rows = [
        ("fund", "name", f.name),
        ("fund", "code", f.code),
        ("fund", "legal form", f.legal_form),
        ("fund", "entry into force", f.entry_into_force),
        ("fund", "base currency", f.base_currency),
        ("fund", "currencies", ", ".join(f.currencies)),
    ]
    for p in terms.partners:
        share = "" if p.ownership_share is None else f", ownership {p.ownership_share:%}"
        rows.append(("partner", p.code, f"{p.name}: {p.agency} ({p.currency}{share})"))
    for s in terms.contribution.streams:
        state = "in force" if terms.stream(s.code) else "not yet in force"
        psa = ", PSA only" if s.psa_only else ""
        rows.append(
            ("contribution", s.code, f"{s.share:%} of {s.name} from {s.in_force_from}{psa} ({state})")
        )
    covered = [r.code for r in terms.resources if r.covered]
    rows.append(("resources", f"covered ({len(covered)})", ", ".join(covered)))
    rows.append(("resources", "not covered", ", ".join(r.code for r in terms.resources if not r.covered)))
    e = terms.eligibility
    rows.append(
        (
            "eligibility",
            "new licences",
            f"basis {', '.join(e.new_bases)} issued on or after {e.issued_on_or_after}",
        )
    )
    rows.append(("eligibility", "always", ", ".join(e.always_bases)))
    for basis, why in e.excluded_bases.items():
        rows.append(("eligibility", f"excluded: {basis}", why))
    for partner, kinds in terms.capital.kinds.items():
        rows.append(("capital", partner, "; ".join(f"{k.name} ({k.valuation})" for k in kinds)))
    for b in terms.governance.bodies:
        rows.append(("governance", b.name, " : ".join(f"{p} {n}" for p, n in b.seats.items())))
    for d in terms.governance.decisions:
        rec = f", after a {d.requires_recommendation} recommendation" if d.requires_recommendation else ""
        rows.append(("decision", d.kind, f"{d.body}, {d.rule}{rec}"))
    dist = terms.distributions
    rows.append(
        (
            "distributions",
            "reinvestment period",
            f"{dist.reinvestment_period_years} years: none before {dist.lock_ends}",
        )
    )
    for dl in terms.calendar.deadlines:
        rows.append(("calendar", dl.code, f"{dl.day:02d}-{dl.month:02d} of the next year: {dl.name}"))
    rows.append(
        (
            "fx",
            "reference rate",
            f"{terms.fx.source}, {terms.fx.domestic_currency} per unit, else {terms.fx.fallback}",
        )
    )
    for policy in policies(terms):
        rows.append(("accounting", policy.title, policy.text()))
    for a in terms.amendments:
        rows.append(("amendment", str(a.effective), f"{a.reference}: {a.description}"))
    return [{"section": s, "item": i, "value": v} for s, i, v in rows]


@app.command("check")
def check(
    ctx: typer.Context, file: Path = typer.Argument(..., help="Terms file (TOML) to validate.")
) -> None:
    """Validate a terms file; every problem names its key, line and what was expected."""
    terms = load_file(file)
    say(
        f"[green]ok[/green]: {file} is valid terms for {terms.fund.name} "
        f"({len(terms.partners)} partners, {len(terms.contribution.streams)} streams, "
        f"{sum(r.covered for r in terms.resources)} covered resources, {len(terms.amendments)} amendments)"
    )
