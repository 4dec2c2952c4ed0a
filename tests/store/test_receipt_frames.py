"""store.receipts.frames reads the same frames as `frame` over `batches`, however the rare columns are set.

On SQLite `frames` reads corrects, resource, budget and flags as one JSON cell (null when all are at their
default), for speed; the values that come back must be exactly those stored, quotes, backslashes,
separators and non-ASCII text included.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jointfund.revenue import bulk
from jointfund.store import receipts as stored_receipts
from jointfund.store import rows
from jointfund.store import tables as t

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12
)
RARE = st.tuples(st.none() | TEXT, st.none() | TEXT, st.none() | TEXT, st.just("") | TEXT)


def _old_way(conn, first=None, last=None):  # noqa: ANN001, ANN202
    batches = stored_receipts.batches(conn, first, last, ordered=False, size=3)
    return [stored_receipts.frame(conn, b, bulk.RECEIPT_SCHEMA) for b in batches]


def _store(engine: Engine, rare: list[tuple]) -> None:
    with engine.begin() as conn:
        t.metadata.create_all(conn, tables=[t.licence, t.receipt])
        licence = {"licence_id": "L1", "holder": "H", "holder_code": "1", "resource": "lithium"}
        licence |= {"issued": dt.date(2025, 1, 1), "basis": "new", "psa": 0, "source": "s", "line": 1}
        rows.insert_dicts(conn, t.licence, [licence])
        for i, (corrects, resource, budget, flags) in enumerate(rare):
            receipt = {"receipt_id": f"R{i}", "date": dt.date(2025, 1, 1) + dt.timedelta(days=i)}
            receipt |= {"licence_id": "L1", "stream": "rent", "amount_minor": i - 3, "currency": "UAH"}
            # a receipt corrects one stored before it (the foreign key), under the name drawn
            receipt |= {"corrects": None if corrects is None or i == 0 else "R0", "source": "s", "line": i}
            receipt |= {"resource": resource, "budget": budget, "flags": flags}
            rows.insert_dicts(conn, t.receipt, [receipt])


def _sorted(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames).sort("receipt_id") if frames else pl.DataFrame(schema=bulk.RECEIPT_SCHEMA)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rare=st.lists(RARE, max_size=8), defaults=st.integers(0, 4))
def test_frames_hold_the_stored_values_of_every_column(
    engine: Engine, rare: list[tuple], defaults: int
) -> None:
    with engine.begin() as conn:
        t.metadata.drop_all(conn, tables=[t.receipt, t.licence])
    _store(engine, [(None, None, None, "")] * defaults + rare)
    with engine.connect() as conn:
        expected = _sorted(_old_way(conn))
        got = stored_receipts.frames(conn, None, None, bulk.RECEIPT_SCHEMA, size=3)
        assert _sorted(list(got)).equals(expected)
        assert expected.height == defaults + len(rare)
        first, last = dt.date(2025, 1, 2), dt.date(2025, 1, 4)
        got = stored_receipts.frames(conn, first, last, bulk.RECEIPT_SCHEMA, size=3)
        assert _sorted(list(got)).equals(_sorted(_old_way(conn, first, last)))


def test_a_frame_of_only_defaults_and_one_with_rare_values_keep_their_types(engine: Engine) -> None:
    _store(engine, [(None, None, None, "")] * 3 + [("R0", "iron_ore", "local", 'a;"b"\\c')])
    with engine.connect() as conn:
        frames = list(stored_receipts.frames(conn, None, None, bulk.RECEIPT_SCHEMA, size=3))
    assert [f.schema for f in frames] == [pl.Schema(bulk.RECEIPT_SCHEMA)] * 2
    last = pl.concat(frames).sort("receipt_id").row(3, named=True)
    assert (last["corrects"], last["resource"], last["budget"], last["flags"]) == (
        "R0",
        "iron_ore",
        "local",
        'a;"b"\\c',
    )


def test_corrections_are_found_through_their_own_index(fund_engine: Engine) -> None:
    """rate_days joins each correction to its original; the partial index on corrects makes that a look-up
    of the few corrections, not a scan of every receipt (issue 17, the 5% bound on the evaluation stage)."""
    import sqlalchemy as sa

    from jointfund.revenue import book

    indexes = {i["name"]: i for i in sa.inspect(fund_engine).get_indexes("receipt")}
    assert indexes["ix_receipt_corrects"]["column_names"] == ["corrects"]
    with fund_engine.connect() as conn:
        assert book.rate_days(conn) == {}
        if fund_engine.dialect.name == "sqlite":
            o = t.receipt.alias("o")
            q = sa.select(t.receipt.c.receipt_id, o.c.date).join(o, o.c.receipt_id == t.receipt.c.corrects)
            sql = str(q.compile(fund_engine))
            plan = " ".join(str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "USING INDEX ix_receipt_corrects" in plan, plan
