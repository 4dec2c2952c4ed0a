"""Four eyes on a sanctions clearance (issue 16): the first person's clearance of a screening's hits, which a
different user confirms.

Revision ID: 0019_four_eyes
Revises: 0018_member_key
Create Date: 2026-12-02

Append-only, each row tied to its event in the log. The database refuses a person's `cleared` outcome unless
another user cleared the screening first (an automatic clearance repeats hits two people cleared before).
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements, four_eyes_statements

revision = "0019_four_eyes"
down_revision = "0018_member_key"
branch_labels = None
depends_on = None

TABLES = ("screening_clearance",)


def upgrade() -> None:
    op.create_table(
        "screening_clearance",
        sa.Column("screening_id", sa.Integer, sa.ForeignKey("screening.id"), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column(
            "actor", sa.String(200), nullable=False, comment="the first person; the outcome's confirms"
        ),
        sa.Column("cleared_on", sa.Date, nullable=False),
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True),
        sa.CheckConstraint("length(reason) > 0", name="clearance_reason"),
    )
    dialect = op.get_bind().dialect.name
    for statement in [*append_only_statements(dialect, TABLES), *four_eyes_statements(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
