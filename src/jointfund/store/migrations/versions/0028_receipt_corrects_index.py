"""A partial index on receipt.corrects, so an evaluation finds the corrections without scanning every receipt
(issue 17, the evaluation stage within 5% of 11-29).

Revision ID: 0028_receipt_corrects_index
Revises: 0027_money_countersigned
Create Date: 2026-12-03

revenue.book.rate_days joins each correction to the receipt it corrects. With no index on corrects that is a
full scan of the receipt table's wide rows (about 0.2 s per million receipts on SQLite) on every evaluation,
although corrections are rare. The index holds only the rows that correct another, so imports pay almost
nothing for it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_receipt_corrects_index"
down_revision = "0027_money_countersigned"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_receipt_corrects",
        "receipt",
        ["corrects"],
        sqlite_where=sa.text("corrects IS NOT NULL"),
        postgresql_where=sa.text("corrects IS NOT NULL"),
    )


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
