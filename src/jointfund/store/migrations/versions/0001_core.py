"""Core: fund, chart of accounts, journal, the Merkle log, partner keys and checkpoints.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from jointfund.store.triggers import create_statements

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fund",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("terms_text", sa.Text, nullable=False),
        sa.Column("terms_sha256", sa.String(64), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("currencies", sa.String(200)),
        sa.Column("opened", sa.Date, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("type in ('asset','liability','equity','income','expense')", name="type"),
    )
    op.create_table(
        "account_closure",
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("closed", sa.Date, nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
    )
    op.create_table(
        "entry",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("narration", sa.Text, nullable=False),
        sa.Column("links", sa.Text, nullable=False, server_default="[]"),
        sa.Column("reverses", sa.BigInteger, sa.ForeignKey("entry.seq"), unique=True),
        sa.CheckConstraint("reverses is null or reverses < seq", name="reverses_earlier"),
    )
    op.create_table(
        "posting",
        sa.Column("entry_seq", sa.BigInteger, sa.ForeignKey("entry.seq"), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("balance_after_minor", sa.BigInteger, nullable=False),
        sa.CheckConstraint("amount_minor <> 0", name="nonzero"),
    )
    op.create_index("ix_posting_account_date", "posting", ["account_id", "date", "currency", "amount_minor"])
    op.create_table(
        "event",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_event_action", "event", ["action"])
    op.create_table(
        "leaf",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.CheckConstraint("kind in ('entry','event')", name="kind"),
    )
    op.create_table(
        "partner_key",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("partner", sa.String(8), nullable=False),
        sa.Column("public_pem", sa.Text, nullable=False),
        sa.Column("registered_at", UTC, nullable=False),
    )
    op.create_table(
        "checkpoint",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("partner", sa.String(8), nullable=False),
        sa.Column("key_id", sa.String(16), sa.ForeignKey("partner_key.key_id"), nullable=False),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("signed_at", UTC, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.UniqueConstraint("partner", "tree_size", "signed_at", name="once"),
    )
    for statement in create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
