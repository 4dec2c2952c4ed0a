"""Reading tabular input one row at a time, each row knowing where it came from.

CSV (UTF-8, header row; the separator `,` `;` or tab found from the header, or given) and XLSX (the
first sheet, header row) are read as streams, so
memory stays bounded whatever the file's size; NBU's JSON rate files are small arrays and
are read whole, within a size limit. Columns are matched by name, in any order; a missing
or unknown column is a problem of the header, reported with every other one.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from jointfund import bounds
from jointfund.errors import InputError, Problem
from jointfund.i18n import N_

if TYPE_CHECKING:
    import polars as pl

MAX_JSON_BYTES = bounds.MAX_JSON_BYTES  # NBU publishes one array per query; a bigger file is not a rate file
MAX_CELL_CHARS = bounds.MAX_TEXT_CHARS
csv.field_size_limit(bounds.MAX_CSV_FIELD_CHARS)  # process-wide, but the same value csv has by default
SUFFIXES = (".csv", ".xlsx", ".json")


class Columns(NamedTuple):
    """The columns an input has: `required` must be in the header, `optional` may be."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


# What each column of an import holds, in words: a page shows the header name (what users type) with these
# (licence.py, receipt.py, payment.py, fx.py name the columns); English, translated where shown.
COLUMN_NAMES = {
    "licence_id": N_("licence number"),
    "holder": N_("licence holder"),
    "holder_code": N_("holder's EDRPOU code"),
    "resource": N_("resource"),
    "deposit": N_("deposit"),
    "region": N_("region"),
    "issued": N_("date the licence was issued"),
    "basis": N_("legal basis of the licence"),
    "psa": N_("under a production sharing agreement (yes or no)"),
    "psa_signed": N_("date the production sharing agreement was signed"),
    "flags": N_("flags"),
    "receipt_id": N_("receipt number"),
    "payment_id": N_("payment number"),
    "date": N_("date"),
    "stream": N_("revenue stream"),
    "amount": N_("amount"),
    "currency": N_("currency"),
    "corrects": N_("number of the receipt it corrects"),
    "budget": N_("budget"),
    "rate": N_("exchange rate (units of the domestic currency per unit of the currency)"),
}

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}  # what --delimiter accepts -> the character


class Dialect(NamedTuple):
    """How a file writes what it holds: its CSV separator (None: found from the header) and its numbers'
    locale (revenue/numbers.py: auto, uk or en). Given per file, as people's spreadsheets differ."""

    delimiter: str | None = None
    locale: str = "auto"


class Row(NamedTuple):
    """One input row.

    Attributes:
      line: its line in the file (its first line, when a quoted field spans several), or item number in JSON.
      where: its location without the column: "receipts.csv:12" or "rates.json:item 3".
      values: column name -> text as given (stripped); a column absent from the header is absent here.
      names: column name -> the name the source uses for it, when it differs (NBU's JSON keys).
      problem: what makes the whole row unreadable (a wrong number of fields), or None.
      locale: how its numbers are written (the file's Dialect.locale).
    """

    line: int
    where: str
    values: dict[str, str]
    names: Mapping[str, str] = {}
    problem: str | None = None
    locale: str = "auto"


# The `where` of a Row that is a request's fields (name=value), not a line of a file.
REQUEST = "fields"


# -- the reading rules, declared once --
# Both readers of a CSV follow them: `_csv_rows` reads any CSV row by row, and `plain_csv_blocks` reads
# column-wise the files where these rules leave nothing to decide. XLSX and JSON cells are normalised alike.

QUOTE = '"'  # csv's quote character: a field holding a separator, a quote or a line end is quoted
PLAIN_DELIMITER = ","  # the one separator the plain reader takes (Python's csv writer and polars write it)
# What `cell` strips (str.strip's whitespace, tests/revenue/test_bulk_import.py checks), spelled out so that
# polars' strip_chars drops exactly the same characters from a block's cells (polars' own whitespace leaves
# out the information separators \x1c-\x1f).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def cell(text: str) -> str:
    """A cell as every reader gives it: its text without surrounding whitespace."""
    return text.strip()


