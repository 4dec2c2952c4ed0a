"""cli.output: tables fit the terminal without breaking what people copy; JSON and CSV stay exact."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
import typer

from jointfund.cli import output

HASH = "04938d245596a3549240d73a7c9c26df8a52608210bd09cc91b7cb055349b8c6"
SIGNATURE = HASH * 2
LONG = (
    "Receipt dated 2025-01-13, before the entry into force of the agreement on 2025-05-23, so it "
    "contributes nothing to the fund"
)


def _ctx() -> typer.Context:
    return typer.Context(typer.main.get_command(typer.Typer(callback=lambda: None)), obj={})


def _print(rows, width: int, monkeypatch, capsys, fmt: str = "table", **kw) -> str:  # noqa: ANN001
    monkeypatch.setenv("COLUMNS", str(width))
    output.emit(_ctx(), rows, fmt, **kw)
    return capsys.readouterr().out


ROWS = [
    {
        "seq": 12345,
        "date": dt.date(2025, 10, 1),
        "key": "capital-call:CALL-2025-US-1",
        "narration": LONG,
        "amount": Decimal("25000000.00"),
        "count": 12345,
        "share": Decimal("0.562399"),
        "irr": 0.245752,
    },
    {
        "seq": 7,
        "date": dt.date(2025, 10, 2),
        "key": "K-2",
        "narration": "short",
        "amount": Decimal("-1.5"),
        "count": 3,
        "share": Decimal("0.437601"),
        "irr": None,
    },
]


@pytest.mark.parametrize("width", [60, 80, 100, 120, 160, 200])
def test_a_table_fits_and_never_cuts_numbers_dates_or_ids(width, monkeypatch, capsys):
    out = _print(ROWS, width, monkeypatch, capsys)
    assert all(len(line.rstrip()) <= width for line in out.splitlines()), out
    for whole in (
        "12345",
        "2025-10-01",
        "capital-call:CALL-2025-US-1",
        "25,000,000.00",
        "12,345",
        "56.24%",
        "24.58%",
        "-1.5",
        "43.76%",
    ):
        assert whole in out, f"{whole!r} is not whole at width {width}:\n{out}"
    assert "12,345 " not in out.split("count")[0]  # the entry number is not grouped; the count is


def test_long_text_is_shortened_with_an_ellipsis_in_a_table_and_whole_elsewhere(monkeypatch, capsys):
    out = _print(ROWS, 140, monkeypatch, capsys)
    assert "…" in out and LONG not in out
    assert len(out.splitlines()[1]) > 100, "a table, not blocks, at 140 columns"
    data = json.loads(_print(ROWS, 140, monkeypatch, capsys, fmt="json"))
    assert data[0]["narration"] == LONG and data[0]["share"] == "0.562399" and data[0]["irr"] == 0.245752
    table = list(csv.DictReader(io.StringIO(_print(ROWS, 140, monkeypatch, capsys, fmt="csv"))))
    assert (
        table[0]["narration"] == LONG
        and table[0]["amount"] == "25000000.00"
        and table[0]["share"] == "0.562399"
    )
    assert table[0]["seq"] == "12345" and table[1]["irr"] == ""


def test_rows_too_wide_become_blocks_with_hashes_and_signatures_unbroken(monkeypatch, capsys):
    rows = [
        {
            "id": 1,
            "partner": "US",
            "tree_size": 969,
            "root": HASH,
            "signature": SIGNATURE,
            "signed_at": dt.datetime(2026, 12, 1, 23, 1, tzinfo=dt.UTC),
            "note": LONG,
        }
    ]
    out = _print(rows, 80, monkeypatch, capsys, title="Signed checkpoints")
    lines = out.splitlines()
    assert lines[0] == "Signed checkpoints" and "1 of 1" in lines[1]
    assert any(line.endswith(HASH) and line.startswith("root") for line in lines)
    assert any(line.endswith(SIGNATURE) for line in lines), (
        "a signature longer than the line stays on one line"
    )
    assert "2026-12-01 23:01:00Z" in out and "969" in out
    note = [line for line in lines if line.startswith("note") or line.startswith(" " * 10)]
    assert " ".join(" ".join(n.split()[1:] if n.startswith("note") else n.split()) for n in note) == LONG
    assert all(len(line) <= 80 for line in lines if HASH not in line and SIGNATURE not in line)


def test_an_empty_column_gives_way_before_rows_become_blocks(monkeypatch, capsys):
    rows = [
        {
            "receipt_id": f"TR-2025-{i:06d}",
            "date": dt.date(2025, 1, 13),
            "licence_id": "SP-1009",
            "stream": "rent",
            "amount": Decimal("16173010.00"),
            "currency": "UAH",
            "corrects": None,
        }
        for i in range(3)
    ]
    out = _print(rows, 75, monkeypatch, capsys)
    assert "TR-2025-000002  2025-01-13" in out and "not shown: corrects" in out.splitlines()[-1]
    assert all(len(line.rstrip()) <= 75 for line in out.splitlines())
    wide = _print(rows, 80, monkeypatch, capsys)
    assert "corrects" in wide.splitlines()[0] + wide.splitlines()[1] and "not shown" not in wide


def test_booleans_lists_and_percent_columns_read_as_words(monkeypatch, capsys):
    rows = [
        {"enabled": True, "links": ["a:1", "b:2"], "difference_pct": Decimal("1.61"), "ownership_share": 0.5}
    ]
    out = _print(rows, 120, monkeypatch, capsys)
    assert "yes" in out and "1.61%" in out and "50.00%" in out and '"a:1"' in out
    assert json.loads(_print(rows, 120, monkeypatch, capsys, fmt="json"))[0]["enabled"] is True


def test_fit_widths_gives_text_what_is_left_and_refuses_what_cannot_fit():
    cols = output.columns_of(ROWS, list(ROWS[0]))
    assert output.fit_widths(cols, 40) is None
    widths = output.fit_widths(cols, 120)
    assert widths is not None and sum(widths) + output.GAP * len(cols) <= 120
    for c, w in zip(cols, widths, strict=True):
        assert w >= c.minimum
        if c.kind != "text":
            assert w >= max(len(x) for x in c.cells)


def test_a_share_among_amounts_reads_as_a_percentage_in_a_table_only(monkeypatch, capsys):
    """A capital statement's rows are lines with a column per window: its share line printed 0.468143."""
    from jointfund.share import Share

    rows = [
        {"line": "closing", "period": Decimal("76847855.98")},
        {"line": "share", "period": Share("0.468143")},
    ]
    out = _print(rows, 80, monkeypatch, capsys)
    assert "46.81%" in out and "0.468143" not in out and "76,847,855.98" in out
    assert json.loads(_print(rows, 80, monkeypatch, capsys, fmt="json"))[1]["period"] == "0.468143"
    assert "0.468143" in _print(rows, 80, monkeypatch, capsys, fmt="csv")


def test_no_rows_says_none_under_its_title(monkeypatch, capsys):
    """`applications screen --all` with no new hit printed its title over a blank line."""
    assert _print([], 80, monkeypatch, capsys, title="New hits").strip() == "New hits: none"
    assert _print([], 80, monkeypatch, capsys).strip() == "none"
    assert _print([], 80, monkeypatch, capsys, fmt="json", title="New hits").strip() == "[]"
