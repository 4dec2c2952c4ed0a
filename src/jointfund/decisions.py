"""What executing each kind of decision does: the one table of kind -> effect, and kind -> precondition.

The table is written here, once, and built on first use (the CLI, the API and the demo build it as they
start, so a broken table fails at start-up, not at the first execution). No module registers an effect
by being imported, so what an execution does cannot depend on which modules a command happened to load.
A kind the table does not name cannot be opened or executed: governance refuses it before anything is
written. tests/governance/test_effect_registry.py fails for any decision kind of the shipped terms
without an effect here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from jointfund.budget import effects as budget
from jointfund.governance import amendment, appointment
from jointfund.governance import effects as governance
from jointfund.governance.effects import Effect, Precondition
from jointfund.portfolio import effects as portfolio


class Table(NamedTuple):
    """The effects and preconditions of every decision kind this build can execute (read-only)."""

    effects: Mapping[str, Effect]
    preconditions: Mapping[str, Precondition]


@functools.cache
def table() -> Table:
    """The table, built once per process."""
    return Table(
        MappingProxyType(
            {
                "investment": portfolio.invest,
                "disbursement": portfolio.disburse,
                "valuation": portfolio.value,
                "in_kind_valuation": portfolio.value_in_kind,
                "distribution": portfolio.distribute,
                "screening": portfolio.screen,
                "recommendation": portfolio.recommend,
                "amendment": amendment.adopt,
                "appointment": appointment.execute,
                # A fund whose terms name another budget.decision_kind adds it here, with the same effect.
                "budget": budget.adopt,
                # Closing a period: `accounting close` reads the executed decision; nothing more to do.
                "close": governance.record_only,
                "other": governance.record_decision,
            }
        ),
        MappingProxyType({"distribution": portfolio.locked}),
    )
