"""Stored interior nodes of the log's Merkle tree, so proofs read O(log n) rows (issue 13).

Revision ID: 0007_tree_node
Revises: 0006_terms_amendment
Create Date: 2026-12-01

One append-only row per complete node of level 1 and up (C2SP tlog-tiles, height 8: a node of level L
is the root of 256**L aligned leaves). The nodes of an existing log are back-filled from its leaves here,
in bounded chunks; from now on the writer stores each node in the transaction that completes it.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.ledger import tiles
from jointfund.store import tables
from jointfund.store.triggers import append_only_statements

revision = "0007_tree_node"
down_revision = "0006_terms_amendment"
branch_labels = None
depends_on = None

TABLES = ("tree_node",)


def upgrade() -> None:
    op.create_table(
        "tree_node",
        sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.CheckConstraint("level >= 1 AND idx >= 0", name="position"),
    )
    conn = op.get_bind()
    size = conn.execute(sa.text("SELECT COALESCE(MAX(seq), 0) FROM leaf")).scalar_one()
    batch: list[dict] = []
    for level, idx, h in tiles.recompute(conn, size):
        batch.append({"level": level, "idx": idx, "hash": h})
        if len(batch) >= 10_000:
            conn.execute(sa.insert(tables.tree_node), batch)
            batch = []
    if batch:
        conn.execute(sa.insert(tables.tree_node), batch)
    for statement in append_only_statements(conn.dialect.name, TABLES):
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
