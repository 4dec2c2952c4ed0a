"""Budgets, expenses and fees (issue 16): lines adopted by decision, overspending refused three times over
(domain, database, verify), fees accrued exactly once to the cent, and all of it in partners' capital."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError

from budget.conftest import plan_text
from jointfund.budget import expense, lines, plan
from jointfund.capital.accounts import capital_accounts
from jointfund.errors import ConflictError, InputError, Refused
from jointfund.ledger import journal
from jointfund.ledger.log import append_event
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.verify import verify

Q4 = dt.date(2025, 11, 14)


def _count(engine, table) -> int:  # noqa: ANN001
    with db.transaction(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _findings(engine, check: str) -> list[str]:  # noqa: ANN001
    report = verify(engine, workers=1)
    return [f.detail for r in report.results if r.check == check for f in r.failures]


# -- the plan (pure) --


def test_a_plan_names_every_bad_line_and_key(ledgerly):
    text = plan_text(("ADM", "cooking", "1.001", "USD", "2025-13"), ("ADM", "audit", "-5", "EUR", "2025"))
    with pytest.raises(InputError) as exc:
        plan.parse(ledgerly.terms, text, "b.toml")
    shown = str(exc.value)
    for where in (
        "lines[0].category",
        "lines[0].amount",
        "lines[0].period",
        "lines[1].code",
        "lines[1].currency",
    ):
        assert f"b.toml ({where})" in shown, where


def test_the_hash_covers_every_line(ledgerly):
    one = plan.parse(ledgerly.terms, plan_text(("ADM", "administration", "10.00", "USD", "2025")), "b")
    two = plan.parse(ledgerly.terms, plan_text(("ADM", "administration", "10.01", "USD", "2025")), "b")
    assert one.about.startswith(plan.ABOUT) and one.about != two.about


# -- adoption and expenses --


def test_an_executed_budget_adopts_its_lines_and_expenses_post_within_them(ledgerly, fund_engine):
    ledgerly.fund_cash()
    ledgerly.budget(
        ("ADM-2025", "administration", "5000.00", "USD", "2025"),
        ("AUD-Q4", "audit", "800.00", "USD", "2025-Q4"),
    )
    with db.transaction(fund_engine) as conn:
        now = lines.current(conn)
        assert {k: (v.amount, v.version) for k, v in now.items()} == {
            "ADM-2025": (D("5000.00"), 1),
            "AUD-Q4": (D("800.00"), 1),
        }
        assert "Expenses:Audit" in journal.load_accounts(conn)  # opened when its first line was adopted
    x = ledgerly.spend("ADM-2025", "4999.99", Q4, "INV-1")
    with db.transaction(fund_engine) as conn:
        e = journal.get_entry(conn, x.entry_seq)
        doc = conn.execute(select(t.document.c.sha256, t.document.c.content)).one()
    assert {(p.account, p.amount) for p in e.postings} == {
        ("Expenses:Administration", D("4999.99")),
        ("Assets:Cash:USD", D("-4999.99")),
    }
    assert doc.sha256 == x.document_sha256 and doc.content == b"%PDF-1.4 invoiceINV-1"
    # the same expense again is the one recorded; the same reference with other content is a conflict
    assert ledgerly.spend("ADM-2025", "4999.99", Q4, "INV-1") == x
    with pytest.raises(ConflictError, match="INV-1"):
        ledgerly.spend("ADM-2025", "0.01", Q4, "INV-1")
    ledgerly.spend("ADM-2025", "0.01", Q4, "INV-2")  # exactly to the line's amount
    assert not _findings(fund_engine, "budget.expenses") and not _findings(fund_engine, "budget.lines")


def test_an_expense_beyond_its_line_is_refused_until_the_budget_is_amended(ledgerly, fund_engine):
    ledgerly.fund_cash()
    ledgerly.budget(("ADM-2025", "administration", "1000.00", "USD", "2025"))
    ledgerly.spend("ADM-2025", "900.00", Q4, "INV-1")
    before = (_count(fund_engine, t.expense), _count(fund_engine, t.entry), _count(fund_engine, t.document))
    with pytest.raises(
        Refused, match=r"beyond the 1000.00 USD adopted \(100.00 left\); it needs a budget amendment"
    ):
        ledgerly.spend("ADM-2025", "100.01", Q4, "INV-2")
    assert (
        _count(fund_engine, t.expense),
        _count(fund_engine, t.entry),
        _count(fund_engine, t.document),
    ) == before
    for line, amount, day, currency, why in (
        ("ADM-2025", "1.00", dt.date(2026, 1, 2), "USD", "is for 2025"),
        ("ADM-2025", "1.00", Q4, "UAH", "is in USD, not UAH"),
    ):
        with pytest.raises(Refused, match=why):
            ledgerly.spend(line, amount, day, "INV-X", currency)
    with pytest.raises(InputError, match="line: no adopted budget line"):
        ledgerly.spend("NOPE", "1.00", Q4, "INV-X")
    # an amendment: the same code, a larger amount, a new version
    ledgerly.budget(("ADM-2025", "administration", "1500.00", "USD", "2025"), on=dt.date(2025, 11, 20))
    ledgerly.spend("ADM-2025", "100.01", dt.date(2025, 11, 21), "INV-2")
    with db.transaction(fund_engine) as conn:
        assert lines.current(conn)["ADM-2025"].version == 2
    # an amendment below what was spent is refused on execution, and changes nothing
    with pytest.raises(Refused, match="below the 1000.01 USD already spent"):
        ledgerly.budget(("ADM-2025", "administration", "1000.00", "USD", "2025"), on=dt.date(2025, 11, 22))
    assert not _findings(fund_engine, "budget.expenses") and not _findings(fund_engine, "budget.lines")


def _drop(engine, guard: str) -> None:  # noqa: ANN001
    with db.write(engine) as conn:
        conn.exec_driver_sql(
            f"DROP TRIGGER {guard}" + (" ON expense" if conn.dialect.name == "postgresql" else "")
        )


def test_the_database_refuses_an_overspending_expense_and_a_line_below_its_spending(ledgerly, fund_engine):
    ledgerly.fund_cash()
    pid = ledgerly.budget(("ADM-2025", "administration", "1000.00", "USD", "2025"))
    x = ledgerly.spend("ADM-2025", "900.00", Q4, "INV-1")
    row = {
        "id": 2,
        "line_code": "ADM-2025",
        "amount_minor": 10001,
        "currency": "USD",
        "date": Q4,
        "reference": "INV-2",
        "document_sha256": x.document_sha256,
        "entry_seq": x.entry_seq + 10_000,
        "seq": x.seq + 10_000,
    }
    # The guard wanting a countersignature (tests/budget/test_countersigned.py) is not the one tested here.
    _drop(fund_engine, "expense_countersigned")
    for change, message in (
        ({}, "exceed its budget line"),
        ({"currency": "UAH", "amount_minor": 1}, "currency differs"),
        ({"date": dt.date(2026, 1, 1), "amount_minor": 1}, "outside its budget line"),
        ({"line_code": "NOPE"}, "no budget line"),
    ):
        with pytest.raises(DBAPIError, match=message), db.write(fund_engine) as conn:
            conn.execute(insert(t.expense).values(**{**row, **change}))
    with pytest.raises(DBAPIError, match="below what was already spent"), db.write(fund_engine) as conn:
        seq = append_event(conn, "evil", lines.ADOPT, "budget-line:ADM-2025", {})
        conn.execute(
            insert(t.budget_line).values(
                id=2,
                code="ADM-2025",
                version=2,
                category="administration",
                period="2025",
                first_day=dt.date(2025, 1, 1),
                last_day=dt.date(2025, 12, 31),
                amount_minor=1,
                currency="USD",
                proposal_id=pid,
                seq=seq,
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), db.write(fund_engine) as conn:
        conn.execute(t.expense.update().values(amount_minor=1))


def test_verify_finds_an_expense_written_past_the_guards(ledgerly, fund_engine):
    ledgerly.fund_cash()
    ledgerly.budget(("ADM-2025", "administration", "1000.00", "USD", "2025"))
    x = ledgerly.spend("ADM-2025", "900.00", Q4, "INV-1")
    assert not _findings(fund_engine, "budget.expenses")
    _drop(fund_engine, "expense_countersigned")
    with db.write(fund_engine) as conn:
        conn.exec_driver_sql(
            "DROP TRIGGER expense_within_line" + (" ON expense" if conn.dialect.name == "postgresql" else "")
        )
        with db.transaction(fund_engine) as reader:
            line = lines.current(reader)["ADM-2025"]
        (seq,) = journal.post(
            conn,
            [
                expense.entry(
                    ledgerly.terms,
                    "Expenses:Administration",
                    line,
                    D("200.00"),
                    Q4,
                    "INV-2",
                    D("200.00"),
                    D("200.00"),
                )
            ],
            ledgerly.fund.start_date,
        )
        ev = append_event(conn, "evil", expense.RECORD, "expense:INV-2", {})
        conn.execute(
            insert(t.expense).values(
                id=2,
                line_code="ADM-2025",
                amount_minor=20000,
                currency="USD",
                date=Q4,
                reference="INV-2",
                document_sha256=x.document_sha256,
                entry_seq=seq,
                seq=ev,
            )
        )
    found = _findings(fund_engine, "budget.expenses")
    assert len(found) == 1 and "INV-2" in found[0] and "beyond the 1000.00 USD adopted" in found[0]
    [alone] = _findings(fund_engine, "budget.expense countersignatures")
    assert "expense INV-2: expense of expense:INV-2 carries no countersignature" in alone


# -- fees and capital --


def _fee_entries(engine) -> dict[str, tuple[dt.date, D]]:  # noqa: ANN001
    with db.transaction(engine) as conn:
        found = [e for e in journal.entries(conn) if e.key.startswith("fee:")]
    return {
        e.key: (e.date, next(p.amount for p in e.postings if p.account.startswith("Expenses:")))
        for e in found
    }


def test_fees_accrue_at_period_close_exactly_once_to_the_cent(fees_fund, fee_engine, tmp_path):
    f = fees_fund
    f.rates(tmp_path)
    f.fund_cash()  # 2 x 50,000,000.00 USD contributed on 2025-10-01
    f.budget(("ADM-2025", "administration", "5000.00", "USD", "2025"))
    f.spend("ADM-2025", "1234.57", Q4, "INV-1")
    for name in ("2025-Q2", "2025-Q3", "2025-Q4"):
        f.close(name)
    # management: 1% a year on the 100,000,000.00 contributed by the end of 2025, charged at the Q4 close;
    # the administrator's quarters of 2025 began with no net assets, so they charge nothing
    assert _fee_entries(fee_engine) == {"fee:management:2025": (dt.date(2025, 12, 31), D("1000000.00"))}
    f.close("2026-Q1")
    # administrator: 1.75% a year x 3/12 on the net assets of 2025-12-31:
    # 100,000,000.00 - 1,234.57 - 1,000,000.00 = 98,998,765.43 -> 433,119.59875625, rounded half up
    assert _fee_entries(fee_engine)["fee:administrator:2026-Q1"] == (dt.date(2026, 3, 31), D("433119.60"))
    with pytest.raises(Refused, match="already closed"):
        f.close("2026-Q1")
    assert len(_fee_entries(fee_engine)) == 2
    assert not _findings(fee_engine, "budget.fees")
    # a fee entry that no close owed is found by verify
    with db.write(fee_engine) as conn:
        journal.post(
            conn,
            [
                journal.Entry(
                    dt.date(2026, 4, 2),
                    "a second charge",
                    (
                        journal.Posting("Expenses:Fees:Administrator", D("1.00"), "USD"),
                        journal.Posting("Liabilities:Payables", D("-1.00"), "USD"),
                    ),
                    "fee:administrator:2026-Q2x",
                    ("fee:administrator",),
                )
            ],
            f.fund.start_date,
        )
    assert _findings(fee_engine, "budget.fees") == [
        "fee:administrator:2026-Q2x: a fee entry that no period close owed"
    ]


def test_expenses_and_fees_are_allocated_in_capital_and_roll_forward(fees_fund, fee_engine, tmp_path):
    f = fees_fund
    f.rates(tmp_path)
    f.fund_cash()
    f.budget(
        ("ADM-2025", "administration", "5000.00", "USD", "2025"),
        ("ADM-2026", "audit", "900.00", "USD", "2026-Q1"),
    )
    f.spend("ADM-2025", "1234.57", Q4, "INV-1")
    for name in ("2025-Q2", "2025-Q3", "2025-Q4"):
        f.close(name)
    f.spend("ADM-2026", "0.03", dt.date(2026, 2, 1), "INV-2")  # an odd cent to split
    f.close("2026-Q1")
    with db.transaction(fee_engine) as conn:
        q4 = capital_accounts(conn, f.fund, dt.date(2025, 12, 31), dt.date(2025, 10, 1))
        q1 = capital_accounts(conn, f.fund, dt.date(2026, 3, 31), dt.date(2026, 1, 1))
        whole = capital_accounts(conn, f.fund, dt.date(2026, 3, 31))
    assert sum(a.expenses for a in q4.accounts) == -(D("1234.57") + D("1000000.00"))
    assert sum(a.expenses for a in q1.accounts) == -(D("0.03") + D("433119.60"))
    assert sorted(a.expenses for a in q4.accounts) == [
        D("-500617.29"),
        D("-500617.28"),
    ]  # the odd cent to one
    for a in q4.accounts:  # the closing of one period is the opening of the next, to the cent
        assert q1.account(a.partner).opening == a.closing
        assert whole.account(a.partner).closing == q1.account(a.partner).closing
    assert sum(a.expenses for a in whole.accounts) == -(
        D("1234.57") + D("1000000.00") + D("0.03") + D("433119.60")
    )
    assert whole.capital + whole.other_equity == whole.nav
    report = verify(fee_engine, workers=1)
    assert report.ok, report.first_failure


def test_an_expense_in_another_currency_leaves_cash_at_its_carrying_amount(ledgerly, fund_engine, tmp_path):
    """410,000.00 UAH carried at 10,000.00 USD; 41,250.00 UAH paid when the rate is 41.25 is worth 1,000.00
    USD,
    leaves the position at 1,006.10 USD (41,250 x 10,000 / 410,000 = 1,006.0976 rounded), and 6.10 is realised
    FX."""
    ledgerly.budget(("ADM-UAH", "administration", "100000.00", "UAH", "2025"))
    with pytest.raises(InputError, match="needs the UAH reference rate|needs the USD reference rate"):
        ledgerly.spend("ADM-UAH", "41250.00", Q4, "INV-1", "UAH")
    ledgerly.rates(tmp_path)
    terms = ledgerly.terms
    with db.write(fund_engine) as conn:
        journal.post(
            conn,
            [
                journal.Entry(
                    dt.date(2025, 10, 1),
                    "UA cash in UAH",
                    (
                        journal.Posting("Assets:Cash:UAH", D("410000.00"), "UAH"),
                        journal.Posting("Equity:Trading:UAH", D("-410000.00"), "UAH"),
                        journal.Posting("Equity:Trading:UAH", D("10000.00"), "USD"),
                        journal.Posting(
                            terms.account_name("capital_cash", partner="UA"), D("-10000.00"), "USD"
                        ),
                    ),
                    "ua-cash",
                )
            ],
            ledgerly.fund.start_date,
        )
    x = ledgerly.spend("ADM-UAH", "41250.00", Q4, "INV-1", "UAH")
    with db.transaction(fund_engine) as conn:
        e = journal.get_entry(conn, x.entry_seq)
    assert sorted((p.account, p.amount, p.currency) for p in e.postings) == sorted(
        [
            ("Expenses:Administration", D("1000.00"), "USD"),
            ("Assets:Cash:UAH", D("-41250.00"), "UAH"),
            ("Equity:Trading:UAH", D("41250.00"), "UAH"),
            ("Equity:Trading:UAH", D("-1006.10"), "USD"),
            ("Income:FX:Realised", D("6.10"), "USD"),
        ]
    )
    assert x.amount == D("41250.00") and x.currency == "UAH"
    assert not _findings(fund_engine, "budget.expenses")
