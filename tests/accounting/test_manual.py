"""Journal entries posted by hand take two people (issue 16, joint control): `ledger post` and `ledger
reverse` need a seated member's countersignature over the entry's content; the entries the system posts as the
consequence of an act already decided are untouched. Refusals in the CLI, the domain and the database, and
verify naming an entry posted past them. Both backends."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from support import Book, authorize, cli_countersign, countersigner

from jointfund.accounting import manual
from jointfund.errors import Refused
from jointfund.governance import book, countersign, user
from jointfund.ledger import journal
from jointfund.ledger.log import append_event
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.verify import verify

CHECK = "manual entries"


def _findings(engine) -> list[str]:  # noqa: ANN001
    return [f.detail for r in verify(engine, workers=1).results if r.check == CHECK for f in r.failures]


def _args(b: Book, key: str = "BANK-1", amount: str = "25.00") -> list[str]:
    return [
        "ledger", "post", "--date", b.day(3).isoformat(), "--narration", "Bank fee", "--key", key,
        "--posting", f"{b.cash()} {amount} {b.base}", "--posting", f"{b.capital()} -{amount} {b.base}",
    ]  # fmt: skip


def test_the_cli_posts_and_reverses_by_hand_only_with_a_second_persons_countersignature(
    cli, fund_engine, tmp_path
):
    b = Book(fund_engine)
    r = cli(*_args(b), ok=False)
    assert r.exit_code == 1 and "entry of entry:manual:BANK-1 needs a second person" in r.stderr
    assert "--countersign-as" in r.stderr and "Traceback" not in r.stderr
    # Bad input is named first, before anyone is asked to countersign it.
    r = cli(*_args(b, amount="ten"), ok=False)
    assert r.exit_code == 1 and "not a number" in r.stderr
    second = cli_countersign(cli, tmp_path)
    seq = int(cli(*_args(b), *second).stdout.strip().splitlines()[-1])
    again = cli(*_args(b), *second)
    assert (
        int(again.stdout.strip().splitlines()[-1]) == seq and "already posted" in again.stderr + again.stdout
    )
    with db.transaction(fund_engine) as conn:
        posted = journal.get_entry(conn, seq)
        event = conn.execute(select(t.event).where(t.event.c.seq == seq - 1)).one()
    assert posted.key == "manual:BANK-1" and event.action == "ledger.post" and event.subject == f"entry:{seq}"
    assert json.loads(event.data)[countersign.FIELD]["requested_by"] == event.actor
    # A reversal is posted by hand too.
    rev = ["ledger", "reverse", str(seq), "--date", b.day(4).isoformat(), "--key", "BANK-1-REV"]
    r = cli(*rev, ok=False)
    assert r.exit_code == 1 and "needs a second person" in r.stderr
    new = int(cli(*rev, *second).stdout.strip().splitlines()[-1])
    with db.transaction(fund_engine) as conn:
        assert journal.get_entry(conn, new).reverses == seq
    assert _findings(fund_engine) == []
    assert cli("verify").exit_code == 0


def test_the_asker_s_own_seat_or_a_signature_over_other_content_is_refused(fund_engine):
    b = Book(fund_engine)
    fund = b.fund
    entry = b.contribution("FEE-1", "10.00", 2)
    by = countersigner(fund_engine)
    with db.write(fund_engine) as conn:
        user.add(conn, "test", "clerk", "administrator", "long enough pw")
        seat = next(m for m in book.members(conn) if m.name == "ua-board-1")
    st = authorize(fund.id, "UA", "user.member", user="clerk", member=seat.id)
    with db.write(fund_engine) as conn:
        user.link_member(conn, fund.id, "test", "clerk", seat.id, st)
    with (
        pytest.raises(Refused, match="is linked to user clerk, who asked for it"),
        db.write(fund_engine) as conn,
    ):
        manual.post(conn, fund, "clerk", entry, by)
    other = lambda r: by(r._replace(fields={**r.fields, "narration": "something else"}))  # noqa: E731
    with (
        pytest.raises(Refused, match="does not verify with the key of member"),
        db.write(fund_engine) as conn,
    ):
        manual.post(conn, fund, "test", entry, other)
    with db.write(fund_engine) as conn:
        seq, new = manual.post(conn, fund, "test", entry, by)
    assert new and _findings(fund_engine) == []


def test_system_entries_need_none_and_the_database_refuses_a_manual_key_without_one(fund_engine):
    b = Book(fund_engine)
    # An entry the system posts (a contribution's, keyed by its source) needs no countersignature ...
    (seq,) = b.post(b.contribution("c-1", "100.00", 1))
    # ... but one keyed as posted by hand, written past the domain, is refused by the database, even after an
    # event that is not its ledger.post.
    with pytest.raises(DBAPIError, match="entry refused: an entry posted by hand needs the countersignature"):
        b.post(b.contribution("manual:sneaky", "1.00", 1))
    with pytest.raises(DBAPIError, match="entry posted by hand needs"), db.write(fund_engine) as conn:
        append_event(conn, "test", manual.POST, "entry:x", {})
        journal.post(conn, [b.contribution("manual:sneaky", "1.00", 1)], b.start)
    assert seq and _findings(fund_engine) == []


def test_verify_names_an_entry_posted_by_hand_past_the_guard_or_with_a_forged_countersignature(
    fund_engine, backend
):
    b = Book(fund_engine)
    with db.transaction(fund_engine) as conn:
        conn.execute(
            text("DROP TRIGGER entry_countersigned" + (" ON entry" if backend == "postgresql" else ""))
        )
    (alone,) = b.post(b.contribution("manual:alone", "1.00", 1))
    countersigner(fund_engine)  # seats ua-board-1
    with db.write(fund_engine) as conn:
        member_id = next(x.id for x in book.members(conn) if x.name == "ua-board-1")
        carried = {"member": member_id, "signature": "ab" * 64, "requested_by": "test"}
        ev = append_event(conn, "test", manual.POST, "entry:x", {countersign.FIELD: carried})
        countersign.record(conn, ev, manual.COUNTERSIGNED, carried)
        (forged,) = journal.post(conn, [b.contribution("manual:forged", "2.00", 1)], b.start)
    found = _findings(fund_engine)
    assert any(f.startswith(f"entry {alone} (manual:alone) was posted by hand with no event") for f in found)
    assert any(
        f.startswith(f"entry {forged} (manual:forged): the countersignature does not verify") for f in found
    ), found
