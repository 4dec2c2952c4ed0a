"""Portfolio: in-kind contributions, applications and their stages, investments (issue 5).

Revision ID: 0004_portfolio
Revises: 0003_governance
Create Date: 2026-11-22

Calls, commitments, disbursements, income, valuations and distributions are journal
entries; these tables hold the facts they link to. All four are append-only, and the
database refuses a stage change that does not leave the application's current stage
(the application also refuses it, and `jointfund verify` checks the chain again).
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements, guard_statements

revision = "0004_portfolio"
down_revision = "0003_governance"
branch_labels = None
depends_on = None

TABLES = ("in_kind", "application", "application_stage", "investment")


def _seq() -> sa.Column:
    return sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True)


def upgrade() -> None:
    op.create_table(
        "in_kind",
        sa.Column("reference", sa.String(64), primary_key=True),
        sa.Column("partner", sa.String(8), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("reported_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("delivered_on", sa.Date, nullable=False),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id"), nullable=False, unique=True),
        _seq(),
        sa.CheckConstraint("reported_minor > 0", name="reported_positive"),
    )
    op.create_table(
        "application",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("reference", sa.String(64), nullable=False, unique=True),
        sa.Column("applicant", sa.Text, nullable=False),
        sa.Column("applicant_code", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("sector", sa.String(40), nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("resource", sa.String(40), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("instrument", sa.String(20), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("contact", sa.Text, nullable=False, server_default=""),
        sa.Column("documents", sa.Text, nullable=False, server_default="[]"),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        _seq(),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    )
    op.create_table(
        "application_stage",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("application.id"), nullable=False),
        sa.Column("from_stage", sa.String(40)),
        sa.Column("to_stage", sa.String(40), nullable=False),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id")),
        _seq(),
        sa.UniqueConstraint("application_id", "from_stage", name="stage_left_once"),
    )
    op.create_index("ix_application_stage_application", "application_stage", ["application_id"])
    op.create_table(
        "investment",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("application.id"), nullable=False, unique=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id"), nullable=False, unique=True),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("committed_on", sa.Date, nullable=False),
        _seq(),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    )
    dialect = op.get_bind().dialect.name
    for statement in [
        *append_only_statements(dialect, TABLES),
        *guard_statements(dialect, "application_stage_chain"),
    ]:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
