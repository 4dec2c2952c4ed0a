"""Governance: members, proposals, votes, users and roles.

Revision ID: 0003_governance
Revises: 0002_revenue
Create Date: 2026-11-22
"""

revision = "0003_governance"
down_revision = "0002_revenue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the governance work (issue 4)."""


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
