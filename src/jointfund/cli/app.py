"""Root of the `jointfund` command: global options, sub-commands, and error handling.

Exit codes: 0 ok, 1 user or data error (a message, never a traceback), 2 usage.
"""

from __future__ import annotations

import sys

import typer

from jointfund.errors import InputError, JointfundError

app = typer.Typer(
    name="jointfund",
    help="Run a co-owned, jointly managed natural-resource fund on one verifiable book of record.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    db: str = typer.Option(None, "--db", envvar="JOINTFUND_DB", show_envvar=True,
                           help="Database URL [default: sqlite:///jointfund.db in the working directory]."),
    fmt: str = typer.Option(None, "--format", "-f", help="Default output for commands that print data: table, json or csv."),
) -> None:
    if fmt is not None and fmt not in ("table", "json", "csv"):
        raise typer.BadParameter(f"expected table, json or csv, got {fmt!r}", param_hint="--format")
    ctx.obj = {"db": db, "format": fmt}


def _register() -> None:
    # Imported here so that `jointfund --help` stays one import away from each noun.
    from jointfund.cli import demo, fund, keys, ledger, terms

    app.add_typer(terms.app, name="terms")
    app.add_typer(ledger.app, name="ledger")
    app.add_typer(keys.app, name="keys")
    app.add_typer(fund.db_app, name="db")
    for command in fund.COMMANDS:
        app.command(command.__name__.rstrip("_").replace("_", "-"))(command)
    app.command("demo")(demo.demo)


_register()


def main() -> None:
    try:
        app(standalone_mode=False)
    except JointfundError as exc:
        text = exc.render() if isinstance(exc, InputError) else str(exc)
        sys.stderr.write(f"error: {text}\n")
        sys.exit(1)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - click's usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.Abort):
            sys.stderr.write("aborted\n")
            sys.exit(1)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(0)
