"""C2SP checkpoint notes and witness cosignatures (issue 18).

Revision ID: 0012_note_checkpoints
Revises: 0011_revenue_law
Create Date: 2026-12-02

Each partner's checkpoint now also carries an Ed25519 note signature over the C2SP tlog-checkpoint body
(origin, size, base64 root); checkpoints signed before have none and still verify as v1 checkpoints.
Witnesses' cosignatures are kept append-only, as the signatures they are.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements

revision = "0012_note_checkpoints"
down_revision = "0011_revenue_law"
branch_labels = None
depends_on = None

TABLES = ("cosignature",)


def upgrade() -> None:
    op.add_column("checkpoint", sa.Column("note_signature", sa.String(200)))
    op.create_table(
        "cosignature",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", "key_id", "tree_size", name="uq_cosignature_name"),
        sa.CheckConstraint("tree_size > 0 AND timestamp >= 0", name="sane"),
    )
    for statement in append_only_statements(op.get_bind().dialect.name, TABLES):
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
