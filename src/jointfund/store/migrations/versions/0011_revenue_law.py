"""Licences of several resources, PSA signing dates, eligibility flags, and the budget a receipt credits
(issue 14).

Revision ID: 0011_revenue_law
Revises: 0010_account_head
Create Date: 2026-12-01

Columns only, each optional or with an empty default, so rows imported before keep their meaning:
no PSA date (the new-PSA rule cannot apply), no flags, one resource, the default budget.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_revenue_law"
down_revision = "0010_account_head"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("licence", sa.Column("psa_signed", sa.Date))
    op.add_column("licence", sa.Column("flags", sa.Text, nullable=False, server_default=""))
    op.add_column("licence", sa.Column("other_resources", sa.Text, nullable=False, server_default=""))
    op.add_column("receipt", sa.Column("resource", sa.String(40)))
    op.add_column("receipt", sa.Column("budget", sa.String(16)))
    op.add_column("receipt", sa.Column("flags", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
