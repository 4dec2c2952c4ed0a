"""A forecast scenario as typed, immutable data, and its loader.

A scenario says how the world may move (prices, production, the exchange rate, new
licences, returns); the terms say how the fund takes its part (shares, the lock,
partners). A scenario never repeats a term: it names the terms' codes (partners,
streams, resources) and the loader checks every name against the terms it will run on.

text -> TOML -> `Scenario` (shape) -> checked against `Terms` (names) -> `Scenario`.
Every problem names the file, the line and the dotted key, like the terms loader.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from jointfund.errors import InputError, Problem
from jointfund.terms.loader import locate
from jointfund.terms.model import Terms

SHIPPED = (
    "urif-base.toml",
    "urif-low.toml",
    "urif-high.toml",
    "urif-us-cash-only.toml",
    "urif-us-funded-aid.toml",
)
MAX_BASES = 5  # based_on chains deeper than this are refused (and so are cycles)

# Limits on everything a scenario can make the engine allocate or loop over.
MAX_YEARS = 100
MAX_LICENCES = 10_000
MAX_NEW_PER_YEAR = 50
MAX_DEALS_PER_YEAR = 20


class Frozen(BaseModel):
    """Immutable, and unknown keys are errors: a misspelt key must not silently mean "default"."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Assumption(Frozen):
    """A key parameter as the assumptions panel shows it beside every chart, with its source."""

    parameter: str = Field(max_length=200)
    parameter_uk: str = Field(max_length=200)
    value: str = Field(max_length=200)
    value_uk: str = Field(max_length=200)
    source: str = Field(
        max_length=400, description="where the figure comes from, with its date; or 'assumption'"
    )
    source_uk: str = Field(max_length=400)


class Omission(Frozen):
    """Something the model leaves out, in both languages."""

    en: str = Field(max_length=400)
    uk: str = Field(max_length=400)


class Header(Frozen):
    """Name of the scenario, where it starts and how far it looks, and what it assumes."""

    name: str
    name_uk: str = ""
    description: str = ""
    description_uk: str = ""
    assumptions: tuple[Assumption, ...] = ()
    leaves_out: tuple[Omission, ...] = ()
    start: dt.date | None = Field(default=None, description="first day of the forecast; default: today")
    years: int = Field(
        default=30, ge=1, le=MAX_YEARS, description="calendar years forecast, the start year included"
    )


class StartState(Frozen):
    """The fund on the start date when no book is at hand; a fund's own balances replace it.

    Attributes:
      cash_usd: cash, every currency converted at the starting rate.
      investments_usd: investments at their carrying value; treated as one position maturing
        over `investments_exit_years` at a multiple of one.
      receivable_usd: contributions accrued but not yet transferred; arrive in the first year.
      capital_usd: each partner's contributed capital, by partner code.
    """

    cash_usd: float = Field(default=0.0, ge=0)
    investments_usd: float = Field(default=0.0, ge=0)
    investments_exit_years: int = Field(default=5, ge=1, le=MAX_YEARS)
    receivable_usd: float = Field(default=0.0, ge=0)
    capital_usd: dict[str, float] = Field(default_factory=dict)


class PriceModel(Frozen):
    """The price of one resource, in USD per `unit`, on annual steps.

    gbm: d ln S = (drift - volatility²/2) dt + volatility dW, so E[S_t] = start·e^{drift·t}.
    ou (Schwartz one-factor): d ln S = reversion_speed (θ - ln S) dt + volatility dW, with θ set so that
      the long-run mean price is `long_run_usd`.
    """

    model: Literal["gbm", "ou"]
    unit: str
    start_usd: float = Field(gt=0)
    volatility: float = Field(ge=0, le=3)
    drift: float | None = Field(
        default=None, ge=-1, le=1, description="gbm only: expected log growth of the mean"
    )
    long_run_usd: float | None = Field(default=None, gt=0, description="ou only: long-run mean price")
    reversion_speed: float | None = Field(default=None, gt=0, le=20, description="ou only: κ per year")
    source: str = ""

    @model_validator(mode="after")
    def _parameters_of_model(self) -> PriceModel:
        if self.model == "gbm" and self.drift is None:
            raise ValueError("a gbm price needs drift")
        if self.model == "ou" and (self.long_run_usd is None or self.reversion_speed is None):
            raise ValueError("an ou price needs long_run_usd and reversion_speed")
        return self


