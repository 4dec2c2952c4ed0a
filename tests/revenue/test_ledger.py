"""Accruals, corrections, transfers and the verify check, on both backends."""

import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support import countersigned

from jointfund import fund as fund_mod
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.revenue import book, imports, transfer, vocabulary
from jointfund.revenue.accrual import accrue, key_of
from jointfund.revenue.contribution import GROUPINGS, totals
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.verify import verify

from .conftest import LICENCES, write


def info_of(engine) -> fund_mod.FundInfo:
    with db.transaction(engine) as conn:
        return fund_mod.load(conn)


def load(engine, tmp_path, receipts_text: str, name: str = "r.csv") -> None:
    info = info_of(engine)
    terms = info.base_terms()
    with db.write(engine) as conn:
        if not book.licence_ids(conn):
            imports.run(conn, imports.licences_kind(terms), write(tmp_path, "l.csv", LICENCES), "test")
        imports.run(
            conn,
            imports.receipts_kind(terms, book.licence_ids(conn)),
            write(tmp_path, name, receipts_text),
            "test",
        )
        accrue(conn, info)


def receivable(engine) -> dict:
    terms = info_of(engine).base_terms()
    with db.transaction(engine) as conn:
        return journal.balance(
            conn, terms.account_name("contribution_receivable", partner=terms.contribution.partner)
        )


def contributions_check(engine):
    return next(r for r in verify(engine).results if r.check == "contributions = ledger")


HEADER = "receipt_id,date,licence_id,stream,amount,currency,corrects\n"


def test_corrections_reverse_the_accrual(fund_engine, tmp_path):
    load(
        fund_engine,
        tmp_path,
        HEADER + "R-1,2025-06-02,L-NEW,rent,1000.00,UAH,\nR-2,2025-06-02,L-NEW,rent,300.00,UAH,\n",
    )
    load(
        fund_engine,
        tmp_path,
        HEADER + "C-1,2025-07-01,L-NEW,rent,-1000.00,UAH,R-1\nC-2,2025-07-01,L-NEW,rent,-100.01,UAH,R-2\n",
        "c.csv",
    )
    with db.transaction(fund_engine) as conn:
        original = journal.get_entry(
            conn, conn.execute(select(t.entry.c.seq).where(t.entry.c.key == key_of("R-1"))).scalar_one()
        )
        [full] = [e for e in journal.entries(conn, link="receipt:C-1")]
        [partial] = [e for e in journal.entries(conn, link="receipt:C-2")]
    assert full.reverses == original.seq and full.key == key_of("C-1")
    assert partial.reverses is None and partial.postings[0].amount == Decimal(
        "-50.01"
    )  # half of -100.01, rounded half up
    assert receivable(fund_engine) == {"UAH": Decimal("99.99")}
    assert contributions_check(fund_engine).ok


def test_transfer_settles_and_shows_under_and_over_payment(fund_engine, tmp_path):
    load(
        fund_engine,
        tmp_path,
        HEADER + "R-1,2025-06-02,L-NEW,rent,1000.00,UAH,\nR-2,2026-01-05,L-NEW,rent,10.00,UAH,\n",
    )
    info = info_of(fund_engine)
    terms = info.base_terms()
    cs = countersigned(fund_engine)
    with db.write(fund_engine) as conn:
        transfer.record(conn, info, "UA", dt.date(2026, 3, 20), Decimal("400.00"), "UAH", "T-1", 2025, **cs)
        [under] = transfer.statuses(conn, terms, 2025)
        second = transfer.record(
            conn, info, "UA", dt.date(2026, 4, 3), Decimal("150.00"), "UAH", "T-2", 2025, **cs
        )
        [over] = transfer.statuses(conn, terms, 2025)
        again = transfer.record(
            conn, info, "UA", dt.date(2026, 4, 3), Decimal("150.00"), "UAH", "T-2", 2025, **cs
        )
    assert (under.obligation, under.outstanding, under.state, under.settled_on) == (
        Decimal("500.00"),
        Decimal("100.00"),
        "under-paid",
        None,
    )
    assert (over.outstanding, over.state, over.settled_on) == (
        Decimal("-50.00"),
        "over-paid",
        dt.date(2026, 4, 3),
    )
    assert again == second and over.transfers == 2  # the same reference again is the same entry, not a third
    with db.transaction(fund_engine) as conn:
        capital = journal.balance(conn, terms.account_name("capital_revenue", partner="UA"))
        cash = journal.balance(conn, terms.account_name("cash", currency="UAH"))
    assert capital == {"UAH": Decimal("-550.00")} and cash == {"UAH": Decimal("550.00")}
    assert receivable(fund_engine) == {
        "UAH": Decimal("-45.00")
    }  # 505 accrued over two periods, 550 transferred
    assert contributions_check(fund_engine).ok


