"""The capital commands as a user runs them, on a fund whose clock (JOINTFUND_TODAY) stands where the test
needs it;
and capital accounts of a fund that also books hryvnia."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from jointfund.capital.accounts import capital_accounts
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db
from jointfund.store import tables as t

D = dt.date


def _users(cli):  # noqa: ANN001, ANN202
    """An administrator and a board manager: once a fund has users, every change names one."""
    cli("users", "add", "admin", "--role", "administrator", "--password", "long enough pw")
    cli("--user", "admin", "users", "add", "mgr", "--role", "board_manager", "--password", "long enough pw")
    return (lambda *a, **kw: cli("--user", "admin", *a, **kw)), (
        lambda *a, **kw: cli("--user", "mgr", *a, **kw)
    )


def _key_file(folio, name: str, tmp_path: Path) -> str:  # noqa: ANN001
    path = tmp_path / f"{name}.key"
    path.write_bytes(
        folio.keys[name].private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(path)


def test_calls_contributions_accounts_and_in_kind_from_the_command_line(
    folio, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    monkeypatch.setenv("JOINTFUND_TODAY", "2026-01-31")
    admin, manager = _users(cli)
    # Calls and contributions credit a partner's capital: a seated member countersigns each (not the asker).
    signer = folio.names["board"][1]
    cs = ["--countersign-as", signer, "--countersign-key", _key_file(folio, signer, tmp_path)]
    no_commitment = admin(
        "capital", "call", "--amount", "1.00", "--currency", "USD", "--reference", "EARLY", ok=False
    )
    assert no_commitment.exit_code == 1 and "no partner has a commitment in USD" in no_commitment.stderr
    for p in ("US", "UA"):
        admin(
            "capital",
            "commit",
            "--partner",
            p,
            "--amount",
            "75000000.00",
            "--currency",
            "USD",
            "--date",
            "2025-09-17",
            "--reference",
            f"SEED-{p}",
        )
    admin(
        "capital",
        "commit",
        "--partner",
        "US",
        "--amount",
        "75000000.00",
        "--currency",
        "USD",
        "--date",
        "2025-09-17",
        "--reference",
        "SEED-US",
    )  # the same commitment again: a no-op
    for args, said in (
        (("--partner", "XX", "--currency", "USD"), "partner: not a partner"),
        (("--partner", "US", "--currency", "GBP"), "currency: not a currency of the fund"),
        (("--partner", "US", "--currency", "USD", "--reference", "SEED-US"), "was recorded with"),
    ):
        bad = admin("capital", "commit", "--amount", "1.00", "--reference", "OTHER", *args, ok=False)
        assert bad.exit_code == 1 and said in bad.stderr and "Traceback" not in bad.stderr, (args, bad.stderr)
    assert (
        "may not capital.commit"
        in manager(
            "capital",
            "commit",
            "--partner",
            "US",
            "--amount",
            "1.00",
            "--currency",
            "USD",
            "--reference",
            "M",
            ok=False,
        ).stderr
    )
    lines = json.loads(
        admin(
            "capital",
            "call",
            "--amount",
            "10000000.01",
            "--currency",
            "USD",
            "--reference",
            "CALL-1",
            "--date",
            "2025-10-01",
            "--format",
            "json",
            *cs,
        ).stdout
    )
    assert {x["partner"]: x["amount"] for x in lines} == {"US": "5000000.01", "UA": "5000000.00"}
    admin(
        "capital",
        "contribute",
        "--call",
        "CALL-1-US",
        "--amount",
        "5000000.01",
        "--date",
        "2025-10-08",
        "--receipt",
        "B1",
        *cs,
    )
    over = admin(
        "capital",
        "contribute",
        "--call",
        "CALL-1-UA",
        "--amount",
        "5000000.01",
        "--receipt",
        "B2",
        *cs,
        ok=False,
    )
    assert over.exit_code == 1 and "5000000.00 USD outstanding" in over.stderr
    key = _key_file(folio, folio.names["board"][0], tmp_path)
    assert (
        "may not capital.call"
        in manager(
            "capital", "call", "--amount", "1.00", "--currency", "USD", "--reference", "X", ok=False
        ).stderr
    )
    pid = manager(
        "capital",
        "in-kind",
        "--partner",
        "US",
        "--description",
        "Interceptors",
        "--value",
        "1000.00",
        "--currency",
        "USD",
        "--date",
        "2025-12-01",
        "--reference",
        "MOD-9",
        "--funded-by",
        "us_funded",
        "--as",
        folio.names["board"][0],
        "--key",
        key,
        *cs,
    ).stdout.strip()
    kinds = json.loads(cli("capital", "in-kind-list", "--format", "json").stdout)
    assert (
        kinds[0]["reported"] == "1000.00"
        and kinds[0]["approved"] is None
        and kinds[0]["proposal"] == int(pid)
    )
    doc = json.loads(cli("capital", "accounts", "--as-of", "2026-01-31", "--format", "json").stdout)
    assert {a["partner"]: a["cash"] for a in doc["accounts"]} == {"US": "5000000.01", "UA": "5000000.00"}
    assert doc["nav"] == "10000000.01"


def test_distribute_is_refused_the_day_before_the_lock_ends_and_proposed_on_the_day(
    folio, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    folio.fund_cash()
    name = folio.names["board"][3]
    args = (
        "capital",
        "distribute",
        "--amount",
        "1000.00",
        "--currency",
        "USD",
        "--as",
        name,
        "--key",
        _key_file(folio, name, tmp_path),
    )
    monkeypatch.setenv("JOINTFUND_TODAY", "2035-05-22")
    _admin, manager = _users(cli)
    refused = manager(*args, ok=False)
    assert refused.exit_code == 1
    assert (
        "distributions are locked until 2035-05-23" in refused.stderr
        and "reinvestment period" in refused.stderr
    )
    monkeypatch.setenv("JOINTFUND_TODAY", "2035-05-23")
    pid = int(manager(*args).stdout.strip())
    shown = json.loads(cli("proposals", "show", str(pid), "--format", "json").stdout)
    assert (shown["proposal"]["kind"], shown["proposal"]["rule"]) == ("distribution", "unanimous")


def test_capital_in_hryvnia_is_carried_by_its_entries_and_no_rate_is_looked_up(folio) -> None:  # noqa: ANN001
    """A UAH revenue share counts at the functional amount its entry carries (the trading account's USD leg),
    and a
    period-end remeasurement entry is the FX line: the figures need no reference rate, and windows roll
    forward."""
    folio.fund_cash("1000.00", D(2025, 10, 1))
    terms = folio.terms
    cash_uah, trading = (
        terms.account_name("cash", currency="UAH"),
        terms.account_name("trading", currency="UAH"),
    )
    with db.write(folio.engine) as conn:  # no fx_rate row at all: a lookup would fail
        journal.post(
            conn,
            [
                Entry(
                    D(2026, 3, 31),
                    "UA revenue contribution at 41.50",
                    (
                        Posting(cash_uah, Decimal("415000.00"), "UAH"),
                        Posting(trading, Decimal("-415000.00"), "UAH"),
                        Posting(trading, Decimal("10000.00"), "USD"),
                        Posting(
                            terms.account_name("capital_revenue", partner="UA"), Decimal("-10000.00"), "USD"
                        ),
                    ),
                    "T-1",
                ),
                Entry(
                    D(2026, 6, 30),
                    "Remeasurement of UAH at 43.00",
                    (
                        Posting(trading, Decimal("-348.84"), "USD"),
                        Posting(terms.account_name("fx_unrealised"), Decimal("348.84"), "USD"),
                    ),
                    "FX-2026-Q2",
                ),
            ],
            folio.fund.start_date,
        )
    with db.transaction(folio.engine) as conn:
        assert conn.execute(select(t.fx_rate)).first() is None
        fc = capital_accounts(conn, folio.fund, D(2026, 6, 30))
        q1 = capital_accounts(conn, folio.fund, D(2026, 3, 31), D(2026, 1, 1))
        q2 = capital_accounts(conn, folio.fund, D(2026, 6, 30), D(2026, 4, 1))
    ua, us = fc.account("UA"), fc.account("US")
    assert ua.revenue == Decimal("10000.00")  # 415,000 UAH at 41.50 on the day it arrived, as its entry says
    assert fc.nav == Decimal("1000.00") + Decimal(
        "9651.16"
    )  # the call, and the hryvnia as remeasured at 43.00
    assert ua.fx + us.fx == Decimal(
        "-348.84"
    )  # the remeasurement entry, allocated by capital at the Q2 start
    assert (ua.fx, us.fx) == (Decimal("-332.98"), Decimal("-15.86"))  # 10,500 : 500 of capital on 2026-04-01
    assert fc.capital + fc.other_equity == fc.nav
    for p in terms.partner_codes:  # the first quarter closes where the second opens
        assert q1.account(p).closing == q2.account(p).opening
        assert q2.account(p).closing == fc.account(p).closing
