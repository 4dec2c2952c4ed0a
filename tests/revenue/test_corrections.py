"""Append-only corrections of reference data (issue 19 §4): a wrong rate, licence field or receipt field is
superseded by a correction with a reason and an actor, the accruals it changed are reversed and re-booked, and
verify follows the chain. Both backends."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from support import cli_countersign, countersigner, seated_member

from jointfund.errors import InputError, NotFound
from jointfund.governance import countersign
from jointfund.ledger import journal
from jointfund.ledger.log import append_event
from jointfund.revenue import book, corrections, imports
from jointfund.revenue.accrual import accruals_of
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify

from .conftest import write
from .test_ledger import HEADER, info_of, load

RECEIPTS = HEADER + "R-1,2025-06-02,L-NEW,rent,1000.00,UAH,\nR-2,2025-06-02,L-OLD,rent,500.00,UAH,\n"
WRONG, RIGHT = "4.1860", "41.8600"  # a plausible rate (within the terms' range) with the point one place off


def setup(engine, tmp_path, rate: str = WRONG) -> None:
    info = info_of(engine)
    with db.write(engine) as conn:
        imports.run(
            conn,
            imports.rates_kind(info.base_terms()),
            write(tmp_path, "fx.csv", f"date,currency,rate\n2025-06-02,USD,{rate}\n"),
            "test",
        )
    load(engine, tmp_path, RECEIPTS)


def obligation_usd(engine, receipt_id: str = "R-1") -> Decimal:
    """The receipt's obligation in the functional currency, net over its accruals."""
    terms = info_of(engine).base_terms()
    with db.transaction(engine) as conn:
        entries = accruals_of(conn, receipt_id)
    return -sum(
        (
            p.amount
            for e in entries
            for p in e.postings
            if p.account == terms.account_name("contribution_obligation", partner=terms.contribution.partner)
            and p.currency == "USD"
        ),
        Decimal(0),
    )


def failures(engine, check: str = "corrections") -> list[str]:
    return [f.detail for r in verify(engine).results if r.check == check for f in r.failures]


def leaves(engine) -> int:
    with db.transaction(engine) as conn:
        return conn.execute(select(func.count()).select_from(t.leaf)).scalar_one()


def correct_rate(
    engine, rate: str, reason: str = "NBU's rate was transcribed with the point misplaced", **kw
):
    info = info_of(engine)
    by = kw.pop("countersigner", None) or countersigner(engine)
    with db.write(engine) as conn:
        return corrections.correct_rate(
            conn, info, "treasury", "USD", dt.date(2025, 6, 2), rate, reason, countersigner=by, **kw
        )


def test_a_plausible_but_wrong_rate_is_corrected_and_the_contribution_rebooked(fund_engine, tmp_path):
    setup(fund_engine, tmp_path)
    wrong = obligation_usd(fund_engine)
    assert wrong == Decimal("119.45")  # 500 UAH at 4.1860: ten times too much
    with db.transaction(fund_engine) as conn:
        [first] = accruals_of(conn, "R-1")
    done = correct_rate(fund_engine, RIGHT)
    assert (done.reversals, done.rebookings) == (1, 1)
    [made] = done.corrections
    assert (made.kind, made.subject, made.field, made.previous, made.value, made.supersedes, made.actor) == (
        "rate",
        "USD 2025-06-02",
        "rate",
        WRONG,
        RIGHT,
        None,
        "treasury",
    )
    assert obligation_usd(fund_engine) == Decimal("11.94")
    with db.transaction(fund_engine) as conn:
        original, undo, again = accruals_of(conn, "R-1")
        stored = conn.execute(select(t.fx_rate.c.rate)).scalar_one()
        event = conn.execute(select(t.event).where(t.event.c.seq == made.seq)).one()
    assert original == first and undo.reverses == first.seq and f"correction:{made.seq}" in again.links
    assert stored == WRONG  # the imported row is never edited
    assert (event.action, event.actor, json.loads(event.data)["reason"]) == (
        "rate.correct",
        "treasury",
        made.reason,
    )
    report = verify(fund_engine)
    assert report.ok, report.first_failure
    # A second correction supersedes the first: the chain's last value is the effective one.
    second = correct_rate(fund_engine, "41.8500", "NBU revised the day's rate").corrections[0]
    assert (second.supersedes, second.previous) == (made.seq, RIGHT)
    with db.transaction(fund_engine) as conn:
        assert [r.rate for r in book.effective_rates(conn)] == [Decimal("41.8500")]
        assert book.corrections(conn) == [made, second]
    assert verify(fund_engine).ok


