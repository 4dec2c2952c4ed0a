"""PostgreSQL checks postings and leaves once per statement, over its new rows, not once per row (issue 13).

Revision ID: 0020_statement_guards
Revises: 0019_four_eyes
Create Date: 2026-12-02

The row triggers of 0001 (jf_posting_check, jf_leaf_check) ran a plpgsql call and four index queries per
posting row: most of the server's time in bulk posting. The statement triggers (store/triggers.py,
PG_STATEMENT_GUARDS) refuse the same rows with the same messages, checking every row a statement inserted
through a transition table. SQLite keeps its row triggers (0005): it has no transition tables, and its
triggers run in-process at about a microsecond each.
"""

from alembic import op

from jointfund.store.triggers import PG_STATEMENT_GUARDS, PG_STATEMENT_TRIGGERS

revision = "0020_statement_guards"
down_revision = "0019_four_eyes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PG_STATEMENT_GUARDS)
    for statement in PG_STATEMENT_TRIGGERS:
        op.execute(statement)
    # The row functions stay defined (0001 refers to them by name) but no trigger calls them any more.


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
