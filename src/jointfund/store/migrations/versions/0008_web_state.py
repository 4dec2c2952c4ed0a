"""The web server's shared state: sessions, sign-in counters, the signing secret and upload jobs (issues 13,
19).

Revision ID: 0008_web_state
Revises: 0007_tree_node
Create Date: 2026-12-01

In the database rather than in one process's memory, so that several workers and hosts of
`jointfund serve` share them. Ordinary mutable tables: none of this is a fact of the fund.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_web_state"
down_revision = "0007_tree_node"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_secret",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "web_session",
        sa.Column("id_sha256", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(64), sa.ForeignKey("app_user.name"), nullable=False),
        sa.Column("started_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_web_session_user_name", "web_session", ["user_name", "started_ms"])
    op.create_index("ix_web_session_expires_ms", "web_session", ["expires_ms"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_login_throttle_last_ms", "login_throttle", ["last_ms"])
    op.create_table(
        "upload_job",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("file", sa.String(120), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("result_json", sa.Text, nullable=True),
        sa.Column("runner", sa.String(200), nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
        sa.CheckConstraint("state in ('running','done','refused','failed','cancelled')", name="state"),
    )
    op.create_index("ix_upload_job_state", "upload_job", ["state"])


def downgrade() -> None:
    for table in ("upload_job", "login_throttle", "web_session", "web_secret"):
        op.drop_table(table)
