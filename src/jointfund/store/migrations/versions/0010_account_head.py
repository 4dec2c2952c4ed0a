"""Where each account's running balance stands, so posting no longer sums the whole book (issue 13).

Revision ID: 0010_account_head
Revises: 0009_period_close
Create Date: 2026-12-01

Posting computed each touched account's running balance by summing every posting of the account: one pass
over the book per post() call (on PostgreSQL a heap fetch per posting, as the rows are not yet all-visible).
account_head keeps the last balance per account and currency, rewritten in the posting's transaction. It is
derived data, back-filled here from the postings, and `jointfund verify` checks it against them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_account_head"
down_revision = "0009_period_close"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_head",
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("account.id"), primary_key=True, autoincrement=False
        ),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("balance_minor", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
    )
    op.execute("""
INSERT INTO account_head (account_id, currency, balance_minor, last_seq)
SELECT account_id, currency, SUM(amount_minor), MAX(entry_seq) FROM posting GROUP BY account_id, currency""")


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
