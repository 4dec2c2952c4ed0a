"""Amending the terms by decision: propose the content, sign its hash, adopt it on execution (both
backends)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from conftest import Cli
from sqlalchemy import func, insert, select

from jointfund import fund as fund_mod
from jointfund.errors import InputError, IntegrityError, Refused
from jointfund.governance import amendment, canonical, proposal, vote
from jointfund.ledger import journal
from jointfund.revenue import book as revenue_book
from jointfund.revenue import imports
from jointfund.revenue.accrual import accrue, key_of
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify

from .test_cli import as_manager, seated  # noqa: F401 - the fixture is used by name

LICENCES = """licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa
L-NEW,Dobra Lithium Holdings,40000001,lithium,Dobra,Kirovohrad,2025-06-01,new,yes
"""
EFFECTIVE = dt.date(2027, 1, 1)
RENT_60 = """effective = 2027-01-01
reference = "Board resolution 2026-14"
description = "Rent share raised"

[[changes.contribution.streams]]
code = "rent"
share = "0.6"
"""


def write(folder, name: str, content: str):  # noqa: ANN001, ANN201
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def rent_share(info: fund_mod.FundInfo, day: dt.date) -> Decimal:
    return next(s.share for s in info.terms(day).contribution.streams if s.code == "rent")


def reload(engine) -> fund_mod.FundInfo:  # noqa: ANN001
    with db.transaction(engine) as conn:
        return fund_mod.load(conn)


def rows(engine, table) -> int:  # noqa: ANN001
    with db.transaction(engine) as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def board(gov):  # noqa: ANN001, ANN201
    gov.seat_body("board")
    return gov


def adopted(board, text: str = RENT_60):  # noqa: ANN001, ANN201
    """Propose `text`, have the whole board approve it, and execute it; returns the proposal."""
    change = amendment.parse(board.fund, text, "a.toml", board.day)
    p = board.propose("amendment", "us-board-1", change=change)
    s = board.votes(
        p.id, ["us-board-1", "us-board-2", "us-board-3", "ua-board-1", "ua-board-2", "ua-board-3"], "approve"
    )
    assert s.state == "approved"
    board.execute(p.id)
    return p


def test_an_executed_amendment_amends_the_terms_from_its_date_and_not_before(board) -> None:
    p = adopted(board)
    assert (
        p.about
        == amendment.Change(
            canonical_json := amendment.parse(board.fund, RENT_60, "a.toml", board.day).content_json
        ).about
    )
    assert json.loads(canonical_json) == {
        "effective": "2027-01-01",
        "reference": "Board resolution 2026-14",
        "description": "Rent share raised",
        "changes": {"contribution": {"streams": [{"code": "rent", "share": "0.6"}]}},
    }
    assert rent_share(board.fund, EFFECTIVE) == Decimal("0.5")  # the fund as loaded before the adoption
    info = reload(board.engine)
    assert rent_share(info, EFFECTIVE - dt.timedelta(days=1)) == Decimal("0.5")
    assert rent_share(info, EFFECTIVE) == Decimal("0.6")
    assert info.terms_sha256() != board.fund.terms_sha256()
    with db.transaction(board.engine) as conn:
        [event] = conn.execute(select(t.event).where(t.event.c.action == amendment.ADOPT)).all()
    data = json.loads(event.data)
    assert (event.subject, data["before"], data["after"]) == (
        p.about,
        board.fund.terms_sha256(),
        info.terms_sha256(),
    )
    assert verify(board.engine).ok


def test_executing_twice_adopts_once(board) -> None:
    p = adopted(board)
    with pytest.raises(Refused, match="already executed"):
        board.execute(p.id)
    assert rows(board.engine, t.terms_amendment) == 1


def test_invalid_amendments_are_refused_naming_the_key_and_line_and_nothing_is_written(board) -> None:
    before = rows(board.engine, t.event)
    with pytest.raises(InputError) as bad_share:
        amendment.parse(board.fund, RENT_60.replace('"0.6"', '"1.5"'), "a.toml", board.day)
    [problem] = bad_share.value.problems
    assert problem.location == "a.toml:7 (changes)"
    assert (
        "contribution.streams[0].share" in problem.message
        and "after amendment of 2027-01-01" in problem.message
    )
    with pytest.raises(InputError) as early:
        amendment.parse(board.fund, RENT_60, "a.toml", EFFECTIVE + dt.timedelta(days=1))
    assert early.value.problems[0].location == "a.toml (effective)"
    with pytest.raises(InputError) as typo:
        amendment.parse(board.fund, RENT_60.replace("reference", "refrence"), "a.toml", board.day)
    assert {(x.location, x.message) for x in typo.value.problems} == {
        ("a.toml (reference)", "required key is missing"),
        ("a.toml:2 (refrence)", "unknown key (check its spelling)"),
    }
    with pytest.raises(InputError, match="not valid TOML") as syntax:
        amendment.parse(board.fund, "effective = 2027-01-01\nreference = \n", "a.toml", board.day)
    assert syntax.value.problems[0].location.startswith("a.toml:2")
    change = amendment.parse(board.fund, RENT_60, "a.toml", board.day)
    with pytest.raises(InputError, match="amendment: an amendment proposal needs"):
        board.propose("amendment", "us-board-1")
    with pytest.raises(InputError, match="only an amendment proposal"):
        board.propose("budget", "us-board-1", change=change)
    with pytest.raises(InputError, match="give no other reference"):
        board.propose("amendment", "us-board-1", change=change, about="x")
    assert rows(board.engine, t.event) == before


def test_a_vote_cannot_be_replayed_on_an_edited_amendment(board) -> None:
    p = board.propose(
        "amendment", "us-board-1", change=amendment.parse(board.fund, RENT_60, "a.toml", board.day)
    )
    edited = board.propose(
        "amendment",
        "us-board-1",
        change=amendment.parse(board.fund, RENT_60.replace('"0.6"', '"0.9"'), "a.toml", board.day),
    )
    assert p.about != edited.about
    key = board.keys["us-board-2"]
    with db.write(board.engine) as conn:
        member_id = proposal.find(conn, "us-board-2").id
    # The vote us-board-2 signs on the first proposal, offered as a vote on the edited one:
    signed = canonical.sign(
        key, canonical.vote_bytes(board.fund.id, p.id, p.content_sha256, member_id, "approve", 1)
    )
    replay = edited._replace(id=p.id)
    assert canonical.proposal_sha256(board.fund.id, replay) != p.content_sha256
    with db.write(board.engine) as conn:
        with pytest.raises(Refused, match="signature refused"):
            vote.cast(conn, board.fund, "t", edited.id, "us-board-2", "approve", 1, signed, board.day)


def test_the_amendment_applies_to_receipts_from_its_date(board, tmp_path) -> None:
    adopted(board)
    info = reload(board.engine)
    receipts = (
        "receipt_id,date,licence_id,stream,amount,currency,corrects\n"
        "R-OLD,2026-12-31,L-NEW,rent,1000.00,UAH,\nR-NEW,2027-01-01,L-NEW,rent,1000.00,UAH,\n"
    )
    terms = info.base_terms()
    with db.write(board.engine) as conn:
        imports.run(conn, imports.licences_kind(terms), write(tmp_path, "l.csv", LICENCES), "test")
        imports.run(
            conn,
            imports.receipts_kind(terms, revenue_book.licence_ids(conn)),
            write(tmp_path, "r.csv", receipts),
            "test",
        )
        accrue(conn, info)
    with db.transaction(board.engine) as conn:
        accrued = {
            r: journal.get_entry(
                conn, conn.execute(select(t.entry.c.seq).where(t.entry.c.key == key_of(r))).scalar_one()
            )
            .postings[0]
            .amount
            for r in ("R-OLD", "R-NEW")
        }
    assert {r: abs(a) for r, a in accrued.items()} == {"R-OLD": Decimal("500.00"), "R-NEW": Decimal("600.00")}
    assert verify(board.engine).ok


def test_verify_names_a_tampered_adoption(board, backend) -> None:
    p = adopted(board)
    with db.transaction(board.engine) as conn:
        for statement in drop_guard_statements(backend, "terms_amendment"):
            conn.exec_driver_sql(statement)
        row = conn.execute(select(t.terms_amendment)).one()
        forged = row.content_json.replace('"0.6"', '"0.9"')
        conn.execute(t.terms_amendment.update().values(content_json=forged))
    report = verify(board.engine)
    assert not report.ok
    [result] = [r for r in report.results if r.check == "amendments"]
    assert {f.seq for f in result.failures} == {row.seq}
    assert f"amendment 1 (proposal {p.id}): its content hashes to" in result.failures[0].detail
    assert "not the hash its proposal signed" in result.failures[0].detail


@pytest.mark.parametrize(
    "forged", ["not json {", '{"changes": {}}', '{"effective": "someday", "changes": {}}', "[]"]
)
def test_a_stored_amendment_that_is_not_one_is_refused_naming_its_row(board, backend, forged) -> None:  # noqa: ANN001
    p = adopted(board)
    with db.transaction(board.engine) as conn:
        for statement in drop_guard_statements(backend, "terms_amendment"):
            conn.exec_driver_sql(statement)
        conn.execute(t.terms_amendment.update().values(content_json=forged))
    with pytest.raises(
        IntegrityError, match=rf"adopted amendment 1 \(proposal {p.id}\): its stored content is not an"
    ):
        reload(board.engine)
    r = Cli(board.engine.url.render_as_string(hide_password=False))("verify", ok=False)
    assert r.exit_code != 0 and "Traceback" not in r.stderr and "adopted amendment 1" in r.stderr


def test_verify_names_an_adoption_without_an_executed_proposal(board) -> None:
    change = amendment.parse(board.fund, RENT_60, "a.toml", board.day)
    p = board.propose("amendment", "us-board-1", change=change)
    with db.write(
        board.engine
    ) as conn:  # a row written past the application: its proposal was never approved
        seq = amendment.append_event(
            conn, "intruder", amendment.ADOPT, change.about, {"sha256": change.sha256}
        )
        conn.execute(
            insert(t.terms_amendment).values(
                id=1,
                proposal_id=p.id,
                effective=EFFECTIVE,
                reference="x",
                content_json=change.content_json,
                sha256=change.sha256,
                seq=seq,
            )
        )
    [result] = [r for r in verify(board.engine).results if r.check == "amendments"]
    assert [f.detail for f in result.failures] == [
        f"amendment 1 (proposal {p.id}): its proposal was not approved and executed before it",
        f"amendment 1 (proposal {p.id}): its effective date 2027-01-01 or reference differ from its content",
    ]


def test_the_cli_proposes_an_amendment_and_terms_show_follows_it(cli, seated, tmp_path, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("JOINTFUND_TODAY", "2026-02-02")
    cli = as_manager(cli)
    bad = write(tmp_path, "bad.toml", RENT_60.replace('"0.6"', '"1.5"'))
    r = cli(
        "proposals",
        "new",
        "--kind",
        "amendment",
        "--title",
        "Rent",
        "--amendment",
        str(bad),
        "--as",
        "us-board-1",
        "--key",
        str(seated["us-board-1"]),
        ok=False,
    )
    assert (
        r.exit_code == 1 and f"{bad}:7 (changes)" in r.stderr and "contribution.streams[0].share" in r.stderr
    )
    r = cli(
        "proposals",
        "new",
        "--kind",
        "budget",
        "--title",
        "B",
        "--amendment",
        str(write(tmp_path, "a.toml", RENT_60)),
        "--as",
        "us-board-1",
        "--key",
        str(seated["us-board-1"]),
        ok=False,
    )
    assert r.exit_code == 1 and "only an amendment proposal carries one" in r.stderr
    pid = cli(
        "proposals",
        "new",
        "--kind",
        "amendment",
        "--title",
        "Rent",
        "--amendment",
        str(tmp_path / "a.toml"),
        "--as",
        "us-board-1",
        "--key",
        str(seated["us-board-1"]),
    ).stdout.strip()
    assert pid == "1"
    for name in seated:
        cli("proposals", "vote", pid, "approve", "--as", name, "--key", str(seated[name]))
    assert "terms amended from 2027-01-01" in cli("proposals", "execute", pid).stderr

    def rent(day: str) -> str:
        shown = json.loads(cli("terms", "show", "--as-of", day, "-f", "json").stdout)
        return next(s["share"] for s in shown["contribution"]["streams"] if s["code"] == "rent")

    assert (rent("2026-12-31"), rent("2027-01-01")) == ("0.5", "0.6")
    assert cli("verify").exit_code == 0


def test_a_running_server_sees_an_amendment_adopted_by_another_process(board) -> None:
    from jointfund.api.deps import Server

    server = Server(
        board.engine
    )  # a web worker, which once kept the fund (and so its terms) from its first read
    assert rent_share(server.fund(), EFFECTIVE) == Decimal("0.5")
    adopted(board)  # through another connection, as another worker or the CLI would
    assert rent_share(server.fund(), EFFECTIVE) == Decimal("0.6")
