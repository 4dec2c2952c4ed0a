"""The register of the agreements' commitments (issue 15), and who funded an in-kind contribution.

Revision ID: 0016_commitments
Revises: 0015_screening
Create Date: 2026-12-02

Three append-only tables, each row an event of the log: events that trigger commitments, recorded outcomes
(their
evidence is in `document`, kept by SHA-256 since 0013), and investments tagged with areas of cooperation.
in_kind gains funded_by
(us_funded, allied_funded or sold); rows recorded before it stay NULL, meaning not recorded.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements

revision = "0016_commitments"
down_revision = "0015_screening"
branch_labels = None
depends_on = None

TABLES = ("commitment_event", "commitment_record", "investment_area")


def _seq() -> sa.Column:
    return sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True)


def upgrade() -> None:
    op.create_table(
        "commitment_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False, comment="recording order"),
        sa.Column(
            "kind",
            sa.String(40),
            nullable=False,
            comment="an event code of an agreement file: armed_attack...",
        ),
        sa.Column("agreement", sa.String(40), nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        _seq(),
    )
    op.create_table(
        "commitment_record",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False, comment="recording order"),
        sa.Column(
            "commitment", sa.String(80), nullable=False, comment="the id of a commitment of an agreement file"
        ),
        sa.Column(
            "due", sa.Date, comment="the occurrence it settles; NULL for a commitment with no due date"
        ),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column(
            "occurred_on", sa.Date, nullable=False, comment="when it was met, late, breached or waived"
        ),
        sa.Column(
            "evidence", sa.Text, nullable=False, server_default="[]", comment="JSON array of document sha256"
        ),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        _seq(),
        sa.CheckConstraint(
            "status in ('met', 'late', 'breached', 'waived')", name="commitment_record_status"
        ),
    )
    op.create_index("ix_commitment_record_commitment", "commitment_record", ["commitment"])
    op.create_table(
        "investment_area",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("investment_id", sa.Integer, sa.ForeignKey("investment.id"), nullable=False),
        sa.Column(
            "area", sa.String(40), nullable=False, comment="an area of cooperation of an agreement file"
        ),
        _seq(),
        sa.UniqueConstraint("investment_id", "area", name="investment_area_once"),
    )
    op.add_column(
        "in_kind",
        sa.Column(
            "funded_by",
            sa.String(16),
            comment="us_funded, allied_funded or sold; NULL for rows before issue 15",
        ),
    )
    for statement in append_only_statements(op.get_bind().dialect.name, TABLES):
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
