"""`jointfund terms show|check` and `jointfund init --terms` on both backends."""

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from conftest import Cli
from support import cli_countersign

from jointfund import clock
from jointfund.terms import shipped_text

NORTH = Path(__file__).parents[1] / "terms" / "data" / "north.toml"


def _psa_bonus_state(rows: list[dict]) -> str:
    return next(r["value"] for r in rows if r["section"] == "contribution" and r["item"] == "psa_bonus")


def test_terms_show_as_of_in_csv_json_and_table(cli):
    before = list(
        csv.DictReader(io.StringIO(cli("terms", "show", "--as-of", "2025-12-09", "--format", "csv").stdout))
    )
    on = list(
        csv.DictReader(io.StringIO(cli("terms", "show", "--as-of", "2025-12-10", "--format", "csv").stdout))
    )
    assert _psa_bonus_state(before).endswith("(not yet in force)")
    assert _psa_bonus_state(on).endswith("(in force)")
    assert any(r["item"] == "covered (57)" for r in on)

    doc = json.loads(cli("terms", "show", "--as-of", "2025-12-10", "--format", "json").stdout)
    assert doc["as_of"] == "2025-12-10"
    assert doc["fund"]["entry_into_force"] == "2025-05-23"
    assert {s["code"]: s["in_force_from"] for s in doc["contribution"]["streams"]}[
        "psa_bonus"
    ] == "2025-12-10"

    table = cli("terms", "show", "--as-of", "2025-12-10").stdout
    assert "terms in force on 2025-12-10" in table and "psa_bonus" in table


def test_terms_show_refuses_a_bad_date(cli):
    r = cli("terms", "show", "--as-of", "2025-13-01", ok=False)
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.stderr


def test_terms_check_accepts_a_valid_file(cli):
    r = cli("terms", "check", str(NORTH))
    assert r.exit_code == 0 and "North Atlantic Resource Fund" in r.stderr


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "reinvestment_period_years = 10",
            'reinvestment_period_years = "ten"',
            "(distributions.reinvestment_period_years): Input should be a valid integer",
        ),
        ('code = "URIF"', 'code = "URIF', "not valid TOML"),
        (
            'partner = "UA"\nrounding',
            'partner = "XX"\nrounding',
            "(contribution.partner): 'XX' is not a partner",
        ),
    ],
)
def test_terms_check_exits_1_naming_key_and_line(cli, tmp_path, old, new, says):
    bad = tmp_path / "bad.toml"
    bad.write_text(shipped_text().replace(old, new, 1), encoding="utf-8")
    r = cli("terms", "check", str(bad), ok=False)
    assert r.exit_code == 1
    assert f"{bad}:" in r.stderr and says in r.stderr
    assert "Traceback" not in r.stderr


def test_init_with_other_terms_then_refuses_a_second_init(db_url, monkeypatch, tmp_path):
    # The other fund starts in 2030: a real fund posts nothing dated after today, so the test stands in 2031
    # (a
    # test-only move of the server's clock; an operator has none: JOINTFUND_TODAY is refused on a real fund).
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2031, 1, 2, 12, tzinfo=dt.UTC))
    cli = Cli(db_url)
    cli("init", "--terms", str(NORTH))
    shown = json.loads(cli("terms", "show", "--as-of", "2031-06-01", "--format", "json").stdout)
    assert shown["fund"]["code"] == "NORCA"
    assert {s["code"]: s["share"] for s in shown["contribution"]["streams"]}["royalty"] == "0.45"
    accounts = json.loads(cli("ledger", "accounts", "--format", "json").stdout)
    assert {a["account"] for a in accounts} >= {
        "Assets:Bank:CAD",
        "Assets:Bank:NOK",
        "Equity:Partners:NO:Paid",
        "Equity:Partners:CA:Paid",
        "Equity:Exchange:CAD",
        "Equity:Exchange:NOK",
    }
    assert not any("USD" in a["account"] or "UAH" in a["account"] for a in accounts)
    # The other agreement's currencies and start date rule its book.
    cli(
        "ledger",
        "post",
        "--date",
        "2030-03-01",
        "--narration",
        "seed",
        "--key",
        "k1",
        "--posting",
        "Assets:Bank:NOK 1000.00 NOK",
        "--posting",
        "Equity:Partners:NO:Paid -1000.00 NOK",
        *cli_countersign(cli, tmp_path, "no-council-1", partner="NO", body="council"),
    )
    early = cli(
        "ledger",
        "post",
        "--date",
        "2030-02-28",
        "--narration",
        "too early",
        "--key",
        "k2",
        "--posting",
        "Assets:Bank:NOK 1.00 NOK",
        "--posting",
        "Equity:Partners:NO:Paid -1.00 NOK",
        ok=False,
    )
    assert early.exit_code == 1 and "before the fund exists (it starts 2030-03-01)" in early.stderr
    cli("verify")

    again = cli("init", ok=False)
    assert again.exit_code == 1 and "already holds a fund" in again.stderr
    assert json.loads(cli("terms", "show", "--format", "json").stdout)["fund"]["code"] == "NORCA"


def test_init_refuses_a_malformed_terms_file_and_creates_nothing(db_url, tmp_path):
    cli = Cli(db_url)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        NORTH.read_text().replace('base_currency = "CAD"', 'base_currency = "CAD"\ncolour = "red"')
    )
    r = cli("init", "--terms", str(bad), ok=False)
    assert r.exit_code == 1 and "(fund.colour): unknown key" in r.stderr
    status = cli("ledger", "trial-balance", ok=False)
    assert status.exit_code == 1 and "no fund in this database" in status.stderr
    missing = cli("init", "--terms", str(tmp_path / "absent.toml"), ok=False)
    assert missing.exit_code == 1 and "cannot read terms file" in missing.stderr
