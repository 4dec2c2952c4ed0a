"""The checkpoints' part of the log family: each signed root against the recomputed one, each signature
against the partner's registered key; and the warning for records no checkpoint covers yet."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.ledger.checkpoint import load_public, signature_valid
from jointfund.ledger.log import checkpoints
from jointfund.store import tables as t


def check_checkpoint(
    item: Any,
    computed_root: bytes,
    keys: dict[str, tuple[str, str]],
    fails: dict[str, list[Finding]],
    counts: dict[str, int],
) -> None:
    cp_id, cp = item
    counts["checkpoints"] += 1
    where = f"checkpoint {cp_id} ({cp.partner}, size {cp.tree_size})"
    if cp.root_hex != computed_root.hex():
        detail = (
            f"{where}: signed root {cp.root_hex[:16]}… differs from the recomputed root "
            f"{computed_root.hex()[:16]}…"
        )
        fails["checkpoints"].append(Finding("checkpoints", cp.tree_size, detail))
    registered = keys.get(cp.key_id)
    if registered is None or registered[0] != cp.partner:
        detail = f"{where}: key {cp.key_id} is not a registered key of {cp.partner}"
        fails["checkpoints"].append(Finding("checkpoints", cp.tree_size, detail))
    elif not signature_valid(cp, load_public(registered[1].encode(), "partner_key")):
        detail = f"{where}: signature does not verify with key {cp.key_id}"
        fails["checkpoints"].append(Finding("checkpoints", cp.tree_size, detail))


def unsigned(conn: Connection, fund: FundInfo) -> tuple[str, ...]:
    """Warnings for records no checkpoint covers: they could be changed without breaking any signature."""
    size = conn.execute(select(func.coalesce(func.max(t.leaf.c.seq), 0))).scalar_one()
    signed = max((cp.tree_size for _, cp in checkpoints(conn, fund.id)), default=0)
    if size and not signed:
        return (
            f"nothing is signed: none of the {size} records is covered by a partner's checkpoint "
            "(jointfund checkpoint --partner P --key K)",
        )
    if size > signed:
        return (
            f"the newest {size - signed} record(s), {signed + 1} to {size}, are not covered by any "
            "signed checkpoint",
        )
    return ()
