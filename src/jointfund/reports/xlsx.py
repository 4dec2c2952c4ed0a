"""Writing report sections to an XLSX workbook: one sheet per section, numbers as numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from jointfund.reports.fund_report import Section

MAX_SHEET_CHARS = 31  # Excel's limit on a sheet's name


def write(sections: Sequence[Section], path: Path, title: str) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    used: set[str] = set()
    for n, s in enumerate(sections, start=1):
        name = _sheet_name(s.title, n, used)
        sheet = book.create_sheet(name)
        sheet.append([title])
        sheet.append([s.title])
        columns = list(dict.fromkeys(k for r in s.rows for k in r))
        sheet.append(columns)
        for r in s.rows:
            sheet.append([_cell(r.get(c)) for c in columns])
    book.save(path)


def _sheet_name(title: str, n: int, used: set[str]) -> str:
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[: MAX_SHEET_CHARS - 4].strip() or "Sheet"
    name = clean if clean not in used else f"{clean} {n}"
    used.add(name)
    return name


def _cell(value: object) -> object:
    # Amounts have at most a few decimals and well under 15 significant digits: the float shows them exactly.
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, int, float, str)) or value is None:
        return value
    return str(value)
