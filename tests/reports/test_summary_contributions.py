"""The summary's contributions are tallied a year at a time, each year kept under what it depends on (issue
13): after an upload only the year of its receipts is judged again, and every figure is what judging every
receipt gives; a new rate judges every year again. On both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from revenue.conftest import store_without_import, write
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


class _Carry:
    """A Carry as api.cache.Carried is one, without its lock."""

    def __init__(self) -> None:
        self.items: dict = {}

    def get(self, name: str):  # noqa: ANN201
        return self.items.get(name)

    def put(self, name: str, state) -> None:  # noqa: ANN001
        self.items[name] = state


@pytest.mark.storage
def test_an_upload_to_the_carried_year_judges_only_the_receipts_it_added(
    fund_engine, backend, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    """The last year tallied is carried: tallying it again after an upload judges the upload's receipts
    alone, and every figure is what judging every receipt gives. Another year, new judging inputs, or more new
    receipts than one batch are judged whole."""
    judged_years: list[int] = []
    judged_ids: list[set] = []
    full, some = summary.revenue_book.evaluations, summary.revenue_book.evaluations_of

    def judged_whole(conn, info, year=None, assess=None):  # noqa: ANN001, ANN202
        judged_years.append(year)
        return full(conn, info, year, assess)

    def judged_alone(conn, info, ids, judge=None):  # noqa: ANN001, ANN202
        judged_ids.append(set(ids))
        return some(conn, info, ids, judge)

    monkeypatch.setattr(summary.revenue_book, "evaluations", judged_whole)
    monkeypatch.setattr(summary.revenue_book, "evaluations_of", judged_alone)
    info = info_of(fund_engine)
    base = info.base_terms().fund.base_currency
    kept: dict = {}
    carry = _Carry()

    def shown() -> dict:
        judged_years.clear()
        judged_ids.clear()
        with db.transaction(fund_engine) as conn:
            return summary.contributions(
                conn, info, base, lambda k, c: kept.get(k) or kept.setdefault(k, c()), carry
            )

    def fresh() -> dict:
        with db.transaction(fund_engine) as conn:
            return summary.contributions(conn, info, base)

    def checked(whole: list, alone: list) -> dict:
        got = shown()
        assert (sorted(judged_years), judged_ids) == (whole, alone)
        assert got == fresh()  # what judging every receipt gives
        return got

    load(
        fund_engine,
        tmp_path,
        HEADER + "R-1,2025-06-02,L-NEW,rent,1000.00,UAH,\nR-2,2026-01-05,L-NEW,rent,10.00,UAH,\n",
    )
    first = shown()
    assert (judged_years, judged_ids) == ([2025, 2026], [])
    carried = carry.get(summary.CARRIED_YEAR)
    assert (carried.year, carried.receipts) == (2026, 1)
    rows_before = [x.rows() for x in carried.tallies]

    load(fund_engine, tmp_path, HEADER + "R-3,2026-02-01,L-NEW,rent,500.00,UAH,\n", "r3.csv")
    after = checked(whole=[], alone=[{"R-3"}])
    assert _year(after, 2026)["receipts"] == 2 and after != first
    assert [x.rows() for x in carried.tallies] == rows_before  # the earlier state is never added to
    assert carry.get(summary.CARRIED_YEAR).receipts == 2

    load(fund_engine, tmp_path, HEADER + "R-4,2025-07-01,L-NEW,rent,7.00,UAH,\n", "r4.csv")
    assert checked(whole=[2025], alone=[])  # not the year carried: judged whole
    load(fund_engine, tmp_path, HEADER + "R-5,2025-08-01,L-NEW,rent,8.00,UAH,\n", "r5.csv")
    assert checked(whole=[], alone=[{"R-5"}])

    batch = summary.revenue_book.JUDGED_TOGETHER
    monkeypatch.setattr(summary.revenue_book, "JUDGED_TOGETHER", 1)
    load(
        fund_engine,
        tmp_path,
        HEADER + "R-6,2025-08-02,L-NEW,rent,1.00,UAH,\nR-7,2025-08-03,L-NEW,rent,2.00,UAH,\n",
        "r6.csv",
    )
    assert checked(whole=[2025], alone=[])  # more than a batch: judged whole
    monkeypatch.setattr(summary.revenue_book, "JUDGED_TOGETHER", batch)

    with db.write(fund_engine) as conn:  # a rate changes how every receipt is judged: the carried is not used
        imports.run(
            conn,
            imports.rates_kind(info.base_terms()),
            write(tmp_path, "fx.csv", "date,currency,rate\n2025-06-02,USD,41.8600\n2025-07-01,USD,41.9000\n"),
            "test",
        )
    assert checked(whole=[2025, 2026], alone=[])

    # The carried judge keeps the licences and rates, not the corrections' rate days: a reversal uploaded on
    # another day is converted at the rate of the receipt it corrects (so the two net to zero), as judging
    # every receipt does; were its own day's rate used, `checked` would see the figures differ.
    with db.write(fund_engine) as conn:
        imports.run(
            conn,
            imports.rates_kind(info.base_terms()),
            write(
                tmp_path,
                "fx26.csv",
                "date,currency,rate\n2026-01-05,USD,40.0000\n2026-02-01,USD,41.0000\n2026-03-02,USD,45.0000\n",
            ),
            "test",
        )
    assert checked(whole=[2025, 2026], alone=[])
    load(fund_engine, tmp_path, HEADER + "R-8,2026-03-02,L-NEW,rent,-500.00,UAH,R-3\n", "r8.csv")
    reversed_ = checked(whole=[], alone=[{"R-8"}])
    assert carry.get(summary.CARRIED_YEAR).judge is not None
    assert _year(reversed_, 2026)["receipts"] == 3

    # What is new is read from the imports' listings (receipt_import), never from every id: an import that
    # lists none (more new receipts than imports.LISTED_RECEIPTS) leaves the year tallied whole, and so does a
    # year whose count does not add up, as when a receipt was stored other than by an import.
    monkeypatch.setattr(imports, "LISTED_RECEIPTS", 0)
    load(fund_engine, tmp_path, HEADER + "R-9,2026-03-03,L-NEW,rent,9.00,UAH,\n", "r9.csv")
    assert checked(whole=[2026], alone=[])
    monkeypatch.setattr(imports, "LISTED_RECEIPTS", 500)
    with db.write(fund_engine) as conn:
        store_without_import(conn, "R-ASIDE", dt.date(2026, 3, 4), 1100)
    load(fund_engine, tmp_path, HEADER + "R-10,2026-03-05,L-NEW,rent,10.00,UAH,\n", "r10.csv")
    assert _year(checked(whole=[2026], alone=[{"R-10"}]), 2026)["receipts"] == 6
    load(fund_engine, tmp_path, HEADER + "R-11,2026-03-06,L-NEW,rent,11.00,UAH,\n", "r11.csv")
    assert checked(whole=[], alone=[{"R-11"}])  # extended again from the whole year's count


def test_judging_some_receipts_refuses_more_than_one_batch_by_code_not_an_assert(fund_engine) -> None:  # noqa: ANN001
    """evaluations_of's batch limit is code, not an assert that `python -O` strips (issue 17, limits)."""
    info = info_of(fund_engine)
    too_many = {f"R{i}" for i in range(summary.revenue_book.JUDGED_TOGETHER + 1)}
    with db.transaction(fund_engine) as conn:
        with pytest.raises(ValueError, match="at most 200 receipts at once, not 201"):
            summary.revenue_book.evaluations_of(conn, info, too_many)
        assert summary.revenue_book.evaluations_of(conn, info, set()) == []
