"""The agreements' files: shipped, typed, and refused with the key and the line when wrong."""

from __future__ import annotations

import pytest

from jointfund.commitments import agreement, due, register
from jointfund.errors import InputError
from jointfund.terms.loader import load_shipped

GOOD = """\
schema_version = 1

[agreement]
code = "pact"
name = "A pact"
name_uk = "Пакт"
short = "the pact"
short_uk = "пакт"
parties = ["US", "UA"]
source = "text"

[[events]]
code = "signature"
name = "Signature"
name_uk = "Підписання"
date = 2024-06-13

[[events]]
code = "armed_attack"
name = "Attack"
name_uk = "Напад"

[[commitments]]
id = "pact.meet"
source = "Art. 1"
obligor = "US"
beneficiary = "UA"
kind = "triggered"
due = "armed_attack + 24h"
text = "Meet."
text_uk = "Зустрітися."
"""


def test_the_shipped_agreements_load_with_every_kind_and_both_languages() -> None:
    found = agreement.shipped()
    assert [a.agreement.code for a in found] == ["security_2024", "urif"]
    commitments = [c for a in found for c in a.commitments]
    assert {c.kind for c in commitments} == set(agreement.KINDS)
    assert all(c.text and c.text_uk and c.text != c.text_uk for c in commitments)
    security = found[0]
    assert security.commitment("security_2024.consultations").due == due.After("armed_attack", 24, "hours")
    assert security.commitment("security_2024.termination_effective").due == due.After(
        "termination_notice", 6, "months"
    )
    assert {a.code for a in security.areas} >= {"energy_security", "economic_recovery"}
    assert register.check_terms(load_shipped()) == []


def test_the_fund_agreement_names_the_calendar_and_the_lock_without_repeating_them() -> None:
    urif = agreement.shipped()[1]
    rules = {c.id: c.due for c in urif.commitments}
    assert rules["urif.data"] == due.CalendarDeadline("data")
    assert rules["urif.reinvestment"] == due.TermsDate("reinvestment_end")
    assert not any(isinstance(r, due.Fixed | due.Yearly) for r in rules.values())


def test_a_good_file_loads() -> None:
    a = agreement.load_text(GOOD, "pact.toml")
    assert (
        a.commitment("pact.meet").due.due(__import__("datetime").date(2026, 1, 1)).isoformat() == "2026-01-02"
    )


@pytest.mark.parametrize(
    ("old", "new", "where", "says"),
    [
        ('kind = "triggered"', 'kind = "sometimes"', "pact.toml:28 (commitments[0].kind)", "Input should be"),
        (
            'kind = "triggered"',
            'kind = "recurring"',
            "pact.toml:29 (commitments[0].due)",
            "needs a yearly MM-DD",
        ),
        (
            'due = "armed_attack + 24h"',
            'due = "invasion + 24h"',
            "pact.toml:29 (commitments[0].due)",
            "event 'invasion' is not among",
        ),
        (
            'due = "armed_attack + 24h"',
            'due = "signature + 24h"',
            "pact.toml:29 (commitments[0].due)",
            "cannot follow a fixed event",
        ),
        (
            'due = "armed_attack + 24h"',
            'due = "armed_attack + 24 lunar cycles"',
            "pact.toml:29 (commitments[0].due)",
            "expected a date",
        ),
        (
            'text_uk = "Зустрітися."',
            'text_ua = "Зустрітися."',
            "pact.toml:31 (commitments[0].text_ua)",
            "unknown key",
        ),
        ('obligor = "US"', 'obligor = ""', "pact.toml:26 (commitments[0].obligor)", "at least 1 character"),
    ],
)
def test_a_bad_file_names_the_key_and_the_line(old: str, new: str, where: str, says: str) -> None:
    assert old in GOOD
    with pytest.raises(InputError) as caught:
        agreement.load_text(GOOD.replace(old, new), "pact.toml")
    rendered = caught.value.render()
    assert where in rendered and says in rendered, rendered
