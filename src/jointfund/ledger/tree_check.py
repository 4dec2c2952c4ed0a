"""`jointfund verify`, for the stored tree nodes: each equals the root recomputed from the leaves, and none
that a log of this size must hold is missing (a missing node only slows proofs; a wrong one would make
honest proofs fail, so it is named). Registered in `jointfund.verify.DOMAIN_CHECKS`."""

from __future__ import annotations

from sqlalchemy import Connection, select

from jointfund.fund import FundInfo
from jointfund.ledger import log, tiles
from jointfund.store import tables as t
from jointfund.verify import DOMAIN_CHECKS, Finding

NAME = "tree nodes"


def check_tree_nodes(conn: Connection, fund: FundInfo) -> tuple[str, int, list[Finding]]:
    stored = {(lv, i): bytes(h) for lv, i, h in conn.execute(select(t.tree_node.c.level, t.tree_node.c.idx,
                                                                         t.tree_node.c.hash))}
    findings: list[Finding] = []
    checked = 0
    for level, idx, h in tiles.recompute(conn, log.size(conn)):
        checked += 1
        first = idx * tiles.WIDTH ** level + 1  # the node's first record
        found = stored.pop((level, idx), None)
        if found is None:
            findings.append(Finding(NAME, first, f"tree node {level}/{idx} (records {first}.."
                                    f"{first + tiles.WIDTH ** level - 1}) is not stored"))
        elif found != h:
            findings.append(Finding(NAME, first, f"tree node {level}/{idx} is {found.hex()}, but its records "
                                    f"hash to {h.hex()}"))
    for level, idx in sorted(stored):
        findings.append(Finding(NAME, None, f"tree node {level}/{idx} is stored, but the log has no such node"))
    return NAME, checked, findings


DOMAIN_CHECKS.append(check_tree_nodes)