class Correlation(Frozen):
    """Correlation of the annual shocks of two prices (for example oil and gas)."""

    between: tuple[str, str]
    rho: float = Field(ge=-1, le=1)


class Fx(Frozen):
    """The domestic currency per USD (for URIF, UAH per USD), a GBM in log rate."""

    start_per_usd: float = Field(gt=0)
    drift: float = Field(ge=-1, le=1, description="expected log depreciation per year")
    volatility: float = Field(ge=0, le=3)


class Profile(Frozen):
    """Output over a licence's life, as a fraction of its plateau output.

    Year k of production (k = 0 the first): (k+1)/(ramp_years+1) while ramping, 1 on the
    plateau, then (1 - decline_rate)^(years past the plateau) until `life_years` ends it.
    """

    ramp_years: int = Field(ge=0, le=MAX_YEARS)
    plateau_years: int = Field(ge=0, le=MAX_YEARS)
    decline_rate: float = Field(ge=0, le=1)
    life_years: int = Field(default=MAX_YEARS, ge=1, le=MAX_YEARS)


class Licence(Frozen):
    """A licence, or `count` alike licences, already awarded or scheduled for award.

    Each of the `count` licences draws its own fate on every path: never producing (with
    `failure_probability`), a delay in whole years (Poisson with mean `delay_mean_years`),
    and its plateau output (lognormal with median `plateau_output` and log-sd `output_sigma`).
    """

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    resource: str
    region: str | None = Field(
        default=None, description="region of the deposits: the security regime may cut it off"
    )
    count: int = Field(default=1, ge=1, le=MAX_LICENCES)
    regime: Literal["licence", "psa"] = "licence"
    award_year: int | None = Field(default=None, description="year the permit is sold or the PSA signed")
    first_production_year: int
    delay_mean_years: float = Field(default=0.0, ge=0, le=30)
    profile: Profile
    plateau_output: float = Field(ge=0, description="units of the resource's price per year, per licence")
    output_sigma: float = Field(default=0.0, ge=0, le=3)
    failure_probability: float = Field(default=0.0, ge=0, le=1)
    sale_price_uah: float = Field(default=0.0, ge=0, description="permit sale proceeds in the award year")
    psa_state_share: float = Field(
        default=0.0, ge=0, le=1, description="psa: the state's share of output value"
    )
    signing_bonus_usd: float = Field(default=0.0, ge=0, description="psa: bonus in the award year")
    production_bonus_usd: float = Field(
        default=0.0, ge=0, description="psa: bonus in the first production year"
    )


class NewLicences(Frozen):
    """Licences not yet known: a Poisson count awarded each year, each of a lognormal size."""

    resource: str
    region: str | None = Field(
        default=None, description="region of the deposits: the security regime may cut it off"
    )
    per_year: float = Field(ge=0, le=MAX_NEW_PER_YEAR)
    max_per_year: int = Field(
        default=MAX_NEW_PER_YEAR,
        ge=1,
        le=MAX_NEW_PER_YEAR,
        description="bound on the count in one year (the Poisson tail is cut here)",
    )
    from_year: int
    to_year: int
    regime: Literal["licence", "psa"] = "licence"
    lead_years: int = Field(ge=0, le=MAX_YEARS, description="from award to first production")
    profile: Profile
    output_median: float = Field(ge=0)
    output_sigma: float = Field(default=0.0, ge=0, le=3)
    failure_probability: float = Field(default=0.0, ge=0, le=1)
    sale_price_uah_median: float = Field(default=0.0, ge=0)
    sale_price_sigma: float = Field(default=0.0, ge=0, le=3)
    psa_state_share: float = Field(default=0.0, ge=0, le=1)
    signing_bonus_usd: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _years_in_order(self) -> NewLicences:
        if self.to_year < self.from_year:
            raise ValueError("to_year must not be before from_year")
        return self


