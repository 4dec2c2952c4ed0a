"""The agreement as typed, immutable data.

Every rate, date, party, resource, seat and rule that governs behaviour lives in a
terms file (TOML) and is validated into these models. Code asks the models; it never
carries the facts itself. `Terms.in_force(day)` applies dated amendments, so a rule
is always read as it stood on the day that matters.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jointfund.money import ISO_EXPONENTS
from jointfund.terms import decision_rule

Location = tuple[str | int, ...]  # where a key is: table names, keys and list indexes


class Inconsistent(ValueError):
    """Terms whose fields contradict each other; `problems` are (key location, what is wrong).

    The loader turns each into a Problem naming the key and its line, as it does for type errors.
    """

    def __init__(self, problems: list[tuple[Location, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(str(x) for x in loc)}: {msg}" for loc, msg in problems))


class Frozen(BaseModel):
    """Base of every terms model: immutable, and unknown keys are errors (a typo must not pass)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


AccountType = Literal["asset", "liability", "equity", "income", "expense"]
DecisionRule = str  # "unanimous" | "majority" | "majority_of_each_partner" | "supermajority:N"


class Fund(Frozen):
    """Identity of the fund and the agreement's key dates."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_-]{1,15}$", description="short code, e.g. URIF")
    name: str
    legal_form: str = ""
    general_partner: str = ""
    signed: dt.date | None = None
    entry_into_force: dt.date = Field(description="the date from which the agreement counts")
    base_currency: str
    currencies: tuple[str, ...] = Field(description="every currency the fund books")
    review_period_years: int | None = Field(default=None, ge=1)
    dispute_forum: str = ""

    @field_validator("base_currency")
    @classmethod
    def _known_currency(cls, v: str) -> str:
        if v not in ISO_EXPONENTS:
            raise ValueError(f"unknown currency {v!r}; expected an ISO 4217 code such as USD or UAH")
        return v

    @field_validator("currencies")
    @classmethod
    def _known_currencies(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in v if c not in ISO_EXPONENTS]
        if bad:
            raise ValueError(f"unknown currencies {bad}; expected ISO 4217 codes")
        return v

    @model_validator(mode="after")
    def _base_is_booked(self) -> Fund:
        if self.base_currency not in self.currencies:
            raise ValueError(
                f"base_currency {self.base_currency} must be one of currencies {list(self.currencies)}"
            )
        return self


class Partner(Frozen):
    """A partner of the fund and the agency that acts for it."""

    code: str = Field(pattern=r"^[A-Z]{2,8}$")
    name: str
    agency: str
    role: str = "limited partner"
    currency: str = Field(description="currency of the partner's contribution account")
    ownership_share: Decimal | None = Field(default=None, ge=0, le=1)


class Stream(Frozen):
    """A revenue stream of the contributing partner and the share of it owed to the fund."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    share: Decimal = Field(ge=0, le=1, description="fraction of the receipt owed to the fund")
    in_force_from: dt.date
    psa_only: bool = Field(
        default=False, description="counts only for licences under a production sharing agreement"
    )
    gfs_code: str = Field(default="", description="IMF GFS revenue classification, for EITI-style reports")
    budget_code: str = Field(default="", description="the national budget classification code of the revenue")
    entity: str = Field(
        default="", description="code of the government entity (eiti.entities) that receives it"
    )
    source: str = ""


class OtherStream(Frozen):
    """A revenue stream a receipt may carry that owes nothing to the fund, named so reports can classify
    it."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    gfs_code: str = Field(default="", description="IMF GFS revenue classification, for EITI-style reports")
    budget_code: str = Field(default="", description="the national budget classification code of the revenue")
    entity: str = Field(
        default="", description="code of the government entity (eiti.entities) that receives it"
    )


class ResourceCategory(Frozen):
    code: str
    name: str


class Resource(Frozen):
    """A resource of the catalogue; `covered` says whether its revenue counts for the fund."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    category: str
    covered: bool


class Catalogue(Frozen):
    """Every resource a licence may name, covered or not, so all extractive revenue can be classified."""

    categories: tuple[ResourceCategory, ...]
    resources: tuple[Resource, ...]


