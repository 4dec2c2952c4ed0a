"""Running every family of checks in one snapshot of the book, into one report."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from jointfund.findings import CheckResult, Report
from jointfund.fund import load
from jointfund.ledger.trust import Trust
from jointfund.store import db, snapshots
from jointfund.verify import registry
from jointfund.verify.anchor import check_anchor
from jointfund.verify.checkpoints import unsigned
from jointfund.verify.guards import check_guards
from jointfund.verify.log import check_log


def verify(
    engine: Engine,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    trust: Trust | None = None,
) -> Report:
    """Check the whole book; `workers` processes scan the log (default: one per core for a large log).
    With `trust` (keys and a checkpoint obtained out of band), the book is also checked against them."""
    families = registry.families()
    with db.transaction(engine) as conn:
        snapshots.repeatable_read(conn)  # one snapshot for the whole run
        fund = load(conn)

        def domains() -> list[CheckResult]:
            return [
                CheckResult(name, checked, tuple(failures))
                for family in families
                for check in family.checks
                for name, checked, failures in (check(conn, fund),)
            ]

        # The domains' checks run in this transaction while workers scan the log (see verify.log).
        results, others = check_log(conn, fund, progress, workers, domains)
        results.extend(others)
        results.append(check_guards(conn))
        if trust is not None:
            results.append(check_anchor(conn, fund, trust))
        warnings = unsigned(conn, fund)
    return Report(tuple(results), warnings, trust is not None)