def cells_column(column: pl.Expr) -> pl.Expr:
    """`cell` over a column of a block (a missing cell is empty text)."""
    return column.fill_null("").str.strip_chars(WHITESPACE)


def _blank(fields: list[str]) -> bool:
    """A row of no fields, or of one empty one: a blank line, skipped (it is no row)."""
    return not fields or (len(fields) == 1 and not cell(fields[0]))


def _ragged(width: int, found: int) -> str | None:
    """Why a row of `found` fields cannot be read against a header of `width`, or None."""
    return None if found == width else f"expected {width} fields as in the header, found {found}"


def _plain_lines(data: bytes) -> bool:
    """Whether lines of a UTF-8 file (CRLF already made LF) are each exactly one row, split at the separator:
    no quote (so no field holds a separator or a line end), no lone CR (csv would end a row there), no blank
    line (csv skips it, so rows would not be counted by lines)."""
    return (
        QUOTE.encode() not in data
        and b"\r" not in data
        and b"\n\n" not in data
        and not data.startswith(b"\n")
    )


def plain_dialect(path: Path, columns: Columns, dialect: Dialect) -> bool:
    """Whether `path` may be read by `plain_csv_blocks`: a CSV separated by PLAIN_DELIMITER (given or found)
    whose numbers are written as the parsers' plain forms (locale auto). The blocks then check the rest."""
    return (
        dialect.locale == "auto"
        and (dialect.delimiter or PLAIN_DELIMITER) == PLAIN_DELIMITER
        and path.suffix.lower() == ".csv"
        and path.is_file()
        and (dialect.delimiter is not None or sniff_delimiter(path, columns) == PLAIN_DELIMITER)
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_rows(path: Path) -> int | None:
    """Data rows in the file, for a progress bar: cheap for CSV (a count of newlines), else None."""
    if path.suffix.lower() != ".csv":
        return None
    newlines = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            newlines += block.count(b"\n")
    return max(0, newlines - 1)


def check_file(path: Path, json_ok: bool = False) -> None:
    """Refuse (InputError naming the file) a path that is not a readable file of an accepted type."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES or (suffix == ".json" and not json_ok):
        accepted = ".csv or .xlsx" + (" or .json" if json_ok else "")
        raise InputError(
            [Problem(str(path), f"unsupported file type; expected {accepted}", path.suffix)],
            "cannot read input",
        )
    if not path.is_file():
        raise InputError(
            [Problem(str(path), "no such file" if not path.exists() else "not a file")], "cannot read input"
        )
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(
            [Problem(str(path), f"cannot open the file: {exc.strerror}")], "cannot read input"
        ) from None


# Text encodings: UTF-8 (with or without a byte-order mark) is the format; a UTF-16 file with its
# byte-order mark (Excel's "Unicode text") and a Windows-1251 file (Excel's default for Cyrillic CSV)
# are read too, since they say, or plainly show, what they are. Anything else is refused by name.
SNIFF_BYTES = 64 * 1024
# Windows-1251 bytes of the Cyrillic letters (А-я, and Ukrainian Ґґ Єє Іі Її, Russian Ёё).
_CP1251_LETTERS = frozenset(range(0xC0, 0x100)) | {0xA5, 0xB4, 0xAA, 0xBA, 0xB2, 0xB3, 0xAF, 0xBF, 0xA8, 0xB8}


def text_encoding(path: Path) -> str:
    """The encoding to read `path` with (a Python codec name), or InputError naming what was found."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    return _encoding_of(head, path.name)


def _encoding_of(head: bytes, source: str) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # the codec reads the byte-order mark and takes the order from it
    if b"\x00" in head[:1024] and head[:1024].count(b"\x00") * 4 >= min(len(head), 1024):
        raise InputError(
            [
                Problem(
                    source,
                    "the file looks like UTF-16 text without a byte-order mark; save it as "
                    "UTF-8 (in Excel: CSV UTF-8)",
                )
            ],
            "cannot read input",
        )
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) == SNIFF_BYTES:
            return "utf-8-sig"  # a character cut at the end of the sample
    high = [i for i, b in enumerate(head) if b >= 0x80]
    # Cyrillic words are wholly Cyrillic: in Windows-1251 text the high bytes are letters, and seldom touch a
    # Latin letter; a Latin-1 "Café" would (its "é" is a Cyrillic letter's byte too).
    letters = sum(head[i] in _CP1251_LETTERS for i in high)
    mixed = sum(_latin(head, i - 1) or _latin(head, i + 1) for i in high)
    if high and letters >= 0.9 * len(high) and mixed <= 0.1 * len(high):
        return "cp1251"
    raise InputError(
        [
            Problem(
                source,
                "the file is not UTF-8 text, nor UTF-16 with a byte-order mark, nor Windows-1251 "
                "Cyrillic; save it as UTF-8 (in Excel: CSV UTF-8)",
            )
        ],
        "cannot read input",
    )


