"""Exporting the journal: beancount (checked by beancount's own loader), CSV and Parquet.

Each export streams postings in log order, so memory stays bounded whatever the size.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, select

from jointfund.fund import FundInfo
from jointfund.ledger import canonical
from jointfund.money import exponent
from jointfund.store import tables as t

FORMATS = ("beancount", "csv", "parquet")
COLUMNS = (
    "seq",
    "date",
    "recorded_at",
    "key",
    "narration",
    "links",
    "reverses",
    "line",
    "account",
    "currency",
    "amount",
)
STREAM_ROWS = 20_000


def _rows(conn: Connection) -> Iterator[tuple]:
    """(seq, date, recorded_at, key, narration, links json, reverses, line, account, currency, amount text)
    in log order."""
    q = (
        select(
            t.entry.c.seq,
            t.entry.c.date,
            t.entry.c.recorded_at,
            t.entry.c.key,
            t.entry.c.narration,
            t.entry.c.links,
            t.entry.c.reverses,
            t.posting.c.line,
            t.account.c.name,
            t.posting.c.currency,
            t.posting.c.amount_minor,
        )
        .join(t.posting, t.posting.c.entry_seq == t.entry.c.seq)
        .join(t.account, t.account.c.id == t.posting.c.account_id)
        .order_by(t.entry.c.seq, t.posting.c.line)
    )
    exps: dict[str, int] = {}
    for r in conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(q):
        exp = exps.get(r.currency)
        if exp is None:
            exp = exps[r.currency] = exponent(r.currency)
        yield (
            r.seq,
            r.date,
            canonical.timestamp(r.recorded_at),
            r.key,
            r.narration,
            r.links,
            r.reverses,
            r.line,
            r.name,
            r.currency,
            canonical.amount_text(r.amount_minor, r.currency, exp),
        )


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def write_beancount(
    conn: Connection, fund: FundInfo, out: IO[str], progress: Callable[[int], None] | None = None
) -> int:
    """Write the journal as a beancount ledger; returns the number of transactions."""
    terms = fund.base_terms()
    out.write(
        f"; {fund.name} ({fund.code}), fund {fund.id}\n; exported by jointfund from the book of record\n"
    )
    out.write(
        f'option "title" {_quote(fund.name)}\noption "operating_currency" "{terms.fund.base_currency}"\n\n'
    )
    closures = {r.account_id: r.closed for r in conn.execute(select(t.account_closure))}
    for a in conn.execute(select(t.account).order_by(t.account.c.name)):
        cur = " " + a.currencies if a.currencies else ""
        out.write(f"{a.opened.isoformat()} open {a.name}{cur}\n")
        if a.id in closures:
            out.write(f"{closures[a.id].isoformat()} close {a.name}\n")
    out.write("\n")
    return _write_transactions(conn, out, _beancount_header, "  ", progress)


def _beancount_header(seq, date, recorded, key, narration, links, reverses) -> str:  # noqa: ANN001
    text = (
        f"\n{date.isoformat()} * {_quote(narration or key)}\n  seq: {seq}\n  key: {_quote(key)}\n  "
        f"recorded: {_quote(recorded)}\n"
    )
    if json.loads(links):
        text += f"  links: {_quote(' '.join(json.loads(links)))}\n"
    if reverses is not None:
        text += f"  reverses: {reverses}\n"
    return text


def _write_transactions(
    conn: Connection,
    out: IO[str],
    header: Callable[..., str],
    indent: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Each entry as a header (from `header`) then one `indent`ed line per posting; returns the count."""
    count = 0
    current = None
    for seq, date, recorded, key, narration, links, reverses, _line, account, currency, amount in _rows(conn):
        if seq != current:
            current = seq
            count += 1
            out.write(header(seq, date, recorded, key, narration, links, reverses))
            if progress and count % 10_000 == 0:
                progress(10_000)
        out.write(f"{indent}{account}  {amount} {currency}\n")
    return count


def write_ledger(conn: Connection, out: IO[str]) -> int:
    """Write the journal in the plain-text format of hledger and Ledger; returns the number of transactions.

    The same transactions as the beancount export, with the log position as a comment; hledger
    and Ledger do not read beancount's directives, so the peers can be compared on one journal.
    """
    for a in conn.execute(select(t.account.c.name).order_by(t.account.c.name)):
        out.write(f"account {a.name}\n")
    return _write_transactions(conn, out, _ledger_header, "    ")


def _ledger_header(seq, date, _recorded, key, narration, _links, _reverses) -> str:  # noqa: ANN001
    return f"\n{date.isoformat()} * {(narration or key).replace(chr(10), ' ')}  ; seq:{seq}\n"


def write_csv(conn: Connection, out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    n = 0
    for row in _rows(conn):
        writer.writerow(["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else v) for v in row])
        n += 1
    return n


def write_parquet(conn: Connection, path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("seq", pa.int64()),
            ("date", pa.date32()),
            ("recorded_at", pa.string()),
            ("key", pa.string()),
            ("narration", pa.string()),
            ("links", pa.string()),
            ("reverses", pa.int64()),
            ("line", pa.int32()),
            ("account", pa.string()),
            ("currency", pa.string()),
            # Exact decimal text: parquet decimals need one scale per column, and currencies differ.
            ("amount", pa.string()),
        ]
    )
    n = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        batch: list[tuple] = []
        for row in _rows(conn):
            batch.append(row)
            if len(batch) >= STREAM_ROWS:
                writer.write_batch(
                    pa.RecordBatch.from_arrays(
                        [
                            pa.array(c, type=f.type)
                            for c, f in zip(zip(*batch, strict=True), schema, strict=True)
                        ],
                        schema=schema,
                    )
                )
                n += len(batch)
                batch = []
        if batch:
            writer.write_batch(
                pa.RecordBatch.from_arrays(
                    [pa.array(c, type=f.type) for c, f in zip(zip(*batch, strict=True), schema, strict=True)],
                    schema=schema,
                )
            )
            n += len(batch)
    return n
