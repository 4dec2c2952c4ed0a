"""Journal entries and the running balances beside them, where each backend needs its own statement."""

from __future__ import annotations

from sqlalchemy import (
    Connection,
    Date,
    String,
    bindparam,
    case,
    cast,
    func,
    lateral,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects import postgresql

from jointfund.store import rows
from jointfund.store import tables as t

# posting_total's spans: a row sums one day's postings of an account and currency, or one month's.
DAY, MONTH = "day", "month"


def seqs_of_keys(conn: Connection, keys: list[str]) -> list[int]:
    """The sequence numbers of the entries whose key is among `keys` (a few hundred at a time)."""
    e = t.entry
    if conn.dialect.name != "postgresql":
        return [s for (s,) in conn.execute(select(e.c.seq).where(e.c.key.in_(keys)))]
    # One index probe per key on PostgreSQL. `key IN (500 keys)` was planned, on a table without
    # statistics (autovacuum off, or a book just loaded), as a scan of every entry: 34 ms per post call at
    # 75k entries, growing with the book (issue 13). A LIMIT 1 look-up per key is an index probe whatever
    # the statistics.
    k = (
        func.unnest(bindparam("keys", keys, type_=postgresql.ARRAY(String)))
        .table_valued("key")
        .render_derived(name="k")
    )
    probe = lateral(select(e.c.seq).where(e.c.key == k.c.key).limit(1)).alias("e")
    return [s for (s,) in conn.execute(select(probe.c.seq).select_from(k).join(probe, true()))]


def store_heads(conn: Connection, heads: dict[tuple[int, str], tuple[int, int]]) -> None:
    """Record where the running balances stand after a post, in its transaction: one upsert statement run
    for every key touched (SQLite 3.24+ and PostgreSQL share the syntax). The statement is compiled once and
    executed with many parameter sets: a multi-row VALUES list was compiled afresh on each call, at 4,000
    bind parameters that cost more than the posting itself (profiled, issue 13). The rows go to the driver as
    tuples (`rows.execute_tuples`)."""
    if not heads:
        return
    h = t.account_head
    upsert = rows.upsert(conn, h)
    upsert = upsert.on_conflict_do_update(
        index_elements=[h.c.account_id, h.c.currency],
        set_={"balance_minor": upsert.excluded.balance_minor, "last_seq": upsert.excluded.last_seq},
    )
    columns = ("account_id", "currency", "balance_minor", "last_seq")
    rows.execute_tuples(conn, upsert, columns, [(a, c, b, s) for (a, c), (b, s) in heads.items()])


def add_totals(conn: Connection, first_seq: int, last_seq: int) -> None:
    """Add the postings of entries `first_seq`..`last_seq` (one post's, just written) to posting_total, in
    its transaction: each day's and each month's sums per account and currency (net, and credits alone), in
    minor units, added to the row's sums (created at zero).

    Summed by the database from the rows it was just given, two INSERT ... SELECT ... GROUP BY upserts per
    post: the sums had cost Python four dict operations a posting, a re-grouping per month and a tuple per
    row handed back to the driver, more than the database's own grouping (profiled, issue 13)."""
    p, s = t.posting.c, t.posting_total
    # The unit as SQL text, not a bound parameter: PostgreSQL matches the select list to the GROUP BY by the
    # expression, and two parameters of equal value are not the same expression to it.
    month = (
        func.date(p.date, literal_column("'start of month'"))
        if conn.dialect.name == "sqlite"
        else cast(func.date_trunc(literal_column("'month'"), p.date), Date)
    )
    credits = func.sum(case((p.amount_minor < 0, p.amount_minor), else_=0))
    columns = ["span", "currency", "first_day", "account_id", "net_minor", "credits_minor"]
    for span, first_day in ((DAY, p.date), (MONTH, month)):
        summed = (
            select(literal(span), p.currency, first_day, p.account_id, func.sum(p.amount_minor), credits)
            .where(p.entry_seq.between(first_seq, last_seq))
            .group_by(p.currency, first_day, p.account_id)
        )
        upsert = rows.upsert(conn, s).from_select(columns, summed)
        upsert = upsert.on_conflict_do_update(
            index_elements=[s.c.span, s.c.currency, s.c.first_day, s.c.account_id],
            set_={
                "net_minor": s.c.net_minor + upsert.excluded.net_minor,
                "credits_minor": s.c.credits_minor + upsert.excluded.credits_minor,
            },
        )
        conn.execute(upsert)
