"""Transfers, capital calls, contributions and in-kind reports need a seated member's countersignature
(issue 16, joint control: no single insider changes what the partners are owed).

Revision ID: 0027_money_countersigned
Revises: 0026_two_person_books
Create Date: 2026-12-02

Each of these credits a partner's capital, so each now stands beside a countersignature row, as a
correction does (governance.countersigned, capital.in_kind): the database refuses an entry keyed as a
transfer, a call line or cash received against a call, and an in-kind report, without one. Entries and
reports recorded before this migration were made by one person under the rules of their time: each kind
needs a countersignature from the log's next position on (governance.countersign.start_rules), which the
triggers and verify read.
"""

from alembic import op

from jointfund.governance import countersign
from jointfund.store.triggers import money_countersigned_statements

revision = "0027_money_countersigned"
down_revision = "0026_two_person_books"
branch_labels = None
depends_on = None

# The kinds this migration brings (tests/capital checks the domain's and the guards' say the same).
ENTRY_KINDS = ("transfer", "capital.call", "capital.contribution")
IN_KIND = "capital.in_kind"


def upgrade() -> None:
    conn = op.get_bind()
    for statement in money_countersigned_statements(conn.dialect.name):
        op.execute(statement)
    # No change of these kinds was countersigned before this migration: each rule starts after the log's end.
    after = countersign.log_end(conn) + 1
    countersign.start_rules(conn, {k: after for k in (*ENTRY_KINDS, IN_KIND)}, revision)


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
