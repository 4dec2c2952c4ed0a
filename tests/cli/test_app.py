"""cli.app: the command table, built lazily, lists and runs exactly the commands it names.

`jointfund --help` must not import any command's module (that is what makes it fast), and a one-account
`ledger balance` must not import the data, web or report libraries. Both are checked in a fresh
interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from jointfund.cli import app as root

SRC = str(Path(root.__file__).resolve().parents[2])
# Heavy libraries no listing of commands needs; sqlalchemy, pydantic and rich are added for --help.
HEAVY = (
    "polars",
    "pyarrow",
    "numpy",
    "dask",
    "fastapi",
    "openpyxl",
    "pyxirr",
    "babel",
    "jinja2",
    "alembic",
    "uvicorn",
    "argon2",
    "pandas",
)


def _modules_after(
    args: list[str], env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess, set]:
    """Run `jointfund ARGS` in a fresh interpreter; the modules it had imported when it exited."""
    code = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: sys.__stderr__.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + "
        "'\\n'))\n"
        "from jointfund.cli.app import main\n"
        f"sys.argv = ['jointfund', *{args!r}]\n"
        "main()\n"
    )
    run_env = {**os.environ, **(env or {}), "PYTHONPATH": SRC}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=run_env, timeout=120
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    return done, {m.split(".")[0] for m in json.loads(line.removeprefix("MODULES "))}


def test_every_line_of_the_table_is_a_command_with_that_help():
    for name, (_target, listed) in root.COMMANDS.items():
        command = root.load_command(name)
        assert command.name == name
        own = command.get_short_help_str(10**6)
        assert own == listed, f"COMMANDS[{name!r}] lists {listed!r}; the command's own help begins {own!r}"


def _help(group) -> str:  # noqa: ANN001 - the root click group
    return group.get_help(group.make_context("jointfund", ["verify"], terminal_width=100))


def test_the_listing_is_the_same_before_and_after_every_command_is_loaded():
    lazy_group = typer.main.get_command(root.app)
    lazy = _help(lazy_group)
    assert lazy_group.commands.built == {}, "listing the commands built some of them"
    loaded_group = typer.main.get_command(root.app)
    for name in root.COMMANDS:
        loaded_group.get_command(None, name)
    assert set(loaded_group.commands.built) == set(root.COMMANDS)
    assert [ln.split()[0] for ln in lazy.split("Commands:")[1].splitlines() if ln.strip()] == list(
        root.COMMANDS
    )
    assert "The book of record" in lazy
    assert _help(loaded_group) == lazy


def test_sub_groups_keep_the_commands_other_modules_add():
    runner = CliRunner()
    users = runner.invoke(root.app, ["users", "--help"])
    report = runner.invoke(root.app, ["report", "--help"])
    assert {"token", "revoke-token", "tokens"} <= set(users.stdout.split())
    assert {"eiti", "statement", "portfolio", "html"} <= set(report.stdout.split())


def _leaves(command):  # noqa: ANN001, ANN202 - a click command or group
    subs = getattr(command, "commands", None)
    if subs is None:
        yield command
    else:
        for sub in subs.values():
            yield from _leaves(sub)


def test_every_text_option_and_argument_of_every_command_is_bounded():
    """Issue 19: every text field has a bound, stated once (bounds.MAX_TEXT_CHARS), with an error naming
    it."""
    group = typer.main.get_command(root.app)
    texts = [
        (c.name, p)
        for name in root.COMMANDS
        for c in _leaves(group.get_command(None, name))
        for p in c.params
        if getattr(p, "type_descriptor", None) is not None and p.type_descriptor.annotation is str
    ]
    assert len(texts) > 100 and ("correct", "reason") in [(c, p.name) for c, p in texts]
    unbounded = [(c, p.name) for c, p in texts if not getattr(p, "bounded", False)]
    assert unbounded == []


@pytest.mark.parametrize(
    "args",
    [
        [
            "fx",
            "correct",
            "--date",
            "2025-06-02",
            "--currency",
            "USD",
            "--rate",
            "41.8",
            "--reason",
            "x" * 10_001,
        ],
        ["licences", "correct", "L-1", "--field", "region", "--value", "x", "--reason", "a\x00b"],
        ["receipts", "list", "--licence", "L" * 10_001],
    ],
)
def test_a_text_option_beyond_its_bound_is_a_usage_error_naming_it(args):
    result = CliRunner().invoke(root.app, args)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    option = next(a for a in args if a.startswith("--") and args[args.index(a) + 1] in (args[-1],))
    assert f"Invalid value for '{option}'" in result.stderr
    assert (
        "longer than 10,000 characters (the bound of a text option)" in result.stderr
        or "contains a NUL character" in result.stderr
    )


def test_an_unknown_command_is_a_usage_error_with_a_suggestion():
    result = CliRunner().invoke(root.app, ["ledgr"])
    assert result.exit_code == 2
    assert "No such command 'ledgr'" in result.stderr and "'ledger'" in result.stderr


def test_help_imports_no_command_module_and_no_heavy_library():
    done, modules = _modules_after(["--help"])
    assert done.returncode == 0, done.stderr
    assert "Commands:" in done.stdout and "portfolio" in done.stdout
    heavy = modules & {*HEAVY, "sqlalchemy", "pydantic", "rich", "cryptography", "psycopg"}
    assert not heavy, f"jointfund --help imported {sorted(heavy)}"
    done, modules = _modules_after([])  # no arguments: the same listing (click's exit code 2)
    assert "Commands:" in done.stdout + done.stderr and not modules & {*HEAVY, "sqlalchemy"}


@pytest.mark.storage
def test_a_balance_imports_no_database_library_on_sqlite_and_sqlalchemy_only_on_postgresql(fund_url, backend):
    """Issue 12: a one-account balance starts fast because it imports neither SQLAlchemy (a SQLite fund is
    read with sqlite3 alone, store.quick) nor Pydantic (text options and flags are taken as given, cli.app),
    nor any data, web or report library. A PostgreSQL fund is read through SQLAlchemy, still without the
    rest."""
    done, modules = _modules_after(
        ["--format", "json", "ledger", "balance", "Assets"], {"JOINTFUND_DB": fund_url}
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    heavy = modules & {*HEAVY, "pydantic", "pydantic_core"}
    assert not heavy, f"jointfund ledger balance imported {sorted(heavy)}"
    if backend == "sqlite":
        assert not modules & {"sqlalchemy", "cryptography"} and "sqlite3" in modules
    else:
        assert "sqlalchemy" in modules
    # The same without --format: the table is drawn (rich), and an unknown account is one sentence, exit 1.
    done, modules = _modules_after(["ledger", "balance", "Nowhere"], {"JOINTFUND_DB": fund_url})
    assert done.returncode == 1 and "error: account: no account named Nowhere" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not modules & {*HEAVY, "pydantic"}
