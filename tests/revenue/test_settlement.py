"""Settlement across currencies: a transfer in any fund currency settles the period's obligation at the
reference rate of its date, the receivable leaves the UAH position at its carrying amount, and the
difference is realised FX. Table-driven, on both backends.

The book of every case: one receipt of 1,000,000.00 UAH on 2025-06-02 owes 500,000.00 UAH, accrued at
40 UAH/USD: a carrying amount of 12,500.00 USD. Transfers come in 2026, at the rate of their own date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy
from support import countersigned

from jointfund import fund as fund_mod
from jointfund.errors import ConflictError, InputError
from jointfund.ledger import journal
from jointfund.revenue import book, imports, transfer
from jointfund.revenue.accrual import accrue
from jointfund.revenue.deadlines import calendar
from jointfund.store import db

from .conftest import LICENCES, write

RECEIPTS = (
    "receipt_id,date,licence_id,stream,amount,currency,corrects\nR-1,2025-06-02,L-NEW,rent,1000000.00,UAH,\n"
)
RATES = "date,currency,rate\n2025-06-02,USD,40.00\n2026-03-20,USD,50.00\n2026-03-25,USD,32.00\n2026-04-03,USD,50.00\n"  # noqa: E501 - data kept on one line, as the file holds it
D = Decimal

# (name, transfers [(date, amount, currency)], outstanding UAH, capital USD, realised FX USD (gain +))
CASES = [
    ("UAH in full at a weaker hryvnia", [("2026-03-20", "500000.00", "UAH")], "0.00", "12500.00", "-2500.00"),
    ("USD in full at a weaker hryvnia", [("2026-03-20", "10000.00", "USD")], "0.00", "12500.00", "-2500.00"),
    ("USD in full at a stronger hryvnia", [("2026-03-25", "15625.00", "USD")], "0.00", "12500.00", "3125.00"),
    ("USD under-payment", [("2026-03-20", "4000.00", "USD")], "300000.00", "5000.00", "-1000.00"),
    # 600,000 UAH arrive for 500,000 owed: the 100,000 over-paid is owed back, carried at its worth (2,000).
    ("USD over-payment", [("2026-03-20", "12000.00", "USD")], "-100000.00", "14500.00", "-2500.00"),
    (
        "USD then UAH",
        [("2026-03-20", "4000.00", "USD"), ("2026-04-03", "300000.00", "UAH")],
        "0.00",
        "12500.00",
        "-2500.00",
    ),
]


def info_of(engine) -> fund_mod.FundInfo:
    with db.transaction(engine) as conn:
        return fund_mod.load(conn)


def _book(engine, tmp_path) -> fund_mod.FundInfo:
    info = info_of(engine)
    terms = info.base_terms()
    with db.write(engine) as conn:
        imports.run(conn, imports.licences_kind(terms), write(tmp_path, "l.csv", LICENCES), "test")
        imports.run(
            conn, imports.rates_kind(terms, accept_jump=True), write(tmp_path, "rates.csv", RATES), "test"
        )  # the rates move far on purpose
        imports.run(
            conn,
            imports.receipts_kind(terms, book.licence_ids(conn)),
            write(tmp_path, "r.csv", RECEIPTS),
            "test",
        )
        accrue(conn, info)
    return info


def _balances(conn, terms) -> dict[str, dict[str, Decimal]]:
    names = {
        "obligation": terms.account_name("contribution_obligation", partner="UA"),
        "capital": terms.account_name("capital_revenue", partner="UA"),
        "realised": terms.account_name("fx_realised"),
        "trading": terms.account_name("trading", currency="UAH"),
        "receivable": terms.account_name("contribution_receivable", partner="UA"),
    }
    return {k: journal.balance(conn, n, subtree=False) for k, n in names.items()}


@pytest.mark.parametrize(
    ("transfers", "outstanding", "capital", "realised"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_transfer_in_any_currency_settles_the_obligation_with_realised_fx(
    fund_engine, tmp_path, transfers, outstanding, capital, realised
):
    info = _book(fund_engine, tmp_path)
    cs = countersigned(fund_engine)
    terms = info.base_terms()
    with db.transaction(fund_engine) as conn:
        before = _balances(conn, terms)
    # The accrual carries the UAH owed at its own date's rate; the obligation is booked in USD.
    assert before["trading"] == {"UAH": D("-500000.00"), "USD": D("12500.00")}
    assert before["obligation"] == {"USD": D("-12500.00")}
    with db.write(fund_engine) as conn:
        for i, (day, amount, currency) in enumerate(transfers):
            transfer.record(
                conn, info, "UA", dt.date.fromisoformat(day), D(amount), currency, f"T-{i}", 2025, **cs
            )
        [status] = transfer.statuses(conn, terms, 2025)
        after = _balances(conn, terms)
        trial = journal.trial_balance(conn)
    # Under- and over-payment are measured in the obligation's currency, whatever the money came in.
    assert (status.currency, status.outstanding) == ("UAH", D(outstanding))
    assert after["capital"] == {"USD": -D(capital)}
    assert after["realised"] == ({"USD": -D(realised)} if D(realised) else {})
    assert after["receivable"] == ({"UAH": D(outstanding)} if D(outstanding) else {})
    # The UAH position is the receivable (or the over-payment owed back) and the UAH cash that came in; its
    # carrying amount is in the book: the receivable at the accrual's rate, cash at the transfer's.
    cash_uah = sum((D(a) for _d, a, c in transfers if c == "UAH"), D("0.00"))
    assert after["trading"].get("UAH", D("0.00")) == -(D(outstanding) + cash_uah)
    # Every entry balances in each currency, so the whole book does too.
    for currency in ("UAH", "USD"):
        assert sum(x for _a, c, x in trial if c == currency) == 0
    if D(outstanding) <= 0:
        assert status.state in ("settled", "over-paid") and status.settled_on is not None


def test_the_issue_case_a_usd_transfer_settles_a_uah_obligation_and_the_calendar_is_met(
    fund_engine, tmp_path
):
    info = _book(fund_engine, tmp_path)
    cs = countersigned(fund_engine)
    terms = info.base_terms()
    with db.write(fund_engine) as conn:
        transfer.record(conn, info, "UA", dt.date(2026, 3, 20), D("10000.00"), "USD", "T-USD", 2025, **cs)
        statuses = transfer.statuses(conn, terms, 2025)
        rows = calendar(conn, info, [2025], dt.date(2026, 6, 1))
    # One status, in UAH, settled: not "UAH not transferred" beside "USD over-paid".
    assert [(s.currency, s.state) for s in statuses] == [("UAH", "settled")]
    met = next(r for r in rows if r.code == "transfer")
    assert met.met_on == dt.date(2026, 3, 20)


def test_transfers_are_idempotent_and_a_changed_transfer_is_a_conflict(fund_engine, tmp_path):
    info = _book(fund_engine, tmp_path)
    cs = countersigned(fund_engine)
    with db.write(fund_engine) as conn:
        first = transfer.record(
            conn, info, "UA", dt.date(2026, 3, 20), D("4000.00"), "USD", "T-1", 2025, **cs
        )
        again = transfer.record(
            conn, info, "UA", dt.date(2026, 3, 20), D("4000.00"), "USD", "T-1", 2025, **cs
        )
    assert first == again
    with (
        pytest.raises(ConflictError, match="T-1 was already recorded as 4000.00 USD"),
        db.write(fund_engine) as conn,
    ):
        transfer.record(conn, info, "UA", dt.date(2026, 3, 20), D("4500.00"), "USD", "T-1", 2025, **cs)


def test_a_transfer_needs_the_rate_of_its_date(fund_engine, tmp_path):
    info = _book(fund_engine, tmp_path)
    cs = countersigned(fund_engine)
    with (
        pytest.raises(InputError, match="no usable USD reference rate on or before 2027-01-05"),
        db.write(fund_engine) as conn,
    ):
        transfer.record(conn, info, "UA", dt.date(2027, 1, 5), D("4000.00"), "USD", "T-9", 2025, **cs)
    with db.transaction(fund_engine) as conn:
        assert transfer.transfers(conn, info.base_terms()) == []  # nothing half-written


def test_an_obligation_accrued_without_a_rate_settles_only_in_its_own_currency(fund_engine, tmp_path):
    info = info_of(fund_engine)
    cs = countersigned(fund_engine)
    terms = info.base_terms()
    with db.write(fund_engine) as conn:
        imports.run(conn, imports.licences_kind(terms), write(tmp_path, "l.csv", LICENCES), "test")
        imports.run(
            conn,
            imports.receipts_kind(terms, book.licence_ids(conn)),
            write(tmp_path, "r.csv", RECEIPTS),
            "test",
        )
        accrue(conn, info)
    with (
        pytest.raises(InputError, match="accruals were booked without a reference rate; transfer in UAH"),
        db.write(fund_engine) as conn,
    ):
        transfer.record(conn, info, "UA", dt.date(2026, 3, 20), D("10000.00"), "USD", "T-1", 2025, **cs)
    with db.write(fund_engine) as conn:
        transfer.record(conn, info, "UA", dt.date(2026, 3, 20), D("500000.00"), "UAH", "T-1", 2025, **cs)
        [status] = transfer.statuses(conn, terms, 2025)
    assert status.state == "settled"


def test_before_any_transfer_the_obligation_is_outstanding_read_without_the_transfers_join(
    fund_engine, tmp_path
):
    """No transfer yet (the dashboard's calendar after every upload): the period owes its whole obligation,
    its deadline is not met, and the transfers are not looked for (no cash accounts read, no join: issue 13);
    the first transfer is found again."""
    info = _book(fund_engine, tmp_path)
    terms = info.base_terms()
    seen: list[str] = []
    listener = lambda _c, _cur, statement, *_a: seen.append(statement)  # noqa: E731
    sqlalchemy.event.listen(fund_engine, "before_cursor_execute", listener)
    try:
        with db.transaction(fund_engine) as conn:
            seen.clear()
            [status] = transfer.statuses(conn, terms, 2025)
            read = list(seen)
            rows = calendar(conn, info, [2025], dt.date(2026, 6, 1))
    finally:
        sqlalchemy.event.remove(fund_engine, "before_cursor_execute", listener)
    assert (status.currency, status.obligation, status.transferred, status.outstanding) == (
        "UAH",
        D("500000.00"),
        D(0),
        D("500000.00"),
    )
    assert status.settled_on is None and status.transfers == 0
    # The receivable's id with the book's last entry, then its postings up to that entry.
    assert len(read) == 2 and not any("cash" in s for s in read)
    due = next(r for r in rows if r.code == "transfer")
    assert (due.met_on, due.status, due.outstanding) == (None, "overdue", "500000.00 UAH to transfer")
    cs = countersigned(fund_engine)
    with db.write(fund_engine) as conn:
        transfer.record(conn, info, "UA", dt.date(2026, 3, 20), D("500000.00"), "UAH", "T-1", 2025, **cs)
        assert [(s.currency, s.settled_on) for s in transfer.statuses(conn, terms, 2025)] == [
            ("UAH", dt.date(2026, 3, 20))
        ]
        assert [tr.reference for tr in transfer.transfers(conn, terms)] == ["T-1"]
