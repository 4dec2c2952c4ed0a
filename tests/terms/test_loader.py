"""terms.loader: dated amendments, and malformed terms refused naming the key, the line and what was
expected."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from jointfund.errors import InputError
from jointfund.terms import load_file, load_text, shipped_text, terms_in_force

DATA = Path(__file__).parent / "data"
SHIPPED = shipped_text()

AMENDED = SHIPPED.replace(
    "amendments = []",
    """
[[amendments]]
effective = 2027-01-01
reference = "Board resolution 2026-14"
changes = { contribution = { streams = [ { code = "rent", share = "0.6" }, { code = "permit_fee", remove = \
true } ] } }
""",
    1,
)


def _line_of(text: str, needle: str) -> int:
    """1-based line of the first non-comment line holding `needle`."""
    return next(
        i
        for i, line in enumerate(text.splitlines(), start=1)
        if needle in line and not line.lstrip().startswith("#")
    )


def test_amendment_applies_from_its_effective_date_only():
    load_text(AMENDED, "amended.toml")  # valid, amendment included
    before = terms_in_force(AMENDED, dt.date(2026, 12, 31))
    on = terms_in_force(AMENDED, dt.date(2027, 1, 1))
    assert before.stream("rent").share == Decimal("0.5")
    assert on.stream("rent").share == Decimal("0.6")
    assert before.as_of == dt.date(2026, 12, 31) and on.as_of == dt.date(2027, 1, 1)


def test_amendment_merges_a_list_element_by_its_code():
    on = terms_in_force(AMENDED, dt.date(2027, 6, 1))
    rent = on.stream("rent")
    # Only the share changed: the rest of the element is kept, and the other elements stay in place.
    base_rent = terms_in_force(SHIPPED, dt.date(2027, 6, 1)).stream("rent")
    assert rent.model_copy(update={"share": base_rent.share}) == base_rent
    codes = [s.code for s in on.contribution.streams]
    assert codes == ["rent", "permit_sale", "psa_state_share", "psa_bonus"]  # permit_fee removed
    assert on.stream("permit_fee") is None
    assert terms_in_force(AMENDED, dt.date(2026, 6, 1)).stream("permit_fee") is not None


def test_amendments_apply_in_date_order_whatever_their_order_in_the_file():
    text = SHIPPED.replace(
        "amendments = []",
        """
[[amendments]]
effective = 2029-01-01
reference = "second"
changes = { distributions = { reinvestment_period_years = 12 } }

[[amendments]]
effective = 2028-01-01
reference = "first"
changes = { distributions = { reinvestment_period_years = 11 } }
""",
        1,
    )
    load_text(text, "t.toml")
    years = [
        terms_in_force(text, dt.date(y, 6, 1)).distributions.reinvestment_period_years
        for y in (2027, 2028, 2029)
    ]
    assert years == [10, 11, 12]


def test_invalid_amendment_is_refused_at_load_naming_the_key_and_its_line():
    text = SHIPPED.replace(
        "amendments = []",
        """
