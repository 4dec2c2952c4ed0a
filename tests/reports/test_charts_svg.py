"""The report's line charts: a title, five value ticks, five dates along the time axis, the unit, text >= 11
px."""

from __future__ import annotations

import datetime as dt
import re

from jointfund import charts

SERIES = {
    "UA": [(dt.date(2025, 5, 23), 0.0), (dt.date(2026, 12, 2), 75_000_000.0)],
    "US": [(dt.date(2025, 5, 23), 0.0), (dt.date(2026, 6, 1), 87_000_000.0)],
}


def test_a_line_chart_has_its_title_ticks_dates_unit_and_readable_text() -> None:
    svg = str(charts.lines("Capital by partner (USD)", SERIES, "USD", "en", kind="capital"))
    assert "<title>Capital by partner (USD)</title>" in svg
    ticks = re.findall(r'class="chart-tick[^"]*"[^>]*>([^<]*)</text>', svg)
    dates = [t for t in ticks if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t)]
    values = [t for t in ticks if t not in dates]
    assert values == ["0", "25M", "50M", "75M", "100M"]  # a round top, so that every tick is round
    assert (
        len(dates) >= 5 and dates[0] == "2025-05-23" and dates[-1] == "2026-12-02" and dates == sorted(dates)
    )
    assert re.search(r'class="chart-axis-label"[^>]*>USD</text>', svg)  # the value axis says its unit
    sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', svg)]
    assert sizes and min(sizes) >= 11


def test_no_stylesheet_breaks_words_letter_by_letter() -> None:
    from pathlib import Path

    import jointfund

    root = Path(jointfund.__file__).parent
    sheets = [
        root / "reports" / "html.py",
        root / "templates" / "charts.svg",
        root / "web" / "static" / "app.css",
        *root.glob("**/templates/*.html"),
    ]
    offenders = [str(p) for p in sheets if "break-all" in p.read_text(encoding="utf-8")]
    assert not offenders, offenders


def test_a_long_bar_label_wraps_inside_the_drawing_and_keeps_every_word() -> None:
    """The public page cut "Природний газ, зокрема зріджений природний газ" at the chart's right edge."""
    from decimal import Decimal

    name = "Природний газ, зокрема зріджений природний газ"
    svg = str(
        charts.bars(
            "Внески за ресурсами", [(name, Decimal("10829447.06")), ("Літій", Decimal(4))], "USD", "uk"
        )
    )
    width = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
    lines = re.findall(r'<text class="chart-label" x="0" y="([\d.]+)" font-size="12">([^<]*)<', svg)
    said = [text for _, text in lines]
    assert " ".join(said[:-1]) == name and said[-1] == "Літій" and len(said) == 3
    # Each line fits the drawing at 12 px (a generous 0.64 em a letter), and no two lines share a row.
    assert all(len(text) * 12 * 0.64 <= width for text in said)
    ys = [float(y) for y, _ in lines]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    # The first bar starts below its second label line, so the label never overlaps it.
    first_bar = float(re.search(r'<rect class="chart-bar" x="0" y="([\d.]+)"', svg).group(1))
    assert first_bar > ys[1]
