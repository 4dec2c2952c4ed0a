"""Which import brought each receipt, for imports of few receipts, so a write no longer costs the public
summary a read of every receipt id of the year (issue 13, reads under writes).

Revision ID: 0029_receipt_import
Revises: 0028_receipt_corrects_index
Create Date: 2026-12-04

The public summary carries each year's contribution tallies and, after an upload, judges only the receipts
the upload added. It learnt which those were by reading every receipt id of the year and subtracting those
it had counted: about 80 ms at 140,000 receipts a year on PostgreSQL, after every write. receipt_import lists
the receipts of each import of at most revenue.imports.LISTED_RECEIPTS by the position of the import's event
in the log, so the summary reads the rows after the position it last saw. It is derived and append-only, and
private (the import's public event names no receipt). Nothing is back-filled: a reader that finds no listing
for what is new tallies the year whole, as before.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements

revision = "0029_receipt_import"
down_revision = "0028_receipt_corrects_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_import",
        sa.Column("receipt_id", sa.String(64), sa.ForeignKey("receipt.receipt_id"), primary_key=True),
        sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False),
        comment="derived: the receipts an import of few brought, by its event's log position; written in the "
        "import's transaction",
    )
    op.create_index("ix_receipt_import_event_seq", "receipt_import", ["event_seq"])
    for statement in append_only_statements(op.get_bind().dialect.name, ("receipt_import",)):
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