def _latin(data: bytes, i: int) -> bool:
    return 0 <= i < len(data) and (0x41 <= data[i] <= 0x5A or 0x61 <= data[i] <= 0x7A)


def sniff_delimiter(path: Path, columns: Columns) -> str:
    """The separator of a CSV: of `,` `;` and tab, the one that makes the most known column names of the
    header (a Ukrainian Excel writes `;`); `,` when none does, so that the header's problems are named."""
    try:
        with open(path, encoding=text_encoding(path), errors="surrogateescape", newline="") as f:
            first = f.readline()
    except (OSError, UnicodeError, InputError):  # reading the file names what is wrong with it
        return ","
    known = set(columns.all)

    def score(sep: str) -> tuple[int, int]:
        names = next(csv.reader([first], delimiter=sep), [])
        return sum(cell(n) in known for n in names), len(names)

    best = max((",", ";", "\t"), key=score)
    return best if score(best)[0] else ","


def read_rows(
    path: Path, columns: Columns, json_keys: Mapping[str, str] | None = None, dialect: Dialect = Dialect()
) -> Iterator[Row]:
    """The rows of `path`; raises InputError at once when the file or its header is unusable.

    `json_keys` maps column names to the keys of a JSON array's objects (only inputs that
    accept JSON give it).
    """
    check_file(path, json_keys is not None)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path, columns, dialect.delimiter or sniff_delimiter(path, columns), dialect.locale)
    if suffix == ".xlsx":
        return _xlsx_rows(path, columns, dialect.locale)
    assert json_keys is not None
    return _json_rows(path, json_keys)


def _header(names: list[str], columns: Columns, where: str) -> dict[str, int]:
    problems: list[Problem] = []
    index: dict[str, int] = {}
    for i, raw in enumerate(names):
        name = cell(raw)
        if name in index:
            problems.append(
                Problem(
                    f"{where}:{name}", f"column appears twice (columns {index[name] + 1} and {i + 1})", name
                )
            )
        elif name not in columns.all:
            if name:
                problems.append(
                    Problem(f"{where}:{name}", f"unknown column; expected {', '.join(columns.all)}", name)
                )
        else:
            index[name] = i
    for name in columns.required:
        if name not in index:
            problems.append(Problem(where, f"missing column {name!r}", ", ".join(cell(n) for n in names)))
    if problems:
        raise InputError(problems, "the header row is not usable; nothing was imported")
    return index


