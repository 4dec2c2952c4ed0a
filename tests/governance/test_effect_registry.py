"""Effects are found whatever a command imported: a fresh process that loads only governance gets every
handler."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from jointfund.governance import effects


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


def test_every_effect_module_is_in_the_table():
    registered = {h.__module__ for h in effects.registered().values()}
    assert registered <= {"jointfund.governance.effects", *effects.EFFECT_MODULES}, registered