class PermitSchedule(Frozen):
    """Permit fees and sales the state expects in a year, beyond those of the licences above."""

    year: int
    fees_uah: float = Field(default=0.0, ge=0)
    sales_uah: float = Field(default=0.0, ge=0)
    sigma: float = Field(default=0.0, ge=0, le=3, description="log-sd of a mean-one lognormal factor")


class StreamMap(Frozen):
    """Which of the terms' stream codes each modelled revenue is booked under."""

    rent: str
    permit_fee: str
    permit_sale: str
    psa_state_share: str
    psa_bonus: str


class Fiscal(Frozen):
    """How the state is paid: rent rates by resource, the permit schedule, and the stream codes."""

    streams: StreamMap
    rent_rate: dict[str, float] = Field(description="resource code -> rent as a share of production value")
    transfer_deadline: str = Field(
        description="code of the terms' calendar deadline by which receipts are transferred"
    )
    permit_schedule: tuple[PermitSchedule, ...] = ()

    @model_validator(mode="after")
    def _rates_are_shares(self) -> Fiscal:
        bad = [k for k, v in self.rent_rate.items() if not 0 <= v <= 1]
        if bad:
            raise ValueError(f"rent rates must be between 0 and 1: {bad}")
        return self


class CashContribution(Frozen):
    partner: str
    year: int
    amount_usd: float = Field(ge=0)


FUNDING = ("us_funded", "allied_funded", "sold")


class InKind(Frozen):
    """Expected in-kind assistance credited as capital (not cash) once its valuation is approved.

    `funded_by` says who paid for the deliveries; the terms decide which kinds count as capital
    (URIF: only deliveries the US funded). A kind that does not count is shown, never credited.
    """

    partner: str
    funded_by: Literal["us_funded", "allied_funded", "sold"] = "us_funded"
    from_year: int
    to_year: int
    expected_usd_per_year: float = Field(ge=0)
    sigma: float = Field(default=0.0, ge=0, le=3, description="log-sd of a mean-one lognormal factor")
    approval_probability: float = Field(default=1.0, ge=0, le=1)


class Contributions(Frozen):
    cash: tuple[CashContribution, ...] = ()
    in_kind: tuple[InKind, ...] = ()


class Sector(Frozen):
    """Where deployed cash goes, and how it comes back.

    Each year's allocation to the sector is split over `deals_per_year` deals. A deal is lost
    with `loss_probability`; otherwise it returns a lognormal multiple (median `moic_median`,
    log-sd `moic_sigma`) after `holding_years`. Until then it is carried at cost plus the
    straight-line share of its gain.
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    weight: float = Field(gt=0)
    moic_median: float = Field(gt=0, le=100)
    moic_sigma: float = Field(default=0.0, ge=0, le=3)
    holding_years: int = Field(ge=1, le=MAX_YEARS)
    loss_probability: float = Field(default=0.0, ge=0, le=1)
    deals_per_year: int = Field(default=1, ge=1, le=MAX_DEALS_PER_YEAR)


class Strategy(Frozen):
    """How cash is deployed. `deal_factor_loading` λ ties deals together through one common factor F
    a year: each deal's standard-normal outcome is λF + √(1-λ²)ε, so two deals correlate by λ²."""

    deploy_share: float = Field(ge=0, le=1, description="share of available cash invested each year")
    deal_factor_loading: float = Field(
        default=0.0, ge=0, le=1, description="loading of every deal on the common factor"
    )
    cash_return: float = Field(default=0.0, ge=-0.5, le=0.5, description="yield on cash held over the year")
    sectors: tuple[Sector, ...] = Field(min_length=1)