def _csv_rows(path: Path, columns: Columns, delimiter: str = ",", locale: str = "auto") -> Iterator[Row]:
    source = path.name
    encoding = text_encoding(path)
    last = 0
    # Bytes the encoding cannot read become lone surrogates, so that the row holding them is named exactly
    # (a decoding error would surface a whole read-ahead block later).
    with open(path, encoding=encoding, errors="surrogateescape", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, quotechar=QUOTE)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(
                    [Problem(f"{source}:1", "the file is empty; expected a header row")], "cannot read input"
                )
            _readable(header, encoding, f"{source}:1")
            index = _header(header, columns, f"{source}:1")
            width = len(header)
            last = reader.line_num
            for fields in reader:
                line = last + 1  # a quoted field may span lines; a row is named by its first line
                last = reader.line_num
                _readable(fields, encoding, f"{source}:{line}")
                if _blank(fields):
                    continue
                if ragged := _ragged(width, len(fields)):
                    yield Row(line, f"{source}:{line}", {}, problem=ragged)
                    continue
                yield Row(
                    line,
                    f"{source}:{line}",
                    {name: cell(fields[i]) for name, i in index.items()},
                    locale=locale,
                )
        except csv.Error as exc:  # a field over csv.field_size_limit() characters, a NUL byte...
            why = (
                f"a field is longer than {bounds.MAX_CSV_FIELD_CHARS:,} characters (the bound of a CSV field)"
                if "field limit" in str(exc)
                else str(exc)
            )
            raise InputError(
                [Problem(f"{source}:{last + 1}", f"not readable as CSV: {why}")], "cannot read input"
            ) from None
        except UnicodeDecodeError as exc:  # what surrogateescape cannot carry: UTF-16 cut mid-character
            raise InputError(
                [
                    Problem(
                        f"{source}:{last + 1}",
                        f"not {_ENCODING_NAMES.get(encoding, encoding)} text from here on ({exc.reason})",
                    )
                ],
                "cannot read input",
            ) from None


_SURROGATE = re.compile("[\udc80-\udcff]")


def _readable(fields: list[str], encoding: str, where: str) -> None:
    """Refuse a row with bytes its file's encoding cannot read (decoded as lone surrogates)."""
    text = "".join(fields)
    if not text.isascii() and _SURROGATE.search(text):
        raise InputError(
            [
                Problem(
                    where,
                    f"not {_ENCODING_NAMES.get(encoding, encoding)} text from here on; "
                    "save the file as UTF-8 (in Excel: CSV UTF-8)",
                )
            ],
            "cannot read input",
        )


_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1251": "Windows-1251"}


def _xlsx_rows(path: Path, columns: Columns, locale: str = "auto") -> Iterator[Row]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    source = path.name
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, *_BROKEN_XLSX) as exc:
        raise InputError(
            [Problem(source, f"not a readable XLSX workbook: {_why(exc)}")], "cannot read input"
        ) from None
    try:
        yield from _xlsx_sheet_rows(book, source, columns, locale)
    except _BROKEN_XLSX as exc:
        raise InputError(
            [Problem(source, f"not a readable XLSX workbook: {_why(exc)}")], "cannot read input"
        ) from None
    finally:
        book.close()


# What a damaged or truncated workbook raises from inside openpyxl, zipfile, zlib and the XML parser.
_BROKEN_XLSX: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    SyntaxError,
    UnicodeError,
    NotImplementedError,
)  # XML parse errors are SyntaxErrors


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _xlsx_sheet_rows(book, source: str, columns: Columns, locale: str) -> Iterator[Row]:  # noqa: ANN001 - a workbook
    if not book.worksheets:
        raise InputError([Problem(source, "the workbook has no sheet")], "cannot read input")
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InputError(
            [Problem(f"{source}:1", "the first sheet is empty; expected a header row")], "cannot read input"
        )
    index = _header([_cell_text(v) for v in header], columns, f"{source}:1")
    for number, cells in enumerate(rows, start=2):
        if all(v is None or _cell_text(v) == "" for v in cells):
            continue
        yield Row(
            number,
            f"{source}:{number}",
            {name: _cell_text(cells[i]) if i < len(cells) else "" for name, i in index.items()},
            locale=locale,
        )


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would carry: ISO dates, numbers as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # A spreadsheet keeps numbers as binary floats; the shortest repr is what was typed.
        return format(Decimal(repr(value)), "f")
    return cell(str(value))


