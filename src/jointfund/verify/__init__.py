"""`jointfund verify`: recompute everything the book claims and report what holds.

It reads the stored rows only, trusting no stored derived figure: each entry must
balance, every running balance is recomputed, every leaf hash is rebuilt from the
canonical bytes, the Merkle root at each signed checkpoint is recomputed and each
signature checked against the partner's registered key. The first failure is named.

One module per family of checks: `log` (with `scan`, the records of one span, and
`checkpoints`), `guards` and `anchor` here, and each domain's own checks, which
`registry` lists explicitly.
"""

from __future__ import annotations

from jointfund.findings import CheckResult, DomainCheck, Finding, Report
from jointfund.verify.run import verify

__all__ = ["CheckResult", "DomainCheck", "Finding", "Report", "verify"]