class Costs(Frozen):
    fixed_usd_per_year: float = Field(default=0.0, ge=0)
    nav_rate: float = Field(default=0.0, ge=0, le=0.2, description="share of opening NAV per year")


class DistributionPolicy(Frozen):
    """What the fund pays out once the terms' lock has ended.

    Each year after the lock the partners agree to distribute with `agreement_probability`;
    they then pay `payout_share` of the cash above `reserve_share_of_nav` x NAV.
    """

    payout_share: float = Field(ge=0, le=1)
    reserve_share_of_nav: float = Field(default=0.0, ge=0, le=1)
    agreement_probability: float = Field(default=1.0, ge=0, le=1)


class Report(Frozen):
    nav_years: tuple[int, ...] = ()
    nav_thresholds_usd: tuple[float, ...] = ()
    tornado_year: int | None = Field(default=None, description="default: the year the terms' lock ends")
    tornado_paths: int = Field(default=2048, ge=64, le=65_536)


class Regime(Frozen):
    """One security regime: where it leads next year, and how the economy responds while it lasts."""

    transition: dict[str, float] = Field(description="next year's regime -> probability; sums to 1")
    output: float = Field(
        default=1.0, ge=0, le=2, description="production of reachable deposits, as a share of plan"
    )
    deal_loss: float = Field(
        default=1.0, ge=0, le=20, description="multiplier on each sector's loss probability"
    )
    fx_shock: float = Field(
        default=0.0, ge=-1, le=1, description="extra log depreciation of the local currency in the year"
    )
    unreachable: dict[str, float] = Field(
        default_factory=dict, description="region -> probability its deposits are cut off for the year"
    )


class Security(Frozen):
    """A Markov chain of security regimes, one draw per path and year, common to every project."""

    initial: str
    regimes: dict[str, Regime] = Field(min_length=1, max_length=10)
    source: str = ""


class Scenario(Frozen):
    schema_version: Literal[1]
    scenario: Header
    start_state: StartState = StartState()
    prices: dict[str, PriceModel]
    correlations: tuple[Correlation, ...] = ()
    fx: Fx
    licences: tuple[Licence, ...] = ()
    new_licences: tuple[NewLicences, ...] = ()
    fiscal: Fiscal
    contributions: Contributions = Contributions()
    strategy: Strategy
    costs: Costs = Costs()
    distribution_policy: DistributionPolicy
    report: Report = Report()
    security: Security | None = None

    def resources(self) -> tuple[str, ...]:
        """Resources with a price, in file order: the engine's resource axis."""
        return tuple(self.prices)


# -- loading --


def shipped_names() -> tuple[str, ...]:
    return SHIPPED


def shipped_text(name: str = SHIPPED[0]) -> str:
    return resources.files("jointfund.forecast").joinpath(name).read_text(encoding="utf-8")


def read(path: str | Path) -> tuple[str, str]:
    """(text, source) of a scenario file, or of a shipped scenario named without a folder."""
    p = Path(path)
    if not p.exists() and p.name == str(path) and p.name in SHIPPED:
        return shipped_text(p.name), f"{p.name} (shipped)"
    try:
        return p.read_text(encoding="utf-8"), str(p)
    except OSError as exc:
        raise InputError(
            [Problem(str(p), f"cannot read scenario file: {exc.strerror}")], "missing scenario"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            [Problem(str(p), f"not UTF-8 text at byte {exc.start}")], "malformed scenario"
        ) from None


def load_text(text: str, source: str, terms: Terms) -> Scenario:
    """Parse, validate the shape, then check every name against `terms`. Raises InputError.

    A scenario may start with `based_on = "urif-base.toml"` (a shipped scenario, or a file beside it)
    and state only what differs: its tables are merged into the base's key by key, and an array
    (licences, in_kind, ...) replaces the base's array whole.
    """
    doc = _with_base(_toml(text, source), source, depth=0)
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        raise InputError(
            [_problem(err, text, source) for err in exc.errors()], f"scenario {source} is invalid"
        ) from None
    problems = [_at(text, source, loc, msg, value) for loc, msg, value in check(scenario, terms)]
    if problems:
        raise InputError(problems, f"scenario {source} does not fit the terms")
    return scenario