[[amendments]]
effective = 2030-01-01
reference = "bad"
changes = { contribution = { streams = [ { code = "rent", share = "1.5" } ] } }
""",
        1,
    )
    with pytest.raises(InputError) as caught:
        load_text(text, "t.toml")
    (problem,) = caught.value.problems
    assert problem.location == f"t.toml:{_line_of(text, 'changes = {')} (amendments[0].changes)"
    assert "after amendment of 2030-01-01" in problem.message
    assert "contribution.streams[0].share" in problem.message
    assert "less than or equal to 1" in problem.message
    assert problem.value == "1.5"


def _key_line(key: str) -> int:
    """1-based line of the first line that sets `key` at its start (not a longer key ending in it)."""
    return next(i for i, line in enumerate(SHIPPED.splitlines(), start=1) if line.startswith(f"{key} = "))


def _broken(old: str, new: str) -> str:
    assert SHIPPED.count(old) == 1, old
    return SHIPPED.replace(old, new)


# (description, broken text, expected location, words of the message, offending value)
MALFORMED = [
    (
        "TOML syntax error",
        _broken('code = "URIF"', 'code = "URIF'),
        "t.toml:" + str(_line_of(SHIPPED, 'code = "URIF"')) + ":13",
        "not valid TOML",
        None,
    ),
    (
        "wrong type",
        _broken("reinvestment_period_years = 10", 'reinvestment_period_years = "ten"'),
        f"t.toml:{_line_of(SHIPPED, 'reinvestment_period_years')} (distributions.reinvestment_period_years)",
        "valid integer",
        "ten",
    ),
    (
        "unknown key",
        _broken('base_currency = "USD"', 'base_currency = "USD"\nbase_curency = "USD"'),
        f"t.toml:{_line_of(SHIPPED, 'base_currency') + 1} (fund.base_curency)",
        "unknown key",
        "USD",
    ),
    (
        "missing key",
        _broken('base_currency = "USD"\n', ""),
        f"t.toml:{_line_of(SHIPPED, '[fund]')} (fund.base_currency)",
        "required key is missing",
        None,
    ),
    (
        "bad date",
        _broken("entry_into_force = 2025-05-23", 'entry_into_force = "2025-13-40"'),
        f"t.toml:{_line_of(SHIPPED, 'entry_into_force')} (fund.entry_into_force)",
        "valid date",
        "2025-13-40",
    ),
    (
        "share above one",
        _broken('share = "0.5"\nin_force_from = 2025-12-10', 'share = "1.5"\nin_force_from = 2025-12-10'),
        f"t.toml:{_line_of(SHIPPED, 'in_force_from = 2025-12-10') - 1} (contribution.streams[4].share)",
        "less than or equal to 1",
        "1.5",
    ),
    (
        "unknown currency",
        _broken('base_currency = "USD"', 'base_currency = "XYZ"'),
        f"t.toml:{_line_of(SHIPPED, 'base_currency')} (fund.base_currency)",
        "ISO 4217",
        "XYZ",
    ),
    (
        "contribution by a non-partner",
        _broken('partner = "UA"\nrounding', 'partner = "XX"\nrounding'),
        "t.toml:" + str(_line_of(SHIPPED, 'partner = "UA"')) + " (contribution.partner)",
        "'XX' is not a partner; expected one of",
        None,
    ),
    (
        "body seats for a non-partner",
        _broken("seats = { US = 3, UA = 2 }", "seats = { US = 3, XX = 2 }"),
        f"t.toml:{_line_of(SHIPPED, 'seats = { US = 3, UA = 2 }')} (governance.bodies[1].seats)",
        "exactly the partners",
        None,
    ),
    (
        "decision by an unknown body",
        _broken('kind = "budget"\nbody = "board"', 'kind = "budget"\nbody = "senate"'),
        "t.toml:" + str(_line_of(SHIPPED, 'kind = "budget"') + 1) + " (governance.decisions[7].body)",
        "unknown body 'senate'",
        None,
    ),
    (
        "stream code not declared",
        _broken('stream_codes = ["rent", ', "stream_codes = ["),
        "t.toml:" + str(_line_of(SHIPPED, 'code = "rent"')) + " (contribution.streams[0].code)",
        "not in contribution.stream_codes",
        None,
    ),
    (
        "role naming no account",
        _broken('cash = "Assets:Cash:{currency}"', 'cash = "Assets:Till:{currency}"'),
        "t.toml:" + str(_line_of(SHIPPED, 'cash = "Assets:Cash:{currency}"')) + " (ledger.roles.cash)",
        "names Assets:Till:UAH, which is not an account",
        None,
    ),
    (
        "role the rules need is missing",
        _broken('contribution_obligation = "Equity:Obligations:{partner}"\n', ""),
        "t.toml:" + str(_line_of(SHIPPED, "[ledger.roles]")) + " (ledger.roles)",
        "role 'contribution_obligation' is missing",
        None,
    ),
    (
        "in-kind policy the code does not know",
        _broken('in_kind = "capital_credit"', 'in_kind = "asset"'),
        f"t.toml:{_key_line('in_kind')} (accounting.in_kind)",
        "'capital_credit'",
        "asset",
    ),
    (
        "commitments posted instead of memo",
        _broken('commitments = "memo"', 'commitments = "balance_sheet"'),
        f"t.toml:{_key_line('commitments')} (accounting.commitments)",
        "'memo'",
        "balance_sheet",
    ),
    (
        "rounding mode unknown",
        _broken('conversion_rounding = "ROUND_HALF_UP"', 'conversion_rounding = "ROUND_UP"'),
        f"t.toml:{_line_of(SHIPPED, 'conversion_rounding')} (accounting.conversion_rounding)",
        "'ROUND_HALF_UP'",
        "ROUND_UP",
    ),
    (
        "negative share places",
        _broken("share_places = 6", "share_places = -1"),
        f"t.toml:{_key_line('share_places')} (accounting.share_places)",
        "greater than or equal to 0",
        -1,
    ),
    (
        "period not in the calendar",
        _broken('\nperiod = "quarter"', '\nperiod = "fortnight"'),
        f"t.toml:{_key_line('period')} (accounting.period)",
        "'month', 'quarter' or 'year'",
        "fortnight",
    ),
    (
        "accounting period shorter than the allocation period",
        _broken('\nperiod = "quarter"', '\nperiod = "month"'),
        f"t.toml:{_key_line('period')} (accounting.period)",
        "a month is shorter than the allocation period capital.allocation_period (quarter)",
        None,
    ),
    (
        "unknown accounting key",
        _broken("share_places = 6", "share_places = 6\nin_kind_policy = 1"),
        f"t.toml:{_line_of(SHIPPED, 'share_places') + 1} (accounting.in_kind_policy)",
        "unknown key",
        1,
    ),
    (
        "period closed by an unknown decision",
        _broken('close_decision = "close"', 'close_decision = "closing"'),
        f"t.toml:{_key_line('close_decision')} (accounting.close_decision)",
        "'closing' is not a kind of governance.decisions",
        None,
    ),
    (
        "remeasurement policy unknown",
        _broken('remeasurement = "period_end"', 'remeasurement = "daily"'),
        f"t.toml:{_key_line('remeasurement')} (accounting.remeasurement)",
        "'period_end'",
        "daily",
    ),
    (
        "basis both eligible and excluded",
        _broken('new_bases = ["new"]', 'new_bases = ["new", "renewal"]'),
        f"t.toml:{_line_of(SHIPPED, '[eligibility.excluded_bases]')} (eligibility.excluded_bases)",
        "both eligible",
        None,
    ),
]


@pytest.mark.parametrize(
    ("text", "location", "words", "value"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_terms_name_the_key_the_line_and_the_expectation(text, location, words, value):
    with pytest.raises(InputError) as caught:
        load_text(text, "t.toml")
    problems = caught.value.problems
    assert len(problems) == 1, caught.value.render()
    assert problems[0].location == location
    assert words in problems[0].message
    assert problems[0].value == value
    assert location in str(caught.value)  # the rendered message carries it too


def test_every_problem_is_reported_not_only_the_first():
    text = _broken("reinvestment_period_years = 10", 'reinvestment_period_years = "ten"').replace(
        'base_currency = "USD"', "base_currency = 7"
    )
    with pytest.raises(InputError) as caught:
        load_text(text, "t.toml")
    assert {p.location.split(" ")[1] for p in caught.value.problems} >= {
        "(distributions.reinvestment_period_years)",
        "(fund.base_currency)",
    }


def test_load_file_names_a_missing_or_undecodable_file(tmp_path):
    with pytest.raises(InputError, match="cannot read terms file"):
        load_file(tmp_path / "absent.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes("name = 'Kyïv'".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_file(bad)


def test_another_agreement_loads_with_its_own_facts():
    terms = load_file(DATA / "north.toml")
    assert terms.fund.base_currency == "CAD" and terms.partner_codes == ("NO", "CA")
    assert sum(r.covered for r in terms.resources) == 2
    text = (DATA / "north.toml").read_text()
    assert terms_in_force(text, dt.date(2030, 12, 31)).stream("royalty").share == Decimal("0.4")
    assert terms_in_force(text, dt.date(2031, 1, 1)).stream("royalty").share == Decimal("0.45")
    assert terms_in_force(text, dt.date(2031, 1, 1)).stream("lease") is None
    assert terms_in_force(text, dt.date(2032, 1, 1)).stream("lease") is not None


def test_terms_without_accounting_policies_are_refused_naming_the_section():
    start = SHIPPED.index("[accounting]")
    text = SHIPPED[:start] + SHIPPED[SHIPPED.index("# The chart of accounts.") :]
    with pytest.raises(InputError) as caught:
        load_text(text, "t.toml")
    (problem,) = caught.value.problems
    assert problem.location == "t.toml (accounting)" and problem.message == "required key is missing"


def test_accounting_policies_are_read_from_the_terms_not_assumed():
    urif = load_text(SHIPPED, "urif.toml")
    policies = (urif.functional_currency, urif.accounting.period, urif.accounting.share_places)
    assert policies == ("USD", "quarter", 6)
    assert (urif.accounting.in_kind, urif.accounting.commitments) == ("capital_credit", "memo")
    north = load_file(DATA / "north.toml")
    policies = (north.functional_currency, north.accounting.period, north.accounting.share_places)
    assert policies == ("CAD", "year", 4)


def test_an_amendment_may_not_shorten_the_period_below_the_allocation_period():
    text = SHIPPED.replace(
        "amendments = []",
        """
[[amendments]]
effective = 2028-01-01
reference = "monthly close"
changes = { accounting = { period = "month" } }
""",
        1,
    )
    with pytest.raises(InputError) as caught:
        load_text(text, "t.toml")
    (problem,) = caught.value.problems
    assert problem.location == f"t.toml:{_line_of(text, 'changes = {')} (amendments[0].changes)"
    assert "accounting.period: a month is shorter than the allocation period" in problem.message
    monthly = text.replace(
        'period = "month" }', 'period = "month" }, capital = { allocation_period = "month" }'
    )
    assert terms_in_force(monthly, dt.date(2028, 1, 1)).accounting.period == "month"
