"""Append-only corrections of reference data: rates, licence fields and receipt fields (issue 19).

Revision ID: 0014_correction
Revises: 0013_budget
Create Date: 2026-12-02

Rates, licences and receipts stay as imported (their tables are append-only). A correction row supersedes
one field's value with a reason and an actor, and is an event of the log; each field's corrections form one
chain, the last being the effective value. The table is append-only, and a trigger keeps each chain about
one field.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements, correction_guard_statements

revision = "0014_correction"
down_revision = "0013_budget"
branch_labels = None
depends_on = None

TABLES = ("correction",)


def upgrade() -> None:
    op.create_table(
        "correction",
        sa.Column(
            "seq",
            sa.BigInteger,
            sa.ForeignKey("event.seq"),
            primary_key=True,
            autoincrement=False,
            comment="the correction's event in the log",
        ),
        sa.Column("kind", sa.String(16), nullable=False, comment="rate, licence or receipt"),
        sa.Column(
            "subject",
            sa.String(80),
            nullable=False,
            comment="what is corrected: 'USD 2026-12-20', a licence or receipt id",
        ),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column(
            "value",
            sa.Text,
            nullable=False,
            comment="the effective value from now on, as an input cell writes it",
        ),
        sa.Column(
            "previous", sa.Text, nullable=False, comment="the value it supersedes, as an input cell writes it"
        ),
        sa.Column(
            "supersedes",
            sa.BigInteger,
            sa.ForeignKey("correction.seq"),
            unique=True,
            comment="the correction it supersedes; null: it supersedes the imported value",
        ),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind in ('rate','licence','receipt')", name="kind"),
        sa.CheckConstraint("length(reason) > 0", name="reason"),
        sa.CheckConstraint("supersedes is null or supersedes < seq", name="supersedes_earlier"),
    )
    op.create_index(
        "ix_correction_first",
        "correction",
        ["kind", "subject", "field"],
        unique=True,
        sqlite_where=sa.text("supersedes IS NULL"),
        postgresql_where=sa.text("supersedes IS NULL"),
    )
    dialect = op.get_bind().dialect.name
    for statement in [*append_only_statements(dialect, TABLES), *correction_guard_statements(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
