"""Printing data as a table (people), JSON or CSV (programs).

Every command that prints data calls `emit`; a command never formats by hand, so
`--format json|csv` works the same everywhere and always carries the full, exact values.

Tables are laid out for the terminal (its width, or $COLUMNS): numbers, dates, ids, codes and hashes
are never broken or cut (they are what people copy); free text is shortened with an ellipsis. Amounts
and counts have thousands separators, shares and rates of return show as percentages. When even that
cannot fit, each row is printed as a block of `field value` lines instead, like psql's expanded mode.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

import typer

from jointfund.share import Share

if TYPE_CHECKING:
    from rich.console import Console

FORMATS = ("table", "json", "csv")

FormatOption = typer.Option(
    None, "--format", "-f", help="Output: table, json or csv (default: the global --format)."
)

# Columns holding a fraction (0.5624) that a table shows as a percentage (56.24%); JSON and CSV keep the
# fraction. Columns named *_pct already hold a percentage and only gain the sign.
PERCENT_NAMES = ("share", "irr")
# Whole numbers that name something (an entry, a year, a member) rather than count it: no separators,
# so that they can be typed back into a command as printed.
ID_NAMES = (
    "id",
    "seq",
    "year",
    "period",
    "record",
    "proposal",
    "member",
    "seat",
    "entry",
    "reverses",
    "checkpoint",
    "application",
    "investment",
    "number",
)
TEXT_MIN = 12  # the narrowest a column of free text is squeezed to before rows become blocks
WORD_MIN = 8  # a column of single words: shorter words are never cut
TEXT_WIDE = 30  # free text is widened to this before numbers' headers get a line of their own
GAP = 2  # spaces between columns: a table without vertical rules, so a copied cell is only the cell


def resolve_format(ctx: typer.Context, fmt: str | None, allowed: Sequence[str] = FORMATS) -> str:
    chosen = fmt or (ctx.obj or {}).get("format") or "table"
    if chosen not in allowed:
        raise typer.BadParameter(
            f"expected one of {', '.join(allowed)}, got {chosen!r}", param_hint="--format"
        )
    return chosen


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def emit(
    ctx: typer.Context,
    rows: Sequence[Mapping[str, object]],
    fmt: str | None,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    json_root: object = None,
) -> None:
    """Print `rows` in the chosen format. `json_root` replaces the row list in JSON when a richer shape
    helps."""
    chosen = resolve_format(ctx, fmt)
    cols = list(columns or (rows[0].keys() if rows else []))
    if chosen == "json":
        root = json_root if json_root is not None else list(rows)
        sys.stdout.write(json.dumps(_plain(root), ensure_ascii=False, indent=2) + "\n")
        return
    if chosen == "csv":
        write_csv(cols, rows)
        return
    print_table(rows, cols, title)


def write_csv(cols: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """`rows` as CSV under the header `cols`, each row written as it comes (so a stream prints in bounded
    memory)."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(cols)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else _cell(r.get(c)) for c in cols])


def _cell(value: object, grouped: bool = False) -> str:
    """A value as CSV (exact) or, `grouped`, as a table shows an amount (thousands separators)."""
    if isinstance(value, Decimal):
        return f"{value:,f}" if grouped else f"{value:f}"
    plain = _plain(value)
    return json.dumps(plain, ensure_ascii=False) if isinstance(plain, (list, dict)) else str(plain)


# --- tables -------------------------------------------------------------------------------------------


class Column(NamedTuple):
    """A column as a table shows it: its cells as text, whether they may be cut, and its widths."""

    name: str
    header: str
    cells: list[str]
    kind: str  # number | date | token (ids, codes, hashes: never cut) | text (words: may be shortened)
    minimum: int
    natural: int


def _is_percent(name: str) -> bool:
    return name in PERCENT_NAMES or name.endswith(tuple(f"_{n}" for n in PERCENT_NAMES))


def _is_id(name: str) -> bool:
    return name in ID_NAMES or name.endswith(("_id", "_seq", "_year", "_number"))


def _number_text(value: object, name: str) -> str:
    if isinstance(value, Share) or (_is_percent(name) and isinstance(value, (Decimal, float, int))):
        return f"{Decimal(str(value)) * 100:,.2f}%"
    if name.endswith("_pct") and isinstance(value, (Decimal, float, int)):
        return f"{Decimal(str(value)):,f}%"
    if isinstance(value, int):
        return str(value) if _is_id(name) else f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e15 else str(value)
    return f"{value:,f}"