def test_a_correction_is_bounded_checked_and_writes_nothing_when_refused(fund_engine, tmp_path):
    setup(fund_engine, tmp_path)
    countersigner(fund_engine)  # the member seated first: the refusals below must add nothing after it
    before = leaves(fund_engine)
    with pytest.raises(InputError, match="outside the terms' plausible range for USD"):
        correct_rate(fund_engine, "0.000000000000000000000000000001")
    with pytest.raises(InputError, match="not a number written with the digits 0-9"):
        correct_rate(fund_engine, "1e30")
    with pytest.raises(InputError, match="reason: a correction needs a reason"):
        correct_rate(fund_engine, RIGHT, reason="  ")
    with pytest.raises(InputError, match="already has that value"):
        correct_rate(fund_engine, WRONG)
    info = info_of(fund_engine)
    with db.write(fund_engine) as conn, pytest.raises(NotFound, match="no USD rate on 2025-06-03"):
        corrections.correct_rate(conn, info, "treasury", "USD", dt.date(2025, 6, 3), RIGHT, "why")
    with db.write(fund_engine) as conn, pytest.raises(InputError, match="field: expected one of amount"):
        corrections.correct_receipt(conn, info, "treasury", "R-1", "date", "2025-06-03", "why")
    with db.write(fund_engine) as conn, pytest.raises(InputError, match="unknown licence"):
        corrections.correct_receipt(conn, info, "treasury", "R-1", "licence_id", "L-NONE", "why")
    assert leaves(fund_engine) == before


def test_a_rate_jump_against_the_rate_after_it_needs_confirmation(fund_engine, tmp_path):
    setup(fund_engine, tmp_path, RIGHT)
    info = info_of(fund_engine)
    with db.write(fund_engine) as conn:
        imports.run(
            conn,
            imports.rates_kind(info.base_terms()),
            write(tmp_path, "fx2.csv", "date,currency,rate\n2025-06-03,USD,41.9\n"),
            "test",
        )
    with pytest.raises(
        InputError,
        match=r"the next rate, of 2025-06-03 \(41.9\), changes .* correct again with --accept-jump",
    ):
        correct_rate(fund_engine, "60")
    assert correct_rate(fund_engine, "60", accept_jump=True).rebookings == 1


def test_licence_and_receipt_corrections_rebook_and_verify_follows(fund_engine, tmp_path):
    setup(fund_engine, tmp_path, RIGHT)
    info = info_of(fund_engine)
    by = countersigner(fund_engine)
    with db.write(fund_engine) as conn:
        amount = corrections.correct_receipt(
            conn, info, "treasury", "R-1", "amount", "1200.00", "the Treasury re-sent it", by
        )
        basis = corrections.correct_licence(
            conn, info, "treasury", "L-NEW", "basis", "existing", "the registry's error", by
        )
    assert (amount.reversals, amount.rebookings) == (1, 1)
    assert (basis.reversals, basis.rebookings) == (1, 0)  # an existing licence's receipts owe nothing
    with db.transaction(fund_engine) as conn:
        assert book.licences(conn)["L-NEW"].basis == "existing"
        assert [r.amount for r in book.receipts(conn) if r.receipt_id == "R-1"] == [Decimal("1200.00")]
        assert journal.balance(conn, "Assets:Receivable:Contributions:UA").get("UAH", Decimal(0)) == Decimal(
            0
        )
    report = verify(fund_engine)
    assert report.ok, report.first_failure
    with db.write(fund_engine) as conn:  # and back: the receipt owes again, booked under a correction key
        again = corrections.correct_licence(
            conn, info, "treasury", "L-NEW", "basis", "new", "the registry fixed it", by
        )
    assert (again.reversals, again.rebookings) == (0, 1)
    assert verify(fund_engine).ok


