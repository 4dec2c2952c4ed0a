"""What `jointfund verify` reports: findings, each check's result, the whole report.

Kept apart from `jointfund.verify` so that the domains' checks import these values without importing
verify, which imports them (through its registry): no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from jointfund.fund import FundInfo


class Finding(NamedTuple):
    """One failed check: which, where (log position when there is one) and what was found."""

    check: str
    seq: int | None
    detail: str


class CheckResult(NamedTuple):
    check: str
    checked: int
    failures: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


class Report(NamedTuple):
    """The checks' results; `warnings` say what is sound but unprotected (unsigned records); `anchored` is
    whether the checks started from keys the verifier trusts (--trust) rather than from the database alone."""

    results: tuple[CheckResult, ...]
    warnings: tuple[str, ...] = ()
    anchored: bool = False

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def first_failure(self) -> Finding | None:
        failures = [f for r in self.results for f in r.failures]
        return min(failures, key=lambda f: (f.seq is None, f.seq or 0)) if failures else None


# A domain's check (contributions against the ledger, votes against rules...):
# (name, items checked, findings).
DomainCheck = Callable[["Connection", "FundInfo"], tuple[str, int, list[Finding]]]


def in_log_order(findings: list[Finding]) -> tuple[Finding, ...]:
    """Findings in log order, those with no log position last (the sort is stable)."""
    return tuple(sorted(findings, key=lambda f: (f.seq is None, f.seq or 0)))
