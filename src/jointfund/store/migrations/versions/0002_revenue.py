"""Revenue: licences, receipts, exchange rates, company payments, contributions and transfers.

Revision ID: 0002_revenue
Revises: 0001_core
Create Date: 2026-11-22
"""

revision = "0002_revenue"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the revenue work (issue 3)."""


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
