"""Amendments of the terms adopted by executed proposals (issue 4).

Revision ID: 0006_terms_amendment
Revises: 0005_posting_guard
Create Date: 2026-11-29

One append-only row per adopted amendment; the fund's terms text is never rewritten, the
amendments are merged over it when the fund is loaded.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements

revision = "0006_terms_amendment"
down_revision = "0005_posting_guard"
branch_labels = None
depends_on = None

TABLES = ("terms_amendment",)


def upgrade() -> None:
    op.create_table(
        "terms_amendment",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id"), nullable=False, unique=True),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("content_json", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True),
    )
    for statement in append_only_statements(op.get_bind().dialect.name, TABLES):
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
