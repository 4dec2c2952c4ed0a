"""Budget lines, expenses and their evidence documents (issue 16).

Revision ID: 0013_budget
Revises: 0012_note_checkpoints
Create Date: 2026-12-02

Append-only tables: documents stored by the SHA-256 of their bytes, budget lines adopted by executed budget
proposals (versioned by amendment), and expenses charged to them. Triggers refuse an expense beyond its
line's current amount, currency or period, and an amended line below what was already spent.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements, budget_guard_statements

revision = "0013_budget"
down_revision = "0012_note_checkpoints"
branch_labels = None
depends_on = None

TABLES = ("document", "budget_line", "expense")


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True),
    )
    op.create_table(
        "budget_line",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id"), nullable=False),
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True),
        sa.UniqueConstraint("code", "version", name="uq_budget_line_code_version"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("first_day <= last_day", name="days"),
    )
    op.create_table(
        "expense",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("line_code", sa.String(40), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("reference", sa.String(100), nullable=False, unique=True),
        sa.Column("document_sha256", sa.String(64), sa.ForeignKey("document.sha256"), nullable=False),
        sa.Column("entry_seq", sa.BigInteger, sa.ForeignKey("entry.seq"), nullable=False, unique=True),
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    )
    op.create_index("ix_expense_line_code", "expense", ["line_code"])
    dialect = op.get_bind().dialect.name
    for statement in [*append_only_statements(dialect, TABLES), *budget_guard_statements(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
