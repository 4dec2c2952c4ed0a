"""Period close on both backends: the board decides, the close remeasures the UAH position at the period
end's rate, and the closed period never changes again (the database refuses entries dated in it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from governance.conftest import DAY, Gov
from revenue.conftest import LICENCES, write
from sqlalchemy import insert

from jointfund.accounting import close as closing
from jointfund.errors import Refused
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.revenue import book, imports, transfer
from jointfund.revenue.accrual import accrue
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.verify import verify

RECEIPTS = (
    "receipt_id,date,licence_id,stream,amount,currency,corrects\nR-1,2025-06-02,L-NEW,rent,1000000.00,UAH,\n"
)
RATES = "date,currency,rate\n2025-06-02,USD,40.00\n2025-06-30,USD,45.00\n2025-09-30,USD,50.00\n2026-02-10,USD,50.00\n"  # noqa: E501 - data kept on one line, as the file holds it
TODAY = DAY + dt.timedelta(days=1)
D = Decimal


def _fund(fund_engine, tmp_path) -> Gov:
    gov = Gov(fund_engine)
    terms = gov.fund.base_terms()
    with db.write(fund_engine) as conn:
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
        accrue(conn, gov.fund)
    return gov


def _approve(gov: Gov, names: list[str], pid: int) -> None:
    for name in names:
        if gov.standing(pid).state != "open":
            return
        gov.vote(pid, name, "approve")


def _decide(gov: Gov, names: list[str], period: str) -> int:
    p = gov.propose("close", names[0], about=f"period:{period}", title=f"Close {period}")
    _approve(gov, names, p.id)
    gov.execute(p.id)
    return p.id


def _close(gov: Gov, period: str) -> closing.Closing:
    with db.write(gov.engine) as conn:
        return closing.close(conn, gov.fund, "test", period, TODAY)


def test_a_close_needs_the_boards_executed_proposal_and_remeasures_at_the_period_end(fund_engine, tmp_path):
    gov = _fund(fund_engine, tmp_path)
    names = gov.seat_body("board")
    with pytest.raises(Refused, match="needs an executed proposal of kind close about it"):
        _close(gov, "2025-Q2")
    # A proposal about another period, or one not yet executed, does not close this one.
    other = gov.propose("close", names[0], about="period:2025-Q3")
    _approve(gov, names, other.id)
    with pytest.raises(Refused, match="needs an executed proposal"):
        _close(gov, "2025-Q2")
    pid = _decide(gov, names, "2025-Q2")
    done = _close(gov, "2025-Q2")
    assert done.proposal_id == pid
    # 500,000.00 UAH owed, carried at 40 (12,500.00 USD), worth 11,111.11 USD at 45 on 30 June: a loss.
    [entry] = done.entries
    assert entry.date == dt.date(2025, 6, 30)
    assert sorted(entry.postings) == sorted(
        [
            Posting("Equity:Trading:UAH", D("-1388.89"), "USD"),
            Posting("Income:FX:Unrealised", D("1388.89"), "USD"),
        ]
    )
    with db.transaction(fund_engine) as conn:
        assert journal.balance(conn, "Equity:Trading:UAH", subtree=False) == {
            "UAH": D("-500000.00"),
            "USD": D("11111.11"),
        }
        rows = closing.periods(conn, gov.fund, TODAY)
    assert [(r.period, r.status, r.proposal) for r in rows[:2]] == [
        ("2025-Q2", "closed", pid),
        ("2025-Q3", "ended, open", None),
    ]
    assert rows[-1].period == "2026-Q1" and rows[-1].status == "open"
    with pytest.raises(Refused, match="2025-Q2 was already closed"):
        _close(gov, "2025-Q2")


def test_periods_close_in_order_once_ended_and_by_the_terms_calendar(fund_engine, tmp_path):
    gov = _fund(fund_engine, tmp_path)
    names = gov.seat_body("board")
    _decide(gov, names, "2025-Q4")
    with pytest.raises(Refused, match="period 2025-Q2 is still open; periods close in order"):
        # 2025-Q3 is open too; the first open one is named when 2025-Q4's turn has not come.
        _close(gov, "2025-Q3")
    with pytest.raises(Refused, match="ends on 2026-03-31; it can close only once it has ended"):
        _close(gov, "2026-Q1")
    with pytest.raises(Exception, match="expected a name such as 2026-Q1"):
        _close(gov, "2025-13")


def test_a_closed_period_never_changes_and_corrections_go_to_an_open_one(
    fund_engine, fund_url, tmp_path, cli
):
    gov = _fund(fund_engine, tmp_path)
    names = gov.seat_body("board")
    with db.write(fund_engine) as conn:
        [fee_seq] = journal.post(
            conn,
            [
                Entry(
                    dt.date(2025, 8, 1),
                    "Bank fee",
                    (
                        Posting("Expenses:Administration", D("7.00"), "USD"),
                        Posting("Assets:Cash:USD", D("-7.00"), "USD"),
                    ),
                    "FEE-0",
                )
            ],
            gov.fund.start_date,
        )
    for period in ("2025-Q2", "2025-Q3"):
        _decide(gov, names, period)
        _close(gov, period)
    before = cli("report", "statement", "--partner", "UA", "--period", "2025-Q3", "--format", "csv").stdout
    # Later activity, in the open period: a transfer settling 2025 and a correction of a bank fee.
    cs = gov.countersigned()
    with db.write(fund_engine) as conn:
        transfer.record(conn, gov.fund, "UA", dt.date(2026, 2, 10), D("10000.00"), "USD", "T-1", 2025, **cs)
        journal.post(
            conn,
            [
                Entry(
                    dt.date(2026, 2, 10),
                    "Correction of 2025-Q3",
                    (
                        Posting("Expenses:Administration", D("12.00"), "USD"),
                        Posting("Assets:Cash:USD", D("-12.00"), "USD"),
                    ),
                    "FIX-1",
                    ("closes:2025-Q3",),
                )
            ],
            gov.fund.start_date,
        )
    # An entry dated in the closed period is refused, by the application and by the database itself.
    fee = Entry(
        dt.date(2025, 8, 1),
        "Bank fee",
        (
            Posting("Expenses:Administration", D("12.00"), "USD"),
            Posting("Assets:Cash:USD", D("-12.00"), "USD"),
        ),
        "FEE-1",
    )
    with (
        pytest.raises(Refused, match="2025-08-01 is in period 2025-Q3, which is closed"),
        db.write(fund_engine) as conn,
    ):
        journal.post(conn, [fee], gov.fund.start_date)
    with pytest.raises(Exception, match="closed period"), db.write(fund_engine) as conn:
        conn.execute(
            insert(t.entry).values(
                seq=10_000,
                date=dt.date(2025, 8, 1),
                recorded_at=dt.datetime.now(dt.UTC),
                key="RAW-1",
                narration="raw",
                links="[]",
            )
        )
    # Reversing an entry of the closed period posts the reversal in an open one, linked to the closed period.
    with pytest.raises(Refused, match="is in period 2025-Q3, which is closed"), db.write(fund_engine) as conn:
        journal.reverse(conn, fee_seq, dt.date(2025, 9, 1), "FEE-0-REV-1", gov.fund.start_date)
    with db.write(fund_engine) as conn:
        seq = journal.reverse(conn, fee_seq, dt.date(2026, 2, 10), "FEE-0-REV", gov.fund.start_date)
        assert journal.get_entry(conn, seq).links[-1] == "closed:2025-Q3"
    after = cli("report", "statement", "--partner", "UA", "--period", "2025-Q3", "--format", "csv").stdout
    assert after == before
    report = verify(fund_engine)
    check = next(r for r in report.results if r.check == "closed periods")
    assert check.checked == 2 and check.ok and report.ok, report.first_failure


def test_period_cli_lists_and_closes(fund_engine, tmp_path, cli):
    gov = _fund(fund_engine, tmp_path)
    names = gov.seat_body("board")
    _decide(gov, names, "2025-Q2")
    r = cli("period", "close", "2025-Q2", "--format", "json")
    assert "Income" not in r.stdout and '"unrealised_fx": "-1388.89"' in r.stdout
    listed = cli("period", "list", "--format", "csv").stdout.splitlines()
    assert listed[0] == "period,first,last,status,proposal,closed_seq"
    assert listed[1].startswith("2025-Q2,2025-04-01,2025-06-30,closed,")
    refused = cli("period", "close", "2025-Q2", ok=False)
    assert refused.exit_code == 1 and "already closed" in refused.stderr and "Traceback" not in refused.stderr


def test_closed_quarters_roll_forward_whatever_window_is_asked(fund_engine, tmp_path):
    """The quarter-end remeasurement is booked, so a window ending on a closed quarter's last day needs no
    translation: each quarter's closing is the next one's opening, and a longer window closes the same."""
    from jointfund.capital.accounts import capital_accounts

    gov = _fund(fund_engine, tmp_path)
    names = gov.seat_body("board")
    for period in ("2025-Q2", "2025-Q3"):
        _decide(gov, names, period)
        _close(gov, period)
    q2 = (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    q3 = (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    with db.transaction(fund_engine) as conn:
        first = capital_accounts(conn, gov.fund, q2[1], q2[0])
        second = capital_accounts(conn, gov.fund, q3[1], q3[0])
        both = capital_accounts(conn, gov.fund, q3[1], q2[0])
    for a, b, ab in zip(first.accounts, second.accounts, both.accounts, strict=True):
        assert a.closing == b.opening and b.closing == ab.closing
        assert a.fx + b.fx == ab.fx  # the FX line is the booked remeasurement, whatever the window
    # The Q2 loss of 1,388.89 USD on the UAH position is in the partners' capital, split to the cent.
    assert sum(a.closing for a in first.accounts) == D("-1388.89")
