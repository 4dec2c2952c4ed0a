"""Due diligence (issue 16): applicants' beneficial owners, sanctions lists, screenings and their outcomes.

Revision ID: 0015_screening
Revises: 0014_correction
Create Date: 2026-12-02

New tables only, all append-only: a list is re-imported as a new version, a screening is redone as a new
screening, and an outcome is decided once per screening (its primary key). Only a person blocks: an
outcome the screener records itself (nothing new to decide) is always `cleared`.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements

revision = "0015_screening"
down_revision = "0014_correction"
branch_labels = None
depends_on = None

TABLES = ("application_owner", "sanctions_list", "sanctions_entry", "screening", "screening_outcome")


def _seq() -> sa.Column:
    return sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True)


def upgrade() -> None:
    op.create_table(
        "application_owner",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("application.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("nationality", sa.String(2), nullable=False),
        sa.UniqueConstraint("application_id", "position", name="owner_position"),
        sa.CheckConstraint("position >= 1", name="position_positive"),
    )
    op.create_table(
        "sanctions_list",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("list_date", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        _seq(),
        sa.UniqueConstraint("name", "sha256", name="list_version"),
        sa.CheckConstraint("format in ('opensanctions','ofac_sdn')", name="format"),
        sa.CheckConstraint("entries >= 0", name="entries"),
    )
    op.create_table(
        "sanctions_entry",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("list_id", sa.Integer, sa.ForeignKey("sanctions_list.id"), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("aliases", sa.Text, nullable=False, server_default="[]"),
        sa.Column("birth_dates", sa.Text, nullable=False, server_default="[]"),
        sa.Column("countries", sa.Text, nullable=False, server_default="[]"),
        sa.Column("identifiers", sa.Text, nullable=False, server_default="[]"),
        sa.Column("programs", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("list_id", "key", name="entry_key"),
    )
    op.create_table(
        "screening",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("application.id"), nullable=False),
        sa.Column("lists", sa.Text, nullable=False),
        sa.Column("hits", sa.Text, nullable=False),
        sa.Column("screened_on", sa.Date, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        _seq(),
    )
    op.create_index("ix_screening_application", "screening", ["application_id"])
    op.create_table(
        "screening_outcome",
        sa.Column(
            "screening_id", sa.Integer, sa.ForeignKey("screening.id"), primary_key=True, autoincrement=False
        ),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("automatic", sa.Integer, nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        _seq(),
        sa.CheckConstraint("outcome in ('cleared','blocked')", name="outcome"),
        sa.CheckConstraint("length(reason) > 0", name="reason"),
        sa.CheckConstraint("automatic in (0, 1)", name="automatic"),
        sa.CheckConstraint("automatic = 0 OR outcome = 'cleared'", name="only_people_block"),
    )
    for statement in append_only_statements(op.get_bind().dialect.name, TABLES):
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
