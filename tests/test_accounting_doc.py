"""docs/accounting.md says true things: its walk-through of a demo quarter is the demo book's, regenerated
here and compared, and it names every accounting policy key of the terms."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from jointfund.cli.app import app
from jointfund.fund import load
from jointfund.reports.walkthrough import BEGIN, END, walkthrough
from jointfund.store import db
from jointfund.terms.model import Accounting

DOC = Path(__file__).parents[1] / "docs" / "accounting.md"
QUARTER = "2026-Q1"


def test_the_doc_names_every_policy_key_of_the_terms() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key in Accounting.model_fields:
        assert f"`accounting.{key}`" in text, key
    for key in ("fund.base_currency", "capital.allocation_period", "contribution.rounding"):
        assert f"`{key}`" in text, key


def test_the_walkthrough_is_the_demo_book(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app, ["demo", "--dir", str(tmp_path / "demo")], env={"JOINTFUND_DB": None, "JOINTFUND_USER": None}
    )
    assert r.exit_code == 0, (r.stdout, r.stderr, r.exception)
    engine = db.make_engine(f"sqlite:///{(tmp_path / 'demo' / 'jointfund.db').resolve()}")
    with db.transaction(engine) as conn:
        expected = walkthrough(conn, load(conn), QUARTER)
    engine.dispose()
    text = DOC.read_text(encoding="utf-8")
    shown = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert shown == expected, (
        "docs/accounting.md has drifted from the demo book; regenerate its walk-through with "
        f"python -m jointfund.reports.walkthrough sqlite:///jointfund-demo/jointfund.db {QUARTER}"
    )