def test_verify_names_a_tampered_or_deleted_correction_row(fund_engine, tmp_path, backend):
    setup(fund_engine, tmp_path)
    made = correct_rate(fund_engine, RIGHT).corrections[0]
    assert failures(fund_engine) == []
    with db.write(fund_engine) as conn:
        for statement in drop_guard_statements(backend, "correction"):
            conn.execute(text(statement))
        conn.execute(text("UPDATE correction SET value = '4.1860'"))
    found = failures(fund_engine)
    assert (
        f"correction {made.seq} (rate USD 2025-06-02 rate): the stored row says value '4.1860', its logged "
        "event '41.8600'" in found
    )
    assert any("R-1: its accruals do not match the corrected values" in f for f in found)
    assert any("correction_no_update is missing" in f for f in failures(fund_engine, "database guards"))
    with db.write(fund_engine) as conn:
        conn.execute(text("DELETE FROM correction"))
    assert f"the correction logged at {made.seq} (rate:USD 2025-06-02) has no correction row" in failures(
        fund_engine
    )


def test_the_database_keeps_corrections_append_only_and_each_chain_one_line(fund_engine, tmp_path):
    setup(fund_engine, tmp_path)
    made = correct_rate(fund_engine, RIGHT).corrections[0]
    row = {**made._asdict(), "seq": 9_000, "value": "41.9"}
    for statement in ("UPDATE correction SET value = '1'", "DELETE FROM correction"):
        with pytest.raises(Exception, match="append-only"), db.write(fund_engine) as conn:
            conn.execute(text(statement))
    with db.write(fund_engine) as conn:  # an event to tie test rows to
        conn.execute(
            t.event.insert().values(
                seq=9_000, recorded_at=made.recorded_at, actor="x", action="x", subject="x", data="{}"
            )
        )
    # Past the domain, a correction without a member's countersignature beside it is refused ...
    with pytest.raises(Exception, match="countersignature of a seated member"), db.write(fund_engine) as conn:
        conn.execute(t.correction.insert().values(**{**row, "subject": "EUR 2025-06-02"}))
    with db.write(fund_engine) as conn:  # ... so the rows below carry one, to reach the other guards
        conn.execute(
            t.countersignature.insert().values(
                seq=9_000,
                kind="correction",
                member_id=seated_member(fund_engine).id,
                requested_by="treasury",
                signature="ab" * 64,
            )
        )
    with pytest.raises(Exception, match="(?i)unique|duplicate"), db.write(fund_engine) as conn:
        conn.execute(t.correction.insert().values(**row))  # a second first link of the same field
    with (
        pytest.raises(Exception, match="supersedes a correction of another record or field"),
        db.write(fund_engine) as conn,
    ):
        conn.execute(
            t.correction.insert().values(**{**row, "subject": "EUR 2025-06-02", "supersedes": made.seq})
        )


def test_cli_corrections_report_and_list_the_effective_values(cli, fund_engine, tmp_path):
    setup(fund_engine, tmp_path)
    second = cli_countersign(cli, tmp_path)
    out = cli(
        "fx",
        "correct",
        "--date",
        "2025-06-02",
        "--currency",
        "USD",
        "--rate",
        RIGHT,
        "--reason",
        "point misplaced",
        "--format",
        "json",
        *second,
    ).stdout
    [row] = json.loads(out)
    assert (row["previous"], row["value"], row["accruals_reversed"], row["accruals_rebooked"]) == (
        WRONG,
        RIGHT,
        1,
        1,
    )
    [listed] = json.loads(cli("fx", "list", "--format", "json").stdout)
    assert (listed["rate"], listed["corrected"]) == (RIGHT, "yes")
    out = cli(
        "receipts",
        "correct",
        "R-1",
        "--field",
        "amount",
        "--value",
        "900.00",
        "--reason",
        "re-sent",
        "--format",
        "csv",
        *second,
    ).stdout
    assert out.splitlines()[1].split(",")[3:6] == ["amount", "1000.00", "900.00"]
    out = cli(
        "licences",
        "correct",
        "L-OLD",
        "--field",
        "region",
        "--value",
        "Dnipro",
        "--reason",
        "renamed",
        "-f",
        "json",
        *second,
    ).stdout
    assert json.loads(out)[0]["field"] == "region"
    bad = cli(
        "licences",
        "correct",
        "L-OLD",
        "--field",
        "issued",
        "--value",
        "1800-01-01",
        "--reason",
        "x",
        *second,
        ok=False,
    )
    assert bad.exit_code == 1 and "correction:issued: date is outside the fund's life" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert cli("verify").exit_code == 0


