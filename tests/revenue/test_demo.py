"""The demo's revenue on both backends: deterministic inputs, a verified book, the report year's story."""

import datetime as dt

from support import authority_key, ceremony

from jointfund.demo import governance as governance_demo
from jointfund.demo import revenue as revenue_demo
from jointfund.governance import countersign, member
from jointfund.revenue import book, transfer
from jointfund.store import db
from jointfund.verify import verify

from .test_ledger import info_of


def test_inputs_are_deterministic(tmp_path):
    _, first = revenue_demo.write_inputs(tmp_path / "a")
    _, second = revenue_demo.write_inputs(tmp_path / "b")
    for kind in first:
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind


def test_demo_revenue_builds_a_verified_book(fund_engine, tmp_path):
    info = info_of(fund_engine)
    # The board is seated first: each transfer is countersigned by a seat of the other partner.
    ceremony(fund_engine)
    authorities = {p: authority_key(p) for p in info.base_terms().partner_codes}
    governance_demo.seat(fund_engine, info, tmp_path, lambda _m: None, authorities)
    year = revenue_demo.build(fund_engine, info, tmp_path, lambda _m: None)
    report = verify(fund_engine)
    assert report.ok, report.first_failure
    _, by_resource, calendar = revenue_demo.summary(fund_engine, info, dt.date(2026, 11, 22))
    covered = {r.code for r in info.base_terms().resources if r.covered}
    assert {x.key for x in by_resource if x.contribution} <= covered
    assert any(x.key not in covered for x in by_resource)  # uncovered revenue is reported too
    status = {d.code: d.status for d in calendar}
    assert status == {"data": "done", "transfer": "late", "report": "done", "audit": "open"}
    with db.transaction(fund_engine) as conn:
        [settled] = transfer.statuses(conn, info.base_terms(), year)
        reasons = {e.reason for e in book.evaluations(conn, info)}
    assert settled.outstanding == 0 and settled.transfers == 2
    with db.transaction(fund_engine) as conn:
        signed = countersign.of(conn)
        seats = {m.id: m.partner for m in member.seated(conn)}
    # Each of the two transfers stands beside a US seat's countersignature (the transfers are UA's).
    assert [(r["kind"], seats[r["member"]]) for r in signed.values()] == [("transfer", "US")] * 2
    assert {
        "eligible",
        "resource iron_ore is not covered",
        "licence basis renewal: renewals do not count",
    } <= reasons
