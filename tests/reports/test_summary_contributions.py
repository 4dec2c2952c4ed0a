"""The summary's contributions are tallied a year at a time, each year kept under what it depends on (issue
13): after an upload only the year of its receipts is judged again, and every figure is what judging every
receipt gives; a new rate judges every year again. On both backends."""

from __future__ import annotations

import pytest
from revenue.conftest import write
from revenue.test_ledger import HEADER, info_of, load

from jointfund.reports import summary
from jointfund.revenue import imports
from jointfund.store import db


def _rows(engine, memo=None) -> dict:  # noqa: ANN001
    info = info_of(engine)
    base = info.base_terms().fund.base_currency
    with db.transaction(engine) as conn:
        if memo is None:
            return summary.contributions(conn, info, base)
        return summary.contributions(conn, info, base, memo)


def _year(rows: dict, year: int) -> dict:
    return next(r for r in rows["year"] if r["key"] == str(year))


@pytest.mark.storage
def test_an_upload_judges_only_its_own_year_and_changes_the_figures_shown(
    fund_engine, backend, tmp_path
) -> None:  # noqa: ANN001
    kept: dict = {}
    judged: list[int] = []

    def memo(key, compute):  # noqa: ANN001, ANN202
        if key not in kept:
            judged.append(key[1])
            kept[key] = compute()
        return kept[key]

    load(
        fund_engine,
        tmp_path,
        HEADER + "R-1,2025-06-02,L-NEW,rent,1000.00,UAH,\nR-2,2026-01-05,L-NEW,rent,10.00,UAH,\n",
    )
    first = _rows(fund_engine, memo)
    assert sorted(judged) == [2025, 2026] and first == _rows(fund_engine)
    judged.clear()
    assert _rows(fund_engine, memo) == first and judged == []  # nothing written: nothing judged

    load(fund_engine, tmp_path, HEADER + "R-3,2025-07-01,L-NEW,rent,500.00,UAH,\n", "r3.csv")
    after = _rows(fund_engine, memo)
    assert judged == [2025], judged  # 2026's tallies are kept
    assert after == _rows(fund_engine)  # the same figures as judging every receipt
    assert _year(after, 2025)["receipts"] == _year(first, 2025)["receipts"] + 1
    assert _year(after, 2026) == _year(first, 2026)

    judged.clear()
    info = info_of(fund_engine)
    with db.write(fund_engine) as conn:  # a rate changes how receipts of any year are judged
        imports.run(
            conn,
            imports.rates_kind(info.base_terms()),
            write(tmp_path, "fx.csv", "date,currency,rate\n2025-06-02,USD,41.8600\n2025-07-01,USD,41.9000\n"),
            "test",
        )
    rated = _rows(fund_engine, memo)
    assert sorted(judged) == [2025, 2026] and rated == _rows(fund_engine)
    assert _year(rated, 2025)["contribution_base"] != _year(after, 2025)["contribution_base"]
