"""The governance commands end to end, as people type them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from support import cli_ceremony


@pytest.fixture
def seated(cli, tmp_path):  # noqa: ANN001, ANN201
    """A board of six, each with a key made by `keys new` and seated with its partner's authority key
    (after the genesis ceremony, whose authority keys are tmp_path/<partner>-authority.key); returns name ->
    private
    key path."""
    authorities = cli_ceremony(cli, tmp_path)
    keys = {}
    for partner in ("US", "UA"):
        for n in (1, 2, 3):
            name = f"{partner.lower()}-board-{n}"
            keys[name] = tmp_path / f"{name}.key"
            cli("keys", "new", "--out", str(keys[name]))
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
                str(authorities[partner]),
            )
    return keys


def test_members_appoint_list_remove(cli, seated, tmp_path) -> None:
    cli("keys", "new", "--out", str(tmp_path / "x.key"))
    r = cli(
        "members",
        "appoint",
        "--partner",
        "UA",
        "--name",
        "x",
        "--body",
        "board",
        "--pubkey",
        str(tmp_path / "x.key.pub"),
        "--authority-key",
        str(tmp_path / "ua-authority.key"),
        ok=False,
    )
    assert r.exit_code == 1 and "the Board of managers exists" in r.stderr
    assert "only by an executed appointment decision" in r.stderr
    rows = json.loads(cli("members", "list", "--body", "board", "-f", "json").stdout)
    assert [(m["partner"], m["seat"]) for m in rows] == [
        ("UA", 1),
        ("UA", 2),
        ("UA", 3),
        ("US", 1),
        ("US", 2),
        ("US", 3),
    ]
    r = cli(
        "members",
        "remove",
        str(rows[0]["id"]),
        "--reason",
        "resigned",
        "--authority-key",
        str(tmp_path / "ua-authority.key"),
        ok=False,
    )
    assert r.exit_code == 1 and "a member is removed only by an executed appointment decision" in r.stderr
    # A committee has no such rule in the shipped terms: its seats change by the authority key alone.
    cli(
        "members",
        "appoint",
        "--partner",
        "UA",
        "--name",
        "x",
        "--body",
        "audit",
        "--pubkey",
        str(tmp_path / "x.key.pub"),
        "--authority-key",
        str(tmp_path / "ua-authority.key"),
    )
    x = next(m for m in json.loads(cli("members", "list", "-f", "json").stdout) if m["name"] == "x")
    cli("members", "remove", str(x["id"]), "--authority-key", str(tmp_path / "ua-authority.key"))
    assert len(json.loads(cli("members", "list", "-f", "json").stdout)) == 6
    assert len(json.loads(cli("members", "list", "--all", "-f", "json").stdout)) == 7


def test_a_board_seat_changes_by_an_executed_decision_countersigned_offline(cli, seated, tmp_path) -> None:
    cli("users", "add", "admin", "--role", "administrator", "--password", "long enough pw")
    run = cli
    cli("--user", "admin", "users", "add", "mgr", "--role", "board_manager", "--password", "long enough pw")
    cli = lambda *args, **kw: run("--user", "admin", *args, **kw)  # noqa: E731
    manager = lambda *args, **kw: run("--user", "mgr", *args, **kw)  # noqa: E731
    rows = json.loads(cli("members", "list", "--body", "board", "-f", "json").stdout)
    gone = rows[0]  # UA seat 1
    statement = tmp_path / "remove.json"
    out = cli("members", "remove", str(gone["id"]), "--prepare", str(statement)).stderr
    about = next(w for w in out.split() if w.startswith("appointment:"))
    r = cli("authority", "submit", str(statement), ok=False)  # not signed yet
    assert r.exit_code == 1 and "not signed yet" in r.stderr
    cli("authority", "sign", str(statement), "--key", str(tmp_path / "ua-authority.key"))
    r = cli("authority", "submit", str(statement), ok=False)  # signed, but no decision yet
    assert r.exit_code == 1 and "only by an executed appointment decision" in r.stderr
    pid = manager(
        "proposals",
        "new",
        "--kind",
        "appointment",
        "--title",
        "Remove ua-board-1",
        "--about",
        about,
        "--as",
        "us-board-1",
        "--key",
        str(seated["us-board-1"]),
    ).stdout.strip()
    for name in ["us-board-1", "us-board-2", "us-board-3", "ua-board-1", "ua-board-2", "ua-board-3"]:
        manager("proposals", "vote", pid, "approve", "--as", name, "--key", str(seated[name]))
    r = manager("proposals", "execute", pid, ok=False)  # approved, not countersigned
    assert r.exit_code == 1 and "countersigned by the partner's authority key" in r.stderr
    done = cli("authority", "submit", str(statement)).stderr
    assert f"proposal {pid} countersigned and executed" in done and "no longer holds UA seat 1" in done
    assert len(json.loads(cli("members", "list", "--body", "board", "-f", "json").stdout)) == 5
    r = cli("authority", "submit", str(statement), ok=False)  # once
    assert r.exit_code == 1 and "already executed" in r.stderr
    assert cli("verify").exit_code == 0


def as_manager(cli):  # noqa: ANN001, ANN201
    """Add a board manager user (the operator may, while there are no users) and act as them."""
    cli("users", "add", "mgr", "--role", "board_manager", "--password", "long enough pw")
    return lambda *args, **kw: cli("--user", "mgr", *args, **kw)


def test_the_operator_is_told_to_add_a_deciding_user(cli, seated) -> None:
    r = cli(
        "proposals",
        "new",
        "--kind",
        "other",
        "--title",
        "t",
        "--as",
        "us-board-1",
        "--key",
        str(seated["us-board-1"]),
        ok=False,
    )
    assert r.exit_code == 1
    assert "operator (administrator) may not proposals.new" in r.stderr
    assert "add such a user with: jointfund users add NAME --role board_manager" in r.stderr


def test_a_proposal_from_new_to_executed(cli, seated) -> None:
    cli = as_manager(cli)
    pid = cli(
        "proposals",
        "new",
        "--kind",
        "budget",
        "--title",
        "Budget 2026",
        "--amount",
        "1200000.00",
        "--currency",
        "USD",
        "--as",
        "us-board-1",
        "--key",
        str(seated["us-board-1"]),
    ).stdout.strip()
    assert pid == "1"
    for name in ["us-board-1", "us-board-2", "us-board-3", "ua-board-1", "ua-board-3"]:
        cli("proposals", "vote", pid, "approve", "--as", name, "--key", str(seated[name]))
    shown = json.loads(cli("proposals", "show", pid, "-f", "json").stdout)
    assert shown["words"] == "open: waiting for UA seat 2 (5 of 6 board seats approved so far)"
    r = cli("proposals", "execute", pid, ok=False)
    assert r.exit_code == 1 and "is open: waiting for UA seat 2" in r.stderr
    r = cli(
        "proposals",
        "vote",
        pid,
        "approve",
        "--as",
        "ua-board-2",
        "--key",
        str(seated["ua-board-1"]),
        ok=False,
    )
    assert r.exit_code == 1 and "signature refused" in r.stderr and "Traceback" not in r.stderr
    cli("proposals", "vote", pid, "approve", "--as", "ua-board-2", "--key", str(seated["ua-board-2"]))
    assert "approved: 6 of 6 board seats approved" in cli("proposals", "show", pid).stderr
    assert "executed" in cli("proposals", "execute", pid).stderr
    r = cli("proposals", "execute", pid, ok=False)
    assert r.exit_code == 1 and "already executed" in r.stderr
    r = cli(
        "proposals", "vote", pid, "reject", "--as", "ua-board-2", "--key", str(seated["ua-board-2"]), ok=False
    )
    assert r.exit_code == 1 and "is closed (executed" in r.stderr
    listed = json.loads(cli("proposals", "list", "-f", "json").stdout)
    assert [(p["id"], p["state"]) for p in listed] == [(1, "executed")]
    assert cli("verify").exit_code == 0


def test_the_cli_names_its_flags_where_the_domain_names_fields(cli, seated) -> None:
    """The domain says "amount" and "actor"; the CLI's user reads the flags they typed (cli/flags.py)."""
    cli = as_manager(cli)
    key = str(seated["us-board-1"])
    common = ("proposals", "new", "--kind", "budget", "--key", key)
    r = cli(*common, "--title", "", "--amount", "0", "--currency", "USD", "--as", "us-board-1", ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "--title: a title of 1 to" in r.stderr and "--amount: must be more than zero" in r.stderr
    r = cli(*common, "--title", "B", "--amount", "5", "--as", "us-board-1", ok=False)
    assert "--currency: an amount and its currency go together" in r.stderr
    r = cli(*common, "--title", "B", "--amount", "1e3", "--currency", "USD", "--as", "us-board-1", ok=False)
    assert "--amount: amount is not a number written with the digits 0-9" in r.stderr
    r = cli(*common, "--title", "B", "--as", "nobody", ok=False)
    assert r.exit_code == 1 and "--as: no seated member 'nobody'" in r.stderr


def test_withdraw_and_expire(cli, seated, monkeypatch) -> None:
    cli = as_manager(cli)
    args = ("--as", "us-board-1", "--key", str(seated["us-board-1"]))
    a = cli("proposals", "new", "--kind", "other", "--title", "a", *args).stdout.strip()
    b = cli(
        "proposals", "new", "--kind", "valuation", "--title", "b", "--deadline", "2099-01-31", *args
    ).stdout.strip()
    cli("proposals", "withdraw", a, *args)
    monkeypatch.setenv("JOINTFUND_TODAY", "2099-01-31")
    assert "0 proposal(s) expired" in cli("proposals", "expire").stderr
    monkeypatch.setenv("JOINTFUND_TODAY", "2099-02-01")
    assert f"1 proposal(s) expired: {b}" in cli("proposals", "expire").stderr
    states = {p["id"]: p["state"] for p in json.loads(cli("proposals", "list", "-f", "json").stdout)}
    assert states == {int(a): "withdrawn", int(b): "expired"}


def test_users_roles_and_the_policy_on_every_change(cli, seated, tmp_path) -> None:
    # No users yet: the local operator (an administrator) sets the fund up.
    cli("users", "add", "admin", "--role", "administrator", input="long enough pw\nlong enough pw\n")
    r = cli("ledger", "open", "Expenses:Travel", ok=False)
    assert r.exit_code == 1 and "--user" in r.stderr
    cli("--user", "admin", "users", "add", "aud", "--role", "auditor", "--password", "long enough pw")
    cli("--user", "admin", "users", "add", "mgr", "--role", "board_manager", "--password", "long enough pw")
    for command in (
        ["ledger", "open", "Expenses:Travel"],
        ["members", "remove", "1"],
        ["users", "disable", "mgr"],
        ["proposals", "expire"],
        ["checkpoint", "--partner", "US", "--key", str(seated["us-board-1"])],
        ["licences", "import", "l.csv"],
        ["receipts", "import", "r.csv"],
        ["fx", "import", "f.csv"],
        ["payments", "import", "p.csv"],
        [
            "calendar",
            "file",
            "--year",
            "2025",
            "--deadline",
            "data",
            "--date",
            "2026-03-01",
            "--reference",
            "R",
        ],
        [
            "transfers",
            "record",
            "--partner",
            "UA",
            "--date",
            "2026-04-01",
            "--amount",
            "1",
            "--currency",
            "UAH",
            "--reference",
            "T",
            "--period",
            "2025",
        ],
    ):
        r = cli("--user", "aud", *command, ok=False)
        assert r.exit_code == 1 and "aud (auditor) may not" in r.stderr, command
    r = cli(
        "--user",
        "admin",
        "proposals",
        "new",
        "--kind",
        "other",
        "--title",
        "t",
        "--as",
        "us-board-1",
        "--key",
        str(seated["us-board-1"]),
        ok=False,
    )
    assert "admin (administrator) may not proposals.new: only board_manager, committee_member may" in r.stderr
    cli(
        "--user",
        "mgr",
        "proposals",
        "new",
        "--kind",
        "other",
        "--title",
        "t",
        "--as",
        "us-board-1",
        "--key",
        str(seated["us-board-1"]),
    )
    cli("--user", "admin", "ledger", "open", "Expenses:Travel")
    cli("--user", "admin", "users", "disable", "mgr")
    r = cli("--user", "mgr", "proposals", "expire", ok=False)
    assert "user mgr is disabled" in r.stderr
    users = {
        u["name"]: (u["role"], u["enabled"]) for u in json.loads(cli("users", "list", "-f", "json").stdout)
    }
    assert users == {
        "admin": ("administrator", True),
        "aud": ("auditor", True),
        "mgr": ("board_manager", False),
    }
    trail = json.loads(cli("audit", "--actor", "admin", "-f", "json").stdout)
    assert [(e["action"], e["before"], e["after"]) for e in trail][-4:] == [
        ("user.add", "", "board_manager"),
        ("user.enable", "", "enabled"),
        ("account.open", "", ""),
        ("user.disable", "enabled", "disabled"),
    ]
    assert json.loads(cli("audit", "--since", "2100-01-01", "-f", "json").stdout) == []
    everyone = {e["actor"] for e in json.loads(cli("audit", "-f", "json").stdout)}
    assert {"operator", "admin", "mgr"} <= everyone
    assert cli("verify").exit_code == 0


def test_interests_declared_and_a_recusal_signed(cli, seated) -> None:
    cli = as_manager(cli)
    cli(
        "members",
        "interests",
        "declare",
        "--member",
        "ua-board-1",
        "--party",
        "45123456",
        "--nature",
        "director of the applicant",
        "--key",
        str(seated["ua-board-1"]),
    )
    r = cli(
        "members",
        "interests",
        "declare",
        "--member",
        "ua-board-2",
        "--party",
        "x",
        "--nature",
        "y",
        "--key",
        str(seated["ua-board-1"]),
        ok=False,
    )  # another member's key
    assert r.exit_code == 1 and "signature refused" in r.stderr
    rows = json.loads(cli("members", "interests", "list", "-f", "json").stdout)
    assert [(i["member"], i["party"]) for i in rows] == [(4, "45123456")]
    pid = cli(
        "proposals",
        "new",
        "--kind",
        "budget",
        "--title",
        "Budget 2026",
        "--as",
        "us-board-1",
        "--key",
        str(seated["us-board-1"]),
    ).stdout.strip()
    r = cli("proposals", "recuse", pid, "--as", "ua-board-1", "--key", str(seated["ua-board-2"]), ok=False)
    assert r.exit_code == 1 and "signature refused" in r.stderr
    out = cli("proposals", "recuse", pid, "--as", "ua-board-1", "--key", str(seated["ua-board-1"])).stderr
    assert "recused. proposal 1 is open" in out and "not counted: UA seat 1 recused" in out
    shown = json.loads(cli("proposals", "show", pid, "-f", "json").stdout)
    assert [s["recused"] for s in shown["seats"]].count(True) == 1
    r = cli(
        "proposals",
        "vote",
        pid,
        "approve",
        "--as",
        "ua-board-1",
        "--key",
        str(seated["ua-board-1"]),
        ok=False,
    )
    assert r.exit_code == 1 and "recused from proposal 1" in r.stderr
    for name in ["us-board-1", "us-board-2", "us-board-3", "ua-board-2"]:
        cli("proposals", "vote", pid, "approve", "--as", name, "--key", str(seated[name]))
    assert (
        "approved"
        in cli(
            "proposals", "vote", pid, "approve", "--as", "ua-board-3", "--key", str(seated["ua-board-3"])
        ).stderr
    )
    assert cli("verify").exit_code == 0


def test_members_rotate_key_by_the_old_key_or_the_authority(cli, seated, tmp_path) -> None:
    cli("keys", "new", "--out", str(tmp_path / "new.key"))
    out = cli(
        "members",
        "rotate-key",
        "--member",
        "4",
        "--new-key",
        str(tmp_path / "new.key.pub"),
        "--old-key",
        str(seated["ua-board-1"]),
    ).stderr
    assert "member 4 (ua-board-1) now signs with key" in out
    r = cli(
        "members",
        "rotate-key",
        "--member",
        "5",
        "--new-key",
        str(tmp_path / "new.key.pub"),
        "--old-key",
        str(seated["ua-board-2"]),
        ok=False,
    )  # a key in use
    assert r.exit_code == 1 and "already member 4 (ua-board-1)'s" in r.stderr
    cli("keys", "new", "--out", str(tmp_path / "lost.key"))
    r = cli(
        "members",
        "rotate-key",
        "--member",
        "5",
        "--new-key",
        str(tmp_path / "lost.key.pub"),
        "--authority-key",
        str(tmp_path / "us-authority.key"),
        ok=False,
    )  # the other partner's authority
    assert r.exit_code == 1 and "not signed by UA's authority key" in r.stderr
    cli(
        "members",
        "rotate-key",
        "--member",
        "5",
        "--new-key",
        str(tmp_path / "lost.key.pub"),
        "--prepare",
        str(tmp_path / "rotate.json"),
    )
    cli("authority", "sign", str(tmp_path / "rotate.json"), "--key", str(tmp_path / "ua-authority.key"))
    assert (
        "member 5 (ua-board-2) now signs with key"
        in cli("authority", "submit", str(tmp_path / "rotate.json")).stderr
    )
    mgr = as_manager(cli)
    pid = mgr(
        "proposals",
        "new",
        "--kind",
        "other",
        "--title",
        "t",
        "--as",
        "ua-board-1",
        "--key",
        str(tmp_path / "new.key"),
    ).stdout.strip()
    r = mgr(
        "proposals",
        "vote",
        pid,
        "approve",
        "--as",
        "ua-board-2",
        "--key",
        str(seated["ua-board-2"]),
        ok=False,
    )
    assert r.exit_code == 1 and "signature refused" in r.stderr
    mgr("proposals", "vote", pid, "approve", "--as", "ua-board-2", "--key", str(tmp_path / "lost.key"))
    assert cli("--user", "mgr", "verify").exit_code == 0


def test_a_user_is_linked_and_unlinked_only_with_the_partners_authority_key(cli, seated, tmp_path) -> None:
    """Issue 12: `users unlink` takes a link back, like `users link`, only with the seat's partner's authority
    key, directly or by the offline statement; verify follows both."""
    cli("users", "add", "admin", "--role", "administrator", "--password", "long enough pw")
    cli("--user", "admin", "users", "add", "mgr", "--role", "board_manager", "--password", "long enough pw")
    ua1 = json.loads(cli("members", "list", "--body", "board", "-f", "json").stdout)[0]
    assert ua1["partner"] == "UA"
    member, ua_key, us_key = str(ua1["id"]), tmp_path / "ua-authority.key", tmp_path / "us-authority.key"
    alone = cli("--user", "admin", "users", "unlink", "mgr", "--member", member, ok=False)
    assert alone.exit_code == 1 and "is not linked to member" in alone.stderr
    cli("--user", "admin", "users", "link", "mgr", "--member", member, "--authority-key", str(ua_key))
    no_key = cli("--user", "admin", "users", "unlink", "mgr", "--member", member, ok=False)
    assert no_key.exit_code == 1 and "UA's authority key" in no_key.stderr
    wrong = cli(
        "--user",
        "admin",
        "users",
        "unlink",
        "mgr",
        "--member",
        member,
        "--authority-key",
        str(us_key),
        ok=False,
    )
    assert wrong.exit_code == 1 and "not signed by UA's authority key" in wrong.stderr
    statement = tmp_path / "unlink.json"
    cli("--user", "admin", "users", "unlink", "mgr", "--member", member, "--prepare", str(statement))
    cli("authority", "sign", str(statement), "--key", str(ua_key))
    out = cli("--user", "admin", "authority", "submit", str(statement))
    assert f"user mgr is no longer member {member}" in out.stdout + out.stderr
    cli("--user", "admin", "users", "link", "mgr", "--member", member, "--authority-key", str(ua_key))
    again = cli(
        "--user", "admin", "users", "unlink", "mgr", "--member", member, "--authority-key", str(ua_key)
    )
    assert f"user mgr is no longer member {member}" in again.stdout + again.stderr
    report = json.loads(cli("--format", "json", "verify", ok=False).stdout)
    chain = next(r for r in report if r["check"] == "authority chain")
    assert chain["status"] != "FAILED", chain  # both links and both unlinkings trace to the authority key
