"""Member key rotation (issue 16): a member's replacement key, signed by the old key or by the partner's
authority key.

Revision ID: 0018_member_key
Revises: 0017_recusal
Create Date: 2026-12-02

Append-only, each row tied to its event in the log. The database refuses a replacement key that is already
a member's key, original or replaced (one key, one person).
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import append_only_statements, member_key_guard_statements

revision = "0018_member_key"
down_revision = "0017_recusal"
branch_labels = None
depends_on = None

TABLES = ("member_key",)


def upgrade() -> None:
    op.create_table(
        "member_key",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("member.id"), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False, unique=True),
        sa.Column("public_pem", sa.Text, nullable=False),
        sa.Column("old_key_id", sa.String(16), nullable=False, comment="the key it replaces"),
        sa.Column("signer", sa.String(10), nullable=False, comment="member (the old key) or authority"),
        sa.Column("rotated_on", sa.Date, nullable=False),
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("event.seq"), nullable=False, unique=True),
        sa.CheckConstraint("signer in ('member','authority')", name="member_key_signer"),
    )
    dialect = op.get_bind().dialect.name
    for statement in [*append_only_statements(dialect, TABLES), *member_key_guard_statements(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
