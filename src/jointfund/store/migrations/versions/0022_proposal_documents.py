"""Supporting documents of a proposal (issue 12): the name, SHA-256 and size of each, signed with the
proposal.

Revision ID: 0022_proposal_documents
Revises: 0021_screening_gate
Create Date: 2026-12-02

The bytes live in the document store (ledger.document), by their hash; the proposal row keeps the list its
proposer signed, as JSON, so its canonical bytes can be rebuilt from the row alone. Earlier proposals have
none ("[]"), and their bytes are unchanged.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_proposal_documents"
down_revision = "0021_screening_gate"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "proposal",
        sa.Column(
            "documents",
            sa.Text,
            nullable=False,
            server_default="[]",
            comment="JSON array of {name, sha256, size_bytes}: the supporting documents, as signed",
        ),
    )


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
