"""Storage details stay in store/ (issue 17): no module above it branches on the database backend, reaches
for the driver, or builds SQL out of an f-string."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "jointfund"
STORE = SRC / "store"  # the repository layer, and its migrations under it

# Asking which backend this is, or going under SQLAlchemy to the driver.
BACKEND = re.compile(
    r"\.dialect\.(name|paramstyle|driver)\b|exec_driver_sql|driver_connection|sqlalchemy\.dialects"
    r"|\bis_sqlite\(|\bpostgresql\.insert|\bsqlite\.insert"
)
# An SQL statement's opening words, in the capitals SQL is written in here (messages are not).
SQL = re.compile(
    r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE (TABLE|INDEX|TRIGGER)|DROP |COPY |SET "
    r"|PRAGMA )\b"
)


def problems(source: str, where: str) -> list[str]:
    """What in `source` puts a storage detail outside store/, each naming `where` and the line."""
    found = [
        f"{where}:{n}: asks which database this is or uses its driver: {line.strip()}"
        for n, line in enumerate(source.splitlines(), 1)
        if BACKEND.search(line.split("#", 1)[0])
    ]
    return found + f_string_sql(source, where)


def f_string_sql(source: str, where: str) -> list[str]:
    """Each f-string in `source` whose literal text reads as SQL, naming `where` and the line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            literal = "".join(
                v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
            if SQL.search(literal):
                found.append(f"{where}:{node.lineno}: builds SQL with an f-string")
    return found


def outside_store() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if STORE not in p.parents]


def test_no_module_outside_store_branches_on_the_backend_or_builds_sql_with_f_strings() -> None:
    found = [
        p for path in outside_store() for p in problems(path.read_text("utf-8"), str(path.relative_to(SRC)))
    ]
    assert found == []


def test_store_builds_no_sql_with_f_strings_either() -> None:  # issue 17: "No SQL is built with f-strings"
    # store/ may branch on the backend (that is what it is for), but its SQL, triggers and migrations
    # included, is literal text or rendered once from code constants (store/triggers.py).
    paths = sorted(STORE.rglob("*.py"))
    assert STORE / "triggers.py" in paths and STORE / "db.py" in paths
    found = [p for path in paths for p in f_string_sql(path.read_text("utf-8"), str(path.relative_to(SRC)))]
    # SQLite's PRAGMA takes no bound parameter: its value, an int of a module constant, is the one exception.
    assert [p for p in found if not p.startswith("store/db.py:")] == []
    assert len(found) == 1, found


def test_the_scan_covers_the_domain_modules_and_skips_store() -> None:
    scanned = {str(p.relative_to(SRC)) for p in outside_store()}
    assert {"revenue/book.py", "revenue/accrual.py", "ledger/journal.py", "verify/log.py"} <= scanned
    assert not any(p.startswith("store/") for p in scanned)


@pytest.mark.parametrize(
    "bad",
    [
        'if conn.dialect.name == "sqlite":\n    pass\n',
        "x = conn.dialect.paramstyle\n",
        'conn.exec_driver_sql("SELECT 1")\n',
        "cur = conn.connection.driver_connection.cursor()\n",
        "from sqlalchemy.dialects import postgresql\n",
        "persist = not db.is_sqlite(engine)\n",
        'sql = f"SELECT {columns} FROM {table}"\n',
        'sql = f"INSERT INTO {t} (a) VALUES (?)"\n',
        'q = text(f"UPDATE {t} SET a = 1")\n',
        'q = f"DELETE FROM {t} WHERE a = {b}"\n',
        'op.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN {condition}")\n',
        'conn.exec_driver_sql(f"PRAGMA busy_timeout = {ms}")\n',
    ],
)
def test_each_storage_detail_is_caught(bad: str) -> None:
    assert problems(bad, "x.py")


@pytest.mark.parametrize(
    "fine",
    [
        'message = f"select {name} from the list"\n',
        "q = select(t.receipt).where(t.receipt.c.date == day)\n",
        'label = f"{kind} UPDATE refused"\n',
        "dialect: Dialect = Dialect()\n",
    ],
)
def test_domain_code_that_is_not_a_storage_detail_passes(fine: str) -> None:
    assert problems(fine, "x.py") == []
