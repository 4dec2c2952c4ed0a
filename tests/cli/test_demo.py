"""`jointfund demo`: builds, signs and verifies the demo fund, prints its book, and guards its directory."""

import json

import pytest
from conftest import Cli
from typer.testing import CliRunner

from jointfund.cli.app import app
from jointfund.demo.run import MARKER


def _demo(*args: str):  # noqa: ANN202
    """`jointfund demo` as a new user runs it: no --db, no JOINTFUND_DB."""
    return CliRunner().invoke(app, ["demo", *args], env={"JOINTFUND_DB": None, "JOINTFUND_USER": None})


def test_demo_runs_verifies_prints_the_book_and_reruns_in_its_own_directory(tmp_path):
    target = tmp_path / "demo"
    r = _demo("--dir", str(target))
    assert r.exit_code == 0, (r.stdout, r.stderr, r.exception)
    for title in ("Verification", "Trial balance", "Partners' capital"):
        assert title in r.stdout
    assert "FAILED" not in r.stdout
    assert "75,000,000.00" in r.stdout  # each partner's seed commitment, fully called and received
    # The register of the agreements' commitments: a consultation recorded met, and the 2034 alert.
    assert "Commitments of the agreements" in r.stdout
    assert (
        "alert: the security agreement ends 2034-06-13, before the reinvestment lock ends 2035-05-23"
        in r.stderr
    )
    assert "Try next" in r.stderr
    # Every command it suggests parses as typed: the serve line is run with --help appended.
    serve = next(
        line.split("#")[0].split()
        for line in r.stderr.splitlines()
        if " serve" in line and "jointfund" in line
    )
    assert serve[0] == "jointfund"
    shown = CliRunner().invoke(app, [*serve[1:], "--help"])
    assert shown.exit_code == 0 and "--port" in shown.stdout, (serve, shown.stdout, shown.stderr)
    assert (target / MARKER).exists() and (target / "jointfund.db").exists()
    keys = sorted(p.name for p in (target / "keys").iterdir())
    assert any(k.endswith(".key") for k in keys) and any(k.endswith(".pub") for k in keys)

    url = f"sqlite:///{(target / 'jointfund.db').resolve()}"
    cli = Cli(url)
    cli("verify")
    # A board member reads the succession's proposals in words, not the authority statement's fields.
    titles = [p["title"] for p in json.loads(cli("--format", "json", "proposals", "list").stdout)]
    assert not [t for t in titles if "public_pem" in t or " authority: " in t]
    assert any(t.endswith("steps down from UA seat 3 on the board") for t in titles)
    assert any(t.endswith("takes UA seat 3 on the board") for t in titles)
    checkpoints = json.loads(cli("--format", "json", "ledger", "checkpoints").stdout)
    assert len({c["partner"] for c in checkpoints}) == 2
    tb = json.loads(cli("--format", "json", "ledger", "trial-balance").stdout)
    totals = [r["balance"] for r in tb if r["account"] == "TOTAL"]
    assert totals and all(t == "0.00" for t in totals)
    # The funnel: 60+ applications, at least one resting at every stage, approved (agreement not yet
    # signed) and committed (no tranche yet) included.
    funnel = json.loads(cli("report", "pipeline", "--format", "json").stdout)["sections"][0]["rows"]
    assert funnel[0]["stage"] == "submitted" and funnel[0]["reached"] >= 60
    assert [r["stage"] for r in funnel if r["now"] < 1] == []
    now = {r["stage"]: r["now"] for r in funnel}
    assert (now["approved"], now["committed"]) == (1, 1) and sum(now.values()) == funnel[0]["reached"]
    consultation = json.loads(
        cli("commitments", "show", "security_2024.consultations", "--format", "json").stdout
    )
    assert (consultation["status"], consultation["due"]) == ("met", "2026-02-11")
    assert len(consultation["records"][0]["evidence"][0]) == 64
    tagged = json.loads(
        cli("commitments", "show", "security_2024.energy_security", "--format", "json").stdout
    )
    assert tagged["investments"] == [2]

    # The forecast starts from this book: investments at their latest valuations, with the cash the fund has
    # promised investees and not yet paid set aside beside them (issue 20).
    positions = json.loads(cli("--format", "json", "portfolio").stdout)
    held = [p for p in positions if p.get("investment", "").startswith("INV-")]
    value = sum(float(p["value"]) for p in held)
    undrawn = sum(float(p["undrawn"]) for p in held)
    assert undrawn > 0 and value > 0
    run = json.loads(
        cli("--format", "json", "forecast", "run", "urif-base.toml", "--paths", "100", "--years", "2").stdout
    )
    state = run["start_state"]
    assert state["source"] == "book" and state["undrawn_commitments"] == pytest.approx(undrawn)
    assert state["investments"] == pytest.approx(value + undrawn)

    # Due diligence: a list in each public format; APP-1's near-match cleared by a person, APP-19 blocked.
    lists = json.loads(cli("sanctions", "list", "--format", "json").stdout)
    assert sorted(v["format"] for v in lists) == ["ofac_sdn", "opensanctions"] and all(
        v["current"] for v in lists
    )
    near = json.loads(cli("applications", "screenings", "1", "--format", "json").stdout)[-1]
    assert (near["hits"], near["outcome"], near["automatic"]) == (1, "cleared", False)
    blocked = json.loads(cli("applications", "screenings", "19", "--format", "json").stdout)[-1]
    assert (blocked["outcome"], blocked["automatic"]) == ("blocked", False)
    assert json.loads(cli("applications", "show", "19", "--format", "json").stdout)["stage"] == "submitted"

    # Running it again replaces the directory it made, leftovers included, with a fresh fund.
    (target / "leftover.txt").write_text("from the first run")
    again = _demo("--dir", str(target))
    assert again.exit_code == 0, (again.stdout, again.stderr)
    assert not (target / "leftover.txt").exists()
    Cli(url)("verify")


def test_demo_refuses_a_non_empty_directory_it_did_not_make(tmp_path):
    target = tmp_path / "precious"
    target.mkdir()
    (target / "thesis.tex").write_text("years of work")
    r = _demo("--dir", str(target))
    assert r.exit_code == 1 and "is not a demo directory" in r.stderr
    assert sorted(p.name for p in target.iterdir()) == ["thesis.tex"]


def test_demo_on_postgresql_with_db(db_url, backend, tmp_path):
    if backend != "postgresql":
        pytest.skip("the default run above is the SQLite one")
    r = Cli(db_url)("demo", "--dir", str(tmp_path / "demo"))
    assert "Partners' capital" in r.stdout
    Cli(db_url)("verify")
