"""Each account's postings summed per day and per month, so a write no longer costs the next read a sum over
the book (issue 13, reads under writes).

Revision ID: 0025_posting_total
Revises: 0024_countersign_rule
Create Date: 2026-12-02

The capital accounts (every page's one capital figure, the public summary's and the forecast's starting
point) summed every posting of the book per allocation period: about 1 s at 1M postings on PostgreSQL, paid
by the first read after each write, since a write changes the book version that read caches are keyed on.
posting_total keeps those sums per account, currency and month (and per day, for the months a window cuts
inside), added to in the posting's transaction. It is derived data, back-filled here from the postings, and
`jointfund verify` checks it against them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_posting_total"
down_revision = "0024_countersign_rule"
branch_labels = None
depends_on = None


# The month rows from the day rows: each backend names the first of the month its own way.
MONTHS_POSTGRESQL = """
INSERT INTO posting_total (span, currency, first_day, account_id, net_minor, credits_minor)
SELECT 'month', currency, CAST(date_trunc('month', first_day) AS DATE), account_id, SUM(net_minor),
       SUM(credits_minor)
FROM posting_total WHERE span = 'day'
GROUP BY currency, CAST(date_trunc('month', first_day) AS DATE), account_id"""
MONTHS_SQLITE = """
INSERT INTO posting_total (span, currency, first_day, account_id, net_minor, credits_minor)
SELECT 'month', currency, date(first_day, 'start of month'), account_id, SUM(net_minor), SUM(credits_minor)
FROM posting_total WHERE span = 'day' GROUP BY currency, date(first_day, 'start of month'), account_id"""


def upgrade() -> None:
    op.create_table(
        "posting_total",
        sa.Column("span", sa.String(5), primary_key=True, comment="day or month"),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("first_day", sa.Date, primary_key=True, comment="the day, or the first day of the month"),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("account.id"), primary_key=True, autoincrement=False
        ),
        sa.Column(
            "net_minor", sa.BigInteger, nullable=False, comment="the sum of the postings, in minor units"
        ),
        sa.Column(
            "credits_minor",
            sa.BigInteger,
            nullable=False,
            comment="the sum of the negative postings alone",
        ),
        sa.CheckConstraint("span in ('day','month')", name="span"),
        comment="derived: each account's postings summed per currency and day, and per month, so statements "
        "read O(accounts x months) rows instead of summing the book; added to in the posting's transaction, "
        "checked by verify",
    )
    op.execute("""
INSERT INTO posting_total (span, currency, first_day, account_id, net_minor, credits_minor)
SELECT 'day', currency, date, account_id, SUM(amount_minor),
       SUM(CASE WHEN amount_minor < 0 THEN amount_minor ELSE 0 END)
FROM posting GROUP BY currency, date, account_id""")
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute(MONTHS_POSTGRESQL if postgresql else MONTHS_SQLITE)
    if postgresql:  # the planner's statistics for the first reads, without waiting for autovacuum
        op.execute("ANALYZE posting_total")


def downgrade() -> None:
    raise RuntimeError("jointfund never drops a book of record; restore from a backup instead")
