"""Countersignatures (issue 16, joint control): a seated member signs the change another user asks for.

Revision ID: 0023_countersignature
Revises: 0022_proposal_documents
Create Date: 2026-12-02

A second user is no second person when an administrator can add users, so a person's sanctions clearance and
a correction of a rate, a licence or a receipt stand beside a seated member's countersignature
(governance.countersign). The database refuses the change without the row; the domain and verify check the
signature. Append-only, each row beside the event it countersigns. Earlier rows are left as they are; verify
names any person's clearance or correction without a countersignature.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements, countersigned_statements

revision = "0023_countersignature"
down_revision = "0022_proposal_documents"
branch_labels = None
depends_on = None

TABLES = ("countersignature",)


def upgrade() -> None:
    op.create_table(
        "countersignature",
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), primary_key=True, autoincrement=False),
        sa.Column(
            "kind",
            sa.String(40),
            nullable=False,
            comment="what is countersigned: screening.clear or correction",
        ),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("member.id"), nullable=False),
        sa.Column(
            "requested_by", sa.String(200), nullable=False, comment="the user who asked for the change"
        ),
        sa.Column("signature", sa.String(128), nullable=False, comment="Ed25519, hex"),
        sa.CheckConstraint("length(signature) = 128", name="countersignature_length"),
    )
    dialect = op.get_bind().dialect.name
    for statement in [*append_only_statements(dialect, TABLES), *countersigned_statements(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
