"""Revenue: licences, receipts, exchange rates and company payments (issue 3).

Contributions, accruals and transfers live in the journal; these tables hold the imported
facts they are computed from. All four are append-only.

Revision ID: 0002_revenue
Revises: 0001_core
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements

revision = "0002_revenue"
down_revision = "0001_core"
branch_labels = None
depends_on = None

APPEND_ONLY = ("licence", "receipt", "fx_rate", "company_payment")


def upgrade() -> None:
    op.create_table(
        "licence",
        sa.Column("licence_id", sa.String(64), primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("holder_code", sa.String(32), nullable=False),
        sa.Column("resource", sa.String(40), nullable=False),
        sa.Column("deposit", sa.Text, nullable=False, server_default=""),
        sa.Column("region", sa.Text, nullable=False, server_default=""),
        sa.Column("issued", sa.Date, nullable=False),
        sa.Column("basis", sa.String(32), nullable=False),
        sa.Column("psa", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.CheckConstraint("psa in (0, 1)", name="psa"),
    )
    op.create_index("ix_licence_holder_code", "licence", ["holder_code"])
    op.create_table(
        "receipt",
        sa.Column("receipt_id", sa.String(64), primary_key=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("licence_id", sa.String(64), sa.ForeignKey("licence.licence_id"), nullable=False),
        sa.Column("stream", sa.String(32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("corrects", sa.String(64), sa.ForeignKey("receipt.receipt_id")),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
    )
    op.create_index("ix_receipt_date", "receipt", ["date"])
    op.create_index("ix_receipt_licence_id", "receipt", ["licence_id"])
    op.create_table(
        "fx_rate",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("rate", sa.String(40), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
    )
    op.create_table(
        "company_payment",
        sa.Column("payment_id", sa.String(64), primary_key=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("holder_code", sa.String(32), nullable=False),
        sa.Column("licence_id", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
    )
    op.create_index("ix_company_payment_date", "company_payment", ["date"])
    for statement in append_only_statements(op.get_bind().dialect.name, APPEND_ONLY):
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
