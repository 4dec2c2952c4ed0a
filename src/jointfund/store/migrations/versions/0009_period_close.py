"""Closed accounting periods (issue 11): the database refuses entries dated in them.

Revision ID: 0009_period_close
Revises: 0008_web_state
Create Date: 2026-12-01

One append-only row per closed period, tied to the executed proposal that decided it and to the close's
event in the log; a trigger on entry refuses any entry whose date falls in a closed period.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements, period_guard_statements

revision = "0009_period_close"
down_revision = "0008_web_state"
branch_labels = None
depends_on = None

TABLES = ("period_close",)


def upgrade() -> None:
    op.create_table(
        "period_close",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False, comment="closing order"),
        sa.Column(
            "period", sa.String(10), nullable=False, unique=True, comment="e.g. 2026-Q1, 2026-03, 2026"
        ),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column(
            "proposal_id",
            sa.Integer,
            sa.ForeignKey("proposal.id"),
            nullable=False,
            unique=True,
            comment="the executed proposal that decided the close",
        ),
        sa.Column(
            "seq",
            sa.BigInteger,
            sa.ForeignKey("event.seq"),
            nullable=False,
            unique=True,
            comment="the close's event",
        ),
        sa.CheckConstraint("first_day <= last_day", name="period_close_days"),
    )
    op.create_index("ix_period_close_days", "period_close", ["first_day", "last_day"])
    dialect = op.get_bind().dialect.name
    for statement in [*append_only_statements(dialect, TABLES), *period_guard_statements(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
