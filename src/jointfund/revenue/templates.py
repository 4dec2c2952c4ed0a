"""A template for each import, in CSV and in XLSX: the columns the import takes, in its order, and one
example row, the first of the demo fund's own input files (so the example is real data, not text here).

`template(kind, fmt)` returns the file's name and bytes (for a web download); `write(directory)` writes
them all (`jointfund templates`).
"""

from __future__ import annotations

import csv
import functools
import io
import tempfile
from pathlib import Path

from jointfund.revenue import fx, licence, payment, receipt
from jointfund.revenue.reader import Columns, read_rows

KINDS: dict[str, Columns] = {
    "licences": licence.COLUMNS,
    "receipts": receipt.COLUMNS,
    "rates": fx.COLUMNS,
    "payments": payment.COLUMNS,
}
FORMATS = ("csv", "xlsx")


@functools.lru_cache(maxsize=1)
def examples() -> dict[str, dict[str, str]]:
    """kind -> the first row of the demo's input file of that kind, as the import reads it."""
    from jointfund.demo.revenue import write_inputs

    with tempfile.TemporaryDirectory() as tmp:
        _spec, paths = write_inputs(Path(tmp))
        return {
            kind: next(read_rows(paths[kind], KINDS[kind], fx.NBU_KEYS if kind == "rates" else None)).values
            for kind in KINDS
        }


def rows(kind: str) -> list[list[str]]:
    """The header (every column, required first) and the example row."""
    columns = KINDS[kind].all
    example = examples()[kind]
    return [list(columns), [example.get(c, "") for c in columns]]


def template(kind: str, fmt: str) -> tuple[str, bytes]:
    """(file name, content) of the `fmt` template for `kind` imports."""
    if kind not in KINDS or fmt not in FORMATS:
        raise ValueError(
            f"no {fmt} template for {kind}; kinds: {', '.join(KINDS)}; formats: {', '.join(FORMATS)}"
        )
    name = f"{kind}-template.{fmt}"
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(rows(kind))
        return name, text.getvalue().encode("utf-8")
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = kind
    header, example = rows(kind)
    sheet.append(header)
    # Every cell as text, as the CSV has it: a spreadsheet would turn ids into numbers and dates into its own.
    sheet.append(example)
    for cell in sheet[2]:
        cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return name, out.getvalue()


def write(directory: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        for fmt in formats:
            name, content = template(kind, fmt)
            (directory / name).write_bytes(content)
            written.append(directory / name)
    return written
