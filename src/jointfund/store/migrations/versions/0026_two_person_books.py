"""Expenses and hand-made journal entries take two people (issue 16, joint control).

Revision ID: 0026_two_person_books
Revises: 0025_posting_total
Create Date: 2026-12-02

An expense and an entry a person posts by hand (`ledger post`, `ledger reverse`: keyed `manual:`) each change
what the partners are owed, so each now stands beside a seated member's countersignature
(governance.countersign): the database refuses the expense row, or the manual entry, without it. Entries the
system posts as the consequence of an act already decided or countersigned are not keyed so and are not
touched. The rule takes effect at the log's next position (countersign.start_rules); what was recorded before
stays as it was made.
"""

from alembic import op

from jointfund.governance import countersign
from jointfund.store.triggers import two_person_statements

revision = "0026_two_person_books"
down_revision = "0025_posting_total"
branch_labels = None
depends_on = None

KINDS = ("expense", "entry")  # budget.expense.COUNTERSIGNED, accounting.manual.COUNTERSIGNED


def upgrade() -> None:
    conn = op.get_bind()
    for statement in two_person_statements(conn.dialect.name):
        op.execute(statement)
    after = countersign.log_end(conn) + 1
    countersign.start_rules(conn, dict.fromkeys(KINDS, after), revision)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
