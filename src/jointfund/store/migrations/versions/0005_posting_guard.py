"""One posting trigger on SQLite instead of four, one leaf trigger instead of three (same refusals).

Revision ID: 0005_posting_guard
Revises: 0004_portfolio
Create Date: 2026-11-22

Bulk posting spent about 4 µs per posting row in the four BEFORE INSERT triggers of 0001 (each its own
trigger program, the account row looked up three times), and about 7 µs per leaf in its three. The
merged triggers refuse exactly the same rows with the same messages. PostgreSQL already checks a posting in
one trigger function: no change there.
"""

from alembic import op

from jointfund.store.triggers import (
    SQLITE_LEAF_GUARD,
    SQLITE_POSTING_GUARD,
    SQLITE_RETIRED_DROPS,
)

revision = "0005_posting_guard"
down_revision = "0004_portfolio"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in SQLITE_RETIRED_DROPS:
        op.execute(statement)
    op.execute(SQLITE_POSTING_GUARD)
    op.execute(SQLITE_LEAF_GUARD)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
