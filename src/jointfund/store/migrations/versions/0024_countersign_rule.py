"""From where each kind needs a countersignature (issue 16, joint control): `countersign_rule`.

Revision ID: 0024_countersign_rule
Revises: 0023_countersignature
Create Date: 2026-12-02

Migration 0023 made a person's sanctions clearance and every correction stand beside a seated member's
countersignature, but a book that held such changes before it had no countersignatures for them, and verify
reported those as failures. The rule takes effect at a log position, recorded here per kind
(governance.countersign.start_rules): the log's next position, or the first countersigned change of the kind
when the database already ran 0023 for a while. The triggers and verify hold each change to the rule of its
time. Later migrations that bring a countersigned kind record their own start the same way.
"""

import sqlalchemy as sa
from alembic import op

from jointfund.governance import countersign
from jointfund.store.triggers import append_only_statements, countersign_rule_statements

revision = "0024_countersign_rule"
down_revision = "0023_countersignature"
branch_labels = None
depends_on = None

TABLES = ("countersign_rule",)
KINDS = (countersign.CLEARANCE, countersign.CORRECTION)  # the kinds migration 0023 brought


def upgrade() -> None:
    op.create_table(
        "countersign_rule",
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("since_seq", sa.BigInteger, nullable=False),
        sa.CheckConstraint("since_seq >= 1", name="countersign_rule_since"),
    )
    conn = op.get_bind()
    for statement in [
        *append_only_statements(conn.dialect.name, TABLES),
        *countersign_rule_statements(conn.dialect.name),
    ]:
        op.execute(statement)
    # A kind took effect right after the log's end, unless 0023 ran earlier and changes were countersigned
    # since: then at the first of those (the ones before it were made before 0023).
    cs = sa.table("countersignature", sa.column("seq"), sa.column("kind"))
    first = dict(conn.execute(sa.select(cs.c.kind, sa.func.min(cs.c.seq)).group_by(cs.c.kind)).all())
    after = countersign.log_end(conn) + 1
    countersign.start_rules(conn, {k: min(after, first.get(k, after)) for k in KINDS}, revision)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
