"""The web's bar charts: a title in words, a value axis with at least five ticks and its unit, text of 11 px
or
more at a phone's width, labels never cut short, numbers in the page's language."""

from __future__ import annotations

import re
from decimal import Decimal
from html import escape

from api.conftest import DAY, bearer

from jointfund.charts import BAR_WIDTH as WIDTH
from jointfund.charts import FAN_WIDTH, PHONE_COLUMN, bars, fan
from web.test_ledger_tree import funded  # noqa: F401 - the fixture: capital received from each partner

ROWS = [
    ("Natural gas (Poltava oblast)", Decimal("75000000")),
    ("Iron ore", Decimal("1250000.5")),
    ("Nothing", Decimal("0")),
]


def test_a_bar_chart_has_a_title_ticks_an_axis_label_and_readable_text() -> None:
    svg = str(bars("Contributions by resource", ROWS, "USD", "en"))
    assert '<text class="chart-title"' in svg and ">Contributions by resource</text>" in svg
    ticks = re.findall(r'<text class="chart-tick"[^>]*>([^<]*)</text>', svg)
    assert len(ticks) >= 5 and ticks[0] == "0" and ticks[-1] == "80M"  # a round top: its quarters are round
    assert re.search(r'<text class="chart-axis-label"[^>]*>USD</text>', svg)
    sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', svg)]
    assert sizes and min(sizes) >= 11
    assert (
        f'viewBox="0 0 {WIDTH} ' in svg and WIDTH <= PHONE_COLUMN == 360 - 2 * 16
    )  # no wider than a 360 px phone's column (at 360 wide it showed its 11 px text at 10 px there)
    assert ">Natural gas (Poltava oblast)</text>" in svg  # the whole label, never cut at 26 letters
    assert ">Nothing</text>" not in svg  # a zero is no bar
    assert ">75,000,000.00 USD</text>" in svg


def test_a_ukrainian_chart_writes_its_numbers_in_ukrainian() -> None:
    svg = str(bars("Внески за ресурсами", ROWS, "USD", "uk"))
    assert ">75\u00a0000\u00a0000,00 USD</text>" in svg
    ticks = re.findall(r'<text class="chart-tick"[^>]*>([^<]*)</text>', svg)
    assert ticks[-1].startswith("80") and "млн" in ticks[-1]


def test_an_empty_chart_still_has_its_title_and_axis() -> None:
    svg = str(bars("Partners' capital", [], "USD", "en"))
    assert "Partners&#39; capital" in svg and svg.count('class="chart-tick"') == 5


def test_the_capital_chart_names_the_partners_not_their_codes(client, funded) -> None:  # noqa: ANN001, F811
    site = funded
    html = client.get("/capital?lang=en", headers=bearer(site, "auditor")).text
    chart = html[html.index('<svg class="chart"') : html.index("</svg>")]
    labels = re.findall(r'<text class="chart-label"[^>]*>([^<]*)</text>', chart)
    partners = site.fund.terms(DAY).partners
    assert sorted(labels) == sorted(escape(p.name) for p in partners)
    assert not {p.code for p in partners} & set(labels)


def test_a_fan_chart_is_drawn_at_a_phones_width_with_readable_years() -> None:
    """At 560 px wide a fan showed its ticks at 6 to 7 px: in a third of a laptop's page, or on a phone."""
    years = range(2026, 2056)
    doc = {
        "percentiles": [
            {
                "metric": "nav",
                "year": y,
                "p5": 1e6 * i,
                "p25": 2e6 * i,
                "p50": 3e6 * i,
                "p75": 4e6 * i,
                "p95": 5e6 * i,
            }
            for i, y in enumerate(years)
        ]
    }
    svg = str(fan(doc, "nav", "Чиста вартість активів фонду", "млн USD", "Рік", "uk"))
    assert f'viewBox="0 0 {FAN_WIDTH} ' in svg and FAN_WIDTH <= PHONE_COLUMN
    assert min(int(s) for s in re.findall(r'font-size="(\d+)"', svg)) >= 11
    dates = re.findall(r'<text class="chart-tick chart-date" x="([\d.]+)"[^>]*>(\d{4})</text>', svg)
    assert 5 <= len(dates) <= 6 and dates[0][1] == "2026"
    gaps = [float(b[0]) - float(a[0]) for a, b in zip(dates, dates[1:], strict=False)]
    assert min(gaps) >= 4 * 11 * 0.62  # four digits of 11 px never touch the next year
    values = re.findall(r'<text class="chart-tick" x[^>]*text-anchor="end">([^<]*)</text>', svg)
    assert len(values) >= 5 and values[-1] == "160"  # the top, 145 rounded up


def test_the_public_capital_chart_and_table_name_the_partners(client, funded) -> None:  # noqa: ANN001, F811
    site = funded
    partners = site.fund.terms(DAY).partners
    for lang in ("en", "uk"):
        html = client.get(f"/?lang={lang}").text
        chart = html[html.index('data-chart="capital"') :]
        chart = chart[: chart.index("</svg>")]
        labels = re.findall(r'<text class="chart-label"[^>]*>([^<]*)</text>', chart)
        assert labels and not {p.code for p in partners} & set(labels), (lang, labels)
        table = html[html.index("</svg>", html.index('data-chart="capital"')) :]
        table = table[: table.index("</table>")]
        rows = re.findall(r'<tr><th scope="row">([^<]*)</th>', table)
        assert len(rows) == len(partners), rows
        assert not {p.code for p in partners} & set(rows), (lang, rows)
