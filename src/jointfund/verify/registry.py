"""Every family of checks `jointfund verify` runs, listed here and nowhere else.

The domains' checks are plain functions of (connection, fund); this table names them, in the order of
the report. Nothing registers itself on import: a check that is not listed here does not run, and
tests/test_verify_registry.py fails for any check function a domain defines that is not listed.
"""

from __future__ import annotations

from typing import NamedTuple

from jointfund import dating
from jointfund.accounting import checks as accounting
from jointfund.budget import checks as budget
from jointfund.capital import checks as capital
from jointfund.commitments import checks as commitments
from jointfund.findings import DomainCheck
from jointfund.governance import chain, recusal
from jointfund.governance import checks as governance
from jointfund.ledger import checks as ledger
from jointfund.portfolio import checks as portfolio
from jointfund.reports import checks as reports
from jointfund.revenue import checks as revenue

# The families verify runs itself, before and after the domains' (see verify.run).
LOG = "log"
GUARDS = "database guards"
ANCHOR = "trust anchor"


class Family(NamedTuple):
    """A family of a domain's checks: its name and its checks, in the order they report."""

    name: str
    checks: tuple[DomainCheck, ...]


def families() -> tuple[Family, ...]:
    """The domains' families, in the order of the report."""
    return (
        Family(
            "governance",
            (
                governance.check_records,
                governance.check_seats,
                governance.check_proposals,
                governance.check_votes,
                governance.check_decisions,
                governance.check_amendments,
                governance.check_countersign_rules,
                chain.check_chain,
                recusal.check_recusals,
            ),
        ),
        Family("revenue", (revenue.contributions_match_ledger, revenue.corrections_hold)),
        Family(
            "portfolio",
            (
                portfolio.check_pipeline,
                portfolio.check_investments,
                portfolio.check_lock,
                portfolio.check_screening,
            ),
        ),
        Family(
            "ledger",
            (
                ledger.check_tree_nodes,
                ledger.check_posting_totals,
                ledger.check_notes,
            ),
        ),
        Family("accounting", (accounting.closed_periods_hold, accounting.manual_entries_countersigned)),
        Family("dating", (dating.check_dates,)),
        Family("reports", (reports.check_financials,)),
        Family(
            "budget",
            (
                budget.check_lines,
                budget.check_expenses,
                budget.check_expense_countersignatures,
                budget.check_fees,
            ),
        ),
        Family("commitments", (commitments.check_register,)),
        Family("capital", (capital.check_countersigned,)),
    )


def names() -> tuple[str, ...]:
    """Every family's name, verify's own included, in the order of the report."""
    return (LOG, *(f.name for f in families()), GUARDS, ANCHOR)