def table_text(value: object, name: str) -> str:
    """One cell as a table shows it (JSON and CSV show `_plain`/`_cell` instead)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        return _number_text(value, name)
    if isinstance(value, dt.datetime):
        # Seconds are enough to read (Z: UTC); the exact instant is in --format json|csv.
        text = value.isoformat(sep=" ", timespec="seconds")
        return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
    if isinstance(value, dt.date):
        return value.isoformat()
    plain = _plain(value)
    if isinstance(plain, (list, dict)):
        return json.dumps(plain, ensure_ascii=False, separators=(", ", ": "))
    return " ".join(str(plain).split()) if isinstance(plain, str) and "\n" in plain else str(plain)


# A word (a region, a sector, a stage: letters only) may be shortened like text; anything with a digit
# or a separator (an id, a code, an account, a hash) may not.
_WORD = re.compile(r"[^\W\d_]+(?:[-_'ʼ][^\W\d_]+)*")


def _kind(values: list[object], cells: list[str]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in present):
        return "number"
    if present and all(isinstance(v, dt.date) for v in present):
        return "date"
    if any(" " in c for c in cells) or all(_WORD.fullmatch(c) for c in cells if c):
        return "text"
    return "token"


def columns_of(rows: Sequence[Mapping[str, object]], names: Sequence[str]) -> list[Column]:
    out = []
    for name in names:
        values = [r.get(name) for r in rows]
        cells = [table_text(v, name) for v in values]
        header = name.replace("_", " ")
        longest_word = max((len(w) for w in header.split()), default=0)
        widest = max((len(c) for c in cells), default=0)
        kind = _kind(values, cells)
        natural = max(widest, len(header))
        if kind == "text":
            minimum = max(longest_word, min(widest, TEXT_MIN if any(" " in c for c in cells) else WORD_MIN))
        else:
            minimum = max(longest_word, widest)
        out.append(Column(name, header, cells, kind, minimum, natural))
    return out


def fit_widths(cols: Sequence[Column], width: int) -> list[int] | None:
    """Each column's width in a table `width` characters wide, or None when the table cannot fit.

    Every column first gets its minimum: all of its numbers, dates or ids (never cut), a header wrapped
    at its spaces, some of its text. What is left goes to text (up to TEXT_WIDE characters), then to
    headers on one line, then to the rest of the text, the widest shortened first.
    """
    room = width - GAP * len(cols)  # the space after each column (the last one's keeps the line off the edge)
    widths = [c.minimum for c in cols]
    if sum(widths) > room:
        return None
    texts = [i for i, c in enumerate(cols) if c.kind == "text"]
    _share(widths, texts, [min(cols[i].natural, max(cols[i].minimum, TEXT_WIDE)) for i in texts], room)
    for i, c in enumerate(cols):
        if c.kind != "text" and sum(widths) - widths[i] + c.natural <= room:
            widths[i] = c.natural
    _share(widths, texts, [cols[i].natural for i in texts], room)
    return widths


def _share(widths: list[int], which: list[int], targets: list[int], room: int) -> None:
    """Widen the columns `which` towards `targets` within `room`: the largest common cap that fits."""
    left = room - sum(widths) + sum(widths[i] for i in which)
    lo, hi = 0, max(targets, default=0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(t, max(widths[i], mid)) for i, t in zip(which, targets, strict=True)) <= left:
            lo = mid
        else:
            hi = mid - 1
    for i, t in zip(which, targets, strict=True):
        widths[i] = min(t, max(widths[i], lo))


def print_table(rows: Sequence[Mapping[str, object]], names: Sequence[str], title: str | None = None) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    out = console()
    if not rows:  # a title over nothing read as if the rows had failed to print
        out.print(Text(f"{title}: none" if title else "none", style="italic"), soft_wrap=True)
        return
    cols = columns_of(rows, names)
    widths = fit_widths(cols, out.width)
    empty = [c for c in cols if rows and not any(c.cells)]
    if widths is None and empty:  # columns with nothing in them go before the rows become blocks
        cols = [c for c in cols if c not in empty]
        widths = fit_widths(cols, out.width)
    if widths is None:
        print_blocks(out, columns_of(rows, names), len(rows), title)
        return
    if title:  # on its own line, never broken (a table would wrap it to the table's width)
        out.print(Text(title, style="italic"), soft_wrap=True)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, GAP - 1, 0, 0), header_style="bold")
    for c, w in zip(cols, widths, strict=True):
        table.add_column(
            Text(c.header, no_wrap=False, overflow="fold"),
            justify="right" if c.kind == "number" else "left",
            width=w,
            no_wrap=True,
            overflow="ellipsis" if c.kind == "text" else "fold",
        )
    for i in range(len(rows)):
        table.add_row(*[c.cells[i] for c in cols])
    out.print(table, highlight=False)
    if widths is not None and len(cols) < len(names) and empty:
        out.print(
            Text(f"(empty, not shown: {', '.join(c.header for c in empty)})", style="dim"), soft_wrap=True
        )


def print_blocks(out: Console, cols: Sequence[Column], count: int, title: str | None) -> None:
    """Rows too wide for the terminal, one block each: `field  value`, text wrapped at words, ids whole."""
    from rich.text import Text

    if title:
        out.print(Text(title, style="italic"), soft_wrap=True)
    label = max(len(c.header) for c in cols)
    room = max(out.width - label - 2, 20)
    for i in range(count):
        out.print(
            Text(f"── {i + 1} of {count} " + "─" * max(out.width - 12 - len(str(count)) * 2, 3), style="dim"),
            soft_wrap=True,
        )
        for c in cols:
            cell = c.cells[i]
            if c.kind == "text" and len(cell) > room:
                lines = textwrap.wrap(cell, room, break_long_words=False, break_on_hyphens=False)
                body = ("\n" + " " * (label + 2)).join(lines)
            else:
                body = cell  # an id, a date, a hash: whole, even when longer than the line
            out.print(
                Text(f"{c.header:<{label}}  ", style="bold") + Text(body), soft_wrap=True, highlight=False
            )


def console(stderr: bool = False) -> Console:
    """Rich's console: the terminal's width ($COLUMNS when set); 160 columns when writing to a pipe."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    sized = stream.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console(stderr=stderr, soft_wrap=False, width=None if sized else 160)


def say(message: str) -> None:
    """Narration for people: to stderr, so that stdout stays data."""
    # soft_wrap: the terminal wraps a long message; no line break lands inside a path or a command.
    console(stderr=True).print(message, highlight=False, soft_wrap=True)
