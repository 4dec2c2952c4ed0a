"""The whole role x action matrix of the one policy, written out here as the specification it must match."""

from __future__ import annotations

import pytest

from jointfund.errors import Refused
from jointfund.governance import policy
from jointfund.governance.policy import Actor

ADM, BRD, COM, AUD, TRS, APP, PUB = policy.ROLES

# Who may do each state-changing action. Auditors, applicants and the public change nothing here.
SPEC = {
    "ledger.post": {ADM},
    "ledger.reverse": {ADM},
    "ledger.open": {ADM},
    "ledger.close": {ADM},
    "keys.register": {ADM},
    "genesis.record": {ADM},
    "period.close": {ADM},
    "checkpoint.sign": {ADM, BRD},
    "members.appoint": {ADM},
    "members.remove": {ADM},
    "members.rotate_key": {ADM, BRD, COM},
    "proposals.new": {BRD, COM},
    "proposals.vote": {BRD, COM},
    "proposals.withdraw": {BRD, COM},
    "proposals.recuse": {BRD, COM},
    "members.interest": {BRD, COM},
    "proposals.expire": {ADM, BRD, COM},
    "proposals.execute": {ADM, BRD},
    "users.add": {ADM},
    "users.disable": {ADM},
    "users.token": {ADM},
    "users.revoke_token": {ADM},
    "users.link_member": {ADM},
    "licences.import": {ADM, TRS},
    "receipts.import": {ADM, TRS},
    "fx.import": {ADM, TRS},
    "licences.correct": {ADM, TRS},
    "receipts.correct": {ADM, TRS},
    "fx.correct": {ADM, TRS},
    "payments.import": {ADM, TRS},
    "transfers.record": {ADM, TRS},
    "calendar.file": {ADM, TRS},
    "capital.commit": {ADM},
    "capital.call": {ADM},
    "capital.contribute": {ADM},
    "applications.submit": {ADM, APP},
    "applications.withdraw": {ADM, APP},
    "applications.move": {ADM, COM},
    "portfolio.record": {ADM},
    "expenses.record": {ADM},
    "sanctions.import": {ADM},
    "applications.screen": {ADM, COM},
    "applications.screening_outcome": {ADM},
    "commitments.event": {ADM, BRD},
    "commitments.record": {ADM, BRD},
    "commitments.tag": {ADM},
}


def test_the_policy_lists_exactly_the_specified_actions() -> None:
    assert set(policy.RULES) == set(SPEC)


@pytest.mark.parametrize("action", sorted(SPEC))
@pytest.mark.parametrize("role", policy.ROLES)
def test_role_action_matrix(role: str, action: str) -> None:
    actor = Actor(f"someone-{role}", role)
    if role in SPEC[action]:
        assert policy.allowed(role, action)
        assert policy.require(actor, action) == actor
    else:
        assert not policy.allowed(role, action)
        with pytest.raises(Refused, match=f"someone-{role} \\({role}\\) may not {action}: only "):
            policy.require(actor, action)


@pytest.mark.parametrize("role", [AUD, PUB])
def test_readers_change_nothing(role: str) -> None:
    assert not any(policy.allowed(role, a) for a in policy.RULES)


def test_applicants_only_submit_applications() -> None:
    assert [a for a in policy.RULES if policy.allowed(APP, a)] == [
        "applications.submit",
        "applications.withdraw",
    ]


def test_operator_is_an_administrator_and_unknown_actions_are_bugs() -> None:
    assert policy.OPERATOR == Actor("operator", ADM)
    with pytest.raises(AssertionError, match="not in the policy"):
        policy.allowed(ADM, "ledger.delete")
    with pytest.raises(AssertionError, match="unknown role"):
        policy.allowed("root", "ledger.post")