def _json_rows(path: Path, keys: Mapping[str, str]) -> Iterator[Row]:
    source = path.name
    if path.stat().st_size > MAX_JSON_BYTES:
        raise InputError(
            [Problem(source, f"JSON rate files are limited to {MAX_JSON_BYTES // 2**20} MiB")],
            "cannot read input",
        )
    try:
        text = path.read_bytes().decode(text_encoding(path))
    except UnicodeDecodeError as exc:  # decoding raises this UnicodeError, the one with a reason
        raise InputError([Problem(source, f"not valid text: {exc.reason}")], "cannot read input") from None
    if problem := bounds.json_depth_problem(text, source):
        raise InputError([problem], "cannot read input")
    try:
        # Numbers stay exact text-born Decimals (a 4,300-digit integer is then refused by the rate's bound,
        # not by Python's int-size limit); NaN and Infinity are not JSON numbers.
        doc = json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_no_constant)
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise InputError([Problem(source, f"not valid JSON: {exc}")], "cannot read input") from None
    if not isinstance(doc, list):
        raise InputError(
            [Problem(source, "expected a JSON array of rate objects", type(doc).__name__)],
            "cannot read input",
        )
    names = dict(keys)
    for number, item in enumerate(doc, start=1):
        where = f"{source}:item {number}"
        if not isinstance(item, dict):
            yield Row(number, where, {}, names, problem=f"expected an object, found {type(item).__name__}")
            continue
        yield Row(number, where, {name: _json_text(item.get(key)) for name, key in keys.items()}, names)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return cell(str(value))


# -- the bulk path: plain CSV read column-wise --

BLOCK_BYTES = 16 * 1024 * 1024  # a block of whole lines at a time: bounded memory whatever the file's size


class NotPlain(Exception):
    """The file is not plain CSV (quotes, CR, blank lines, ragged rows, not UTF-8): read it row by row."""


def plain_csv_blocks(path: Path, columns: Columns) -> Iterator[tuple[int, pl.DataFrame]]:
    """(line of the first row, the rows' cells as text columns named as `columns`) per block of lines.

    The rows and cells `_csv_rows` gives, read column-wise: only for a UTF-8 file separated by PLAIN_DELIMITER
    whose every line is one row by the reading rules above (`_plain_lines`), every row as wide as the header.
    Then a row's line is its position. Raises NotPlain as soon as the file is not plain (read it row by row);
    InputError for a bad header (the same `_header` as the rows').
    """
    import polars as pl

    source = path.name
    if text_encoding(path) != "utf-8-sig":
        raise NotPlain("encoding")
    with open(path, "rb") as f:
        first = f.readline()
        if first.startswith(b"\xef\xbb\xbf"):
            first = first[3:]
        crlf = first.endswith(b"\r\n")  # as Python's csv writer and spreadsheets write
        first = first[:-2] if crlf else first[:-1] if first.endswith(b"\n") else QUOTE.encode()
        if not _plain_lines(first + b"\n"):
            raise NotPlain("header")
        try:
            names = first.decode("utf-8").split(PLAIN_DELIMITER)
        except UnicodeDecodeError:
            raise NotPlain("encoding") from None
        index = _header(names, columns, f"{source}:1")
        width = len(names)
        separator = PLAIN_DELIMITER.encode()
        line = 2
        carry = b""
        while True:
            block = f.read(BLOCK_BYTES)
            data = carry + block
            if not block:
                if data:
                    data += b"\n"  # the last row without a newline
                else:
                    return
                carry = b""
            else:
                cut = data.rfind(b"\n") + 1
                data, carry = data[:cut], data[cut:]
                if not data:
                    continue
            if crlf:
                data = data.replace(b"\r\n", b"\n")
            if not _plain_lines(data):
                raise NotPlain("quotes, CR or blank lines")
            rows = data.count(b"\n")
            # As many separators as rows of `width` fields have (a short row beside a long one is refused
            # by polars, which is given no more than `width` columns).
            if data.count(separator) != (width - 1) * rows:
                raise NotPlain("ragged rows")
            try:
                frame = pl.read_csv(
                    data,
                    has_header=False,
                    infer_schema=False,
                    separator=PLAIN_DELIMITER,
                    quote_char=None,
                    new_columns=[f"_{i}" for i in range(width)],
                )
            except pl.exceptions.PolarsError:
                raise NotPlain("unreadable block") from None
            assert frame.height == rows, (frame.height, rows)
            yield line, frame.select(cells_column(pl.col(f"_{i}")).alias(name) for name, i in index.items())
            line += rows
            if not block:
                return
