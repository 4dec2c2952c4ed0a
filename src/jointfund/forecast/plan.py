"""A scenario and the terms, compiled into arrays the engine can run without asking either.

This is where the terms are read: each step's stream shares, covered resources and
whether a distribution is allowed come from the terms in force on that step's dates,
so an amendment changes the forecast from the day it applies. The engine only sees
the arrays, which keeps it pure, small to ship to workers, and free of business literals.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from jointfund.forecast import prices, production
from jointfund.forecast.scenario import Scenario
from jointfund.forecast.security import SecurityPlan
from jointfund.terms.loader import apply_amendments, with_adopted
from jointfund.terms.model import Terms

# The modelled revenue kinds; each is mapped to one of the terms' stream codes by the scenario.
KINDS = ("rent", "permit_fee", "permit_sale", "psa_state_share", "psa_bonus")


@dataclass(frozen=True)
class StartState:
    """The fund on the start date, in USD: from the book when there is one, else the scenario."""

    cash: float
    investments: float
    investments_exit_years: int
    receivable: float
    capital: tuple[float, ...]  # by partner, in the terms' partner order
    source: str
    undrawn_commitments: float = 0.0  # to investees: already set aside from cash into investments at cost
    uncalled: tuple[float, ...] = ()  # partners' commitments not yet called: contributed in the first step


@dataclass(frozen=True)
class LicenceGroup:
    resource: int
    psa: bool
    count: int
    start: int  # first production step before any delay (may be negative)
    delay_mean: float
    plateau: float
    output_sigma: float
    failure: float
    rent_rate: float
    psa_share: float
    production_bonus: float
    award: int | None  # award step, if inside the horizon
    sale_uah: float
    signing_bonus: float
    first_bin: int
    matrix: np.ndarray  # (starts, steps) Toeplitz of the profile
    region: int | None = None  # column of the security plan's regions, if the regime can cut the deposits off


@dataclass(frozen=True)
class NewGroup:
    resource: int
    psa: bool
    per_year: float
    max_per_year: int
    steps: tuple[int, ...]  # award steps inside the horizon
    lead: int
    output_median: float
    output_sigma: float
    failure: float
    sale_median_uah: float
    sale_sigma: float
    psa_share: float
    signing_bonus: float
    rent_rate: float
    matrix: np.ndarray  # (award steps, steps): production of one unit of plateau awarded at each step
    region: int | None = None


@dataclass(frozen=True)
class InKindFlow:
    partner: int
    active: np.ndarray  # (steps,) bool
    expected: float
    sigma: float
    approval: float


@dataclass(frozen=True)
class SectorPlan:
    code: str
    weight: float
    moic_median: float
    moic_sigma: float
    holding: int
    loss: float
    deals: int


@dataclass(frozen=True)
class Plan:
    """Everything one run needs, as plain numbers and arrays (picklable, no models, no terms).

    Attributes:
      years: calendar year of each step; step 0 runs from the start date to the end of its year.
      dt: length of each step in years.
      share: (kinds, steps) fund share of each modelled revenue kind, from the terms in force.
      covered: (resources, steps) whether the terms cover the resource.
      distributable: (steps,) whether the step's closing date is on or after the lock's end.
      lag: years from receipt to transfer, from the terms' calendar.
      partners, contributor: partner codes and the index of the revenue-contributing partner.
    """

    start: dt.date
    years: np.ndarray
    dt: np.ndarray
    resources: tuple[str, ...]
    price: prices.PriceParams
    fx_start: float
    fx_drift: float
    fx_volatility: float
    share: np.ndarray
    covered: np.ndarray
    distributable: np.ndarray
    lock_ends: date  # not dt.date: the field dt above shadows the module in this class
    lag: int
    partners: tuple[str, ...]
    contributor: int
    licences: tuple[LicenceGroup, ...]
    new_licences: tuple[NewGroup, ...]
    permit_fees_uah: np.ndarray
    permit_sales_uah: np.ndarray
    permit_sigma: np.ndarray
    cash_in: np.ndarray  # (partners, steps) scheduled cash contributions
    in_kind: tuple[InKindFlow, ...]
    deploy_share: float
    cash_return: float
    sectors: tuple[SectorPlan, ...]
    fixed_costs: float
    nav_cost_rate: float
    payout_share: float
    reserve_share: float
    agreement: float
    state: StartState
    nav_years: tuple[int, ...]
    nav_thresholds: tuple[float, ...]
    currency: str  # the terms' base currency, in which the run's figures are named
    tornado_step: int | None
    tornado_paths: int
    inputs: tuple[str, ...] = field(default=())  # what a tornado can move
    security: SecurityPlan | None = None  # the common security shock; None: off
    deal_loading: float = 0.0  # λ of every deal on the common factor
    not_counted: tuple[dict, ...] = ()  # in-kind flows the terms do not count as capital, for the record

    @property
    def steps(self) -> int:
        return int(self.years.size)

    def truncated(self, steps: int) -> Plan:
        """The same plan over its first `steps` steps: what happens later cannot change them."""
        assert 1 <= steps <= self.steps
        k = steps
        licences = tuple(
            replace(
                g,
                award=g.award if g.award is not None and g.award < k else None,
                matrix=g.matrix[: k - g.first_bin, :k],
            )
            for g in self.licences
        )
        news = tuple(
            replace(
                g,
                steps=tuple(a for a in g.steps if a < k),
                matrix=g.matrix[[i for i, a in enumerate(g.steps) if a < k]][:, :k],
            )
            for g in self.new_licences
        )
        in_kind = tuple(replace(f, active=f.active[:k]) for f in self.in_kind)
        return replace(
            self,
            years=self.years[:k],
            dt=self.dt[:k],
            share=self.share[:, :k],
            covered=self.covered[:, :k],
            distributable=self.distributable[:k],
            licences=licences,
            new_licences=news,
            permit_fees_uah=self.permit_fees_uah[:k],
            permit_sales_uah=self.permit_sales_uah[:k],
            permit_sigma=self.permit_sigma[:k],
            cash_in=self.cash_in[:, :k],
            in_kind=in_kind,
            nav_years=(),
            nav_thresholds=(),
            tornado_step=self.tornado_step
            if self.tornado_step is not None and self.tornado_step < k
            else None,
        )


def steps_of(start: dt.date, years: int) -> tuple[np.ndarray, np.ndarray, list[tuple[dt.date, dt.date]]]:
    """Calendar years, step lengths and (first, last) day of each step."""
    labels = np.arange(start.year, start.year + years)
    spans = [(start if y == start.year else dt.date(int(y), 1, 1), dt.date(int(y), 12, 31)) for y in labels]
    length = [
        ((last - first).days + 1) / ((dt.date(int(y), 12, 31) - dt.date(int(y), 1, 1)).days + 1)
        for y, (first, last) in zip(labels, spans, strict=True)
    ]
    return labels, np.array(length), spans


class TermsOnDates:
    """The terms in force on any date, merging amendments once per distinct set in force."""

    def __init__(self, terms_text: str, adopted: tuple[str, ...] = ()) -> None:
        self.doc = with_adopted(tomllib.loads(terms_text), adopted)
        self.effective = sorted(a["effective"] for a in self.doc.get("amendments", ()))
        self.cache: dict[int, Terms] = {}

    def __call__(self, day: dt.date) -> Terms:
        applied = sum(1 for e in self.effective if e <= day)
        if applied not in self.cache:
            self.cache[applied] = Terms.model_validate(apply_amendments(self.doc, day))
        return self.cache[applied].model_copy(update={"as_of": day})


def compile_plan(
    s: Scenario,
    terms_text: str,
    start: dt.date,
    years: int | None = None,
    state: StartState | None = None,
    adopted: tuple[str, ...] = (),
) -> Plan:
    """The arrays of a run: `s` on the terms in `terms_text` (with the fund's `adopted` amendments), from
    `start`, for `years` steps."""
    horizon = years or s.scenario.years
    labels, dt_years, spans = steps_of(start, horizon)
    terms_on = TermsOnDates(terms_text, adopted)
    first = terms_on(start)
    partners = first.partner_codes
    resources = s.resources()

    # The terms, step by step: receipts count under the terms in force mid-step; a distribution
    # is made on the step's last day and is allowed only once the lock in force that day has ended.
    share = np.zeros((len(KINDS), horizon))
    covered = np.zeros((len(resources), horizon), dtype=bool)
    distributable = np.zeros(horizon, dtype=bool)
    streams = s.fiscal.streams.model_dump()
    for t, (lo, hi) in enumerate(spans):
        mid = lo + (hi - lo) / 2
        terms = terms_on(mid)
        for k, kind in enumerate(KINDS):
            stream = terms.stream(streams[kind])
            share[k, t] = float(stream.share) if stream is not None else 0.0
        for r, code in enumerate(resources):
            res = terms.resource(code)
            covered[r, t] = bool(res and res.covered)
        distributable[t] = hi >= terms_on(hi).distributions.lock_ends
    deadline = next(d for d in first.calendar.deadlines if d.code == s.fiscal.transfer_deadline)
    lag = deadline.due(start.year).year - start.year

    price = _price_params(s, resources)
    licences = tuple(_licence(lic, s, resources, start.year, horizon) for lic in s.licences)
    news = tuple(_new(n, s, resources, start.year, horizon) for n in s.new_licences)

    fees, sales, sigma = np.zeros(horizon), np.zeros(horizon), np.zeros(horizon)
    for p in s.fiscal.permit_schedule:
        t = p.year - start.year
        if 0 <= t < horizon:
            fees[t] += p.fees_uah
            sales[t] += p.sales_uah
            sigma[t] = max(sigma[t], p.sigma)
    cash_in = np.zeros((len(partners), horizon))
    for c in s.contributions.cash:
        t = c.year - start.year
        if 0 <= t < horizon:
            cash_in[partners.index(c.partner), t] += c.amount_usd
    counted = [k for k in s.contributions.in_kind if k.funded_by in in_kind_counted(first, k.partner)]
    in_kind = tuple(
        InKindFlow(
            partners.index(k.partner),
            (labels >= k.from_year) & (labels <= k.to_year),
            k.expected_usd_per_year,
            k.sigma,
            k.approval_probability,
        )
        for k in counted
    )
    # By code, not in words: each page names the partner and the funding in its own language.
    not_counted = tuple(
        {"partner": k.partner, "funded_by": k.funded_by, "from_year": k.from_year, "to_year": k.to_year}
        for k in s.contributions.in_kind
        if k not in counted
    )
    security = _security(s)
    regions = security.regions if security else ()
    licences = tuple(
        replace(g, region=regions.index(lic.region) if lic.region in regions else None)
        for g, lic in zip(licences, s.licences, strict=True)
    )
    news = tuple(
        replace(g, region=regions.index(n.region) if n.region in regions else None)
        for g, n in zip(news, s.new_licences, strict=True)
    )
    total_weight = sum(x.weight for x in s.strategy.sectors)
    sectors = tuple(
        SectorPlan(
            x.code,
            x.weight / total_weight,
            x.moic_median,
            x.moic_sigma,
            x.holding_years,
            x.loss_probability,
            x.deals_per_year,
        )
        for x in s.strategy.sectors
    )

    if state is None:
        st = s.start_state
        state = StartState(
            st.cash_usd,
            st.investments_usd,
            st.investments_exit_years,
            st.receivable_usd,
            tuple(st.capital_usd.get(p, 0.0) for p in partners),
            "scenario",
        )
    assert len(state.capital) == len(partners)
    for i, amount in enumerate(state.uncalled):
        cash_in[i, 0] += amount

    lock_ends = first.distributions.lock_ends
    tornado_year = s.report.tornado_year or terms_on(lock_ends).distributions.lock_ends.year
    tornado_step = tornado_year - start.year if 0 <= tornado_year - start.year < horizon else None
    plan = Plan(
        start=start,
        years=labels,
        dt=dt_years,
        resources=resources,
        price=price,
        fx_start=s.fx.start_per_usd,
        fx_drift=s.fx.drift,
        fx_volatility=s.fx.volatility,
        share=share,
        covered=covered,
        distributable=distributable,
        lock_ends=lock_ends,
        lag=lag,
        partners=partners,
        contributor=partners.index(first.contribution.partner),
        currency=first.fund.base_currency,
        licences=licences,
        new_licences=news,
        permit_fees_uah=fees,
        permit_sales_uah=sales,
        permit_sigma=sigma,
        cash_in=cash_in,
        in_kind=in_kind,
        deploy_share=s.strategy.deploy_share,
        cash_return=s.strategy.cash_return,
        sectors=sectors,
        fixed_costs=s.costs.fixed_usd_per_year,
        nav_cost_rate=s.costs.nav_rate,
        payout_share=s.distribution_policy.payout_share,
        reserve_share=s.distribution_policy.reserve_share_of_nav,
        agreement=s.distribution_policy.agreement_probability,
        state=state,
        nav_years=s.report.nav_years,
        nav_thresholds=s.report.nav_thresholds_usd,
        tornado_step=tornado_step,
        tornado_paths=s.report.tornado_paths,
        security=security,
        deal_loading=s.strategy.deal_factor_loading,
        not_counted=not_counted,
    )
    return _with_inputs(plan)


def in_kind_counted(terms: Terms, partner: str) -> tuple[str, ...]:
    """Who may have funded in-kind deliveries that the terms count as `partner`'s capital."""
    return tuple(
        f
        for kind in terms.capital.kinds.get(partner, ())
        if kind.valuation == "assessed"
        for f in kind.funded_by
    )


def _security(s: Scenario) -> SecurityPlan | None:
    sec = s.security
    if sec is None:
        return None
    names = tuple(sec.regimes)
    regions = tuple(sorted({r for regime in sec.regimes.values() for r in regime.unreachable}))
    probs = np.array([[sec.regimes[a].transition.get(b, 0.0) for b in names] for a in names])
    cumulative = np.cumsum(probs, axis=1)
    cumulative[:, -1] = 1.0  # rounding must never leave a gap above the last regime
    return SecurityPlan(
        names=names,
        initial=names.index(sec.initial),
        cumulative=cumulative,
        output=np.array([sec.regimes[a].output for a in names]),
        deal_loss=np.array([sec.regimes[a].deal_loss for a in names]),
        fx_shock=np.array([sec.regimes[a].fx_shock for a in names]),
        unreachable=np.array(
            [[sec.regimes[a].unreachable.get(r, 0.0) for r in regions] for a in names]
        ).reshape(len(names), len(regions)),
        regions=regions,
    )


def _price_params(s: Scenario, resources: tuple[str, ...]) -> prices.PriceParams:
    models = [s.prices[r] for r in resources]
    corr = np.eye(len(resources))
    for c in s.correlations:
        i, j = resources.index(c.between[0]), resources.index(c.between[1])
        corr[i, j] = corr[j, i] = c.rho
    is_ou = np.array([m.model == "ou" for m in models])
    speed = np.array([m.reversion_speed if m.model == "ou" else 1.0 for m in models], dtype=float)
    vol = np.array([m.volatility for m in models], dtype=float)
    level = np.array(
        [
            prices.ou_level(m.long_run_usd, m.volatility, m.reversion_speed)
            if m.model == "ou" and m.long_run_usd is not None and m.reversion_speed is not None
            else 0.0  # an "ou" model has both (the scenario's validation says so)
            for m in models
        ]
    )
    return prices.PriceParams(
        is_ou=is_ou,
        start=np.array([m.start_usd for m in models], dtype=float),
        drift=np.array([m.drift if m.model == "gbm" else 0.0 for m in models], dtype=float),
        level=level,
        speed=speed,
        volatility=vol,
        cholesky=np.linalg.cholesky(corr),
    )


def _licence(lic, s: Scenario, resources: tuple[str, ...], year0: int, horizon: int) -> LicenceGroup:  # noqa: ANN001
    start = lic.first_production_year - year0
    first_bin = max(min(start, 0), -horizon * 2)  # a start long before the forecast adds only its tail
    p = lic.profile
    shape = production.profile(
        p.ramp_years, p.plateau_years, p.decline_rate, p.life_years, horizon - first_bin
    )
    award = (
        None
        if lic.award_year is None or not 0 <= lic.award_year - year0 < horizon
        else lic.award_year - year0
    )
    return LicenceGroup(
        resource=resources.index(lic.resource),
        psa=lic.regime == "psa",
        count=lic.count,
        start=max(start, first_bin),
        delay_mean=lic.delay_mean_years,
        plateau=lic.plateau_output,
        output_sigma=lic.output_sigma,
        failure=lic.failure_probability,
        rent_rate=s.fiscal.rent_rate.get(lic.resource, 0.0),
        psa_share=lic.psa_state_share,
        production_bonus=lic.production_bonus_usd,
        award=award,
        sale_uah=lic.sale_price_uah,
        signing_bonus=lic.signing_bonus_usd,
        first_bin=first_bin,
        matrix=production.toeplitz(shape, first_bin, horizon),
    )


def _new(n, s: Scenario, resources: tuple[str, ...], year0: int, horizon: int) -> NewGroup:  # noqa: ANN001
    steps = tuple(y - year0 for y in range(n.from_year, n.to_year + 1) if 0 <= y - year0 < horizon)
    p = n.profile
    shape = production.profile(p.ramp_years, p.plateau_years, p.decline_rate, p.life_years, horizon)
    full = production.toeplitz(shape, 0, horizon)  # rows: first production step 0 .. horizon-1
    rows = np.zeros((len(steps), horizon))
    for i, a in enumerate(steps):
        if a + n.lead_years < horizon:
            rows[i] = full[a + n.lead_years]
    return NewGroup(
        resource=resources.index(n.resource),
        psa=n.regime == "psa",
        per_year=n.per_year,
        max_per_year=n.max_per_year,
        steps=steps,
        lead=n.lead_years,
        output_median=n.output_median,
        output_sigma=n.output_sigma,
        failure=n.failure_probability,
        sale_median_uah=n.sale_price_uah_median,
        sale_sigma=n.sale_price_sigma,
        psa_share=n.psa_state_share,
        signing_bonus=n.signing_bonus_usd,
        rent_rate=s.fiscal.rent_rate.get(n.resource, 0.0),
        matrix=rows,
    )


def _with_inputs(plan: Plan) -> Plan:
    """The inputs a tornado moves: every random driver that has a spread to move by."""
    names = [f"price: {r}" for r, v in zip(plan.resources, plan.price.volatility, strict=True) if v > 0]
    if plan.fx_volatility > 0:
        names.append("fx: rate per USD")
    if any(g.delay_mean > 0 for g in plan.licences):
        names.append("production: delay")
    if any(g.output_sigma > 0 for g in plan.licences):
        names.append("production: output")
    if any(g.per_year > 0 for g in plan.new_licences):
        names.append("new licences: count")
    # In-kind value is capital, not cash: it moves partners' shares, never NAV, so it has no bar.
    names += [f"returns: {x.code}" for x in plan.sectors if x.moic_sigma > 0]
    return replace(plan, inputs=tuple(names))
