"""The revenue tables as stored: writing imported rows, reading them back as domain values.

Bulk reads stream (`yield_per`), so a year of a million receipts is never all in memory.
Bulk writes go to the driver's `executemany` directly: the rows are already validated,
and building SQLAlchemy parameters row by row costs more than the insert itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from sqlalchemy import Connection, Table, select, tuple_

from jointfund.fund import FundInfo
from jointfund.money import exponent, to_minor
from jointfund.revenue.contribution import Evaluation, evaluate
from jointfund.revenue.eligibility import RuleBook
from jointfund.revenue.fx import Rate, RateTable
from jointfund.revenue.licence import Licence
from jointfund.revenue.payment import Payment
from jointfund.revenue.receipt import Receipt
from jointfund.store import tables as t

STREAM_ROWS = 20_000
LOOKUP_CHUNK = 900  # bound parameters per IN query, well under every backend's limit


# -- converting between domain values and rows --

def licence_row(x: Licence) -> dict:
    return {"licence_id": x.licence_id, "holder": x.holder, "holder_code": x.holder_code, "resource": x.resource,
            "deposit": x.deposit, "region": x.region, "issued": x.issued, "basis": x.basis, "psa": int(x.psa)}


def licence_of(r) -> Licence:  # noqa: ANN001 - a result row
    return Licence(r.licence_id, r.holder, r.holder_code, r.resource, r.deposit, r.region, r.issued, r.basis, bool(r.psa))


def receipt_row(x: Receipt) -> dict:
    return {"receipt_id": x.receipt_id, "date": x.date, "licence_id": x.licence_id, "stream": x.stream,
            "amount_minor": to_minor(x.amount, x.currency), "currency": x.currency, "corrects": x.corrects}


def receipt_of(r) -> Receipt:  # noqa: ANN001
    return Receipt(r.receipt_id, r.date, r.licence_id, r.stream, _amount(r.amount_minor, r.currency), r.currency, r.corrects)


_EXPONENTS: dict[str, int] = {}


def _amount(minor: int, currency: str) -> Decimal:
    """`money.from_minor` without its quantize: scaleb already gives the currency's exponent (the hot path of reads)."""
    exp = _EXPONENTS.get(currency)
    if exp is None:
        exp = _EXPONENTS[currency] = exponent(currency)
    return Decimal(minor).scaleb(-exp)


def rate_row(x: Rate) -> dict:
    return {"currency": x.currency, "date": x.date, "rate": format(x.rate, "f")}


def rate_of(r) -> Rate:  # noqa: ANN001
    return Rate(r.currency, r.date, Decimal(r.rate))


def payment_row(x: Payment) -> dict:
    return {"payment_id": x.payment_id, "date": x.date, "holder_code": x.holder_code, "licence_id": x.licence_id,
            "stream": x.stream, "amount_minor": to_minor(x.amount, x.currency), "currency": x.currency}


def payment_of(r) -> Payment:  # noqa: ANN001
    return Payment(r.payment_id, r.date, r.holder_code, r.licence_id, r.stream, _amount(r.amount_minor, r.currency), r.currency)


# -- writing --

def insert_rows(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert validated rows with one driver-level executemany."""
    if not rows:
        return
    columns = list(rows[0])
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    params = [list(r.values()) for r in rows]
    if sqlite:  # SQLite stores dates as ISO text, which is what SQLAlchemy's Date type reads back
        dates = [i for i, v in enumerate(params[0]) if isinstance(v, dt.date)]
        for values in params:
            for i in dates:
                values[i] = values[i].isoformat()
    conn.exec_driver_sql(sql, [tuple(values) for values in params])


def stored(conn: Connection, table: Table, key_columns: Sequence[str], keys: Iterable[tuple]) -> dict[tuple, object]:
    """Rows of `table` whose key is among `keys`, by key."""
    cols = [table.c[k] for k in key_columns]
    unique = list(dict.fromkeys(keys))
    found: dict[tuple, object] = {}
    for start in range(0, len(unique), LOOKUP_CHUNK):
        chunk = unique[start:start + LOOKUP_CHUNK]
        cond = cols[0].in_([k[0] for k in chunk]) if len(cols) == 1 else tuple_(*cols).in_(chunk)
        for r in conn.execute(select(table).where(cond)):
            found[tuple(getattr(r, k) for k in key_columns)] = r
    return found


# -- reading --

def licences(conn: Connection) -> dict[str, Licence]:
    return {r.licence_id: licence_of(r) for r in conn.execute(select(t.licence))}


def licence_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(t.licence.c.licence_id)).scalars())


def rates(conn: Connection, domestic: str, max_age_days: int | None) -> RateTable:
    return RateTable((rate_of(r) for r in conn.execute(select(t.fx_rate))), domestic, max_age_days)


def year_bounds(year: int | None) -> tuple[dt.date | None, dt.date | None]:
    return (None, None) if year is None else (dt.date(year, 1, 1), dt.date(year, 12, 31))


def _of_year(conn: Connection, table: Table, id_column: str, year: int | None) -> Iterator:
    """Rows of `table` by date and id, optionally of one year, streamed."""
    q = select(table).order_by(table.c.date, table.c[id_column])
    first, last = year_bounds(year)
    if first:
        q = q.where(table.c.date.between(first, last))
    return iter(conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(q))


def receipts(conn: Connection, year: int | None = None) -> Iterator[Receipt]:
    return (receipt_of(r) for r in _of_year(conn, t.receipt, "receipt_id", year))


def payments(conn: Connection, year: int | None = None) -> Iterator[Payment]:
    return (payment_of(r) for r in _of_year(conn, t.company_payment, "payment_id", year))


class Assessor:
    """Everything evaluation needs that is read once: the rules by date, the licences and the rates."""

    def __init__(self, conn: Connection, info: FundInfo) -> None:
        self.book = RuleBook(info.terms_text)
        terms = info.base_terms()
        self.licences = licences(conn)
        self.rates = rates(conn, terms.fx.domestic_currency, self.book.max_age_days)

    def __call__(self, receipt: Receipt) -> Evaluation:
        return evaluate(receipt, self.licences[receipt.licence_id], self.book.on(receipt.date), self.rates)


def evaluations(conn: Connection, info: FundInfo, year: int | None = None) -> Iterator[Evaluation]:
    """Every stored receipt (of `year`), judged by the terms in force on its date."""
    assess = Assessor(conn, info)
    for r in receipts(conn, year):
        yield assess(r)
