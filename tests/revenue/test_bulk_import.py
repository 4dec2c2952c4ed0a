"""The column-wise import of plain CSV receipts equals the row-by-row import it shortcuts.

Three claims, each checked on random input:
- `receipt.parse_frame` accepts a row only when `receipt.parse` accepts it, with the same values,
  and it does accept every plainly written valid row (else the fast path would never be taken);
- `reader.plain_csv_blocks` yields the same cells and line numbers as `read_rows`, across block
  boundaries, and gives up (NotPlain) on anything it cannot read as one row per line;
- importing a file through either path stores the same rows, on both backends, and a file with a
  bad row still fails with the row path's located problems, writing nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jointfund.ledger import log
from jointfund.money import exponent, to_minor
from jointfund.revenue import book, cell_rules, imports, reader, receipt
from jointfund.revenue.fields import Cells
from jointfund.revenue.reader import Row
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.terms import load_shipped

from .conftest import LICENCES, write

TERMS = load_shipped()
LICENCE_IDS = ["L-NEW", "L-OLD", "L-UND"]
# Each licence's resources, as book.licence_ids gives them; L-GAS has several (gas with condensate).
RESOURCES = {
    "L-NEW": ("lithium",),
    "L-OLD": ("iron_ore",),
    "L-UND": ("titanium",),
    "L-GAS": ("natural_gas", "condensate"),
}
COLUMNS = (
    "receipt_id",
    "date",
    "licence_id",
    "stream",
    "amount",
    "currency",
    "corrects",
    "resource",
    "budget",
    "flags",
)

# A valid, plainly written row, then at most two of its cells replaced by a doubtful value: so that
# each kind of doubt is tried on rows that are otherwise fine, which is where the two parsers could part.
valid = st.fixed_dictionaries(
    {
        "receipt_id": st.from_regex(r"\AR-[0-9A-Za-z_-]{1,8}\Z"),
        "date": st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)).map(dt.date.isoformat),
        "licence_id": st.sampled_from(sorted(RESOURCES)),
        "stream": st.sampled_from(TERMS.contribution.stream_codes),
        "amount": st.decimals(-(10**6), 10**6, places=2, allow_nan=False).map(str),
        "currency": st.sampled_from(["", "UAH", "USD", "EUR"]),
        "corrects": st.just(""),
        "resource": st.just(""),
        "budget": st.sampled_from(["", "state", "local"]),
        "flags": st.sampled_from(["", "reparations"]),
    }
)
doubtful = {
    "receipt_id": ["", " R-1", "R 1", "R-\x1c", "x" * 65, "R-1 "],
    "date": ["2025-02-30", "0000-01-01", "2025-1-01", "01.06.2025", " 2025-06-01", "", "2025-06-01x"],
    "licence_id": ["L-NONE", "", "L NEW", "l-new"],
    "stream": ["other", "", "Rent", " rent"],
    "amount": [
        "1.001",
        "1e3",
        "12",
        "-0",
        "1,00",
        " 5",
        "9" * 16,
        "100.5",
        "",
        "5.",
        ".5",
        "+5",
        "0x10",
        "NaN",
    ],
    "currency": ["JPY", "uah", "XXX", " USD"],
    "corrects": ["R-0"],
    "resource": ["lithium", "titanium", "natural_gas", "condensate", "gold", " lithium", "unheard_of"],
    "budget": ["regional", "State", " local"],
    "flags": [
        "unknown",
        "reparations;reparations",
        "reparations;",
        " reparations",
        "reparations ;reparations",
    ],
}
cells_row = st.builds(
    lambda row, changes: {**row, **dict(changes)},
    valid,
    st.lists(
        st.sampled_from(sorted(doubtful)).flatmap(
            lambda k: st.tuples(st.just(k), st.sampled_from(doubtful[k]))
        ),
        max_size=2,
    ),
)


def row_path(values: dict[str, str]) -> receipt.Receipt | None:
    row = Row(2, "r.csv:2", {k: v.strip() for k, v in values.items()}, {}, None)
    return receipt.parse(Cells(row), TERMS, RESOURCES)


@settings(max_examples=400, deadline=None)
@given(cells_row)
def test_the_bulk_parser_accepts_only_what_the_row_parser_accepts_with_the_same_values(values):
    frame = receipt.parse_frame(pl.DataFrame({k: [v] for k, v in values.items()}), TERMS, RESOURCES)
    parsed = row_path(values)
    if frame is None:
        # Every row the row parser takes unchanged and that is written in the plain forms must take the fast
        # path.
        plain = (
            values == {k: v.strip() for k, v in values.items()}
            and re.fullmatch(r"\d{4}-\d{2}-\d{2}", values["date"])
            and _plain_amount(values)
            and not values["corrects"]
        )
        assert parsed is None or not plain or len(values["receipt_id"]) > 64 or values["date"] < "0001", (
            values
        )
        return
    assert parsed is not None, values
    (got,) = frame.rows(named=True)
    assert got == {
        "receipt_id": parsed.receipt_id,
        "date": parsed.date,
        "licence_id": parsed.licence_id,
        "stream": parsed.stream,
        "amount_minor": to_minor(parsed.amount, parsed.currency),
        "currency": parsed.currency,
        "corrects": None,
        "resource": parsed.resource,
        "budget": parsed.budget,
        "flags": ";".join(parsed.flags),
    }


def _plain_amount(values: dict[str, str]) -> bool:
    code = values["currency"] or TERMS.fx.domestic_currency
    if code not in TERMS.fund.currencies:
        return False
    return re.fullmatch(cell_rules.plain_amount(exponent(code)), values["amount"]) is not None


# A valid row, plainly written.
GOOD = {"receipt_id": "R-1", "date": "2025-07-01", "licence_id": "L-NEW", "stream": "rent", "amount": "1.00"}


def test_a_block_with_one_doubtful_row_goes_to_the_row_path():
    good = {**GOOD, "currency": "", "corrects": ""}
    frame = pl.DataFrame([good, {**good, "receipt_id": "R-2", "amount": "1.005"}])
    assert receipt.parse_frame(frame.head(1), TERMS, RESOURCES) is not None
    assert receipt.parse_frame(frame, TERMS, RESOURCES) is None
    assert receipt.parse_frame(pl.DataFrame([{**good, "corrects": "R-0"}]), TERMS, RESOURCES) is None
    # A rent receipt of a licence of several resources must name one: the row path says so.
    gas = {**good, "licence_id": "L-GAS"}
    assert receipt.parse_frame(pl.DataFrame([gas]), TERMS, RESOURCES) is None
    assert (
        receipt.parse_frame(pl.DataFrame([{**gas, "resource": "condensate"}]), TERMS, RESOURCES) is not None
    )
    assert receipt.parse_frame(pl.DataFrame([{**gas, "stream": "permit_fee"}]), TERMS, RESOURCES) is not None


# One bad value per declared column, each refused by the row path with a problem at that column: so a
# column declared without both readings, or a rule whose column-wise form takes what the row path refuses,
# fails below.
BAD = {
    "receipt_id": "R 1",
    "date": "2025-02-30",
    "licence_id": "L-NONE",
    "stream": "royalty_of_the_moon",
    "currency": "XXX",
    "amount": "1.001",
    "corrects": "R-1",  # itself
    "resource": "gold",
    "budget": "regional",
    "flags": "unknown",
}


def test_every_declared_column_is_read_by_both_paths():
    declared = receipt.rules(TERMS, RESOURCES)
    assert list(declared) != [] and set(declared) == set(BAD) == set(receipt.Receipt._fields)
    assert set(declared) == set(receipt.COLUMNS.all)
    # Each rule has a column-wise form (not the row-path-only default), and the column-wise path stores
    # every declared column.
    assert [c for c, rule in declared.items() if type(rule).plain is cell_rules.Rule.plain] == []
    good = GOOD
    frame = receipt.parse_frame(pl.DataFrame([good]), TERMS, RESOURCES)
    assert frame is not None
    assert sorted(frame.columns) == sorted(rule.stored_name(c) for c, rule in declared.items())
    assert row_path(good) is not None
    for column, bad in BAD.items():
        values = {**good, column: bad}
        cells = Cells(Row(2, "r.csv:2", values, {}, None))
        assert receipt.parse(cells, TERMS, RESOURCES) is None, column
        assert [p.location for p in cells.problems] == [f"r.csv:2:{column}"], column
        assert receipt.parse_frame(pl.DataFrame([values]), TERMS, RESOURCES) is None, column


plain_cell = st.from_regex(r"\A[A-Za-z0-9 .:;_-]{0,6}\Z")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(plain_cell, min_size=5, max_size=5), min_size=0, max_size=40),
    block=st.integers(1, 64),
    crlf=st.booleans(),
    bom=st.booleans(),
    last_newline=st.booleans(),
)
def test_plain_blocks_give_the_cells_and_lines_of_the_csv_reader(
    tmp_path_factory, monkeypatch, rows, block, crlf, bom, last_newline
):
    monkeypatch.setattr(reader, "BLOCK_BYTES", block)
    end = "\r\n" if crlf else "\n"
    header = "amount,stream,receipt_id,licence_id,date"
    text = end.join([header, *(",".join(r) for r in rows)]) + (end if last_newline or not rows else "")
    path = tmp_path_factory.mktemp("csv") / "r.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    expected = [
        (r.line, {k: v for k, v in r.values.items()}) for r in reader.read_rows(path, receipt.COLUMNS)
    ]
    got = []
    for line, frame in reader.plain_csv_blocks(path, receipt.COLUMNS):
        for i, values in enumerate(frame.iter_rows(named=True)):
            got.append((line + i, values))  # stripped as the row reader strips (reader.cell)
    assert got == expected


def test_a_block_strips_its_cells_of_what_a_row_reader_strips(tmp_path):
    assert set(reader.WHITESPACE) == {c for c in map(chr, range(0x110000)) if c.isspace()}
    cells = ["\x1c R-1\u3000", "\t2025-07-01", "L-NEW\x85", "\xa0rent", " 1.00 "]
    path = tmp_path / "r.csv"
    path.write_text("receipt_id,date,licence_id,stream,amount\n" + ",".join(cells) + "\n", encoding="utf-8")
    (row,) = reader.read_rows(path, receipt.COLUMNS)
    ((_, frame),) = reader.plain_csv_blocks(path, receipt.COLUMNS)
    assert (
        frame.row(0, named=True)
        == row.values
        == {
            "receipt_id": "R-1",
            "date": "2025-07-01",
            "licence_id": "L-NEW",
            "stream": "rent",
            "amount": "1.00",
        }
    )


@pytest.mark.parametrize(
    "text",
    [
        'receipt_id,date,licence_id,stream,amount\n"R-1",2025-07-01,L-NEW,rent,1.00\n',
        "receipt_id,date,licence_id,stream,amount\nR-1,2025-07-01,L-NEW,rent,1.00\n\nR-2,2025-07-01,L-NEW,rent,1.00\n",
        "receipt_id,date,licence_id,stream,amount\nR-1,2025-07-01,L-NEW,rent\n",
        "receipt_id,date,licence_id,stream,amount\nR-1,2025-07-01,L-NEW,rent,1.00,extra\n",
        "receipt_id,date,licence_id,stream,amount\nR-1,2025-07-01,L-NEW,rent,1\r00\n",
    ],
)
def test_anything_but_one_row_per_line_is_not_plain(tmp_path, text):
    path = write(tmp_path, "r.csv", text)
    with pytest.raises(reader.NotPlain):
        list(reader.plain_csv_blocks(path, receipt.COLUMNS))


def test_a_file_not_in_utf8_is_not_plain(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(
        "receipt_id,date,licence_id,stream,amount\nR-\xe9,2025-07-01,L-NEW,rent,1.00\n".encode("latin-1")
    )
    with pytest.raises(reader.NotPlain):
        list(reader.plain_csv_blocks(path, receipt.COLUMNS))


# -- both paths against a real database --


def receipts_file(tmp_path: Path, n: int, start: int = 0) -> Path:
    lines = ["receipt_id,date,licence_id,stream,amount,currency"]
    for i in range(start, start + n):
        cur = ("UAH", "USD", "")[i % 3]
        lines.append(
            f"R-{i},2025-{6 + i % 6:02d}-{1 + i % 28:02d},{LICENCE_IDS[i % 3]},"
            f"{TERMS.contribution.stream_codes[i % len(TERMS.contribution.stream_codes)]},"
            f"{(-1) ** i * (i * 137 % 100000)}.{i % 100:02d},{cur}"
        )
    return write(tmp_path, f"receipts-{start}-{n}.csv", "\n".join(lines) + "\n")


def import_receipts(engine, path: Path, bulk: bool, progress=None) -> imports.ImportResult:
    with db.write(engine) as conn:
        kind = imports.receipts_kind(TERMS, book.licence_ids(conn))
        if not bulk:
            kind = kind._replace(bulk=None)
        return imports.run(conn, kind, path, "test", progress)


def stored_receipts(engine) -> list[tuple]:
    with db.transaction(engine) as conn:
        return [tuple(r) for r in conn.execute(select(t.receipt).order_by(t.receipt.c.receipt_id))]


@pytest.fixture
def with_licences(cli, fund_engine, tmp_path):
    cli("licences", "import", str(write(tmp_path, "licences.csv", LICENCES)))
    return fund_engine


@pytest.mark.storage
def test_both_paths_store_the_same_rows_and_the_bulk_one_is_idempotent(
    cli, with_licences, tmp_path, monkeypatch
):
    path = receipts_file(tmp_path, 500)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 4096)  # many blocks
    first = import_receipts(with_licences, path, bulk=True)
    assert (first.rows, first.new, first.unchanged) == (500, 500, 0)
    bulk_rows = stored_receipts(with_licences)
    # The row path re-reading the same file finds every row unchanged: same values, same provenance.
    again = import_receipts(with_licences, path, bulk=False)
    assert (again.new, again.unchanged) == (0, 500)
    assert stored_receipts(with_licences) == bulk_rows
    # And the bulk path re-reading it is a no-op that writes no event.
    with db.transaction(with_licences) as conn:
        before = log.size(conn)
    assert import_receipts(with_licences, path, bulk=True).new == 0
    with db.transaction(with_licences) as conn:
        assert log.size(conn) == before


@pytest.mark.storage
def test_the_row_path_stores_what_the_bulk_path_would(cli, with_licences, tmp_path):
    """Row path first, then bulk over the same file: every stored row already equal, nothing new."""
    path = receipts_file(tmp_path, 300, start=1000)
    assert import_receipts(with_licences, path, bulk=False).new == 300
    rows = stored_receipts(with_licences)
    assert import_receipts(with_licences, path, bulk=True).unchanged == 300
    assert stored_receipts(with_licences) == rows
    line = {r[0]: r for r in rows}["R-1007"]
    assert "receipts-1000-300.csv" in line and 9 in line  # provenance: file and line number


@pytest.mark.storage
def test_a_bad_row_in_a_plain_file_is_reported_by_the_row_path_and_nothing_is_written(
    cli, with_licences, tmp_path
):
    path = receipts_file(tmp_path, 200)
    lines = path.read_text().splitlines()
    lines[150] = lines[150].replace(",L-", ",L-GONE-", 1)
    path.write_text("\n".join(lines) + "\n")
    r = cli("receipts", "import", str(path), ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert f"{path.name}:151:licence_id: unknown licence" in r.stderr
    assert stored_receipts(with_licences) == []


@pytest.mark.storage
def test_a_changed_row_against_the_stored_one_is_refused_showing_both(cli, with_licences, tmp_path):
    path = receipts_file(tmp_path, 50)
    cli("receipts", "import", str(path))
    lines = path.read_text().splitlines()
    lines[10] = lines[10].rsplit(",", 2)[0] + ",1.23," + lines[10].rsplit(",", 1)[1]
    changed = write(tmp_path, "changed.csv", "\n".join(lines) + "\n")
    r = cli("receipts", "import", str(changed), ok=False)
    assert r.exit_code == 1 and "R-9" in r.stderr and "changed.csv:11" in r.stderr
    assert len(stored_receipts(with_licences)) == 50


@pytest.mark.storage
def test_a_repeated_id_within_a_plain_file_is_unchanged_if_equal_and_refused_if_not(
    cli, with_licences, tmp_path
):
    path = receipts_file(tmp_path, 30)
    text = path.read_text()
    same = write(tmp_path, "same.csv", text + text.splitlines()[5] + "\n")
    out = json.loads(cli("receipts", "import", str(same), "--format", "json").stdout)[0]
    assert (out["new"], out["unchanged"]) == (30, 1)
    other = text.splitlines()[6].rsplit(",", 2)[0] + ",4.56,UAH"
    r = cli("receipts", "import", str(write(tmp_path, "other.csv", text + other + "\n")), ok=False)
    assert r.exit_code == 1 and "other.csv:32:receipt_id" in r.stderr
    assert len(stored_receipts(with_licences)) == 30


@pytest.mark.storage
def test_bulk_import_accrues_like_the_row_import(cli, with_licences, tmp_path):
    path = receipts_file(tmp_path, 90)
    out = json.loads(cli("receipts", "import", str(path), "--format", "json").stdout)[0]
    assert out["new"] == 90
    # L-NEW and L-UND rows after their streams come into force accrue; L-OLD (iron ore) never does.
    assert 0 < out["accrued"] < 90
    cli("verify")


@pytest.mark.storage
def test_a_row_the_bulk_path_leaves_late_in_the_file_rolls_it_back_and_the_row_path_counts_on(
    cli, with_licences, tmp_path, monkeypatch
):
    """Blocks before the correction (which only the row path takes) are written and reported, then rolled
    back: the row path stores every row once, and the progress reaches the row count without passing it."""
    lines = receipts_file(tmp_path, 300).read_text().splitlines()
    first = lines[1].split(",")  # the receipt the last row corrects, of the same licence and stream
    correction = ",".join(["R-FIX", "2027-12-01", first[2], first[3], "5.00", first[5], "R-0"])
    path = write(
        tmp_path,
        "fix.csv",
        "\n".join([lines[0] + ",corrects", *(x + "," for x in lines[1:]), correction]) + "\n",
    )
    monkeypatch.setattr(reader, "BLOCK_BYTES", 2048)  # blocks go through before the last one is refused
    told: list[int] = []
    done = import_receipts(with_licences, path, bulk=True, progress=told.append)
    assert (done.rows, done.new, done.unchanged) == (301, 301, 0)
    assert sum(told) == 301 and all(n > 0 for n in told)
    stored = stored_receipts(with_licences)
    assert len(stored) == 301 and {r[0]: r for r in stored}["R-FIX"][6] == "R-0"


@pytest.mark.storage
def test_stored_rows_and_repeats_within_a_block_go_through_the_same_comparison(
    cli, with_licences, tmp_path, monkeypatch
):
    """Half the file stored already, and a row repeated as it is: the bulk path counts both as unchanged."""
    head = receipts_file(tmp_path, 100)
    import_receipts(with_licences, head, bulk=True)
    lines = receipts_file(tmp_path, 200).read_text().splitlines()
    path = write(tmp_path, "more.csv", "\n".join([*lines, lines[150]]) + "\n")
    calls = []
    monkeypatch.setattr(imports, "_Rows", lambda *a: calls.append(a) or pytest.fail("read row by row"))
    done = import_receipts(with_licences, path, bulk=True)
    assert (done.rows, done.new, done.unchanged) == (201, 100, 101)
    assert len(stored_receipts(with_licences)) == 200
