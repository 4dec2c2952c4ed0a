"""The screening gate in the database (issue 16): a move into a stage the terms screen needs a cleared
screening against the current version of every sanctions list.

Revision ID: 0021_screening_gate
Revises: 0020_statement_guards
Create Date: 2026-12-02

The terms are data, so the stages come from a table, `screening_gate`, that mirrors the terms' screened stages
from each date on (written when the fund is created and when an amendment is adopted; verify checks it against
the terms). A fund that exists already gets its rows here.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import screening_gate_statements

revision = "0021_screening_gate"
down_revision = "0020_statement_guards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_gate",
        sa.Column("effective", sa.Date, primary_key=True),
        sa.Column(
            "stages", sa.Text, nullable=False, comment="JSON array of the stage codes the terms screen"
        ),
    )
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM fund")).first() is not None:
        from jointfund import fund

        fund.write_screening_gate(conn, fund.load(conn))
    for statement in screening_gate_statements(conn.dialect.name):
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