class Eligibility(Frozen):
    """Which licences' revenue counts.

    Attributes:
      new_bases: licence bases that count when issued on or after `issued_on_or_after`.
      always_bases: bases that count whatever their issue date (existing licences on undeveloped deposits).
      excluded_bases: bases that never count, with the reason shown to users.
      issued_on_or_after: cut-off date for new licences (the entry into force).
      receipts_on_or_after: receipts dated earlier never count.
    """

    new_bases: tuple[str, ...]
    always_bases: tuple[str, ...]
    excluded_bases: dict[str, str]
    issued_on_or_after: dt.date
    receipts_on_or_after: dt.date
    excluded_flags: dict[str, str] = Field(
        default_factory=dict, description="licence or receipt flags that exclude, with reason"
    )
    other_flags: dict[str, str] = Field(
        default_factory=dict, description="flags an input may carry that exclude nothing"
    )
    psa_signed_on_or_after: dt.date | None = Field(
        default=None, description="PSA streams count only for agreements signed on or after it (new PSAs)"
    )
    per_resource_streams: tuple[str, ...] = Field(
        default=(),
        description=(
            "streams paid per resource: on a licence of several resources a receipt names its resource"
        ),
    )
    multi_resource_coverage: Literal["any", "all", "primary"] = Field(
        default="any",
        description="a receipt of a several-resource licence that names no resource counts when "
        "any / all of its resources, or its primary one, are covered",
    )

    @property
    def known_flags(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.excluded_flags, *self.other_flags)))


class Contribution(Frozen):
    """The resource-revenue contribution of one partner."""

    partner: str
    rounding: Literal["ROUND_HALF_UP"] = "ROUND_HALF_UP"
    streams: tuple[Stream, ...]
    stream_codes: tuple[str, ...] = Field(
        description="every stream code a receipt may carry, eligible or not"
    )
    other_streams: tuple[OtherStream, ...] = Field(
        default=(), description="streams with no contribution rule, for reports"
    )
    budgets: tuple[str, ...] = Field(
        default=("state",),
        min_length=1,
        description="budgets a receipt may name as its recipient; the first is the default",
    )
    base_budgets: tuple[str, ...] = Field(
        default=("state",), description="budgets whose receipts form the base"
    )
    rounding_level: Literal["per_receipt", "per_day_stream"] = Field(
        default="per_receipt",
        description="where the contribution is rounded: each receipt, or each day's total "
        "per stream and licence (the difference is booked to ledger role "
        "contribution_rounding)",
    )

    @property
    def every_stream(self) -> tuple[Stream | OtherStream, ...]:
        """Every stream a receipt may carry that the terms declare: those with a rule, then the others."""
        return (*self.streams, *self.other_streams)


class EitiEntity(Frozen):
    """A government entity that receives extractive revenue (EITI summary data, part 3)."""

    code: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    name: str
    level: Literal["national", "subnational"] = "national"
    identifier: str = Field(default="", description="its registration code, when known")


class Eiti(Frozen):
    """What the EITI summary data need beyond the receipts: the country and who receives what."""

    country: str = ""
    country_code: str = Field(default="", description="ISO 3166-1 alpha-3")
    sources: tuple[str, ...] = ()
    entities: tuple[EitiEntity, ...] = ()
    budget_entities: dict[str, str] = Field(
        default_factory=dict,
        description="budget -> the entity that receives receipts to it instead of the stream's",
    )


class Reconciliation(Frozen):
    """How company payments are matched to Treasury receipts."""

    window_days: int = Field(
        default=10, ge=0, description="a payment and its receipt match up to this many days apart"
    )


