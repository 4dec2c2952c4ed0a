"""terms.loader: a fund created on a version-1 terms file (before [accounting]) still loads after an upgrade:
the keys version 2 added come from the shipped terms, and `terms show` says which."""

import tomllib

import pytest

from jointfund.errors import InputError
from jointfund.terms import load_text, shipped_text, terms_in_force
from jointfund.terms.loader import LATER_KEYS, filled_keys


def _version_1() -> str:
    """The shipped terms as a version-1 file had them: no [accounting], no plausible rates, no daily
    change."""
    lines, skipping = [], False
    for line in shipped_text().splitlines():
        if line.startswith("["):
            skipping = line.strip() == "[accounting]"
        if skipping or line.startswith(("plausible_rates", "max_daily_change")):
            continue
        lines.append(line.replace("schema_version = 2", "schema_version = 1"))
    text = "\n".join(lines) + "\n"
    doc = tomllib.loads(text)
    assert "accounting" not in doc and "plausible_rates" not in doc["fx"], (
        "the fixture must really be version 1"
    )
    return text


def test_a_version_1_file_loads_with_the_later_keys_from_the_shipped_terms():
    old = _version_1()
    terms = load_text(old, "old fund terms")
    shipped = load_text(shipped_text(), "urif.toml")
    assert terms.schema_version == 1
    assert terms.accounting == shipped.accounting
    assert terms.fx == shipped.fx
    assert terms_in_force(old, terms.fund.entry_into_force).accounting == shipped.accounting
    assert filled_keys(old) == [".".join(p) for p in LATER_KEYS[2]]
    assert filled_keys(shipped_text()) == []


def test_a_version_2_file_must_state_the_accounting_policies():
    text = _version_1().replace("schema_version = 1", "schema_version = 2")
    with pytest.raises(InputError) as caught:
        load_text(text, "new.toml")
    assert "accounting" in str(caught.value)


@pytest.mark.storage
def test_an_upgraded_fund_of_version_1_terms_runs_and_says_where_its_policies_come_from(db_url, tmp_path):
    from conftest import Cli

    path = tmp_path / "old.toml"
    path.write_text(_version_1(), encoding="utf-8")
    cli = Cli(db_url)
    cli("init", "--terms", str(path))
    shown = cli("terms", "show")
    assert "accounting, fx.plausible_rates, fx.max_daily_change come from the terms shipped" in shown.output
    assert cli("verify").exit_code == 0
