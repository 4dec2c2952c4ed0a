"""Declared interests and recusals (issue 16): a member's signed declaration of an interest in a party, and
a member's signed recusal from a proposal.

Revision ID: 0017_recusal
Revises: 0016_commitments
Create Date: 2026-12-02

Both append-only, each row tied to its event in the log. A member recuses from a proposal once (unique),
and the database refuses a recusal by a member who is not on the proposal's deciding body.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements, recusal_guard_statements

revision = "0017_recusal"
down_revision = "0016_commitments"
branch_labels = None
depends_on = None

TABLES = ("interest", "recusal")


def upgrade() -> None:
    op.create_table(
        "interest",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("member.id"), nullable=False),
        sa.Column("party", sa.String(200), nullable=False, comment="a company's name or registration code"),
        sa.Column("nature", sa.Text, nullable=False),
        sa.Column("declared_on", sa.Date, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False, comment="the member's, over the declaration"),
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True),
    )
    op.create_table(
        "recusal",
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("member.id"), nullable=False),
        sa.Column("recused_on", sa.Date, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False, comment="the member's, over the recusal"),
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True),
        sa.PrimaryKeyConstraint("proposal_id", "member_id", name="recusal_once"),
    )
    dialect = op.get_bind().dialect.name
    for statement in [*append_only_statements(dialect, TABLES), *recusal_guard_statements(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