def test_verify_catches_a_ledger_that_disagrees_with_the_rules(fund_engine, tmp_path):
    load(fund_engine, tmp_path, HEADER + "R-1,2025-06-02,L-NEW,rent,1000.00,UAH,\n")
    info = info_of(fund_engine)
    terms = info.base_terms()
    partner = terms.contribution.partner
    stray = Entry(
        dt.date(2025, 6, 3),
        "hand-made accrual",
        (
            Posting(terms.account_name("contribution_receivable", partner=partner), Decimal("1.00"), "UAH"),
            Posting(terms.account_name("contribution_obligation", partner=partner), Decimal("-1.00"), "UAH"),
        ),
        key_of("R-404"),
    )
    with db.write(fund_engine) as conn:
        journal.post(conn, [stray], info.start_date)
    check = contributions_check(fund_engine)
    assert not check.ok
    details = " | ".join(f.detail for f in check.failures)
    assert "accrual contribution:R-404 of 1.00 UAH has no receipt that owes it" in details
    assert "holds 501.00 UAH; contributions less transfers are 500.00 UAH" in details


def test_verify_recomputes_apart_from_the_path_that_accrued(fund_engine, tmp_path, monkeypatch):
    """A fault in the column-wise reading of the rules, with which accrual writes, is caught: verify reads
    the same declarations one receipt at a time (the fault stays while verify runs: a check on the same
    path would agree with the wrong accruals)."""
    start = info_of(fund_engine).base_terms().eligibility.receipts_on_or_after
    # Frames judge a receipt of the first day as early.
    monkeypatch.setattr(vocabulary.Columns, "before", lambda self, value, day: value <= pl.lit(day))
    load(fund_engine, tmp_path, HEADER + f"R-1,{start},L-NEW,rent,1000.00,UAH,\n")
    assert receivable(fund_engine) == {}
    check = contributions_check(fund_engine)
    assert not check.ok
    details = " | ".join(f.detail for f in check.failures)
    assert "receipt R-1 owes 500.00 UAH but has no accrual entry" in details


@st.composite
def receipt_files(draw):
    n = draw(st.integers(1, 25))
    lines = []
    for i in range(n):
        day = dt.date(2025, 5, 15) + dt.timedelta(days=draw(st.integers(0, 500)))
        lic = draw(st.sampled_from(["L-NEW", "L-OLD", "L-UND", "L-EARLY", "L-REN"]))
        stream = draw(
            st.sampled_from(["rent", "permit_fee", "permit_sale", "psa_state_share", "psa_bonus", "other"])
        )
        amount = Decimal(draw(st.integers(-(10**8), 10**10))).scaleb(-2)
        lines.append(f"R-{i},{day},{lic},{stream},{amount},UAH,")
    return HEADER + "\n".join(lines) + "\n"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=receipt_files())
def test_per_receipt_contributions_equal_grouped_totals_and_the_ledger(fund_url, tmp_path_factory, text):
    # Each example on a fresh copy of the fund would be slow on PostgreSQL; receipt ids are
    # made unique per example instead, so examples add up in one fund and the property holds for the sum.
    engine = db.make_engine(fund_url)
    try:
        tag = tmp_path_factory.mktemp("p").name
        load(engine, tmp_path_factory.mktemp("f"), text.replace("R-", f"R{tag}-"))
        info = info_of(engine)
        with db.transaction(engine) as conn:
            evaluations = list(book.evaluations(conn, info))
        per_receipt = sum(e.contribution for e in evaluations)
        for by in ("month", "licence", "stream"):
            assert sum(x.contribution for x in totals(evaluations, by)) == per_receipt
        with db.transaction(
            engine
        ) as conn:  # the column-wise totals the commands print, read back from storage
            for by in (*GROUPINGS, "total"):
                assert book.grouped_totals(conn, info, by) == (
                    totals(evaluations, by),
                    {e.missing_rate for e in evaluations if e.missing_rate},
                )
        assert receivable(engine).get("UAH", Decimal("0.00")) == per_receipt
        assert contributions_check(engine).ok
    finally:
        engine.dispose()


class Kept(dict):
    """A Carry (api.cache.Carried's get and put) in a dict."""

    def put(self, name: str, state) -> None:  # noqa: ANN001
        self[name] = state