def test_a_rate_inserted_between_two_days_must_fit_the_next_one_too(cli, tmp_path):
    """Issue 19: the day-over-day check compared a new rate with the rate before it only."""
    cli(
        "fx",
        "import",
        str(write(tmp_path, "a.csv", "date,currency,rate\n2025-12-19,USD,41.50\n2025-12-22,USD,41.70\n")),
    )
    between = write(tmp_path, "b.csv", "date,currency,rate\n2025-12-20,USD,41.55\n2025-12-21,USD,55.00\n")
    r = cli("fx", "import", str(between), ok=False)
    assert r.exit_code == 1 and "b.csv:3:rate: changes 32.4% from the rate of 2025-12-20 (41.55)" in r.stderr
    assert (
        "b.csv:3:rate: the next rate, of 2025-12-22 (41.70), changes 24.2% from the rate of 2025-12-21 "
        "(55.00)" in r.stderr
    )
    assert (
        "b.csv:2" not in r.stderr
    )  # 41.55 fits 41.50 before it; the next day is this file's own 55.00, judged there
    alone = write(tmp_path, "c.csv", "date,currency,rate\n2025-12-21,USD,30.00\n")
    r = cli("fx", "import", str(alone), ok=False)
    assert (
        "c.csv:2:rate: changes 27.7% from the rate of 2025-12-19" in r.stderr
        and "the next rate, of 2025-12-22" in r.stderr
    )
    assert (
        json.loads(cli("fx", "import", str(alone), "--accept-jump", "--format", "json").stdout)[0]["new"] == 1
    )


def test_one_person_cannot_correct_alone_and_verify_checks_the_countersignature(fund_engine, tmp_path):
    """A correction changes what partners are owed: without a seated member's countersignature, or with the
    countersignature of the asker's own seat, it is refused; one written past the domain with a made-up
    signature gets past the database (which cannot check Ed25519) but not verify."""
    from support import authorize

    from jointfund.errors import Refused
    from jointfund.governance import user

    setup(fund_engine, tmp_path)
    member, other = seated_member(fund_engine), seated_member(fund_engine, "ua-board-2")
    before = leaves(fund_engine)
    info = info_of(fund_engine)
    with pytest.raises(Refused, match="needs a second person: a seated member's countersignature"):
        with db.write(fund_engine) as conn:
            corrections.correct_rate(conn, info, "treasury", "USD", dt.date(2025, 6, 2), RIGHT, "why")
    with db.write(fund_engine) as conn:  # the member's seat is linked to the asker: the same person
        user.add(conn, "test", "treasury", "treasury_officer", "long enough pw")
        st = authorize(info.id, "UA", "user.member", user="treasury", member=member.id)
        user.link_member(conn, info.id, "test", "treasury", member.id, st)
    linked = leaves(fund_engine)
    assert linked == before + 3  # the user, enabled, and the link; nothing of the refused correction
    with pytest.raises(Refused, match="is linked to user treasury, who asked for it"):
        correct_rate(fund_engine, RIGHT)
    forged = countersign.Countersignature(other.id, "ab" * 64)
    with pytest.raises(Refused, match="does not verify with the key of member"):
        correct_rate(fund_engine, RIGHT, countersigner=lambda _request: forged)
    assert leaves(fund_engine) == linked
    # Another seat's holder countersigns: recorded, and verify is content.
    made = correct_rate(
        fund_engine, RIGHT, countersigner=countersigner(fund_engine, "ua-board-2")
    ).corrections
    assert failures(fund_engine) == []
    with db.transaction(fund_engine) as conn:
        [row] = countersign.of(conn, [made[0].seq]).values()
    assert (row["requested_by"], row["kind"]) == ("treasury", "correction")
    # Past the domain: an operator writes a correction with a made-up countersignature of a seated member.
    with db.write(fund_engine) as conn:
        carried = forged.to_json("mallory")
        data = {
            "kind": "rate",
            "subject": "USD 2025-06-02",
            "field": "rate",
            "value": "41.9000",
            "previous": RIGHT,
            "supersedes": made[0].seq,
            "reason": "x",
            "countersignature": carried,
        }
        seq = append_event(conn, "mallory", "rate.correct", "rate:USD 2025-06-02", data)
        countersign.record(conn, seq, countersign.CORRECTION, carried)
        conn.execute(
            t.correction.insert().values(
                **{k: v for k, v in data.items() if k != "countersignature"},
                seq=seq,
                actor="mallory",
                recorded_at=made[0].recorded_at,
            )
        )
    found = failures(fund_engine)
    assert any(
        f"correction {seq} (rate USD 2025-06-02 rate): the countersignature does not verify with the key of "
        f"member {other.id}" in f
        for f in found
    ), found
