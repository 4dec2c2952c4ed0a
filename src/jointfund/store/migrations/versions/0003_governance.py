"""Governance: members, proposals, votes, users and roles.

Revision ID: 0003_governance
Revises: 0002_revenue
Create Date: 2026-11-22

Besides append-only guards, the database itself refuses three things the application
also refuses (and `jointfund verify` checks again): a second member in a held seat, a
vote on a closed proposal, and executing a proposal that was not approved. The unique
(proposal_id, step) constraint makes closing and execution happen at most once, whatever
the number of concurrent writers.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements, guard_statements

revision = "0003_governance"
down_revision = "0002_revenue"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
TABLES = ("member", "member_removal", "proposal", "vote", "proposal_status", "app_user", "user_status")


def _seq() -> sa.Column:
    return sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True)


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("body", sa.String(40), nullable=False),
        sa.Column("partner", sa.String(8), nullable=False),
        sa.Column("seat", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("public_pem", sa.Text, nullable=False),
        sa.Column("appointed_on", sa.Date, nullable=False),
        _seq(),
        sa.CheckConstraint("seat >= 1", name="seat_positive"),
    )
    op.create_table(
        "member_removal",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("member.id"), primary_key=True),
        sa.Column("removed_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        _seq(),
    )
    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.String(40), nullable=False),
        sa.Column("rule", sa.String(60), nullable=False),
        sa.Column("requires_recommendation", sa.String(40)),
        sa.Column("amount_minor", sa.BigInteger),
        sa.Column("currency", sa.String(3)),
        sa.Column("about", sa.String(200)),
        sa.Column("deadline", sa.Date),
        sa.Column("proposer", sa.Integer, sa.ForeignKey("member.id"), nullable=False),
        sa.Column("created_on", sa.Date, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        _seq(),
        sa.CheckConstraint("(amount_minor is null) = (currency is null)", name="amount_has_currency"),
    )
    op.create_table(
        "vote",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("member.id"), nullable=False),
        sa.Column("choice", sa.String(10), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("cast_on", sa.Date, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        _seq(),
        sa.CheckConstraint("choice in ('approve','reject','abstain')", name="choice"),
        sa.UniqueConstraint("proposal_id", "member_id", "round", name="vote_once_per_round"),
    )
    op.create_index("ix_vote_proposal", "vote", ["proposal_id"])
    op.create_table(
        "proposal_status",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id"), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("step", sa.String(10), nullable=False),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("member.id")),
        sa.Column("signature", sa.String(128), nullable=False, server_default=""),
        _seq(),
        sa.CheckConstraint(
            "status in ('approved','rejected','expired','withdrawn','executed')", name="status"
        ),
        sa.CheckConstraint(
            "(status = 'executed' and step = 'execute') or (status <> 'executed' and step = 'close')",
            name="step",
        ),
        sa.UniqueConstraint("proposal_id", "step", name="proposal_status_once"),
    )
    op.create_table(
        "app_user",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _seq(),
        sa.CheckConstraint(
            "role in ('administrator','board_manager','committee_member','auditor','treasury_officer',"
            "'applicant','public')",
            name="role",
        ),
    )
    op.create_table(
        "user_status",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(64), sa.ForeignKey("app_user.name"), nullable=False),
        sa.Column("enabled", sa.Integer, nullable=False),
        _seq(),
        sa.CheckConstraint("enabled in (0, 1)", name="enabled"),
    )
    dialect = op.get_bind().dialect.name
    for statement in [
        *append_only_statements(dialect, TABLES),
        *guard_statements(dialect, "member_seat_free", "vote_open", "execute_approved"),
    ]:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