def test_carried_statuses_read_only_the_entries_since_and_equal_a_whole_read(fund_engine, tmp_path):
    """The dashboard's calendar is computed after every write; carried (issue 13), it reads the receivable's
    postings of the entries the book gained since the last computation, not every accrual of the book, and
    says exactly what a whole read says after accruals, a correction, transfers and a second period."""
    kept = Kept()
    info = info_of(fund_engine)
    terms = info.base_terms()
    cs = countersigned(fund_engine)

    def both() -> list:
        with db.transaction(fund_engine) as conn:
            whole = transfer.statuses(conn, terms)
            carried = transfer.statuses(conn, terms, carry=kept)
        assert carried == whole
        return carried

    assert both() == []  # nothing accrued yet: an empty account read whole
    load(fund_engine, tmp_path, HEADER + "R-1,2025-06-02,L-NEW,rent,1000.00,UAH,\n")
    first = both()
    through = kept[transfer.CARRIED_RECEIVABLE].through
    load(fund_engine, tmp_path, HEADER + "R-2,2026-01-05,L-NEW,rent,10.00,UAH,\n", "r2.csv")
    load(fund_engine, tmp_path, HEADER + "C-1,2025-07-01,L-NEW,rent,-100.00,UAH,R-1\n", "c.csv")
    with db.write(fund_engine) as conn:
        transfer.record(conn, info, "UA", dt.date(2026, 3, 20), Decimal("400.00"), "UAH", "T-1", 2025, **cs)
    later = both()
    assert kept[transfer.CARRIED_RECEIVABLE].through > through and later != first
    assert [(s.period, s.obligation, s.transferred) for s in later] == [
        (2025, Decimal("450.00"), Decimal("400.00")),
        (2026, Decimal("5.00"), Decimal("0")),
    ]

    # What is carried is used: a state that says more was owed than the book does is believed, up to its own
    # last entry (nothing is read again below it) ...
    state = kept[transfer.CARRIED_RECEIVABLE]
    owed = dict(state.owed)
    owed[(2025, "UAH")] += 1
    kept.put(transfer.CARRIED_RECEIVABLE, state._replace(owed=tuple(sorted(owed.items()))))
    with db.transaction(fund_engine) as conn:
        [believed, _] = transfer.statuses(conn, terms, carry=kept)
    assert believed.obligation == Decimal("450.01")
    # ... but never one that went further than the book (another snapshot), nor one of another account: those
    # are read again whole.
    for wrong in (state._replace(through=state.through + 1, owed=()), state._replace(account_id=-1, owed=())):
        kept.put(transfer.CARRIED_RECEIVABLE, wrong)
        with db.transaction(fund_engine) as conn:
            assert transfer.statuses(conn, terms, carry=kept) == later


def test_an_entry_committed_while_the_receivable_is_read_is_counted_once(fund_engine, tmp_path):
    """The book's last entry is read first and the postings up to it only: an accrual committed between the
    two statements (PostgreSQL reads each statement at its own snapshot) is left to the next computation
    rather than read now and again then. Carried, the next read still equals a whole one."""
    import sqlalchemy

    kept = Kept()
    terms = info_of(fund_engine).base_terms()
    load(fund_engine, tmp_path, HEADER + "R-1,2025-06-02,L-NEW,rent,1000.00,UAH,\n")
    with db.transaction(fund_engine) as conn:
        transfer.statuses(conn, terms, carry=kept)
    armed = [True]

    def commit_meanwhile(_c, _cur, statement: str, *_a) -> None:  # noqa: ANN001
        if armed[0] and "FROM posting" in statement and "entry_seq >" in statement:
            armed[0] = False
            load(fund_engine, tmp_path, HEADER + "R-2,2025-08-01,L-NEW,rent,10.00,UAH,\n", "r2.csv")

    sqlalchemy.event.listen(fund_engine, "before_cursor_execute", commit_meanwhile)
    try:
        with db.transaction(fund_engine) as conn:
            transfer.statuses(conn, terms, carry=kept)
    finally:
        sqlalchemy.event.remove(fund_engine, "before_cursor_execute", commit_meanwhile)
    assert not armed[0]  # the accrual was committed between the two reads
    with db.transaction(fund_engine) as conn:
        whole = transfer.statuses(conn, terms)
        assert transfer.statuses(conn, terms, carry=kept) == whole
    assert [(s.period, s.obligation) for s in whole] == [(2025, Decimal("505.00"))]