def _toml(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(source, f"not valid TOML: {exc}")], "malformed scenario") from None


def _with_base(doc: dict, source: str, depth: int) -> dict:
    base = doc.pop("based_on", None)
    if base is None:
        return doc
    if not isinstance(base, str) or depth >= MAX_BASES:
        why = (
            "must name a scenario file"
            if not isinstance(base, str)
            else f"nests deeper than {MAX_BASES} scenarios"
        )
        raise InputError([Problem(f"{source} (based_on)", why, base)], "malformed scenario")
    folder = Path(source.removesuffix(" (shipped)")).parent
    path = (
        base
        if Path(base).name == base and base in SHIPPED and not (folder / base).exists()
        else str(folder / base)
    )
    text, base_source = read(path)
    return _merged(_with_base(_toml(text, base_source), base_source, depth + 1), doc)


def _merged(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        elif key == "assumptions" and isinstance(value, list) and isinstance(out.get(key), list):
            # The panel lists the base's assumptions, the variant's own replacing those of the same name in
            # place.
            mine = {a.get("parameter"): a for a in value if isinstance(a, dict)}
            kept = [mine.pop(a.get("parameter"), a) if isinstance(a, dict) else a for a in out[key]]
            out[key] = kept + [a for a in value if not isinstance(a, dict) or a.get("parameter") in mine]
        else:
            out[key] = value
    return out


def load(path: str | Path, terms: Terms) -> Scenario:
    text, source = read(path)
    return load_text(text, source, terms)


def check(s: Scenario, terms: Terms) -> list[tuple[tuple, str, object]]:
    """Cross-checks that need the terms: every code names something the terms know.

    Returns (location, message, value) triples so the caller can attach lines.
    """
    out: list[tuple[tuple, str, object]] = []
    partners = set(terms.partner_codes)
    resources_known = {r.code for r in terms.resources}
    for code in s.prices:
        if code not in resources_known:
            out.append((("prices", code), "not a resource of the terms' catalogue", code))
    for i, c in enumerate(s.correlations):
        for code in c.between:
            if code not in s.prices:
                out.append((("correlations", i, "between"), "names a resource without a price model", code))
        if c.between[0] == c.between[1]:
            out.append(
                (
                    ("correlations", i, "between"),
                    "a correlation needs two different resources",
                    list(c.between),
                )
            )
    if not _positive_definite(s):
        out.append(
            (
                ("correlations",),
                "the correlations are not jointly possible (the matrix is not positive definite)",
                None,
            )
        )
    # Licences held and licences to come are priced and taxed alike.
    held: tuple[Licence | NewLicences, ...] = s.licences
    for key, licences in (("licences", held), ("new_licences", s.new_licences)):
        for i, lic in enumerate(licences):
            if lic.resource not in s.prices:
                out.append(((key, i, "resource"), "has no price model under [prices]", lic.resource))
            if lic.resource not in s.fiscal.rent_rate and lic.regime == "licence":
                out.append(((key, i, "resource"), "has no rent rate under [fiscal.rent_rate]", lic.resource))
    codes = [lic.code for lic in s.licences]
    for i, code in enumerate(codes):
        if codes.index(code) != i:
            out.append((("licences", i, "code"), "licence codes must be unique", code))
    for key, code in s.fiscal.streams.model_dump().items():
        if code not in terms.contribution.stream_codes:
            out.append(
                (
                    ("fiscal", "streams", key),
                    f"not a stream code of the terms {list(terms.contribution.stream_codes)}",
                    code,
                )
            )
    if s.fiscal.transfer_deadline not in {d.code for d in terms.calendar.deadlines}:
        out.append(
            (
                ("fiscal", "transfer_deadline"),
                "not a deadline code of the terms' calendar",
                s.fiscal.transfer_deadline,
            )
        )
    for p in s.start_state.capital_usd:
        if p not in partners:
            out.append(
                (("start_state", "capital_usd", p), f"not a partner of the terms {sorted(partners)}", p)
            )
    for i, cash in enumerate(s.contributions.cash):
        if cash.partner not in partners:
            out.append(
                (
                    ("contributions", "cash", i, "partner"),
                    f"not a partner of the terms {sorted(partners)}",
                    cash.partner,
                )
            )
    for i, k in enumerate(s.contributions.in_kind):
        kinds = terms.capital.kinds.get(k.partner, ())
        if k.partner not in partners:
            out.append(
                (
                    ("contributions", "in_kind", i, "partner"),
                    f"not a partner of the terms {sorted(partners)}",
                    k.partner,
                )
            )
        elif not any(kind.valuation == "assessed" for kind in kinds):
            out.append(
                (
                    ("contributions", "in_kind", i, "partner"),
                    "the terms give this partner no assessed (in-kind) contribution kind",
                    k.partner,
                )
            )
        if k.to_year < k.from_year:
            out.append(
                (("contributions", "in_kind", i, "to_year"), "must not be before from_year", k.to_year)
            )
    sectors = [x.code for x in s.strategy.sectors]
    for i, code in enumerate(sectors):
        if sectors.index(code) != i:
            out.append((("strategy", "sectors", i, "code"), "sector codes must be unique", code))
    out += _security_problems(s)
    for i, t in enumerate(s.report.nav_thresholds_usd):
        if t <= 0:
            out.append((("report", "nav_thresholds_usd", i), "thresholds must be positive", t))
    return out


def _security_problems(s: Scenario) -> list[tuple[tuple, str, object]]:
    out: list[tuple[tuple, str, object]] = []
    sec = s.security
    if sec is None:
        return out
    if sec.initial not in sec.regimes:
        out.append(
            (
                ("security", "initial"),
                f"not a regime under [security.regimes] {sorted(sec.regimes)}",
                sec.initial,
            )
        )
    for name, regime in sec.regimes.items():
        where = ("security", "regimes", name)
        for to, p in regime.transition.items():
            if to not in sec.regimes:
                out.append(((*where, "transition", to), "not a regime under [security.regimes]", to))
            if not 0 <= p <= 1:
                out.append(((*where, "transition", to), "a probability must be between 0 and 1", p))
        if abs(sum(regime.transition.values()) - 1.0) > 1e-9:
            out.append(
                (
                    (*where, "transition"),
                    "the probabilities must add up to 1",
                    sum(regime.transition.values()),
                )
            )
        for region, p in regime.unreachable.items():
            if not 0 <= p <= 1:
                out.append(((*where, "unreachable", region), "a probability must be between 0 and 1", p))
    return out


def _positive_definite(s: Scenario) -> bool:
    import numpy as np

    names = list(s.prices)
    matrix = np.eye(len(names))
    for c in s.correlations:
        if c.between[0] in names and c.between[1] in names and c.between[0] != c.between[1]:
            i, j = names.index(c.between[0]), names.index(c.between[1])
            matrix[i, j] = matrix[j, i] = c.rho
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(np.isfinite(matrix)))


def _problem(err: ErrorDetails, text: str, source: str) -> Problem:
    msg = err["msg"]
    if err["type"] == "missing":
        msg = "required key is missing"
    elif err["type"] == "extra_forbidden":
        msg = "unknown key (check its spelling)"
    value = None if err["type"] == "missing" or isinstance(err.get("input"), dict) else err.get("input")
    return _at(text, source, tuple(err["loc"]), msg, value)


def _at(text: str, source: str, loc: tuple, message: str, value: object) -> Problem:
    line = locate(text, loc)
    where = f"{source}:{line}" if line else source
    dotted = "".join(
        f"[{p}]" if isinstance(p, int) else (("." if i else "") + str(p)) for i, p in enumerate(loc)
    )
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)
    return Problem(f"{where} ({dotted})" if dotted else where, message, value)
