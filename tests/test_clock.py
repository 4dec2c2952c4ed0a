"""A clock that can't be moved (issue 19 item 3), on both backends: on a real fund JOINTFUND_TODAY is refused
by
every write and honoured by reads; no vote is dated before its proposal and no entry after the day it is
recorded,
in the domain and in verify. The two attacks of the issue are replayed: votes dated before the proposal
existed,
and a distribution posted "in 2035" through the reinvestment lock."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from conftest import Cli
from governance.conftest import DAY, Gov
from support import cli_ceremony

from jointfund import clock
from jointfund import fund as fund_mod
from jointfund.errors import InputError, Refused
from jointfund.governance import book
from jointfund.ledger import journal, log
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db
from jointfund.store import tables as t
from jointfund.verify import verify


def log_size(url: str) -> int:
    eng = db.make_engine(url)
    with db.transaction(eng) as conn:
        size = log.size(conn)
    eng.dispose()
    return size


def seat_board(cli: Cli, tmp_path) -> dict[str, str]:  # noqa: ANN001
    keys = {}
    authority = cli_ceremony(
        cli, tmp_path
    )  # seats change only through the partners' authority keys (issue 19)
    for partner in ("US", "UA"):
        for n in (1, 2, 3):
            name = f"{partner.lower()}-board-{n}"
            keys[name] = str(tmp_path / f"{name}.key")
            cli("keys", "new", "--out", keys[name])
            cli(
                "members",
                "appoint",
                "--partner",
                partner,
                "--name",
                name,
                "--body",
                "board",
                "--pubkey",
                f"{keys[name]}.pub",
                "--authority-key",
                str(authority[partner]),
            )
    cli("users", "add", "admin", "--role", "administrator", "--password", "long enough pw")
    cli(
        "--user",
        "admin",
        "users",
        "add",
        "mgr",
        "--role",
        "board_manager",
        "--password",
        "long enough pw too",
    )
    return keys


def as_user(cli: Cli, name: str):  # noqa: ANN201
    return lambda *args, **kw: cli("--user", name, *args, **kw)


def dates_check(engine) -> list[str]:  # noqa: ANN001
    [result] = [r for r in verify(engine).results if r.check.startswith("dates")]
    return [f.detail for f in result.failures]


def test_a_real_fund_refuses_every_write_while_the_date_is_pinned_and_reads_may_look_back(
    real_fund_url, tmp_path, monkeypatch
) -> None:
    cli = Cli(real_fund_url)
    keys = seat_board(cli, tmp_path)
    rates = tmp_path / "rates.csv"
    rates.write_text("date,currency,rate\n2025-06-06,USD,41.45\n", encoding="utf-8")
    monkeypatch.setenv(clock.ENV_VAR, "2026-01-15")
    before = log_size(real_fund_url)
    for user, args in (
        ("admin", ["ledger", "open", "Expenses:Travel"]),
        ("admin", ["members", "remove", "1", "--reason", "x"]),
        (
            "admin",
            [
                "capital",
                "commit",
                "--partner",
                "US",
                "--amount",
                "1.00",
                "--currency",
                "USD",
                "--reference",
                "C-1",
            ],
        ),
        ("admin", ["fx", "import", str(rates)]),
        (
            "mgr",
            [
                "proposals",
                "new",
                "--kind",
                "budget",
                "--title",
                "B",
                "--as",
                "us-board-1",
                "--key",
                keys["us-board-1"],
            ],
        ),
        ("admin", ["checkpoint", "--partner", "US", "--key", keys["us-board-1"]]),
    ):
        r = cli("--user", user, *args, ok=False)
        assert r.exit_code == 1, (args, r.output)
        assert "JOINTFUND_TODAY=2026-01-15 is set, but this fund's clock cannot be moved" in r.stderr, (
            args,
            r.stderr,
        )
        assert "Traceback" not in r.stderr
    assert log_size(real_fund_url) == before
    for args in (
        ["terms", "show"],
        ["ledger", "trial-balance"],
        ["calendar"],
        ["members", "list"],
        ["verify"],
    ):
        assert cli(*args).exit_code == 0, args
    monkeypatch.delenv(clock.ENV_VAR)
    assert (
        cli("--user", "admin", "fx", "import", str(rates)).exit_code == 0
    )  # the server's clock: it goes through


def test_attack_votes_dated_before_the_proposal_existed(real_fund_url, tmp_path, monkeypatch) -> None:
    """Issue 19: with JOINTFUND_TODAY in the past, four votes dated before the proposal approved and executed
    it."""
    cli = Cli(real_fund_url)
    keys = seat_board(cli, tmp_path)
    cli = as_user(cli, "mgr")
    pid = cli(
        "proposals",
        "new",
        "--kind",
        "budget",
        "--title",
        "B",
        "--amount",
        "100.00",
        "--currency",
        "USD",
        "--as",
        "us-board-1",
        "--key",
        keys["us-board-1"],
    ).stdout.strip()
    yesterday = clock.now().date() - dt.timedelta(days=1)
    monkeypatch.setenv(clock.ENV_VAR, yesterday.isoformat())
    for name in ("us-board-1", "us-board-2", "ua-board-1", "ua-board-2"):
        r = cli("proposals", "vote", pid, "approve", "--as", name, "--key", keys[name], ok=False)
        assert r.exit_code == 1 and "clock cannot be moved" in r.stderr
    monkeypatch.delenv(clock.ENV_VAR)
    shown = json.loads(cli("proposals", "list", "-f", "json").stdout)
    assert [(p["id"], p["state"]) for p in shown] == [(int(pid), "open")]
    assert cli("verify").exit_code == 0


def test_no_vote_is_dated_before_its_proposal_in_the_domain_nor_in_verify(fund_engine) -> None:
    gov = Gov(fund_engine)  # a test fund: its clock may be set, yet a vote may not precede its proposal
    names = gov.seat_body()
    p = gov.propose("budget", names[0], on=DAY, amount="100.00", currency="USD")
    with pytest.raises(
        Refused, match=f"a vote cannot be dated {DAY - dt.timedelta(days=1)}, before proposal {p.id}"
    ):
        gov.vote(p.id, names[0], "approve", on=DAY - dt.timedelta(days=1))
    gov.vote(p.id, names[0], "approve", on=DAY)
    assert dates_check(fund_engine) == []
    with db.write(fund_engine) as conn:  # a vote written past the application, dated before the proposal
        book.record(
            conn,
            "intruder",
            "proposal.vote",
            f"proposal:{p.id}",
            {"proposal": p.id},
            t.vote,
            {
                "proposal_id": p.id,
                "member_id": 2,
                "choice": "approve",
                "round": 1,
                "cast_on": DAY - dt.timedelta(days=3),
                "signature": "00" * 64,
            },
        )
    [finding] = dates_check(fund_engine)
    assert (
        f"on proposal {p.id} is dated {DAY - dt.timedelta(days=3)}, before the proposal was made ({DAY})"
        in finding
    )


def test_attack_a_distribution_dated_2035_today(real_fund_url, tmp_path, monkeypatch) -> None:
    """Issue 19: with JOINTFUND_TODAY=2035-06-01 a distribution was posted today, through the reinvestment
    lock."""
    cli = Cli(real_fund_url)
    keys = seat_board(cli, tmp_path)
    monkeypatch.setenv(clock.ENV_VAR, "2035-06-01")
    r = cli(
        "--user",
        "mgr",
        "capital",
        "distribute",
        "--amount",
        "1000.00",
        "--currency",
        "USD",
        "--as",
        "ua-board-1",
        "--key",
        keys["ua-board-1"],
        ok=False,
    )
    assert r.exit_code == 1 and "clock cannot be moved" in r.stderr
    monkeypatch.delenv(clock.ENV_VAR)
    # Nor can an entry be dated in the future by its --date: back-dated yes, future-dated never.
    post = [
        "ledger",
        "post",
        "--narration",
        "early payout",
        "--key",
        "X-1",
        "--posting",
        "Assets:Cash:USD -1.00 USD",
        "--posting",
        "Equity:Capital:US:Cash 1.00 USD",
    ]
    r = cli("--user", "admin", *post, "--date", "2035-06-01", ok=False)
    assert (
        r.exit_code == 1 and "entry[0].date: is after today" in r.stderr and "never dated after" in r.stderr
    )
    second = ["--countersign-as", "ua-board-1", "--countersign-key", keys["ua-board-1"]]
    assert cli("--user", "admin", *post, "--date", "2026-01-05", *second).exit_code == 0
    eng = db.make_engine(real_fund_url)
    assert dates_check(eng) == []
    with db.write(
        eng
    ) as conn:  # an entry written past the application's check, as a forged database would hold it
        conn.info["clock_settable"] = True
        info = fund_mod.load(conn)
        [seq] = journal.post(
            conn,
            [
                Entry(
                    dt.date(2035, 6, 1),
                    "payout",
                    (
                        Posting("Assets:Cash:USD", Decimal("-1.00"), "USD"),
                        Posting("Equity:Capital:US:Cash", Decimal("1.00"), "USD"),
                    ),
                    key="X-2",
                )
            ],
            info.start_date,
        )
    [finding] = dates_check(eng)
    assert finding.startswith(f"entry {seq} is dated 2035-06-01, after it was recorded")
    assert not verify(eng).ok
    eng.dispose()


def test_only_a_demo_or_test_fund_may_set_its_clock_and_it_says_so(fund_engine, real_fund_url) -> None:
    with db.transaction(fund_engine) as conn:
        assert fund_mod.load(conn).settable_clock
    real = db.make_engine(real_fund_url)
    with db.transaction(real) as conn:
        assert not fund_mod.load(conn).settable_clock
    names = {r.check for r in verify(fund_engine).results} | {r.check for r in verify(real).results}
    assert "dates" in names and "dates (a demo or test fund: its clock may be set; order only)" in names
    real.dispose()


def test_a_malformed_pinned_date_is_a_clear_error(real_fund_url, monkeypatch) -> None:
    monkeypatch.setenv(clock.ENV_VAR, "next tuesday")
    r = Cli(real_fund_url)("terms", "show", ok=False)
    assert r.exit_code == 1 and "JOINTFUND_TODAY: expected YYYY-MM-DD, got 'next tuesday'" in r.stderr


def test_inputerror_is_raised_for_a_future_entry_in_the_library(real_fund_url) -> None:
    eng = db.make_engine(real_fund_url)
    with pytest.raises(InputError, match="is after today"), db.write(eng) as conn:
        info = fund_mod.load(conn)
        journal.post(
            conn,
            [
                Entry(
                    clock.now().date() + dt.timedelta(days=2),
                    "x",
                    (
                        Posting("Assets:Cash:USD", Decimal("-1.00"), "USD"),
                        Posting("Equity:Capital:US:Cash", Decimal("1.00"), "USD"),
                    ),
                    key="F-1",
                )
            ],
            info.start_date,
        )
    eng.dispose()