class ContributionKind(Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    valuation: Literal["face", "assessed"]
    needs_decision: str | None = Field(default=None, description="proposal kind that must approve it first")
    funded_by: tuple[Literal["us_funded", "allied_funded", "sold"], ...] = Field(
        default=(), description="assessed kinds: who may have paid for a delivery that counts as capital"
    )


class CapitalTerms(Frozen):
    """How partners' capital is contributed and income allocated."""

    kinds: dict[str, tuple[ContributionKind, ...]] = Field(description="partner code -> contribution kinds")
    allocation: Literal["pro_rata_opening_capital"] = "pro_rata_opening_capital"
    allocation_rounding: Literal["largest_remainder"] = "largest_remainder"
    allocation_period: Literal["quarter", "month", "year"] = Field(
        default="quarter",
        description="income is allocated period by period, by capital at each period's start",
    )


PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


class Accounting(Frozen):
    """The fund's accounting policies: each a choice another agreement could make differently.

    docs/accounting.md states them with the entries each business event makes. Two policies live
    elsewhere and are not repeated here: the functional and reporting currency is
    `fund.base_currency`, and income allocation is `capital.allocation`, `allocation_rounding` and
    `allocation_period`.

    Attributes:
      in_kind: how approved in-kind value (assessed military assistance) is booked. "capital_credit":
        it raises the contributing partner's contributed capital and ownership; the fund holds no asset
        for it, so the net assets do not change.
      commitments: how undrawn commitments (to investees, and partners' uncalled commitments) are kept.
        "memo": in a memo register disclosed in the notes, never posted as assets and liabilities.
      conversion_rounding: how an amount converted into the functional currency at a rate is rounded,
        once, to the functional currency's minor unit.
      share_places: decimal places of a quoted ownership share (rounded by `conversion_rounding`).
      period: the accounting period of the calendar year (January to December): statements are drawn
        and periods closed month by month, quarter by quarter or year by year.
      remeasurement: when balances in currencies other than the functional one are remeasured.
        "period_end": by a journal entry at each period end (`jointfund period close`); the difference
        to their carrying amount is unrealised FX in that period's income.
      remeasurement_rate: the rate that remeasures. "reference": the [fx] reference rate of the period's
        last day (or the latest earlier one).
      close_decision: the kind of governance decision whose executed proposal closes a period;
        absent: the terms let no one close a period.
    """

    in_kind: Literal["capital_credit"]
    commitments: Literal["memo"]
    conversion_rounding: Literal["ROUND_HALF_UP"]
    share_places: int = Field(ge=0, le=12)
    period: Literal["month", "quarter", "year"]
    remeasurement: Literal["period_end"]
    remeasurement_rate: Literal["reference"]
    close_decision: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")


class Body(Frozen):
    """A deciding body (the board or a committee) and its seats per partner."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    seats: dict[str, int]

    @field_validator("seats")
    @classmethod
    def _positive(cls, v: dict[str, int]) -> dict[str, int]:
        if any(n < 0 for n in v.values()):
            raise ValueError("seat counts must be zero or more")
        return v


class Decision(Frozen):
    """Which body decides a kind of proposal, and by which rule."""

    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    body: str
    rule: DecisionRule
    critical: bool = False
    requires_recommendation: str | None = None

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, v: str) -> str:
        decision_rule.parse(v)  # ValueError, saying what is expected
        return v


class Appointments(Frozen):
    """Seats that change only by a decision: once every seat of a listed body has been filled (its founding
    is over), a seat of it is given or taken only by an executed `decision` proposal, countersigned by the
    appointing partner's authority key. Until then, the partner's authority statement alone seats a member."""

    decision: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    bodies: tuple[str, ...] = Field(min_length=1)
    # "excluded": the decision counts only the seats held (a vacancy would otherwise block its own filling
    # under unanimity); "block": a vacant seat counts as one that did not vote, as in every other decision.
    vacant_seats: Literal["block", "excluded"] = "block"


class Recusal(Frozen):
    """How a rule counts seats whose holders recused themselves from a proposal.

    `excluded`: a recused seat is left out of the ballot (the rule applies to the seats not recused);
    `voting_seats_per_partner`: and the proposal passes only with at least that many seats of each partner
    not recused and voting, so that a partner with no such seat left makes it impossible to pass."""

    recused_seats: Literal["excluded"] = "excluded"
    voting_seats_per_partner: int = Field(default=1, ge=0)


class Governance(Frozen):
    bodies: tuple[Body, ...]
    decisions: tuple[Decision, ...]
    casting_vote: bool = False
    appointments: Appointments | None = None  # None: a partner's authority statement alone seats a member
    recusal: Recusal | None = None  # None: a recused seat counts as one that did not vote


class Distributions(Frozen):
    """The reinvestment lock and what a distribution needs after it."""

    reinvestment_period_years: int = Field(ge=0)
    lock_starts: dt.date
    decision_kind: str = "distribution"
    waterfall: Literal["pro_rata_capital"] = "pro_rata_capital"

    @property
    def lock_ends(self) -> dt.date:
        """First day on which a distribution may be made."""
        start = self.lock_starts
        year = start.year + self.reinvestment_period_years
        try:
            return dt.date(year, start.month, start.day)
        except ValueError:
            # 29 February has no twin in a common year; the lock then ends on 28 February.
            return dt.date(year, start.month, 28)


class Deadline(Frozen):
    """A statutory deadline for the previous year's revenue."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    responsible: str = ""
    source: str = ""
    evidence: Literal["filing", "transfer"] = Field(
        default="filing",
        description="what meets it: a recorded filing, or transfers settling the period's obligation",
    )

    def due(self, period_year: int) -> dt.date:
        return dt.date(period_year + 1, self.month, self.day)


class Calendar(Frozen):
    deadlines: tuple[Deadline, ...]


class FxSource(Frozen):
    source: str
    quote: Literal["domestic_per_foreign"] = "domestic_per_foreign"
    domestic_currency: str
    fallback: Literal["latest_earlier"] = "latest_earlier"
    max_age_days: int | None = Field(
        default=None, ge=0, description="an earlier rate older than this is not usable"
    )
    plausible_rates: dict[str, tuple[Decimal, Decimal]] = Field(
        default_factory=dict,
        description="currency -> (lowest, highest) rate an import accepts; other currencies are refused",
    )
    max_daily_change: Decimal | None = Field(
        default=None,
        gt=0,
        description="the largest change of a rate from the previous one, as a fraction; "
        "a bigger jump needs --accept-jump",
    )

    @field_validator("plausible_rates")
    @classmethod
    def _ranges(cls, v: dict[str, tuple[Decimal, Decimal]]) -> dict[str, tuple[Decimal, Decimal]]:
        for code, (low, high) in v.items():
            if code not in ISO_EXPONENTS or not 0 < low < high:
                raise ValueError(
                    f"{code}: expected a known currency and 0 < lowest < highest, got [{low}, {high}]"
                )
        return v


class Account(Frozen):
    """An account of the chart; `{partner}` and `{currency}` in a name expand over partners and currencies."""

    name: str = Field(pattern=r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9{][A-Za-z0-9{}_-]*)+$")
    currencies: tuple[str, ...] | None = None
    description: str = ""


# Roles the code asks the chart for (`Terms.account_name`); a terms file must name an account for each,
# so that another agreement is refused at `terms check`, not by a KeyError deep in a rule.
# A rule module that asks for a new role adds it here.
REQUIRED_ROLES = (
    "cash",
    "trading",
    "capital",
    "capital_cash",
    "capital_revenue",
    "capital_call_receivable",
    "contribution_receivable",
    "contribution_obligation",
)


class Ledger(Frozen):
    accounts: tuple[Account, ...]
    roles: dict[str, str] = Field(description="role -> account name template used by the rules")


class Stage(Frozen):
    """A stage of the investment pipeline.

    Attributes:
      code, name: how rules and people call it.
      terminal: no transition leaves it (repaid, exited, written off, declined, withdrawn). Reaching it
        ends the application's investment, if it has one: its undrawn commitment is cancelled.
      write_off: reaching it writes the investment's remaining cost off (otherwise none may remain).
      oc4ids_status: the OC4IDS projectStatus code an export gives a project at this stage.
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    terminal: bool = False
    write_off: bool = False
    oc4ids_status: str = ""


class Transition(Frozen):
    """An allowed move between pipeline stages, and what alone may make it.

    Attributes:
      from_: the stages it leaves (key `from`); "*" stands for every stage that is not terminal.
      to: the stage it reaches.
      decision: kind of proposal whose execution alone makes the move; None: a person records it, with a
      reason.
    """

    from_: tuple[str, ...] = Field(alias="from")
    to: str
    decision: str | None = None


class Sector(Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    oc4ids_sector: str = Field(default="", description="OC4IDS projectSector code for exports")


class Screening(Frozen):
    """Sanctions screening of applicants and their beneficial owners (issue 16).

    Attributes:
      stages: stages an application enters only with a cleared screening against every sanctions list
        current at the time of the move (the project search committee's screening and the committees after
        it).
      threshold: the least score (0-100, rapidfuzz on normalised, transliterated names) that is a hit.
      birth_date_penalty: points taken off a person's hit whose dates of birth all disagree with the owner's.
      max_hits: at most this many hits are kept per party and list, best first (a bound on a common name).
    """

    stages: tuple[str, ...] = ()
    threshold: float = Field(default=88, ge=50, le=100)
    birth_date_penalty: float = Field(default=15, ge=0, le=100)
    max_hits: int = Field(default=20, ge=1, le=1000)


class Pipeline(Frozen):
    """The investment pipeline: what an application holds, its stages and the moves between them."""

    initial: str = Field(description="the stage of a newly submitted application")
    stages: tuple[Stage, ...]
    transitions: tuple[Transition, ...]
    sectors: tuple[Sector, ...]
    instruments: tuple[str, ...]
    income: dict[str, str] = Field(
        description="kind of investment income -> ledger role of its income account"
    )
    max_applications: int = Field(default=100_000, ge=1, description="limit of one submission file")
    screening: Screening = Screening()
    withdrawal: str | None = Field(
        default=None, description="the stage an applicant withdraws their own application to"
    )
    document_max_bytes: int = Field(
        default=10_000_000,
        ge=1,
        le=100_000_000,
        description="the largest document an applicant may upload (stored by its hash)",
    )

    @model_validator(mode="after")
    def _known_stages(self) -> Pipeline:
        codes = [s.code for s in self.stages]
        problems = []
        if len(set(codes)) != len(codes):
            problems.append("stage codes must be unique")
        if self.initial not in codes:
            problems.append(f"initial {self.initial!r} is not a stage")
        for i, tr in enumerate(self.transitions):
            for c in (*[f for f in tr.from_ if f != "*"], tr.to):
                if c not in codes:
                    problems.append(f"transitions[{i}] names unknown stage {c!r}; expected one of {codes}")
        if self.withdrawal is not None and self.withdrawal not in codes:
            problems.append(f"withdrawal {self.withdrawal!r} is not a stage; expected one of {codes}")
        for c in self.screening.stages:
            if c not in codes:
                problems.append(f"screening.stages names unknown stage {c!r}; expected one of {codes}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def stage(self, code: str) -> Stage | None:
        return next((s for s in self.stages if s.code == code), None)

    def sector(self, code: str) -> Sector | None:
        return next((s for s in self.sectors if s.code == code), None)


EXPENSE_ACCOUNT = r"^Expenses(:[A-Z0-9][A-Za-z0-9_-]*)+$"


class BudgetCategory(Frozen):
    """A category of budget lines, and the expense account its expenses are booked to.

    The account need not be in the chart: it is opened (and logged) the first time a budget line of the
    category is adopted, so that adding a category does not renumber an existing fund's records.
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    account: str = Field(pattern=EXPENSE_ACCOUNT)


class Fee(Frozen):
    """A fee the terms charge the fund, accrued at the close of each period that ends one of its spans.

    Attributes:
      code, name: how rules and people call it (administrator, management).
      rate_per_year: the annual rate; a span of `frequency` is charged rate_per_year x months / 12.
      base: what the rate applies to. "net_assets": the fund's net assets at the start of the span (the
        previous period's closing, which no later entry can change); "contributed": the capital the
        partners contributed up to the span's last day.
      frequency: the span a charge covers (month, quarter or year), never shorter than the accounting period.
      account: the expense account charged; payable: the liability credited until the fee is paid.
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    rate_per_year: Decimal = Field(ge=0, le=1)
    base: Literal["net_assets", "contributed"]
    frequency: Literal["month", "quarter", "year"]
    account: str = Field(pattern=EXPENSE_ACCOUNT)
    payable: str = Field(pattern=r"^Liabilities(:[A-Z0-9][A-Za-z0-9_-]*)+$")


class BudgetTerms(Frozen):
    """Budgets adopted by decision, the expenses booked against their lines, and the fees of the terms.

    Attributes:
      decision_kind: the kind of proposal whose execution adopts (or amends) budget lines.
      categories: the categories a budget line may have.
      fees: fees accrued at period close (budget.fees).
      evidence_max_bytes: the largest evidence file an expense may carry (stored in the database by its hash).
    """

    decision_kind: str = Field(default="budget", pattern=r"^[a-z][a-z0-9_]*$")
    categories: tuple[BudgetCategory, ...] = ()
    fees: tuple[Fee, ...] = ()
    evidence_max_bytes: int = Field(default=10_000_000, ge=1, le=100_000_000)


class Amendment(Frozen):
    """A dated change to the terms: `changes` is merged over the terms from `effective` on."""

    effective: dt.date
    reference: str
    description: str = ""
    changes: dict[str, Any]


VOTE_ACTION = "proposal.vote"  # a member's signed vote: public only once its proposal closed (public_votes)


def _matches(action: str, pattern: str) -> bool:
    # A pattern with * matches the whole action (so "*.import" reaches every import's summary, which a prefix
    # cannot); without one, a prefix (the first form, kept so existing terms read as before).
    return fnmatch.fnmatchcase(action, pattern) if "*" in pattern else action.startswith(pattern)


class Transparency(Frozen):
    """How the fund's log shows itself to the world (C2SP tlog-checkpoint, tlog-witness; issue 18).

    Attributes:
      origin: the checkpoint origin line and the partners' note key name; `{fund_id}` stands for the fund's
        id, so two funds made from one terms file never share an origin.
      witnesses: verifier keys (C2SP vkeys, `name+hexid+base64`) of the independent witnesses whose
        cosignatures count.
      witnesses_required: how many of them must cosign a checkpoint before it is shown as witnessed.
      public_records: which records the public mirror shows in full; the others appear as their leaf hash
      only.
      public_votes: the closings of a proposal ("executed", "rejected", ...) after which its signed votes are
        public, when "proposal.vote" is a public record: an open proposal's votes stay private.
    """

    origin: str = Field(
        default="jointfund.example/{fund_id}",
        min_length=1,
        max_length=200,
        pattern=r"^[^\s+]+$",
        description="no spaces, no plus (C2SP signed-note key name)",
    )
    witnesses: tuple[str, ...] = ()
    witnesses_required: int = Field(default=1, ge=0, le=16)
    public_records: tuple[str, ...] = Field(
        default=("entry",),
        description=(
            '"entry" (journal entries), a prefix of event actions ("proposal.") or a pattern with * '
            '("*.import"); '
            "other records are private"
        ),
    )
    public_votes: tuple[str, ...] = ("executed", "rejected")

    def origin_for(self, fund_id: str) -> str:
        return self.origin.replace("{fund_id}", fund_id)

    def is_public(self, kind: str, action: str | None, closings: Iterable[str] = ()) -> bool:
        """Is a record of leaf `kind` ("entry" or "event") with event `action` public? For a vote, `closings`
        are
        the statuses its proposal has reached (public only after one of `public_votes`)."""
        if kind == "entry":
            return "entry" in self.public_records
        if action is None or not any(_matches(action, p) for p in self.public_records if p != "entry"):
            return False
        return action != VOTE_ACTION or bool(set(closings) & set(self.public_votes))

    @field_validator("witnesses")
    @classmethod
    def _vkeys(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        # The shape only (name+8 hex+base64); the ledger.note parser checks the key itself where it is used.
        bad = [w for w in v if not re.fullmatch(r"[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+", w)]
        if bad:
            raise ValueError(f"not a verifier key (name+hexkeyid+base64key): {bad[0][:80]!r}")
        return v


class Terms(Frozen):
    """A whole agreement, as it stands on `as_of` (None: the file as written, before amendments)."""

    schema_version: Literal[
        1, 2
    ]  # 1: written before [accounting]; the loader fills what 2 added (LATER_KEYS)
    fund: Fund
    partners: tuple[Partner, ...]
    contribution: Contribution
    catalogue: Catalogue
    eligibility: Eligibility
    capital: CapitalTerms
    governance: Governance
    distributions: Distributions
    calendar: Calendar
    fx: FxSource
    ledger: Ledger
    accounting: Accounting
    pipeline: Pipeline | None = None
    eiti: Eiti = Eiti()
    reconciliation: Reconciliation = Reconciliation()
    transparency: Transparency = Transparency()
    budget: BudgetTerms = BudgetTerms()
    amendments: tuple[Amendment, ...] = ()
    as_of: dt.date | None = None

    # -- cross-field rules: a terms file that contradicts itself is refused at load --
    @model_validator(mode="after")
    def _consistent(self) -> Terms:
        problems = self.inconsistencies()
        if problems:
            raise Inconsistent(problems)
        return self

    def inconsistencies(self) -> list[tuple[Location, str]]:
        """Every contradiction between fields, each as (location of the key, what is wrong)."""
        partners = {p.code for p in self.partners}
        problems: list[tuple[Location, str]] = []
        if len(partners) != len(self.partners):
            problems.append((("partners",), "partner codes must be unique"))
        if self.contribution.partner not in partners:
            problems.append(
                (
                    ("contribution", "partner"),
                    f"{self.contribution.partner!r} is not a partner; expected one of {sorted(partners)}",
                )
            )
        for i, s in enumerate(self.contribution.streams):
            if s.code not in self.contribution.stream_codes:
                problems.append(
                    (
                        ("contribution", "streams", i, "code"),
                        f"{s.code!r} is not in contribution.stream_codes",
                    )
                )
        for i, o in enumerate(self.contribution.other_streams):
            if o.code not in self.contribution.stream_codes:
                problems.append(
                    (
                        ("contribution", "other_streams", i, "code"),
                        f"{o.code!r} is not in contribution.stream_codes",
                    )
                )
        codes = [r.code for r in self.catalogue.resources]
        if len(set(codes)) != len(codes):
            problems.append((("catalogue", "resources"), "resource codes must be unique"))
        cats = {c.code for c in self.catalogue.categories}
        for i, r in enumerate(self.catalogue.resources):
            if r.category not in cats:
                problems.append(
                    (
                        ("catalogue", "resources", i, "category"),
                        f"{r.code} has unknown category {r.category!r}; expected one of {sorted(cats)}",
                    )
                )
        bodies = {b.code: b for b in self.governance.bodies}
        for i, b in enumerate(self.governance.bodies):
            if set(b.seats) != partners:
                problems.append(
                    (
                        ("governance", "bodies", i, "seats"),
                        f"{b.code} must give seats to exactly the partners {sorted(partners)}",
                    )
                )
        for i, d in enumerate(self.governance.decisions):
            if d.body not in bodies:
                problems.append(
                    (
                        ("governance", "decisions", i, "body"),
                        f"{d.kind} names unknown body {d.body!r}; expected one of {sorted(bodies)}",
                    )
                )
            if d.requires_recommendation and d.requires_recommendation not in bodies:
                problems.append(
                    (
                        ("governance", "decisions", i, "requires_recommendation"),
                        f"{d.kind} needs a recommendation from unknown body {d.requires_recommendation!r}",
                    )
                )
        kinds_known = {d.kind for d in self.governance.decisions}
        if (ap := self.governance.appointments) is not None:
            if ap.decision not in kinds_known:
                problems.append(
                    (
                        ("governance", "appointments", "decision"),
                        f"{ap.decision!r} is not a kind of governance.decisions",
                    )
                )
            for code in ap.bodies:
                if code not in bodies:
                    problems.append(
                        (
                            ("governance", "appointments", "bodies"),
                            f"unknown body {code!r}; expected one of {sorted(bodies)}",
                        )
                    )
        for code, kinds in self.capital.kinds.items():
            if code not in partners:
                problems.append(
                    (
                        ("capital", "kinds", code),
                        f"{code!r} is not a partner; expected one of {sorted(partners)}",
                    )
                )
            for k in kinds:
                if k.needs_decision and k.needs_decision not in kinds_known:
                    problems.append(
                        (("capital", "kinds", code), f"{k.code} needs unknown decision {k.needs_decision!r}")
                    )
        for i, p in enumerate(self.partners):
            if p.currency not in self.fund.currencies:
                problems.append(
                    (
                        ("partners", i, "currency"),
                        f"{p.code} currency {p.currency} is not one of fund.currencies "
                        f"{list(self.fund.currencies)}",
                    )
                )
        if self.fx.domestic_currency not in self.fund.currencies:
            problems.append(
                (
                    ("fx", "domestic_currency"),
                    f"{self.fx.domestic_currency} is not one of fund.currencies {list(self.fund.currencies)}",
                )
            )
        for i, a in enumerate(self.ledger.accounts):
            for c in a.currencies or ():
                if c != "{currency}" and c not in self.fund.currencies:
                    problems.append(
                        (
                            ("ledger", "accounts", i, "currencies"),
                            f"{a.name} allows {c}, which is not one of fund.currencies",
                        )
                    )
        for i, tr in enumerate(self.pipeline.transitions if self.pipeline else ()):
            if tr.decision and tr.decision not in kinds_known:
                problems.append(
                    (
                        ("pipeline", "transitions", i, "decision"),
                        f"{tr.decision!r} is not a kind of governance.decisions",
                    )
                )
        if self.accounting.close_decision and self.accounting.close_decision not in kinds_known:
            problems.append(
                (
                    ("accounting", "close_decision"),
                    f"{self.accounting.close_decision!r} is not a kind of governance.decisions",
                )
            )
        for kind, role in self.pipeline.income.items() if self.pipeline else ():
            if role not in self.ledger.roles:
                problems.append((("pipeline", "income", kind), f"role {role!r} is not in ledger.roles"))
        chart = [name for name, _cur, _d in self.expanded_accounts()]
        for role in REQUIRED_ROLES:
            if role not in self.ledger.roles:
                problems.append(
                    (("ledger", "roles"), f"role {role!r} is missing; the rules need an account for it")
                )
        for role, template in self.ledger.roles.items():
            try:
                names = {
                    template.format(partner=p, currency=c) for p in partners for c in self.fund.currencies
                }
            except (KeyError, IndexError, ValueError):
                problems.append(
                    (("ledger", "roles", role), f"{template!r} may use only {{partner}} and {{currency}}")
                )
                continue
            missing = sorted(n for n in names if not any(a == n or a.startswith(n + ":") for a in chart))
            if missing:
                problems.append(
                    (
                        ("ledger", "roles", role),
                        f"names {missing[0]}, which is not an account of ledger.accounts (nor a parent of "
                        "one)",
                    )
                )
        if PERIOD_MONTHS[self.capital.allocation_period] > PERIOD_MONTHS[self.accounting.period]:
            # Income allocated over a span longer than a period would change a closed period's statements.
            why = (
                f"a {self.accounting.period} is shorter than the allocation period "
                f"capital.allocation_period ({self.capital.allocation_period}); "
                "income must be allocated within each accounting period"
            )
            problems.append((("accounting", "period"), why))
        contribution = self.contribution
        for i, base in enumerate(contribution.base_budgets):
            if base not in contribution.budgets:
                problems.append(
                    (
                        ("contribution", "base_budgets", i),
                        f"{base!r} is not one of contribution.budgets {list(contribution.budgets)}",
                    )
                )
        if contribution.rounding_level != "per_receipt" and "contribution_rounding" not in self.ledger.roles:
            problems.append(
                (
                    ("contribution", "rounding_level"),
                    "rounding other than per_receipt books its difference to "
                    "the ledger role contribution_rounding, which is missing",
                )
            )
        entities = {e.code for e in self.eiti.entities}
        groups: tuple[tuple[str, tuple[Stream | OtherStream, ...]], ...] = (
            ("streams", contribution.streams),
            ("other_streams", contribution.other_streams),
        )
        for group, items in groups:
            for i, declared in enumerate(items):
                if declared.entity and declared.entity not in entities:
                    problems.append(
                        (
                            ("contribution", group, i, "entity"),
                            f"{declared.entity!r} is not an entity of eiti.entities",
                        )
                    )
        for budget, entity in self.eiti.budget_entities.items():
            if budget not in contribution.budgets:
                problems.append(
                    (("eiti", "budget_entities", budget), f"{budget!r} is not one of contribution.budgets")
                )
            if entity not in entities:
                problems.append(
                    (("eiti", "budget_entities", budget), f"{entity!r} is not an entity of eiti.entities")
                )
        categories = [x.code for x in self.budget.categories]
        if len(set(categories)) != len(categories):
            problems.append((("budget", "categories"), "category codes must be unique"))
        if self.budget.categories and self.budget.decision_kind not in kinds_known:
            problems.append(
                (
                    ("budget", "decision_kind"),
                    f"{self.budget.decision_kind!r} is not a kind of governance.decisions",
                )
            )
        fees = [f.code for f in self.budget.fees]
        if len(set(fees)) != len(fees):
            problems.append((("budget", "fees"), "fee codes must be unique"))
        for i, f in enumerate(self.budget.fees):
            if PERIOD_MONTHS[f.frequency] < PERIOD_MONTHS[self.accounting.period]:
                # A fee accrues at period close; a span shorter than the period would have no close to accrue
                # at.
                problems.append(
                    (
                        ("budget", "fees", i, "frequency"),
                        f"{f.code}: a {f.frequency} is shorter than the "
                        f"accounting period ({self.accounting.period}); fees accrue at period close",
                    )
                )
            if not any(a == f.payable for a in chart):
                problems.append(
                    (("budget", "fees", i, "payable"), f"{f.payable} is not an account of ledger.accounts")
                )
        bad_bases = set(self.eligibility.new_bases) & set(self.eligibility.excluded_bases)
        if bad_bases:
            problems.append(
                (
                    ("eligibility", "excluded_bases"),
                    f"bases {sorted(bad_bases)} are both eligible (new_bases) and excluded",
                )
            )
        return problems

    # -- questions the rules ask --
    def partner(self, code: str) -> Partner:
        for p in self.partners:
            if p.code == code:
                return p
        raise KeyError(code)

    @property
    def functional_currency(self) -> str:
        """The currency the fund measures and reports in (policy: fund.base_currency)."""
        return self.fund.base_currency

    @property
    def partner_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.partners)

    def stream(self, code: str) -> Stream | None:
        """The stream's rule if it is in force on `as_of` (or at all, for unamended terms)."""
        for s in self.contribution.streams:
            if s.code == code and (self.as_of is None or s.in_force_from <= self.as_of):
                return s
        return None

    def stream_label(self, code: str) -> tuple[str, str]:
        """(name, GFS code) of any stream a receipt may carry, whether or not it is in force."""
        for s in self.contribution.every_stream:
            if s.code == code:
                return s.name, s.gfs_code
        return code, ""

    def stream_info(self, code: str) -> Stream | OtherStream | None:
        """The declaration of any stream a receipt may carry (its name, codes and receiving entity)."""
        return next(
            (s for s in self.contribution.every_stream if s.code == code),
            None,
        )

    def entity(self, code: str) -> EitiEntity | None:
        return next((e for e in self.eiti.entities if e.code == code), None)

    @property
    def resources(self) -> tuple[Resource, ...]:
        return self.catalogue.resources

    def resource(self, code: str) -> Resource | None:
        for r in self.catalogue.resources:
            if r.code == code:
                return r
        return None

    def body(self, code: str) -> Body:
        for b in self.governance.bodies:
            if b.code == code:
                return b
        raise KeyError(code)

    def decision(self, kind: str) -> Decision:
        for d in self.governance.decisions:
            if d.kind == kind:
                return d
        raise KeyError(kind)

    def account_name(self, role: str, **values: str) -> str:
        """The chart name the terms give a role, e.g. account_name("capital_cash", partner="US")."""
        template = self.ledger.roles.get(role)
        if template is None:
            from jointfund.errors import JointfundError

            raise JointfundError(
                f"the terms name no account for the role {role!r}; add it under [ledger.roles]"
            )
        return template.format(**values)

    def expanded_accounts(self) -> list[tuple[str, tuple[str, ...] | None, str]]:
        """Every account of the chart with templates expanded: (name, currencies or None, description)."""
        out: dict[str, tuple[tuple[str, ...] | None, str]] = {}
        for a in self.ledger.accounts:
            partners = self.partner_codes if "{partner}" in a.name else ("",)
            currencies = self.fund.currencies if "{currency}" in a.name else ("",)
            for p in partners:
                for c in currencies:
                    name = a.name.format(partner=p, currency=c)
                    allowed = (
                        None
                        if a.currencies is None
                        else tuple(dict.fromkeys(c if x == "{currency}" else x for x in a.currencies))
                    )
                    out[name] = (allowed, a.description)
        return [(n, cur, d) for n, (cur, d) in out.items()]
