"""The CLI end to end on both backends: the everyday commands a new user tries first."""

import json


def test_trial_balance_of_new_fund_is_empty_and_verify_passes(cli):
    out = cli("--format", "json", "ledger", "trial-balance")
    assert json.loads(out.stdout) == []
    assert cli("verify").exit_code == 0


def test_user_error_exits_1_with_message_no_traceback(cli):
    r = cli(
        "ledger",
        "post",
        "--date",
        "2025-06-01",
        "--narration",
        "x",
        "--key",
        "k",
        "--posting",
        "Assets:Cash:USD 10 USD",
        "--posting",
        "Assets:Cash:UAH -10 USD",
        ok=False,
    )
    assert r.exit_code == 1
    assert "allows only UAH" in r.stderr
    assert "Traceback" not in r.stderr


def test_usage_error_exits_2(cli):
    r = cli("ledger", "balance", ok=False)
    assert r.exit_code == 2
