"""The column-wise twin of the rules (bulk.py) equals the per-receipt definition (`evaluate`, `Tally`).

Random receipts reach every exclusion reason, both sides of every date boundary, odd minor
units (half-kopiyka rounding), negative and zero amounts, amounts large enough to leave the
64-bit fast path, foreign currencies, and days with no usable rate. No database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointfund.money import exponent
from jointfund.revenue import bulk, vocabulary
from jointfund.revenue.contribution import GROUPINGS, Tally, evaluate
from jointfund.revenue.eligibility import EXCLUSIONS, REASONS, RuleBook, StreamRule
from jointfund.revenue.fx import Rate, RateTable
from jointfund.revenue.licence import Licence
from jointfund.revenue.receipt import Receipt
from jointfund.terms import shipped_text

BOOK = RuleBook(shipped_text())
RULES = BOOK.on(dt.date.max)
BOUNDARIES = sorted(
    {
        RULES.receipts_from,
        RULES.issued_from,
        RULES.psa_signed_from,
        *(s.in_force_from for s in RULES.streams.values()),
    }
)
BASES = sorted({*RULES.new_bases, *RULES.always_bases, *RULES.excluded_bases, "unheard_of"})
RESOURCES = sorted(RULES.covered)[:3] + ["iron_ore", "coal"]
FLAGS = sorted(RULES.excluded_flags) + ["harmless"]  # a flag the terms know but that excludes nothing
BUDGETS = [None, RULES.default_budget, "local"]
STREAMS = sorted(RULES.streams) + ["other"]
CURRENCIES = ["UAH", "UAH", "USD", "EUR", "JPY"]


class TwoPeriods:
    """A rule book whose terms change on AMENDED: the share halves and PSA bonuses stop counting."""

    AMENDED = dt.date(2026, 3, 1)

    def __init__(self) -> None:
        streams = {
            k: StreamRule(v.share / 2, v.in_force_from, v.psa_only)
            for k, v in RULES.streams.items()
            if k != "psa_bonus"
        }
        self.later = RULES._replace(streams=streams)

    def on(self, day: dt.date):  # noqa: ANN201
        return RULES if day < self.AMENDED else self.later

    def periods(self):  # noqa: ANN201
        return [(dt.date.min, self.AMENDED, RULES), (self.AMENDED, None, self.later)]


def near(days: list[dt.date]) -> st.SearchStrategy[dt.date]:
    """A day on, or a day either side of, one of `days`; or any day of 2025-2026."""
    return st.one_of(
        st.builds(lambda d, k: d + dt.timedelta(days=k), st.sampled_from(days), st.integers(-1, 1)),
        st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    )


flags = st.lists(st.sampled_from(FLAGS), max_size=2, unique=True).map(tuple)
licences = st.builds(
    lambda i, res, basis, issued, psa, holder, signed, fl, more: Licence(
        f"L{i}",
        f"Holder {holder}",
        f"H{holder}",
        res[0],
        f"Deposit {i}",
        f"Region {i % 3}",
        issued,
        basis,
        psa,
        signed if psa else None,
        fl,
        tuple(res[1 : more + 1]),
    ),
    st.integers(0, 5),
    st.lists(st.sampled_from(RESOURCES), min_size=3, max_size=3, unique=True),
    st.sampled_from(BASES),
    near(BOUNDARIES),
    st.booleans(),
    st.integers(0, 2),
    st.one_of(st.none(), near(BOUNDARIES)),
    flags,
    st.integers(0, 2),
)

# Up to 10**12 minor units: with rates between 0.1 and 1000 every result fits the ledger's 64-bit
# minor units, while six-decimal rates make products beyond 2**62 that leave the fast path.
amounts = st.one_of(st.integers(-1_000, 1_000), st.integers(-(10**12), 10**12))
rate_values = st.one_of(
    st.builds(lambda n: Decimal(n).scaleb(-4), st.integers(10**3, 10**7)),
    st.builds(lambda n: Decimal(n).scaleb(-6), st.integers(10**5, 10**9)),
)


@st.composite
def cases(draw):  # noqa: ANN001, ANN201
    lics = {x.licence_id: x for x in draw(st.lists(licences, min_size=1, max_size=6))}
    ids = sorted(lics)
    receipts = []
    for i in range(draw(st.integers(0, 30))):
        currency = draw(st.sampled_from(CURRENCIES))
        minor = draw(amounts)
        lid = draw(st.sampled_from(ids))
        resource = draw(st.one_of(st.none(), st.sampled_from(lics[lid].resources)))
        receipts.append(
            Receipt(
                f"R{i:03d}",
                draw(near([*BOUNDARIES, TwoPeriods.AMENDED])),
                lid,
                draw(st.sampled_from(STREAMS)),
                Decimal(minor).scaleb(-exponent(currency)),
                currency,
                None,
                resource,
                draw(st.sampled_from(BUDGETS)),
                draw(flags),
            )
        )
    rate_days = draw(st.lists(st.dates(dt.date(2025, 5, 1), dt.date(2026, 12, 31)), max_size=30, unique=True))
    rates = [Rate(draw(st.sampled_from(["USD", "EUR", "JPY"])), d, draw(rate_values)) for d in rate_days]
    table = RateTable(rates, RULES.domestic_currency, draw(st.sampled_from([None, 0, 3, 10])))
    # Some receipts are corrections converted at another day's rates (the receipt they correct).
    days = draw(
        st.dictionaries(
            st.sampled_from([r.receipt_id for r in receipts] or ["-"]),
            st.dates(dt.date(2025, 5, 1), dt.date(2026, 12, 31)),
            max_size=5,
        )
    )
    return lics, receipts, table, days


def check_equal(lics, receipts, table, days, book) -> pl.DataFrame:  # noqa: ANN001
    judged = bulk.judge(bulk.receipt_frame(receipts), bulk.licence_frame(lics.values()), book, table, days)
    rows = {r["receipt_id"]: r for r in judged.iter_rows(named=True)}
    assert len(rows) == len(receipts)
    for r in receipts:
        e = evaluate(r, lics[r.licence_id], book.on(r.date), table, days.get(r.receipt_id))
        row = rows[r.receipt_id]
        assert row["eligible"] == e.eligible, (r, e.reason)
        assert Decimal(row["contribution_minor"]).scaleb(-exponent(r.currency)) == e.contribution, r
        if e.contribution_base is None:
            assert row["base_minor"] is None, r
        else:
            assert Decimal(row["base_minor"]).scaleb(-exponent(RULES.base_currency)) == e.contribution_base, r
        rate_day = days.get(r.receipt_id, r.date)
        assert ((row["missing_currency"], rate_day) if row["missing_currency"] else None) == e.missing_rate, r
    return judged


@given(cases())
@settings(max_examples=200, deadline=None)
def test_bulk_judges_every_receipt_as_evaluate_does(case) -> None:  # noqa: ANN001
    check_equal(*case, BOOK)


@given(cases())
@settings(max_examples=60, deadline=None)
def test_bulk_follows_the_terms_in_force_on_each_date(case) -> None:  # noqa: ANN001
    check_equal(*case, TwoPeriods())


class OnePeriod:
    """A rule book of one period whose rules are `rules`."""

    def __init__(self, rules) -> None:  # noqa: ANN001
        self.rules = rules

    def on(self, day: dt.date):  # noqa: ANN201
        return self.rules

    def periods(self):  # noqa: ANN201
        return [(dt.date.min, None, self.rules)]


@given(cases(), st.sampled_from(["any", "all", "primary"]), st.sampled_from([None, dt.date(2025, 5, 23)]))
@settings(max_examples=60, deadline=None)
def test_bulk_follows_each_coverage_rule_for_licences_of_several_resources(case, coverage, psa_from) -> None:  # noqa: ANN001
    check_equal(*case, OnePeriod(RULES._replace(multi_coverage=coverage, psa_signed_from=psa_from)))


@given(cases(), st.sampled_from([*GROUPINGS, "total"]), st.integers(0, 40))
@settings(max_examples=100, deadline=None)
def test_frame_totals_equal_the_tally_whatever_the_frame_order(case, by, cut) -> None:  # noqa: ANN001
    lics, receipts, table, days = case
    judged = check_equal(lics, receipts, table, days, BOOK)
    tally = Tally(by)
    for r in sorted(receipts, key=lambda r: (r.date, r.receipt_id)):
        tally.add(evaluate(r, lics[r.licence_id], BOOK.on(r.date), table, days.get(r.receipt_id)))
    frames = FrameTallyFeed(judged, cut)
    assert frames.rows(by) == tally.rows({"lithium": "Lithium"})


class FrameTallyFeed:
    """Feeds a judged frame to a Tally (`add_frame`) in two parts, the later part first."""

    def __init__(self, judged: pl.DataFrame, cut: int) -> None:
        self.parts = [judged.slice(cut), judged.slice(0, cut)]

    def rows(self, by: str) -> list:
        ft = Tally(by)
        for part in self.parts:
            if part.height:
                ft.add_frame(part, RULES.base_currency)
        return ft.rows({"lithium": "Lithium"})


def test_a_product_beyond_64_bits_is_judged_by_evaluate_itself(monkeypatch) -> None:  # noqa: ANN001
    lic = Licence("L1", "H", "H1", sorted(RULES.covered)[0], "", "", dt.date(2025, 6, 1), "new", False)
    r = Receipt("R1", dt.date(2025, 7, 1), "L1", "rent", Decimal("9999999999999.99"), "UAH")
    table = RateTable([Rate("USD", dt.date(2025, 7, 1), Decimal("41.123457"))], "UAH", 10)
    called = []
    real = bulk._by_evaluate
    monkeypatch.setattr(bulk, "_by_evaluate", lambda *a: called.append(1) or real(*a))
    check_equal({"L1": lic}, [r], table, {}, BOOK)
    assert called


def test_a_receipt_of_an_unknown_licence_is_a_programming_error() -> None:
    lic = Licence("L1", "H", "H1", "lithium", "", "", dt.date(2025, 6, 1), "new", False)
    r = Receipt("R1", dt.date(2025, 7, 1), "L2", "rent", Decimal("1.00"), "UAH")
    with pytest.raises(AssertionError):
        bulk.judge(bulk.receipt_frame([r]), bulk.licence_frame([lic]), BOOK, RateTable([], "UAH", 10))


def test_every_reason_comes_from_one_declared_rule() -> None:
    assert sorted({x.reason for x in EXCLUSIONS}) == sorted(REASONS)
    assert len(EXCLUSIONS) == len(REASONS) + 1  # UNCOVERED: a receipt's own resource, or a licence's several


def test_the_equivalence_check_sees_the_two_readings_differ(monkeypatch) -> None:  # noqa: ANN001
    """Both paths read the same declarations, so they can differ only in a word of the vocabulary: one word
    read differently on frames (a date boundary moved by a day) and the check fails on that boundary."""
    lic = Licence("L1", "H", "H1", sorted(RULES.covered)[0], "", "", dt.date(2025, 6, 1), "new", False)
    r = Receipt("R1", RULES.receipts_from, "L1", "rent", Decimal("10.00"), "UAH")
    table = RateTable([Rate("USD", RULES.receipts_from, Decimal("41.5"))], "UAH", 10)
    check_equal({"L1": lic}, [r], table, {}, BOOK)
    monkeypatch.setattr(vocabulary.Columns, "before", lambda self, value, day: value <= pl.lit(day))
    with pytest.raises(AssertionError):
        check_equal({"L1": lic}, [r], table, {}, BOOK)


@given(cases(), st.sampled_from([*GROUPINGS, "total"]), st.integers(0, 40))
@settings(max_examples=40, deadline=None)
def test_a_tally_fed_frames_and_evaluations_together_sums_both(case, by, cut) -> None:  # noqa: ANN001
    lics, receipts, table, days = case
    ordered = sorted(receipts, key=lambda r: (r.date, r.receipt_id))
    evaluations = [
        evaluate(r, lics[r.licence_id], BOOK.on(r.date), table, days.get(r.receipt_id)) for r in ordered
    ]
    alone = Tally(by)
    for e in evaluations:
        alone.add(e)
    mixed = Tally(by)
    later = ordered[cut:]
    if later:  # the later receipts as a frame first, then the earlier ones one by one
        judged = bulk.judge(bulk.receipt_frame(later), bulk.licence_frame(lics.values()), BOOK, table, days)
        mixed.add_frame(judged, RULES.base_currency)
    for e in evaluations[:cut]:
        mixed.add(e)
    assert mixed.rows() == alone.rows()


def test_the_judged_frame_keeps_its_columns_and_their_types() -> None:
    """Columns judged as categoricals (bulk.CATEGORICAL) come back as the text they were, in place."""
    lic = Licence("L1", "H", "H1", sorted(RULES.covered)[0], "", "", dt.date(2025, 6, 1), "new", False)
    r = Receipt("R1", dt.date(2025, 7, 1), "L1", "rent", Decimal("1.00"), "UAH")
    receipts, licences = bulk.receipt_frame([r]), bulk.licence_frame([lic])
    judged = bulk.judge(receipts, licences, BOOK, RateTable([], "UAH", 10))
    joined = [*receipts.columns, *(c for c in licences.columns if c != "licence_id")]
    assert judged.columns[: len(joined)] == joined
    assert judged.schema["stream"] == pl.Utf8 and judged.schema["basis"] == pl.Utf8
    assert judged.row(0, named=True)["stream"] == "rent"


def test_codes_are_matched_literally_on_columns_as_on_a_row() -> None:
    """A code with characters a regular expression reads specially matches only itself."""
    known = {"a.b", "c+", "x|y"}
    cells = ["a.b", "aXb", "x;c+", "c", "", "a.b;;x|y", "x", "cc+", ";a.b"]
    frame = pl.DataFrame({"flags": cells})
    columns = vocabulary.COLUMNS
    any_in = frame.select(columns.any_code_in(("flags",), known)).to_series().to_list()
    all_in = frame.select(columns.all_codes_in(("flags",), known)).to_series().to_list()
    values = vocabulary.VALUES

    class One(vocabulary.Values):
        def __init__(self, cell: str) -> None:
            self.cell = tuple(c for c in cell.split(";") if c)

        def col(self, name: str) -> object:
            return self.cell

    assert any_in == [One(c).any_code_in(("flags",), known) for c in cells]
    assert all_in == [One(c).all_codes_in(("flags",), known) for c in cells]
    assert any_in == [True, False, True, False, False, True, False, False, True]
    assert values.is_in("c+", known) and not frame.select(columns.any_code_in(("flags",), set())).item(0, 0)
