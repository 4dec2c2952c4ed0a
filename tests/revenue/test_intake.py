"""Importing receipts accrues them, through one service (revenue.intake) that the CLI, the API and the demo
share (issue 17): on both backends, a good file is imported and accrued in one transaction, a refused
file leaves neither a receipt nor an accrual, and no surface accrues on its own."""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

import jointfund
from jointfund.errors import InputError
from jointfund.fund import load
from jointfund.revenue import imports, intake
from jointfund.revenue.accrual import KEY_PREFIX, accrue
from jointfund.store import db
from jointfund.store import tables as t

from .conftest import store_without_import, write
from .test_imports import RECEIPTS

SRC = Path(jointfund.__file__).parent


def _count(conn, table) -> int:  # noqa: ANN001
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_import_receipts_imports_and_accrues_in_one_transaction(fund_engine, licences_csv, tmp_path) -> None:  # noqa: ANN001
    with db.write(fund_engine) as conn:
        info = load(conn)
        intake.import_file(conn, info, "licences", licences_csv, "test")
        done = intake.import_receipts(conn, info, write(tmp_path, "r.csv", RECEIPTS), "test")
    assert done.accrued is not None
    assert (done.result.new, done.accrued.posted) == (4, 2)  # are eligible; see test_imports
    assert done.summary() == {**done.result.counts(), "accrued": 2, "reversals": 0, "rounding_entries": 0}
    assert "fresh" not in done.summary()  # the new rows' ids are for the accrual, not for people
    assert done.result.fresh == (("R-1",), ("R-2",), ("R-3",), ("R-4",))
    with db.transaction(fund_engine) as conn:  # listed, privately, by the position of the import's event
        listed = conn.execute(select(t.receipt_import.c.receipt_id, t.event.c.action).join(t.event)).all()
    assert sorted(listed) == [(f"R-{n}", "receipts.import") for n in range(1, 5)]
    with db.write(fund_engine) as conn:  # again: nothing new, nothing accrued twice
        again = intake.import_file(conn, load(conn), "receipts", write(tmp_path, "r.csv", RECEIPTS), "test")
    assert again.accrued is not None and (again.result.new, again.accrued.posted) == (0, 0)


def _accrued(conn) -> set[str]:  # noqa: ANN001
    keys = conn.execute(select(t.entry.c.key).where(t.entry.c.key.startswith(KEY_PREFIX))).scalars()
    return {k.removeprefix(KEY_PREFIX) for k in keys}


@pytest.mark.parametrize("plain", [True, False], ids=["column-wise", "row by row"])
def test_an_import_accrues_the_receipts_it_brought_and_reads_no_other(
    fund_engine, licences_csv, tmp_path, plain: bool
) -> None:  # noqa: ANN001
    """Issue 13: an upload's accrual follows its own size. A receipt stored some other way is left to the
    catch-up (`accrue` without `only`), which an import of more receipts than it lists also runs."""
    text = RECEIPTS if plain else RECEIPTS.replace(",", ";")  # a semicolon file goes row by row
    with db.write(fund_engine) as conn:
        info = load(conn)
        intake.import_file(conn, info, "licences", licences_csv, "test")
        store_without_import(conn, "R-ELSEWHERE", dt.date(2025, 6, 6), 70000)
        done = intake.import_receipts(conn, info, write(tmp_path, "r.csv", text), "test")
        assert done.result.fresh == (("R-1",), ("R-2",), ("R-3",), ("R-4",))
        assert done.accrued is not None and (done.accrued.receipts, done.accrued.posted) == (4, 2)
        assert _accrued(conn) == {"R-1", "R-3"}
        caught_up = accrue(conn, info)
        assert (caught_up.receipts, caught_up.posted) == (3, 1)  # owe nothing: judged, no entry
        assert _accrued(conn) == {"R-1", "R-3", "R-ELSEWHERE"}


def test_an_import_of_more_receipts_than_it_lists_sweeps_the_book(
    fund_engine, licences_csv, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setattr(imports, "MAX_FRESH_LISTED", 3)
    with db.write(fund_engine) as conn:
        info = load(conn)
        intake.import_file(conn, info, "licences", licences_csv, "test")
        store_without_import(conn, "R-ELSEWHERE", dt.date(2025, 6, 6), 70000)
        done = intake.import_receipts(conn, info, write(tmp_path, "r.csv", RECEIPTS), "test")
        assert done.result.new == 4 and done.result.fresh is None
        assert _count(conn, t.receipt_import) == 0  # a file of many is not listed
        assert done.accrued is not None and (done.accrued.receipts, done.accrued.posted) == (5, 3)
        assert _accrued(conn) == {"R-1", "R-3", "R-ELSEWHERE"}


def test_a_refused_receipts_file_leaves_no_receipt_and_no_accrual(
    fund_engine, licences_csv, tmp_path
) -> None:  # noqa: ANN001
    with db.write(fund_engine) as conn:
        intake.import_file(conn, load(conn), "licences", licences_csv, "test")
    bad = write(tmp_path, "bad.csv", RECEIPTS.replace("2025-06-04", "2025-06-31"))
    with pytest.raises(InputError, match="bad.csv:4:date"), db.write(fund_engine) as conn:
        intake.import_receipts(conn, load(conn), bad, "test")
    with db.transaction(fund_engine) as conn:
        accruals = select(func.count()).where(t.entry.c.key.startswith(KEY_PREFIX))
        assert _count(conn, t.receipt) == 0 and conn.execute(accruals).scalar_one() == 0


def test_the_cli_imports_receipts_through_the_service(cli, licences_csv, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    calls = []
    real = intake.import_receipts

    def spy(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        calls.append(args[2])
        return real(*args, **kw)

    monkeypatch.setattr(intake, "import_receipts", spy)
    cli("licences", "import", str(licences_csv))
    assert calls == []  # licences are only imported
    out = json.loads(
        cli("receipts", "import", str(write(tmp_path, "r.csv", RECEIPTS)), "--format", "json").stdout
    )
    assert [p.name for p in calls] == ["r.csv"] and out[0]["accrued"] == 2


@pytest.mark.parametrize(
    "module",
    # The API's upload jobs import in api/uploads.py (its revenue router starts them).
    ["cli/receipts.py", "cli/imports.py", "api/uploads.py", "demo/revenue.py", "revenue/dry_run.py"],
)
def test_no_surface_accrues_on_its_own(module: str) -> None:
    """The rule "importing receipts accrues them" is the service's: a surface that called `accrue` itself
    (or built the receipts' import kind) would be a second copy of it."""
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    called = {
        n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
    }
    assert not called & {"accrue", "receipts_kind"}, module
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}
    assert used & {"import_receipts", "import_file", "RECEIPTS"}, f"{module} does not import through intake"
