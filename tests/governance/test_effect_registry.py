"""Effects are found whatever a command imported: a fresh process that loads only governance gets every
handler."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from jointfund import decisions
from jointfund.governance import effects
from jointfund.terms import load_shipped


def test_a_fresh_process_finds_every_domain_effect_without_importing_the_domains():
    code = textwrap.dedent("""
        import sys
        from jointfund.governance import effects
        assert "jointfund.portfolio.effects" not in sys.modules
        h = effects.handler_for("investment")
        print(h.__module__)
        print(effects.handler_for("budget").__module__)
        print(effects.handler_for("appointment").__module__)
        print(effects.refusal_to_open.__module__)
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[:3] == [
        "jointfund.portfolio.effects",
        "jointfund.budget.effects",
        "jointfund.governance.appointment",
    ]


def test_the_cli_execute_path_has_the_money_moving_handlers():
    """`jointfund proposals execute` in a fresh process: the investment and disbursement effects are the
    portfolio's."""
    code = textwrap.dedent("""
        import jointfund.cli.proposals  # what the CLI imports for `proposals execute`
        from jointfund.governance import effects
        print(effects.handler_for("disbursement").__module__, effects.handler_for("distribution").__module__)
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["jointfund.portfolio.effects", "jointfund.portfolio.effects"]


def test_every_decision_kind_of_the_terms_has_its_effect_and_no_other() -> None:
    """The table names exactly the shipped terms' decision kinds: a kind added to the terms without an
    effect, or an effect left for a kind the terms dropped, fails here."""
    kinds = {d.kind for d in load_shipped().governance.decisions}
    table = decisions.table()
    assert set(table.effects) == kinds
    assert set(table.preconditions) <= kinds
    expected = {
        "investment": "jointfund.portfolio.effects",
        "disbursement": "jointfund.portfolio.effects",
        "valuation": "jointfund.portfolio.effects",
        "in_kind_valuation": "jointfund.portfolio.effects",
        "distribution": "jointfund.portfolio.effects",
        "screening": "jointfund.portfolio.effects",
        "recommendation": "jointfund.portfolio.effects",
        "amendment": "jointfund.governance.amendment",
        "appointment": "jointfund.governance.appointment",
        "budget": "jointfund.budget.effects",
        "close": "jointfund.governance.effects",
        "other": "jointfund.governance.effects",
    }
    assert {k: h.__module__ for k, h in table.effects.items()} == expected
    assert effects.handler_for("distribution") is table.effects["distribution"]


def test_importing_a_domain_registers_nothing() -> None:
    """No module changes what an execution does by being imported: the effects modules define functions,
    and only jointfund.decisions names them."""
    code = textwrap.dedent("""
        import jointfund.governance.effects as effects
        before = dict(vars(effects))
        import jointfund.portfolio.effects, jointfund.budget.effects
        import jointfund.governance.amendment, jointfund.governance.appointment
        assert "jointfund.decisions" not in __import__("sys").modules
        changed = sorted(k for k, v in vars(effects).items() if before.get(k, object()) is not v)
        print(changed)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
