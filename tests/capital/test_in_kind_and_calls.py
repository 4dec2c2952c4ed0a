"""In-kind contributions become capital only once approved and executed, at the approved value; calls follow
commitments and cash received may not exceed them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy

from jointfund.capital import calls, in_kind
from jointfund.capital.accounts import capital_accounts
from jointfund.errors import InputError, Refused
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db

D = dt.date


def _report(folio, partner: str = "US", value: str = "38500000.00", proposed: str | None = "36000000.00"):  # noqa: ANN001, ANN202
    proposer = folio.names["board"][0]
    cs = folio.countersigned()
    with db.write(folio.engine) as conn:
        return in_kind.report(
            conn,
            folio.fund,
            "test",
            partner,
            "Air-defence interceptors",
            Decimal(value),
            "USD",
            D(2025, 11, 20),
            "MOD-1",
            proposer,
            folio.keys[proposer],
            D(2026, 1, 12),
            None if proposed is None else Decimal(proposed),
            funded_by="us_funded",
            countersigner=cs["countersigner"],
        )


def test_in_kind_value_becomes_capital_only_after_approval_and_execution(folio) -> None:  # noqa: ANN001
    item, p = _report(folio)
    assert (item.reported, p.amount, p.kind) == (
        Decimal("38500000.00"),
        Decimal("36000000.00"),
        "in_kind_valuation",
    )
    folio.approve(p.id, D(2026, 1, 26))
    assert folio.balance("capital_in_kind", partner="US") == 0  # approved, not executed: not capital yet
    folio.execute(p.id, D(2026, 1, 26))
    assert folio.balance("capital_in_kind", partner="US") == Decimal("-36000000.00")
    with db.transaction(folio.engine) as conn:
        (stored,) = in_kind.items(conn, folio.fund)
    assert (stored.reported, stored.approved, stored.booked_on) == (
        Decimal("38500000.00"),
        Decimal("36000000.00"),
        D(2026, 1, 26),
    )


def _capital(folio, day: dt.date):  # noqa: ANN001, ANN202
    with db.transaction(folio.engine) as conn:
        fc = capital_accounts(conn, folio.fund, day)
        sheet = {
            a: v
            for a, _c, v in journal.trial_balance(conn, day)
            if a.split(":")[0] in ("Assets", "Liabilities")
        }
    return fc, sheet


def test_an_in_kind_credit_moves_ownership_and_leaves_the_net_assets_unchanged_to_the_cent(folio) -> None:  # noqa: ANN001
    folio.fund_cash("100000000.01")  # a call of 100,000,000.01 on equal commitments: the odd cent to the US
    with db.write(folio.engine) as conn:  # income, so that capital is not only what was contributed
        journal.post(
            conn,
            [
                Entry(
                    D(2025, 12, 1),
                    "Interest",
                    (
                        Posting("Assets:Cash:USD", Decimal("3333.33"), "USD"),
                        Posting("Income:Investment:Interest", Decimal("-3333.33"), "USD"),
                    ),
                    "INT-1",
                )
            ],
            folio.fund.start_date,
        )
    _item, p = _report(folio, proposed="36000000.01")
    folio.approve(p.id, D(2026, 1, 26))
    before, sheet_before = _capital(folio, D(2026, 1, 26))
    folio.execute(p.id, D(2026, 1, 26))
    after, sheet_after = _capital(folio, D(2026, 1, 26))
    assert after.nav == before.nav == Decimal("100003333.34")  # no asset for the assistance: NAV to the cent
    assert sheet_after == sheet_before  # not one asset or liability moved
    assert after.capital == before.capital == after.nav
    us, ua = after.account("US"), after.account("UA")
    c, c_us, v = before.capital, before.account("US").closing, Decimal("36000000.01")
    # The contributor's claim is (C_us + V) / (C + V) of the same net assets; the other's is scaled by C / (C
    # + V).
    assert abs(us.closing - after.nav * (c_us + v) / (c + v)) <= Decimal("0.01")
    assert abs(ua.closing - before.account("UA").closing * c / (c + v)) <= Decimal("0.01")
    assert us.share > before.account("US").share and ua.share < before.account("UA").share
    assert us.share + ua.share == 1
    assert us.in_kind + ua.in_kind == 0 and us.in_kind > 0  # a reallocation between partners, nothing created
    assert (us.contributed, ua.contributed) == (Decimal("86000000.02"), Decimal("50000000.00"))


def test_a_credit_before_anyone_has_capital_moves_no_claim(folio) -> None:  # noqa: ANN001
    _item, p = _report(folio)
    folio.approve(p.id, D(2026, 1, 26))
    folio.execute(p.id, D(2026, 1, 26))
    fc, sheet = _capital(folio, D(2026, 1, 26))
    assert (fc.nav, sheet) == (0, {})
    assert [(a.partner, a.closing, a.contributed) for a in fc.accounts] == [
        ("US", 0, Decimal("36000000.00")),
        ("UA", 0, 0),
    ]


def test_in_kind_refusals(folio) -> None:  # noqa: ANN001
    with pytest.raises(InputError, match="only to US"):
        _report(folio, partner="UA")
    with pytest.raises(InputError, match="must be more than zero"):
        _report(folio, value="-1.00", proposed=None)
    _report(folio)
    with pytest.raises(Refused, match="already recorded"):
        _report(folio)


def test_a_rejected_valuation_books_nothing(folio) -> None:  # noqa: ANN001
    _item, p = _report(folio)
    # One reject only blocks it while the other seats may still vote (issue 12); the whole board rejects.
    folio.votes(p.id, [folio.names["board"][-1]], "reject", D(2026, 1, 20))
    assert folio.standing(p.id, D(2026, 1, 20)).state == "open"
    folio.votes(p.id, folio.names["board"][:-1], "reject", D(2026, 1, 20))
    assert folio.standing(p.id, D(2026, 1, 20)).state == "rejected"
    with pytest.raises(Refused):
        folio.execute(p.id, D(2026, 1, 20))
    assert folio.balance("capital_in_kind", partner="US") == 0


def test_a_call_is_pro_rata_to_commitments_and_cash_may_not_exceed_it(folio) -> None:  # noqa: ANN001
    terms, fund = folio.fund.base_terms(), folio.fund
    cs = folio.countersigned()
    with db.write(folio.engine) as conn:
        calls.commit(conn, terms, "US", Decimal("300.00"), "USD", D(2025, 9, 17), "C-US")
        calls.commit(conn, terms, "UA", Decimal("100.00"), "USD", D(2025, 9, 17), "C-UA")
        lines = calls.issue_call(conn, fund, Decimal("100.01"), "USD", D(2025, 10, 1), "CALL-1", **cs)
    assert {x.partner: x.amount for x in lines} == {"US": Decimal("75.01"), "UA": Decimal("25.00")}
    with pytest.raises(Refused, match="more than the partners have left to call"):
        with db.write(folio.engine) as conn:
            calls.issue_call(conn, fund, Decimal("300.00"), "USD", D(2025, 10, 2), "CALL-2", **cs)
    with db.write(folio.engine) as conn:
        calls.contribute(conn, fund, "CALL-1-US", Decimal("50.00"), D(2025, 10, 5), "BANK-1", **cs)
        calls.contribute(
            conn, fund, "CALL-1-US", Decimal("50.00"), D(2025, 10, 5), "BANK-1", **cs
        )  # same again: no-op
    with pytest.raises(Refused, match="25.01 USD outstanding"):
        with db.write(folio.engine) as conn:
            calls.contribute(conn, fund, "CALL-1-US", Decimal("25.02"), D(2025, 10, 6), "BANK-2", **cs)
    with db.transaction(folio.engine) as conn:
        state = {x.reference: x for x in calls.open_calls(conn, terms)}
    assert (state["CALL-1-US"].received, state["CALL-1-US"].outstanding) == (
        Decimal("50.00"),
        Decimal("25.01"),
    )
    assert folio.balance("capital_cash", partner="US") == Decimal("-75.01")


def test_partner_capital_reads_each_partners_commitments_and_calls_in_two_statements(folio) -> None:  # noqa: ANN001
    terms, fund = folio.fund.base_terms(), folio.fund
    other = next(c for c in terms.fund.currencies if c != "USD")
    cs = folio.countersigned()
    with db.write(folio.engine) as conn:
        calls.commit(conn, terms, "US", Decimal("300.00"), "USD", D(2025, 9, 17), "C-US")
        calls.commit(conn, terms, "UA", Decimal("100.00"), "USD", D(2025, 9, 17), "C-UA")
        calls.commit(conn, terms, "US", Decimal("50.00"), "USD", D(2025, 11, 1), "C-US-2")  # later
        calls.commit(conn, terms, "UA", Decimal("70.00"), other, D(2025, 9, 17), "C-UA-X")  # another currency
        calls.issue_call(conn, fund, Decimal("100.01"), "USD", D(2025, 10, 1), "CALL-1", **cs)
        calls.contribute(conn, fund, "CALL-1-US", Decimal("50.00"), D(2025, 10, 5), "BANK-1", **cs)
    seen: list[int] = []
    listener = lambda *a: seen.append(1)  # noqa: E731
    sqlalchemy.event.listen(folio.engine, "before_cursor_execute", listener)
    try:
        with db.transaction(folio.engine) as conn:
            seen.clear()  # what opening the transaction ran
            asked = ((D(2025, 9, 30), None), (D(2025, 10, 5), "USD"), (None, "USD"), (None, other))
            figures = {
                (day, cur): {c.partner: c[2:] for c in calls.partner_capital(conn, terms, day, cur)}
                for day, cur in asked
            }
            statements = len(seen) / len(figures)
            by_partner = calls.commitments(conn, "USD", D(2025, 10, 31))
            assert calls.committed(conn, "US", "USD", None) == Decimal("350.00")
            assert calls.committed(conn, "UA", other, D(2025, 9, 16)) == 0  # before it was made
    finally:
        sqlalchemy.event.remove(folio.engine, "before_cursor_execute", listener)
    z, m = Decimal(0), Decimal
    # (committed, called, received, outstanding, uncalled)
    assert figures[D(2025, 9, 30), None] == {"US": (m(300), z, z, z, m(300)), "UA": (m(100), z, z, z, m(100))}
    assert figures[D(2025, 10, 5), "USD"] == {
        "US": (m(300), m("75.01"), m(50), m("25.01"), m("224.99")),
        "UA": (m(100), m(25), z, m(25), m(75)),
    }
    assert figures[None, "USD"] == {
        "US": (m(350), m("75.01"), m(50), m("25.01"), m("274.99")),
        "UA": (m(100), m(25), z, m(25), m(75)),
    }
    # Only what was committed in the currency asked for; no call was made in it.
    assert figures[None, other] == {"US": (z, z, z, z, z), "UA": (m(70), z, z, z, m(70))}
    assert statements == 2  # the balances of every partner's accounts in one, the commitments in another
    assert by_partner == {"US": m(300), "UA": m(100)}
